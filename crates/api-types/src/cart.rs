//! `/cart`: the customer's server-side cart, priced by the server on every read.

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::builder::Platform;
use crate::catalog::Availability;
use crate::error::ErrorCode;

/// The most of one product a cart line (and an order line) may hold.
pub const MAX_LINE_QUANTITY: i64 = 10;

/// The cart, priced now: what the customer would pay at checkout (shipping aside).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cart {
    /// Loose lines and the lines of each build (those carry the build's `build_id`).
    pub items: Vec<CartLine>,
    /// PC builds added with `POST /cart/builds`: each a group of lines, removed whole.
    pub builds: Vec<CartBuild>,
    pub coupon: Option<CartCoupon>,
    pub subtotal_paise: i64,
    pub discount_paise: i64,
    pub tax_paise: i64,
    pub total_paise: i64,
    /// Units in the cart, over all lines.
    pub item_count: i64,
}

/// One product in the cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CartLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub image: Option<String>,
    /// The price of one unit before GST, after the product's own discount.
    pub unit_price_paise: i64,
    /// GST on one unit.
    pub tax_paise: i64,
    pub quantity: i64,
    /// This line's share of the coupon's discount.
    pub discount_paise: i64,
    /// GST on the whole line, after its share of the discount.
    pub line_tax_paise: i64,
    pub line_total_paise: i64,
    pub availability: Availability,
    /// Units that can be sold now.
    pub available: i64,
    /// The cart build (`builds[].id`) the line is part of; `null` for a loose line.
    pub build_id: Option<Uuid>,
}

/// A PC build in the cart. Its lines are in `items` with its `build_id`; they cannot be
/// changed one by one (`DELETE /cart/builds/{id}` removes the build whole). At checkout
/// they are ordered with the rest of the cart, all reserved together or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CartBuild {
    pub id: Uuid,
    pub platform: Platform,
    pub name: String,
    /// The saved build it was added from, if any.
    pub saved_build_id: Option<Uuid>,
    /// Its lines' totals, with GST, after their share of any coupon.
    pub total_paise: i64,
    pub item_count: i64,
}

/// The coupon applied to the cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CartCoupon {
    pub code: String,
    pub discount_paise: i64,
    /// Why the coupon gives nothing now (it is checked again on every read), else null.
    pub problem: Option<ErrorCode>,
}

/// `POST /cart/items`: add units of a product (added to any already in the cart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"product_id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "quantity": 1}))]
pub struct AddCartItem {
    #[garde(skip)]
    pub product_id: Uuid,
    #[garde(range(min = 1, max = MAX_LINE_QUANTITY))]
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: i64,
}

/// `PATCH /cart/items/{product_id}`: the line's new quantity; 0 removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct SetCartQuantity {
    #[garde(range(min = 0, max = MAX_LINE_QUANTITY))]
    #[schema(minimum = 0, maximum = 10)]
    pub quantity: i64,
}

/// `POST /cart/coupon`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"code": "DIWALI10"}))]
pub struct ApplyCoupon {
    #[garde(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub code: String,
}
