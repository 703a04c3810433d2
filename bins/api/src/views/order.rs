//! Orders on the wire: the `Order` shape every order route answers with, the `{order,
//! payment}` answer of checkout and retry, and the body of `POST /orders` (used by the
//! route and by the checkout use case).

use chrono::{DateTime, Utc};
use garde::Validate;
use orders::model::{Order, PlacedOrder, ShippingAddress};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use api_types::addresses::NewAddress as AddressBody;

/// `Order` on the wire.
#[derive(Debug, Serialize)]
pub struct OrderView {
    id: Uuid,
    order_number: String,
    status: &'static str,
    items: Vec<OrderItemView>,
    subtotal_paise: i64,
    discount_paise: i64,
    tax_paise: i64,
    shipping_paise: i64,
    total_paise: i64,
    currency: String,
    coupon_code: Option<String>,
    shipping_address: Option<ShippingAddress>,
    payment: PaymentView,
    shipment: Option<ShipmentView>,
    reservation_expires_at: Option<DateTime<Utc>>,
    history: Vec<HistoryView>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct OrderItemView {
    product_id: Uuid,
    sku: String,
    name: String,
    brand: String,
    image: Option<String>,
    unit_price_paise: i64,
    /// GST on one unit.
    tax_paise: i64,
    quantity: i64,
    discount_paise: i64,
    /// GST on the whole line, after its share of the discount.
    line_tax_paise: i64,
    line_total_paise: i64,
}

#[derive(Debug, Serialize)]
struct PaymentView {
    method: &'static str,
    status: &'static str,
    razorpay_order_id: Option<String>,
    razorpay_payment_id: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    refunded_paise: i64,
}

#[derive(Debug, Serialize)]
struct ShipmentView {
    carrier: String,
    tracking_number: String,
    description: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct HistoryView {
    status: &'static str,
    at: DateTime<Utc>,
    note: Option<String>,
}

impl From<Order> for OrderView {
    fn from(order: Order) -> Self {
        OrderView {
            id: order.id,
            order_number: order.order_number,
            status: order.status.as_str(),
            items: order
                .items
                .into_iter()
                .map(|item| OrderItemView {
                    product_id: item.product_id,
                    sku: item.sku,
                    name: item.name,
                    brand: item.brand,
                    image: item.image,
                    unit_price_paise: item.unit_price.paise(),
                    tax_paise: item.unit_tax.paise(),
                    quantity: item.quantity,
                    discount_paise: item.discount.paise(),
                    line_tax_paise: item.tax.paise(),
                    line_total_paise: item.line_total.paise(),
                })
                .collect(),
            subtotal_paise: order.subtotal.paise(),
            discount_paise: order.discount.paise(),
            tax_paise: order.tax.paise(),
            shipping_paise: order.shipping.paise(),
            total_paise: order.total.paise(),
            currency: order.currency,
            coupon_code: order.coupon_code,
            shipping_address: order.shipping_address,
            payment: PaymentView {
                method: order.payment.method.as_str(),
                status: order.payment.status.as_str(),
                razorpay_order_id: order.payment.razorpay_order_id,
                razorpay_payment_id: order.payment.razorpay_payment_id,
                paid_at: order.payment.paid_at,
                refunded_paise: order.payment.refunded.paise(),
            },
            shipment: order.shipment.map(|s| ShipmentView {
                carrier: s.carrier,
                tracking_number: s.tracking_number,
                description: s.description,
                shipped_at: s.shipped_at,
                delivered_at: s.delivered_at,
            }),
            reservation_expires_at: order.reservation_expires_at,
            history: order
                .history
                .into_iter()
                .map(|h| HistoryView { status: h.status.as_str(), at: h.at, note: h.note })
                .collect(),
            created_at: order.created_at,
            updated_at: order.updated_at,
        }
    }
}

/// `{order, payment}`: an order just placed or retried.
pub fn placed_json(placed: PlacedOrder) -> Value {
    let payment = placed.payment.map(|p| {
        json!({
            "provider": "razorpay",
            "key_id": p.key_id,
            "razorpay_order_id": p.razorpay_order_id,
            "amount_paise": p.amount.paise(),
            "currency": p.currency,
        })
    });
    json!({ "order": OrderView::from(placed.order), "payment": payment })
}
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct LineBody {
    #[garde(skip)]
    pub product_id: Uuid,
    #[garde(range(min = 1, max = orders::cart::MAX_LINE_QUANTITY))]
    pub quantity: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethodBody {
    Razorpay,
    Cod,
}

/// The body of `POST /orders`. Serialised again (without any unknown fields, such as
/// prices a client sent) for the idempotency fingerprint.
#[derive(Debug, Serialize, Deserialize, Validate)]
pub struct PlaceOrderBody {
    #[garde(length(min = 1, max = 50), dive)]
    pub items: Option<Vec<LineBody>>,
    #[garde(skip)]
    pub address_id: Option<Uuid>,
    #[garde(dive)]
    pub shipping_address: Option<AddressBody>,
    #[garde(skip)]
    pub payment_method: PaymentMethodBody,
    #[garde(length(min = 1, max = 100))]
    pub coupon_code: Option<String>,
}
