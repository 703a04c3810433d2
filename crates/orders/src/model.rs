//! An order as the domain hands it out.

use chrono::{DateTime, Utc};
use kernel::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::status::{CancelReason, OrderStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMethod {
    Razorpay,
    Cod,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Razorpay => "razorpay",
            PaymentMethod::Cod => "cod",
        }
    }
}

/// Where the order goes, as it was when the order was placed. Stored as a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    pub name: String,
    pub phone: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    pub pincode: String,
    pub country: String,
}

/// A business buyer's details for the tax invoice, given at checkout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Billing {
    pub gstin: Option<kernel::gstin::Gstin>,
    /// The buyer's registered name (1–200 characters).
    pub legal_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub image: Option<String>,
    pub unit_price: Money,
    /// GST on one unit, as the product page showed it.
    pub unit_tax: Money,
    pub quantity: i64,
    /// The line's share of the coupon discount.
    pub discount: Money,
    /// GST on the line after its discount.
    pub tax: Money,
    pub line_total: Money,
}

/// Where an order's payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Waiting for an online payment.
    Pending,
    /// Paid online.
    Captured,
    /// The online payment failed (or the order expired before it came).
    Failed,
    /// Paid online and refunded.
    Refunded,
    /// Cash on delivery: paid at the door.
    Cod,
}

impl PaymentStatus {
    /// The status as the API contract names it.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Captured => "captured",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Cod => "cod",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPayment {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub razorpay_order_id: Option<String>,
    pub razorpay_payment_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub refunded: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub description: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub order_number: String,
    pub user_id: Uuid,
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    pub items: Vec<OrderItem>,
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
    pub shipping: Money,
    pub total: Money,
    pub currency: String,
    pub coupon_code: Option<String>,
    pub shipping_address: Option<ShippingAddress>,
    pub payment: OrderPayment,
    pub shipment: Option<Shipment>,
    pub reservation_expires_at: Option<DateTime<Utc>>,
    pub history: Vec<HistoryEntry>,
    /// Set when the order needs an admin (a refund that failed); only admins see it.
    pub attention: Option<Attention>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Why an order needs an admin, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// What the storefront needs to open Razorpay's checkout for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub key_id: String,
    pub razorpay_order_id: String,
    pub amount: Money,
    pub currency: String,
}

/// An order just placed (or retried), with its payment request when paid online.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    pub order: Order,
    pub payment: Option<PaymentRequest>,
}

/// Why the store owes a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundKind {
    /// A payment the order could not take (a second payment, a late one): owed back
    /// whole, once per payment, and never counted as the order's money.
    Unwanted,
    /// What was left of the payment when a paid order was cancelled.
    Cancellation,
    /// An admin's refund, in part or whole.
    Admin,
    /// A refund made with a return.
    Return,
}

impl RefundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundKind::Unwanted => "unwanted",
            RefundKind::Cancellation => "cancellation",
            RefundKind::Admin => "admin",
            RefundKind::Return => "return",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [RefundKind::Unwanted, RefundKind::Cancellation, RefundKind::Admin, RefundKind::Return]
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

/// A refund as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    pub id: Uuid,
    pub order_id: Uuid,
    pub payment_id: String,
    pub amount: Money,
    pub status: crate::refunds::RefundStatus,
    pub kind: RefundKind,
    pub reason: String,
    pub razorpay_refund_id: Option<String>,
    /// Why the gateway refused it or reported it failed (or, while due, why the last try
    /// did not reach it).
    pub failure_reason: Option<String>,
    pub processed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Units of one product taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReturnedUnits {
    pub product_id: Uuid,
    pub quantity: i64,
}

/// Units the customer sent back, as an admin recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRecord {
    pub id: Uuid,
    pub order_id: Uuid,
    pub items: Vec<ReturnedUnits>,
    pub restock: bool,
    pub reason: String,
    pub refund_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}
