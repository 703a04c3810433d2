//! `/api/v1/me/addresses`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use garde::Validate;
use identity::addresses::{Address, AddressChanges, NewAddress};
use kernel::{InvalidInput, PersonName, Phone, Pincode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::Parsed;
use crate::http::params::keep;
use crate::state::AddressService;
use crate::views::FromWire;
use api_types::addresses::NewAddress as AddressBody;

use crate::views::address::{country, line, optional_line};

/// `Address` on the wire.
#[derive(Debug, Serialize)]
struct AddressView {
    id: Uuid,
    name: String,
    phone: String,
    company: Option<String>,
    line1: String,
    line2: Option<String>,
    city: String,
    state: String,
    pincode: String,
    country: String,
    is_default: bool,
}

impl From<Address> for AddressView {
    fn from(a: Address) -> Self {
        AddressView {
            id: a.id,
            name: a.name,
            phone: a.phone,
            company: a.company,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            pincode: a.pincode,
            country: a.country,
            is_default: a.is_default,
        }
    }
}

#[derive(Debug, Deserialize, Validate)]
pub struct AddressPatch {
    #[garde(length(chars, min = 1, max = 100))]
    name: Option<String>,
    #[garde(length(chars, min = 1, max = 32))]
    phone: Option<String>,
    #[garde(length(chars, max = 100))]
    company: Option<String>,
    #[garde(length(chars, min = 1, max = 200))]
    line1: Option<String>,
    #[garde(length(chars, max = 200))]
    line2: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    city: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    state: Option<String>,
    #[garde(length(chars, min = 1, max = 16))]
    pincode: Option<String>,
    #[garde(length(chars, min = 2, max = 2))]
    country: Option<String>,
    #[garde(skip)]
    is_default: Option<bool>,
}

impl FromWire<AddressPatch> for AddressChanges {
    fn from_wire(body: AddressPatch) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let changes = AddressChanges {
            name: body.name.as_deref().and_then(|v| keep(PersonName::parse(v, "name"), &mut errors)),
            phone: body.phone.as_deref().and_then(|v| keep(Phone::parse(v, "phone"), &mut errors)),
            pincode: body.pincode.as_deref().and_then(|v| keep(Pincode::parse(v, "pincode"), &mut errors)),
            country: body.country.as_deref().and_then(|v| country(v, &mut errors)),
            company: body
                .company
                .as_deref()
                .map(|v| optional_line(Some(v), "company", &mut errors).unwrap_or_default()),
            line1: body.line1.as_deref().and_then(|v| line(v, "line1", &mut errors)),
            line2: body.line2.as_deref().map(|v| optional_line(Some(v), "line2", &mut errors).unwrap_or_default()),
            city: body.city.as_deref().and_then(|v| line(v, "city", &mut errors)),
            state: body.state.as_deref().and_then(|v| line(v, "state", &mut errors)),
            is_default: body.is_default,
        };
        if errors.is_empty() { Ok(changes) } else { Err(InvalidInput(errors)) }
    }
}

#[tracing::instrument(name = "route.list_addresses", skip_all, fields(user = %user.id))]
pub async fn list(user: AuthUser, book: web::Data<AddressService>) -> Result<HttpResponse, ApiError> {
    let items: Vec<AddressView> = book.list(user.id).await?.into_iter().map(AddressView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items })))
}

#[tracing::instrument(name = "route.add_address", skip_all, fields(user = %user.id))]
pub async fn add(
    user: AuthUser,
    body: Parsed<AddressBody, NewAddress>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.add(user.id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(AddressView::from(address)))
}

#[tracing::instrument(name = "route.change_address", skip_all, fields(user = %user.id))]
pub async fn change(
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Parsed<AddressPatch, AddressChanges>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.change(user.id, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(AddressView::from(address)))
}

#[tracing::instrument(name = "route.remove_address", skip_all, fields(user = %user.id))]
pub async fn remove(
    user: AuthUser,
    id: web::Path<Uuid>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    book.remove(user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
