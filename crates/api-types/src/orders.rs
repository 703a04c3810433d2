//! `/orders`: checkout (`POST /orders`), paying with Razorpay (verify, retry),
//! cancelling, and the customer's own orders.

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::addresses::NewAddress;
use crate::cart::MAX_LINE_QUANTITY;

/// The most lines one `POST /orders` may name in `items`.
pub const MAX_ORDER_LINES: usize = 50;

/// Where an order stands. The legal moves: `payment_pending` → `paid` | `payment_failed` |
/// `cancelled`; `payment_failed` → `payment_pending` | `cancelled`; `paid` | `confirmed` →
/// `packed` | `cancelled`; `packed` → `shipped` | `cancelled`; `shipped` → `delivered` |
/// `returned`; `delivered` → `returned`; `cancelled` (when paid) | `returned` → `refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed for online payment; its stock is held until `reservation_expires_at`.
    PaymentPending,
    /// Cash on delivery: placed, its stock taken at once.
    Confirmed,
    /// Paid online; its stock taken.
    Paid,
    Packed,
    Shipped,
    Delivered,
    /// The online payment failed; the order may be paid again (`POST /orders/{id}/payment/retry`).
    PaymentFailed,
    /// Cancelled by the customer or an admin, or because its reservation expired unpaid.
    Cancelled,
    Returned,
    Refunded,
}

/// How an order is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Online, through Razorpay's checkout.
    Razorpay,
    /// Cash on delivery: needs a shipping address and a total of at most `cod_max_paise`.
    Cod,
}

/// Where an order's payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Waiting for the online payment.
    Pending,
    /// Paid online.
    Captured,
    /// The online payment failed (or the order lapsed before it came).
    Failed,
    /// Paid online and refunded.
    Refunded,
    /// Cash on delivery: paid at the door.
    Cod,
}

/// An order: what was bought, at the prices of the moment it was placed (later catalog
/// changes never change it), where it goes, and how it is paid and shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    /// Unique and human-readable, such as `RM-20261121-000123` (at most 40 characters; the
    /// Razorpay `receipt`).
    pub order_number: String,
    pub status: OrderStatus,
    pub items: Vec<OrderItem>,
    /// The lines before GST and the coupon.
    pub subtotal_paise: i64,
    /// The coupon's discount.
    pub discount_paise: i64,
    /// GST, after the discount.
    pub tax_paise: i64,
    pub shipping_paise: i64,
    /// What the customer pays.
    pub total_paise: i64,
    /// `INR`.
    pub currency: String,
    /// The coupon applied, as stored (upper case).
    pub coupon_code: Option<String>,
    /// Where the order goes, as it was when the order was placed.
    pub shipping_address: Option<ShippingAddress>,
    pub payment: OrderPayment,
    /// Set once the order is shipped.
    pub shipment: Option<Shipment>,
    /// For `payment_pending`: when the held stock is let go and the order cancelled unless
    /// it is paid by then.
    pub reservation_expires_at: Option<DateTime<Utc>>,
    /// Every status the order has had, oldest first.
    pub history: Vec<OrderEvent>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One product of an order: a snapshot taken when the order was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderItem {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: String,
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
}

/// The address an order goes to, copied into the order when it was placed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ShippingAddress {
    pub name: String,
    pub phone: String,
    pub company: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: String,
    /// Six digits.
    pub pincode: String,
    /// A two-letter country code.
    pub country: String,
}

/// How an order is paid, and where its payment stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderPayment {
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    /// The Razorpay order of the current payment attempt (online payment only).
    pub razorpay_order_id: Option<String>,
    /// The Razorpay payment that paid the order, once it is paid.
    pub razorpay_payment_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    /// What has been refunded so far.
    pub refunded_paise: i64,
}

/// How the order travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shipment {
    pub carrier: String,
    pub tracking_number: String,
    /// Where the customer can follow the parcel, when the courier has such a page.
    pub tracking_url: Option<String>,
    pub description: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A status the order took, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrderEvent {
    pub status: OrderStatus,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The answer of `POST /orders` and `POST /orders/{id}/payment/retry`: the order, and what
/// the storefront needs to open Razorpay's checkout for it (`null` for cash on delivery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlacedOrder {
    pub order: Order,
    pub payment: Option<RazorpayCheckout>,
}

/// The payment gateway of an online payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentProvider {
    Razorpay,
}

/// The options of Razorpay's checkout: pass `key_id` as `key` and `razorpay_order_id` as
/// `order_id`; once the customer has paid, send what the checkout's handler receives to
/// `POST /orders/{id}/payment/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"provider": "razorpay", "key_id": "rzp_test_1DP5mmOlF5G5ag",
    "razorpay_order_id": "order_OeHQfN9cZ2vYtB", "amount_paise": 1_179_882, "currency": "INR"}))]
pub struct RazorpayCheckout {
    /// Always `razorpay`.
    pub provider: PaymentProvider,
    /// The store's public Razorpay key id.
    pub key_id: String,
    pub razorpay_order_id: String,
    /// The order's total.
    pub amount_paise: i64,
    /// `INR`.
    pub currency: String,
}

/// The body of `POST /orders`: what to buy, where it goes and how it is paid. The server
/// prices everything itself (prices a client sends are ignored).
///
/// Without `items`, the cart is checked out (and emptied once the order is placed). Give
/// either `address_id` (a saved address of yours) or `shipping_address`; the latter wins
/// when both are given; cash on delivery needs one.
///
/// Serialised again, as it is here (every field, `null` when not given), for the
/// `Idempotency-Key`'s fingerprint: a change of shape here would make a retry of a request
/// made before the change count as another request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"items": [{"product_id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "quantity": 1}],
    "address_id": "0192f0c1-8a2d-7c3e-9a55-3f0e8f9d2b12", "payment_method": "razorpay", "coupon_code": "DIWALI10"}))]
pub struct PlaceOrder {
    /// What to buy, one line per product (1 to 50 lines; a product named twice is refused),
    /// at most `max_units_per_order` (20) units in all; absent to check out the cart.
    #[garde(length(min = 1, max = MAX_ORDER_LINES), dive)]
    #[schema(min_items = 1, max_items = 50)]
    pub items: Option<Vec<OrderLine>>,
    /// One of your saved addresses.
    #[garde(skip)]
    pub address_id: Option<Uuid>,
    /// An address for this order only (not saved; `is_default` is ignored).
    #[garde(dive)]
    pub shipping_address: Option<NewAddress>,
    #[garde(skip)]
    pub payment_method: PaymentMethod,
    /// Case-insensitive.
    #[garde(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub coupon_code: Option<String>,
    /// A business buyer's GSTIN and registered name, printed on the tax invoice (a B2B
    /// invoice). Left out of the `Idempotency-Key` fingerprint when absent.
    #[garde(dive)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Billing>,
}

/// A business buyer, as the tax invoice names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"gstin": "27AAPFU0939F1ZV", "legal_name": "Asha Systems LLP"}))]
pub struct Billing {
    /// 15 characters: a GST state code, a PAN, an entity number, `Z` and a check
    /// character (422 `billing.gstin` when any is wrong).
    #[garde(length(min = 1, max = 32))]
    #[schema(min_length = 15, max_length = 15, example = "27AAPFU0939F1ZV")]
    pub gstin: Option<String>,
    /// The buyer's registered name (1–200 characters).
    #[garde(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub legal_name: Option<String>,
}

/// One product to buy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
pub struct OrderLine {
    #[garde(skip)]
    pub product_id: Uuid,
    #[garde(range(min = 1, max = MAX_LINE_QUANTITY))]
    #[schema(minimum = 1, maximum = 10)]
    pub quantity: i64,
}

/// The body of `POST /orders/{id}/payment/verify`: what Razorpay's checkout handed its
/// `handler` when the customer paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"razorpay_order_id": "order_NxY7hG2l3kP9Qa", "razorpay_payment_id": "pay_NxY8aB4c5dE6Fg",
    "razorpay_signature": "9ef4dffbfd84f1318f6739a3ce19f9d85851857ae648f114332d8401e0949a3d"}))]
pub struct VerifyPayment {
    #[garde(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub razorpay_order_id: String,
    #[garde(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub razorpay_payment_id: String,
    /// The hex HMAC-SHA256 of `razorpay_order_id|razorpay_payment_id`.
    #[garde(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub razorpay_signature: String,
}

/// The body of `POST /orders/{id}/cancel` (optional: no body is the same as no reason).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"reason": "Ordered the wrong size"}))]
pub struct CancelOrder {
    /// Why; kept in the order's history. Blank is the same as none.
    #[garde(length(chars, max = 500))]
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}
