//! Checkout: the customer's intent becomes one order per `Idempotency-Key`. It spans
//! identity (a saved address), orders (the order, placed in its own transaction, where the
//! key is attached to it) and idempotency (the answer kept for the key): a repeat of the
//! request is answered from the first, and a request that died after placing its order is
//! answered from that order, never placed twice.

use actix_web::http::StatusCode;
use idempotency::{Idempotency, IdempotencyKey};
use identity::addresses::NewAddress;
use kernel::gstin::{Gstin, is_india, state_code_of};
use kernel::{FieldError, InvalidInput, Quantity};
use orders::checkout::{LineRequest, PlaceOrder};
use orders::coupons::CouponCode;
use orders::model::{Billing, PaymentMethod, ShippingAddress};
use serde_json::Value;
use uuid::Uuid;

use crate::adapters::AttachToIdempotencyKey;
use crate::app::idempotent::idempotent;
use crate::error::ApiError;
use crate::state::{AddressService, OrdersService};
use crate::views::FromWire;
use crate::views::order::placed_json;
use api_types::addresses::NewAddress as AddressBody;
use api_types::orders::{Billing as BillingBody, PaymentMethod as PaymentMethodWire, PlaceOrder as PlaceOrderWire};

/// The idempotency scope of placing an order.
pub const PLACE_SCOPE: &str = "orders.place";

/// Places the order `body` asks for, once per `key`: 201 with `{order, payment}`, or the
/// answer kept for the key. Errors: every refusal of the request (422, 409 …), as
/// [`ApiError`]s; the key is then released.
#[tracing::instrument(name = "app.checkout", skip_all, fields(user = %user))]
pub async fn place_order(
    orders: &OrdersService,
    addresses: &AddressService,
    idempotency: &Idempotency,
    user: Uuid,
    key: &IdempotencyKey,
    body: PlaceOrderWire,
) -> Result<(StatusCode, Value), ApiError> {
    let request = fingerprinted(&body)?;
    let claimed_key = key.clone();
    idempotent(idempotency, user, PLACE_SCOPE, key, &request, |resume| async move {
        if let Some(order_id) = resume {
            let placed = orders.placed(user, order_id).await?.ok_or_else(ApiError::not_found)?;
            return Ok((StatusCode::CREATED, placed_json(placed)?));
        }
        let mut errors = Vec::new();
        let items = body.items.map(|items| {
            items
                .iter()
                .enumerate()
                .filter_map(|(i, line)| {
                    let quantity = Quantity::new(line.quantity, &format!("items[{i}].quantity"));
                    quantity
                        .map_err(|e| errors.extend(e.0))
                        .ok()
                        .map(|quantity| LineRequest { product_id: line.product_id, quantity })
                })
                .collect::<Vec<_>>()
        });
        let coupon = body.coupon_code.as_deref().map(|raw| CouponCode::parse(raw, "coupon_code"));
        let coupon = match coupon {
            Some(Err(_)) => return Err(ApiError::from(orders::coupons::CouponRejection::Invalid)),
            Some(Ok(code)) => Some(code),
            None => None,
        };
        let address = shipping_address(user, body.address_id, body.shipping_address, addresses, &mut errors).await?;
        let billing = billing(body.billing, &mut errors);
        if !errors.is_empty() {
            return Err(InvalidInput(errors).into());
        }
        let method = match body.payment_method {
            PaymentMethodWire::Razorpay => PaymentMethod::Razorpay,
            PaymentMethodWire::Cod => PaymentMethod::Cod,
        };
        // The order is attached to the key inside the checkout transaction.
        let attach = AttachToIdempotencyKey { user, scope: PLACE_SCOPE, key: &claimed_key };
        let request = PlaceOrder { user, items, coupon, method, shipping_address: address, billing };
        let placed = orders.place(request, &attach).await?;
        Ok((StatusCode::CREATED, placed_json(placed)?))
    })
    .await
}

/// What the `Idempotency-Key`'s fingerprint is taken of: the body as read (unknown
/// members dropped), every field present, `null` when not given, members in key order.
/// A stored key is answered for `retention.idempotency_key_hours` (then the cleanup job
/// purges it), so a change here would turn the retry of a request sent within that window
/// before a deploy into a 422 `idempotency_key_reused`; the test below pins the shape.
fn fingerprinted(body: &PlaceOrderWire) -> Result<Value, ApiError> {
    Ok(serde_json::to_value(body).map_err(anyhow::Error::from)?)
}

/// The business buyer's details, parsed: a GSTIN whose form, state code and check
/// character are right, a name on one line.
fn billing(body: Option<BillingBody>, errors: &mut Vec<FieldError>) -> Billing {
    let Some(body) = body else { return Billing::default() };
    let gstin = body
        .gstin
        .as_deref()
        .and_then(|raw| Gstin::parse(raw, "billing.gstin").map_err(|invalid| errors.extend(invalid.0)).ok());
    let legal_name = body.legal_name.and_then(|raw| {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            errors.push(FieldError::new("billing.legal_name", "must be 1 to 200 characters on one line"));
            return None;
        }
        Some(name.to_owned())
    });
    Billing { gstin, legal_name }
}

/// An address in India must name a state or union territory: its GST state code is the
/// tax invoice's place of supply.
fn check_state(address: &ShippingAddress, field: &str, errors: &mut Vec<FieldError>) {
    if is_india(&address.country) && state_code_of(&address.state).is_none() {
        errors.push(FieldError::new(field, "must be an Indian state or union territory"));
    }
}

/// An address as the order's snapshot.
fn snapshot(address: NewAddress) -> ShippingAddress {
    ShippingAddress {
        name: address.name.as_str().to_owned(),
        phone: address.phone.as_str().to_owned(),
        company: address.company,
        line1: address.line1,
        line2: address.line2,
        city: address.city,
        state: address.state,
        pincode: address.pincode.as_str().to_owned(),
        country: address.country,
    }
}

async fn shipping_address(
    user: Uuid,
    address_id: Option<Uuid>,
    inline: Option<AddressBody>,
    addresses: &AddressService,
    errors: &mut Vec<FieldError>,
) -> Result<Option<ShippingAddress>, ApiError> {
    if let Some(body) = inline {
        let address = NewAddress::from_wire(body)
            .map_err(|invalid| errors.extend(invalid.0.into_iter().map(|e| e.under("shipping_address"))))
            .ok()
            .map(snapshot);
        if let Some(address) = &address {
            check_state(address, "shipping_address.state", errors);
        }
        return Ok(address);
    }
    let Some(id) = address_id else { return Ok(None) };
    let found = addresses.list(user).await?.into_iter().find(|address| address.id == id);
    match found {
        Some(a) => {
            let address = ShippingAddress {
                name: a.name,
                phone: a.phone,
                company: a.company,
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                state: a.state,
                pincode: a.pincode,
                country: a.country,
            };
            check_state(&address, "address_id", errors);
            Ok(Some(address))
        }
        None => {
            errors.push(FieldError::new("address_id", "no such address of yours"));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The fingerprint's input is the shape `POST /orders` bodies were fingerprinted with
    /// before the body moved to `api_types` (`views::order::PlaceOrderBody`).
    #[test]
    fn the_fingerprint_is_taken_of_every_field_with_nulls_for_those_not_given() {
        let product = Uuid::nil();
        let sent = json!({"items": [{"product_id": product, "quantity": 2, "unit_price_paise": 1}],
            "payment_method": "cod", "shipping_address": {"name": "Asha Rao", "phone": "9876543210",
            "line1": "12 MG Road", "city": "Bengaluru", "state": "Karnataka", "pincode": "560001"}});
        let body: PlaceOrderWire = serde_json::from_value(sent).unwrap();
        assert_eq!(
            fingerprinted(&body).unwrap(),
            json!({"items": [{"product_id": product, "quantity": 2}], "address_id": null,
                "shipping_address": {"name": "Asha Rao", "phone": "9876543210", "company": null,
                    "line1": "12 MG Road", "line2": null, "city": "Bengaluru", "state": "Karnataka",
                    "pincode": "560001", "country": null, "is_default": null},
                "payment_method": "cod", "coupon_code": null})
        );
        let cart: PlaceOrderWire = serde_json::from_value(json!({"payment_method": "razorpay"})).unwrap();
        assert_eq!(
            fingerprinted(&cart).unwrap().to_string(),
            r#"{"address_id":null,"coupon_code":null,"items":null,"payment_method":"razorpay","shipping_address":null}"#
        );
    }
}
