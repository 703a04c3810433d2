//! `/api/v1/me/addresses`.

use actix_web::{HttpResponse, web};
use garde::Validate;
use identity::addresses::{Address, AddressChanges, NewAddress};
use kernel::{FieldError, InvalidInput, PersonName, Phone, Pincode};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::keep;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::startup::AddressService;

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

/// Also the `shipping_address` of `POST /orders` (serialised for its idempotency
/// fingerprint).
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct AddressBody {
    #[garde(length(chars, min = 1, max = 100))]
    name: String,
    #[garde(length(chars, min = 1, max = 32))]
    phone: String,
    #[garde(length(chars, max = 100))]
    company: Option<String>,
    #[garde(length(chars, min = 1, max = 200))]
    line1: String,
    #[garde(length(chars, max = 200))]
    line2: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    city: String,
    #[garde(length(chars, min = 1, max = 100))]
    state: String,
    #[garde(length(chars, min = 1, max = 16))]
    pincode: String,
    #[garde(length(chars, min = 2, max = 2))]
    country: Option<String>,
    #[garde(skip)]
    is_default: Option<bool>,
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

/// A required line of an address: trimmed, not blank, on one line.
fn line(value: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        errors.push(FieldError::new(field, "must not be blank"));
        None
    } else if value.contains(['\n', '\r', '\t']) {
        errors.push(FieldError::new(field, "must be a single line"));
        None
    } else {
        Some(value.to_owned())
    }
}

/// An optional line of an address: blank is the same as absent.
fn optional_line(value: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).and_then(|v| line(v, field, errors))
}

fn country(raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Some(code)
    } else {
        errors.push(FieldError::new("country", "must be a two-letter country code such as IN"));
        None
    }
}

impl TryFrom<AddressBody> for NewAddress {
    type Error = InvalidInput;

    fn try_from(body: AddressBody) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let name = keep(PersonName::parse(&body.name, "name"), &mut errors);
        let phone = keep(Phone::parse(&body.phone, "phone"), &mut errors);
        let company = optional_line(body.company.as_deref(), "company", &mut errors);
        let line1 = line(&body.line1, "line1", &mut errors);
        let line2 = optional_line(body.line2.as_deref(), "line2", &mut errors);
        let city = line(&body.city, "city", &mut errors);
        let state = line(&body.state, "state", &mut errors);
        let pincode = keep(Pincode::parse(&body.pincode, "pincode"), &mut errors);
        let country = country(body.country.as_deref().unwrap_or("IN"), &mut errors);
        match (name, phone, line1, city, state, pincode, country) {
            (Some(name), Some(phone), Some(line1), Some(city), Some(state), Some(pincode), Some(country))
                if errors.is_empty() =>
            {
                Ok(NewAddress {
                    name,
                    phone,
                    company,
                    line1,
                    line2,
                    city,
                    state,
                    pincode,
                    country,
                    is_default: body.is_default.unwrap_or(false),
                })
            }
            _ => Err(InvalidInput(errors)),
        }
    }
}

impl TryFrom<AddressPatch> for AddressChanges {
    type Error = InvalidInput;

    fn try_from(body: AddressPatch) -> Result<Self, InvalidInput> {
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
    body: ValidJson<AddressBody>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.add(user.id, NewAddress::try_from(body.0)?).await?;
    Ok(HttpResponse::Created().json(AddressView::from(address)))
}

#[tracing::instrument(name = "route.change_address", skip_all, fields(user = %user.id))]
pub async fn change(
    user: AuthUser,
    id: web::Path<Uuid>,
    body: ValidJson<AddressPatch>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.change(user.id, id.into_inner(), AddressChanges::try_from(body.0)?).await?;
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
