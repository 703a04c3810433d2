//! Stock, for admins: `/admin/inventory` (levels), `…/adjustments` and `…/ledger`.

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most units one stock row may hold (and the largest adjustment either way).
pub const MAX_ON_HAND: i64 = 1_000_000_000;
/// The longest adjustment reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A product's stock. `available` = `on_hand` − `reserved` (units held by unpaid orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StockLevel {
    pub product_id: Uuid,
    /// `null` if the catalog no longer has the product.
    pub sku: Option<String>,
    /// `null` if the catalog no longer has the product.
    pub name: Option<String>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    /// At or below this many available units, the product is low on stock.
    pub low_stock_threshold: i64,
}

/// The query string of `GET /admin/inventory`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryQuery {
    /// Only products at or below their low-stock threshold (by available units); default
    /// `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_stock: Option<bool>,
    /// Only the products of this category (slug or id) and its sub-categories; blank
    /// counts as absent, an unknown one is refused (422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent or blank for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `PUT /admin/inventory/{product_id}`: sets the units on hand (a stock count). It may
/// not go below what is reserved (409 `conflict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"on_hand": 40, "low_stock_threshold": 5}))]
pub struct SetStock {
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[garde(range(min = 0, max = MAX_ON_HAND))]
    pub on_hand: i64,
    /// The new threshold; absent or `null` keeps the current one.
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[garde(range(min = 0, max = MAX_ON_HAND))]
    pub low_stock_threshold: Option<i64>,
}

/// `POST /admin/inventory/{product_id}/adjustments`: adds (or, negative, removes) units on
/// hand, with the reason kept in the ledger. On hand may not go below 0 nor below what is
/// reserved (409 `conflict`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"delta": -2, "reason": "Damaged in the warehouse"}))]
pub struct StockAdjustment {
    /// Units to add (positive) or remove (negative); not 0.
    #[schema(minimum = -1_000_000_000, maximum = 1_000_000_000)]
    #[garde(range(min = -MAX_ON_HAND, max = MAX_ON_HAND))]
    pub delta: i64,
    /// Why: 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    #[garde(length(chars, min = 1, max = MAX_REASON_CHARS))]
    pub reason: String,
}

/// What changed a stock row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKind {
    /// An admin set or adjusted the units on hand.
    Adjustment,
    /// An order reserved units.
    Reservation,
    /// An order's reservation was released (cancelled, expired, payment failed).
    Release,
    /// A paid order took its reserved units.
    Commit,
    /// Units were put on hand: a product's opening stock, or a paid order's units coming
    /// back.
    Restock,
}

/// One change to a product's stock, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LedgerEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: LedgerKind,
    /// The change of `on_hand` (or, for reservations and releases, of `reserved`).
    pub delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub reason: Option<String>,
    /// The order behind a reservation, release or commit.
    pub order_id: Option<Uuid>,
    /// Who made the change: an admin's user id, or `system`.
    pub actor: String,
}
