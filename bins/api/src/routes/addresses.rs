//! `/api/v1/me/addresses`.

use actix_web::{HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::addresses::{
    Address as AddressWire, AddressChanges as AddressChangesWire, AddressList, NewAddress as AddressBody,
};
use identity::addresses::{Address, AddressChanges, NewAddress};
use kernel::{InvalidInput, PersonName, Phone, Pincode};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::Parsed;
use crate::http::params::keep;
use crate::state::AddressService;
use crate::views::address::{country, line, optional_line};
use crate::views::{FromWire, ToWire};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, add, change, remove))]
pub struct Api;

impl ToWire for Address {
    type Wire = AddressWire;

    fn to_wire(self) -> AddressWire {
        AddressWire {
            id: self.id,
            name: self.name,
            phone: self.phone,
            company: self.company,
            line1: self.line1,
            line2: self.line2,
            city: self.city,
            state: self.state,
            pincode: self.pincode,
            country: self.country,
            is_default: self.is_default,
        }
    }
}

impl FromWire<AddressChangesWire> for AddressChanges {
    fn from_wire(body: AddressChangesWire) -> Result<Self, InvalidInput> {
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

/// The customer's saved addresses.
///
/// Every address at once (a customer has few); at most one has `is_default`.
#[utoipa::path(
    get, path = "/api/v1/me/addresses", tag = "addresses", operation_id = "list_addresses",
    responses((status = 200, description = "The saved addresses.", body = AddressList)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.list_addresses", skip_all, fields(user = %user.id))]
pub async fn list(user: AuthUser, book: web::Data<AddressService>) -> Result<HttpResponse, ApiError> {
    let items = book.list(user.id).await?.to_wire();
    Ok(HttpResponse::Ok().json(AddressList { items }))
}

/// Save an address.
///
/// A customer's first address is the default; `is_default: true` makes a later one the
/// default instead of the previous one. `country` defaults to `IN`; the phone is stored in
/// E.164 form. A refused body names every invalid field at once. A customer keeps at most
/// `limits.max_addresses_per_customer` addresses (20 by default).
#[utoipa::path(
    post, path = "/api/v1/me/addresses", tag = "addresses", operation_id = "add_address",
    request_body = AddressBody,
    responses(
        (status = 201, description = "The saved address.", body = AddressWire),
        (status = 409, description = "`conflict`: the customer already has the most addresses an account may \
            keep (`limits.max_addresses_per_customer`); one must be deleted first.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.add_address", skip_all, fields(user = %user.id))]
pub async fn add(
    user: AuthUser,
    body: Parsed<AddressBody, NewAddress>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.add(user.id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(address.to_wire()))
}

/// Change a saved address.
///
/// Only the fields sent change. `is_default: true` makes it the default (the previous
/// default stops being one). Another customer's address is 404.
#[utoipa::path(
    patch, path = "/api/v1/me/addresses/{id}", tag = "addresses", operation_id = "change_address",
    params(("id" = Uuid, Path, description = "The address.")),
    request_body = AddressChangesWire,
    responses((status = 200, description = "The address, changed.", body = AddressWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.change_address", skip_all, fields(user = %user.id))]
pub async fn change(
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Parsed<AddressChangesWire, AddressChanges>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    let address = book.change(user.id, id.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(address.to_wire()))
}

/// Delete a saved address.
///
/// When it was the default, another of the customer's addresses becomes the default.
/// Orders keep their own copy of the address they were shipped to. Another customer's
/// address is 404.
#[utoipa::path(
    delete, path = "/api/v1/me/addresses/{id}", tag = "addresses", operation_id = "remove_address",
    params(("id" = Uuid, Path, description = "The address.")),
    responses((status = 204, description = "Deleted.")),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.remove_address", skip_all, fields(user = %user.id))]
pub async fn remove(
    user: AuthUser,
    id: web::Path<Uuid>,
    book: web::Data<AddressService>,
) -> Result<HttpResponse, ApiError> {
    book.remove(user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
