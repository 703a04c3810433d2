//! Saved addresses: `/me/addresses`, and the `shipping_address` of an order.

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A saved address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "name": "Asha Rao",
    "phone": "+919876543210", "company": null, "line1": "12 MG Road", "line2": null,
    "city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "IN", "is_default": true}))]
pub struct Address {
    pub id: Uuid,
    pub name: String,
    /// E.164.
    pub phone: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    /// Six digits.
    pub pincode: String,
    /// A two-letter country code, upper case.
    pub country: String,
    /// At most one address of a user is the default.
    pub is_default: bool,
}

/// `GET /me/addresses`: every saved address of the customer (not paged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddressList {
    pub items: Vec<Address>,
}

/// The body of `POST /me/addresses`, and the `shipping_address` of `POST /orders`.
///
/// `country` is a two-letter code (default `IN`); `pincode` six digits (not starting with
/// 0); `phone` an E.164 number or a 10-digit Indian mobile number (taken as `+91`).
// `POST /orders` serialises it again for the order's idempotency fingerprint, so its
// serde form (absent fields written as `null`) must not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Asha Rao", "phone": "+919876543210", "line1": "12 MG Road",
    "city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "IN", "is_default": true}))]
pub struct NewAddress {
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[garde(length(chars, min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    pub phone: String,
    /// Blank is the same as absent.
    #[garde(length(chars, max = 100))]
    #[schema(max_length = 100)]
    pub company: Option<String>,
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub line1: String,
    /// Blank is the same as absent.
    #[garde(length(chars, max = 200))]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub city: String,
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub state: String,
    #[garde(length(chars, min = 1, max = 16))]
    #[schema(min_length = 1, max_length = 16)]
    pub pincode: String,
    /// Default `IN`.
    #[garde(length(chars, min = 2, max = 2))]
    #[schema(min_length = 2, max_length = 2)]
    pub country: Option<String>,
    /// Make this the default address (the previous default stops being one). Default false;
    /// a customer's first address is the default anyway.
    #[garde(skip)]
    pub is_default: Option<bool>,
}

/// `PATCH /me/addresses/{id}`: the fields to change, by the rules of `NewAddress`; an
/// absent (or null) field is left as it is. A blank `company` or `line2` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"line1": "14 MG Road", "is_default": true}))]
pub struct AddressChanges {
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[garde(length(chars, min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[garde(length(chars, max = 100))]
    #[schema(max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[garde(length(chars, max = 200))]
    #[schema(max_length = 200)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[garde(length(chars, min = 1, max = 16))]
    #[schema(min_length = 1, max_length = 16)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pincode: Option<String>,
    #[garde(length(chars, min = 2, max = 2))]
    #[schema(min_length = 2, max_length = 2)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `true` makes this the default address; `false` stops it being the default.
    #[garde(skip)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}
