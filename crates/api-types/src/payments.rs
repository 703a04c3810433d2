//! `/admin/payments`: the store's record of each Razorpay payment, with every status
//! Razorpay reported for it, its refunds and the refunds Razorpay refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A Razorpay payment's status, as Razorpay names it. It only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RazorpayPaymentStatus {
    Created,
    Authorized,
    Captured,
    Refunded,
    Failed,
}

/// How much of a payment has been refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundExtent {
    Partial,
    Full,
}

/// Where the store heard of a payment's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusSource {
    /// A Razorpay webhook.
    Webhook,
    /// The store's own call to Razorpay's API.
    Api,
}

/// A Razorpay refund's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RazorpayRefundStatus {
    Pending,
    Processed,
    Failed,
}

/// One Razorpay payment, as the store recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRecord {
    pub razorpay_payment_id: String,
    pub razorpay_order_id: Option<String>,
    pub amount_paise: i64,
    pub currency: String,
    pub status: RazorpayPaymentStatus,
    /// Razorpay's payment method (`card`, `upi`, `netbanking`, `wallet` …).
    pub method: Option<String>,
    pub captured: bool,
    pub amount_refunded_paise: i64,
    pub refund_status: Option<RefundExtent>,
    pub email: Option<String>,
    pub contact: Option<String>,
    /// Razorpay's fee, GST included.
    pub fee_paise: Option<i64>,
    /// The GST in Razorpay's fee.
    pub tax_paise: Option<i64>,
    /// Why the payment failed, as Razorpay reported it.
    pub error: Option<PaymentFailure>,
    /// Flagged for an admin: an amount or currency that does not match its order, a
    /// payment that came for a lapsed order … (`flagged_reason` says which).
    pub flagged: bool,
    pub flagged_reason: Option<String>,
    pub flagged_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Every status Razorpay reported, in the order the store heard them.
    pub history: Vec<PaymentStatusReport>,
    /// Oldest first.
    pub refunds: Vec<PaymentRefund>,
    /// Refunds Razorpay refused: no Razorpay refund exists for them.
    pub refused_refunds: Vec<RefusedRefund>,
}

/// The error Razorpay reported for a failed payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentFailure {
    pub code: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub step: Option<String>,
    pub reason: Option<String>,
}

/// A status Razorpay reported for a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentStatusReport {
    pub status: RazorpayPaymentStatus,
    pub source: StatusSource,
    /// The webhook's `X-Razorpay-Event-Id`.
    pub event_id: Option<String>,
    /// The webhook's event, such as `payment.captured`.
    pub event_type: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A Razorpay refund of the payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentRefund {
    pub razorpay_refund_id: String,
    pub amount_paise: i64,
    pub currency: String,
    pub status: RazorpayRefundStatus,
    /// `normal` or `optimum`, as asked of Razorpay.
    pub speed_requested: Option<String>,
    /// How Razorpay sent it.
    pub speed_processed: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A refund the store asked Razorpay for and Razorpay refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RefusedRefund {
    pub amount_paise: i64,
    pub receipt: Option<String>,
    /// Razorpay's description of why.
    pub reason: String,
    pub refused_at: DateTime<Utc>,
}

/// The query string of `GET /admin/payments`. A blank value is the same as an absent one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    /// Only payments in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RazorpayPaymentStatus>,
    /// `true`: only payments flagged for an admin; `false`: only the others (`1` and `0`
    /// are taken too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flagged: Option<bool>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent or blank for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
