//! `/admin/orders`: finding orders, moving them through their lifecycle (pack, ship with
//! tracking, deliver, cancel), returns, refunds in part or whole, and bulk cancellation.

use chrono::{DateTime, NaiveDate, Utc};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::orders::{Order, OrderStatus, PaymentMethod};
use crate::payments::PaymentRecord;

/// The most orders one bulk cancellation may name.
pub const MAX_BULK_CANCEL: usize = 100;

/// The most lines one return may name.
pub const MAX_RETURN_LINES: usize = 50;

/// An order as the admin sees it: the customer's [`Order`] and who placed it, every
/// Razorpay payment tried for it, its refunds and returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdminOrder {
    #[serde(flatten)]
    pub order: Order,
    pub customer: OrderCustomer,
    /// Every Razorpay payment recorded for the order, as in `GET /admin/payments`.
    pub payments: Vec<PaymentRecord>,
    /// Oldest first.
    pub refunds: Vec<Refund>,
    /// Oldest first.
    pub returns: Vec<Return>,
    /// The GST tax invoice's number, once the order is paid or confirmed.
    pub invoice_number: Option<String>,
    /// Set when something about the order needs an admin (a refund Razorpay failed …).
    pub attention: Option<OrderAttention>,
}

/// Who placed an order, as their account reads now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderCustomer {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// Why an order needs an admin, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderAttention {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// Where a refund stands: `due` (written, not yet taken by Razorpay), `sent` (Razorpay
/// took it), `processed` (Razorpay says the money is back), `failed` (Razorpay refused it
/// or reported it failed; it no longer counts against what was captured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    Due,
    Sent,
    Processed,
    Failed,
}

/// Money the store gives back through Razorpay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Refund {
    pub id: Uuid,
    pub amount_paise: i64,
    pub status: RefundStatus,
    pub reason: String,
    /// The payment refunded.
    pub razorpay_payment_id: String,
    pub razorpay_refund_id: Option<String>,
    /// Why Razorpay refused it or reported it failed.
    pub failure_reason: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Units of one product taken back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct ReturnLine {
    #[garde(skip)]
    pub product_id: Uuid,
    #[garde(range(min = 1, max = 10_000))]
    #[schema(minimum = 1, maximum = 10000)]
    pub quantity: i64,
}

/// Units the customer sent back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Return {
    pub id: Uuid,
    pub items: Vec<ReturnLine>,
    /// Whether the units went back on sale.
    pub restock: bool,
    pub reason: String,
    /// The refund made with the return, if any.
    pub refund_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// The query string of `GET /admin/orders`. A blank value is the same as an absent one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminOrderQuery {
    /// Only orders in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// An order number, or the customer's e-mail or phone (exact, case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Placed on or after this day (India Standard Time), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Placed on or before this day (India Standard Time), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<PaymentMethod>,
    /// `true`: only orders that need an admin (a failed refund …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<bool>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent or blank for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The body of `POST /admin/orders/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"status": "packed", "note": "Packed at the Bengaluru warehouse"}))]
pub struct StatusChange {
    #[garde(skip)]
    pub status: OrderStatus,
    /// Kept in the order's history.
    #[garde(length(chars, max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// The body of `POST /admin/orders/{id}/ship`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"carrier": "Delhivery", "tracking_number": "1234567890123",
    "tracking_url": "https://www.delhivery.com/track/package/1234567890123",
    "description": "1 box, 9.5 kg"}))]
pub struct ShipOrder {
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub carrier: String,
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub tracking_number: String,
    /// An `https://` (or `http://`) address.
    #[garde(length(chars, min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub tracking_url: Option<String>,
    #[garde(length(chars, max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// The body of `POST /admin/orders/{id}/returns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"items": [{"product_id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "quantity": 1}],
    "restock": true, "reason": "Customer changed their mind", "refund_paise": 1_179_882}))]
pub struct NewReturn {
    /// One line per product (a product named twice is refused).
    #[garde(length(min = 1, max = MAX_RETURN_LINES), dive)]
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<ReturnLine>,
    /// Put the units back on sale (ledger kind `restock`).
    #[garde(skip)]
    pub restock: bool,
    #[garde(length(chars, min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Refund this much with the return (online payments only).
    #[garde(range(min = 1))]
    #[schema(minimum = 1)]
    pub refund_paise: Option<i64>,
}

/// The body of `POST /admin/orders/{id}/refund`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"amount_paise": 250_000, "reason": "Price matched"}))]
pub struct NewRefund {
    /// Absent: everything captured that is not refunded or being refunded yet.
    #[garde(range(min = 1))]
    #[schema(minimum = 1)]
    pub amount_paise: Option<i64>,
    #[garde(length(chars, min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The body of `POST /admin/orders/bulk-cancel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"order_ids": ["0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11"], "reason": "Fraudulent"}))]
pub struct BulkCancel {
    /// 1 to 100 orders.
    #[garde(length(min = 1, max = MAX_BULK_CANCEL))]
    #[schema(min_items = 1, max_items = 100)]
    pub order_ids: Vec<Uuid>,
    #[garde(length(chars, min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// What became of one order of a bulk cancellation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BulkCancelOutcome {
    /// Cancelled now (a paid order is refunded in full).
    Cancelled,
    NotFound,
    /// The order cannot be cancelled (shipped or later, or cancelled already).
    InvalidTransition,
    /// Something went wrong; the order is unchanged and may be tried again.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkCancelItem {
    pub id: Uuid,
    pub outcome: BulkCancelOutcome,
}

/// The answer of `POST /admin/orders/bulk-cancel`, one item per order named, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkCancelResult {
    pub items: Vec<BulkCancelItem>,
}
