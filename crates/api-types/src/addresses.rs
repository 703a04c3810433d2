//! Saved addresses: `/me/addresses`, and the `shipping_address` of an order.

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The body of `POST /me/addresses`, and the `shipping_address` of `POST /orders`
/// (serialised again there, for the order's idempotency fingerprint).
///
/// `country` is a two-letter code (default `IN`); `pincode` six digits; `phone` an
/// Indian mobile number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Asha Rao", "phone": "+919876543210", "line1": "12 MG Road",
    "city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "IN", "is_default": true}))]
pub struct NewAddress {
    #[garde(length(chars, min = 1, max = 100))]
    pub name: String,
    #[garde(length(chars, min = 1, max = 32))]
    pub phone: String,
    #[garde(length(chars, max = 100))]
    pub company: Option<String>,
    #[garde(length(chars, min = 1, max = 200))]
    pub line1: String,
    #[garde(length(chars, max = 200))]
    pub line2: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    pub city: String,
    #[garde(length(chars, min = 1, max = 100))]
    pub state: String,
    #[garde(length(chars, min = 1, max = 16))]
    pub pincode: String,
    #[garde(length(chars, min = 2, max = 2))]
    pub country: Option<String>,
    #[garde(skip)]
    pub is_default: Option<bool>,
}
