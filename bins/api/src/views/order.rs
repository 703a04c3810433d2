//! Orders on the wire: the `Order` every order route answers with, and the `{order,
//! payment}` answer of checkout and retry (used by the routes and the checkout use case).

use api_types::orders::{
    Order as OrderWire, OrderEvent, OrderItem as OrderItemWire, OrderPayment as OrderPaymentWire,
    OrderStatus as OrderStatusWire, PaymentMethod as PaymentMethodWire, PaymentProvider,
    PaymentStatus as PaymentStatusWire, PlacedOrder as PlacedOrderWire, RazorpayCheckout, Shipment as ShipmentWire,
    ShippingAddress as ShippingAddressWire,
};
use orders::model::{
    HistoryEntry, Order, OrderItem, OrderPayment, PaymentMethod, PaymentRequest, PaymentStatus, PlacedOrder, Shipment,
    ShippingAddress,
};
use orders::status::OrderStatus;

use crate::error::ApiError;
use crate::views::ToWire;

/// A status as the wire names it, in the domain's terms.
pub fn status_from_wire(status: OrderStatusWire) -> OrderStatus {
    match status {
        OrderStatusWire::PaymentPending => OrderStatus::PaymentPending,
        OrderStatusWire::Confirmed => OrderStatus::Confirmed,
        OrderStatusWire::Paid => OrderStatus::Paid,
        OrderStatusWire::Packed => OrderStatus::Packed,
        OrderStatusWire::Shipped => OrderStatus::Shipped,
        OrderStatusWire::Delivered => OrderStatus::Delivered,
        OrderStatusWire::PaymentFailed => OrderStatus::PaymentFailed,
        OrderStatusWire::Cancelled => OrderStatus::Cancelled,
        OrderStatusWire::Returned => OrderStatus::Returned,
        OrderStatusWire::Refunded => OrderStatus::Refunded,
    }
}

impl ToWire for OrderStatus {
    type Wire = OrderStatusWire;

    fn to_wire(self) -> OrderStatusWire {
        match self {
            OrderStatus::PaymentPending => OrderStatusWire::PaymentPending,
            OrderStatus::Confirmed => OrderStatusWire::Confirmed,
            OrderStatus::Paid => OrderStatusWire::Paid,
            OrderStatus::Packed => OrderStatusWire::Packed,
            OrderStatus::Shipped => OrderStatusWire::Shipped,
            OrderStatus::Delivered => OrderStatusWire::Delivered,
            OrderStatus::PaymentFailed => OrderStatusWire::PaymentFailed,
            OrderStatus::Cancelled => OrderStatusWire::Cancelled,
            OrderStatus::Returned => OrderStatusWire::Returned,
            OrderStatus::Refunded => OrderStatusWire::Refunded,
        }
    }
}

impl ToWire for PaymentMethod {
    type Wire = PaymentMethodWire;

    fn to_wire(self) -> PaymentMethodWire {
        match self {
            PaymentMethod::Razorpay => PaymentMethodWire::Razorpay,
            PaymentMethod::Cod => PaymentMethodWire::Cod,
        }
    }
}

impl ToWire for PaymentStatus {
    type Wire = PaymentStatusWire;

    fn to_wire(self) -> PaymentStatusWire {
        match self {
            PaymentStatus::Pending => PaymentStatusWire::Pending,
            PaymentStatus::Captured => PaymentStatusWire::Captured,
            PaymentStatus::Failed => PaymentStatusWire::Failed,
            PaymentStatus::Refunded => PaymentStatusWire::Refunded,
            PaymentStatus::Cod => PaymentStatusWire::Cod,
        }
    }
}

impl ToWire for OrderItem {
    type Wire = OrderItemWire;

    fn to_wire(self) -> OrderItemWire {
        OrderItemWire {
            product_id: self.product_id,
            sku: self.sku,
            name: self.name,
            brand: self.brand,
            image: self.image,
            unit_price_paise: self.unit_price.paise(),
            tax_paise: self.unit_tax.paise(),
            quantity: self.quantity,
            discount_paise: self.discount.paise(),
            line_tax_paise: self.tax.paise(),
            line_total_paise: self.line_total.paise(),
        }
    }
}

impl ToWire for ShippingAddress {
    type Wire = ShippingAddressWire;

    fn to_wire(self) -> ShippingAddressWire {
        ShippingAddressWire {
            name: self.name,
            phone: self.phone,
            company: self.company,
            line1: self.line1,
            line2: self.line2,
            city: self.city,
            state: self.state,
            pincode: self.pincode,
            country: self.country,
        }
    }
}

impl ToWire for OrderPayment {
    type Wire = OrderPaymentWire;

    fn to_wire(self) -> OrderPaymentWire {
        OrderPaymentWire {
            method: self.method.to_wire(),
            status: self.status.to_wire(),
            razorpay_order_id: self.razorpay_order_id,
            razorpay_payment_id: self.razorpay_payment_id,
            paid_at: self.paid_at,
            refunded_paise: self.refunded.paise(),
        }
    }
}

impl ToWire for Shipment {
    type Wire = ShipmentWire;

    fn to_wire(self) -> ShipmentWire {
        ShipmentWire {
            carrier: self.carrier,
            tracking_number: self.tracking_number,
            tracking_url: self.tracking_url,
            description: self.description,
            shipped_at: self.shipped_at,
            delivered_at: self.delivered_at,
        }
    }
}

impl ToWire for HistoryEntry {
    type Wire = OrderEvent;

    fn to_wire(self) -> OrderEvent {
        OrderEvent { status: self.status.to_wire(), at: self.at, note: self.note }
    }
}

impl ToWire for Order {
    type Wire = OrderWire;

    fn to_wire(self) -> OrderWire {
        OrderWire {
            id: self.id,
            order_number: self.order_number,
            status: self.status.to_wire(),
            items: self.items.to_wire(),
            subtotal_paise: self.subtotal.paise(),
            discount_paise: self.discount.paise(),
            tax_paise: self.tax.paise(),
            shipping_paise: self.shipping.paise(),
            total_paise: self.total.paise(),
            currency: self.currency,
            coupon_code: self.coupon_code,
            shipping_address: self.shipping_address.map(ToWire::to_wire),
            payment: self.payment.to_wire(),
            shipment: self.shipment.map(ToWire::to_wire),
            reservation_expires_at: self.reservation_expires_at,
            history: self.history.to_wire(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl ToWire for PaymentRequest {
    type Wire = RazorpayCheckout;

    fn to_wire(self) -> RazorpayCheckout {
        RazorpayCheckout {
            provider: PaymentProvider::Razorpay,
            key_id: self.key_id,
            razorpay_order_id: self.razorpay_order_id,
            amount_paise: self.amount.paise(),
            currency: self.currency,
        }
    }
}

impl ToWire for PlacedOrder {
    type Wire = PlacedOrderWire;

    fn to_wire(self) -> PlacedOrderWire {
        PlacedOrderWire { order: self.order.to_wire(), payment: self.payment.map(ToWire::to_wire) }
    }
}

/// `{order, payment}` as kept for an `Idempotency-Key` and answered: a JSON value (its
/// members in key order, as every stored answer is), so that a replay of an answer stored
/// before is the same bytes as a fresh one.
pub fn placed_json(placed: PlacedOrder) -> Result<serde_json::Value, ApiError> {
    Ok(serde_json::to_value(placed.to_wire()).map_err(anyhow::Error::from)?)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use kernel::Money;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;

    fn order() -> Order {
        let at = Utc.with_ymd_and_hms(2026, 11, 21, 10, 30, 0).unwrap();
        Order {
            id: Uuid::from_u128(1),
            order_number: "RM-20261121-000123".into(),
            user_id: Uuid::from_u128(2),
            status: OrderStatus::Shipped,
            cancel_reason: None,
            items: vec![OrderItem {
                product_id: Uuid::from_u128(3),
                sku: "CPU-1".into(),
                name: "Ryzen".into(),
                brand: "AMD".into(),
                image: None,
                unit_price: Money::from_paise(10_000),
                unit_tax: Money::from_paise(1_800),
                quantity: 2,
                discount: Money::from_paise(1_000),
                tax: Money::from_paise(3_420),
                line_total: Money::from_paise(22_420),
            }],
            subtotal: Money::from_paise(20_000),
            discount: Money::from_paise(1_000),
            tax: Money::from_paise(3_420),
            shipping: Money::from_paise(0),
            total: Money::from_paise(22_420),
            currency: "INR".into(),
            coupon_code: Some("SAVE10".into()),
            shipping_address: Some(ShippingAddress {
                name: "Asha Rao".into(),
                phone: "+919876543210".into(),
                company: None,
                line1: "12 MG Road".into(),
                line2: None,
                city: "Bengaluru".into(),
                state: "Karnataka".into(),
                pincode: "560001".into(),
                country: "IN".into(),
            }),
            payment: OrderPayment {
                method: PaymentMethod::Razorpay,
                status: PaymentStatus::Captured,
                razorpay_order_id: Some("order_1".into()),
                razorpay_payment_id: Some("pay_1".into()),
                paid_at: Some(at),
                refunded: Money::from_paise(0),
            },
            shipment: Some(Shipment {
                carrier: "Delhivery".into(),
                tracking_number: "DL1".into(),
                tracking_url: None,
                description: None,
                shipped_at: Some(at),
                delivered_at: None,
            }),
            reservation_expires_at: None,
            history: vec![HistoryEntry { status: OrderStatus::PaymentPending, at, note: Some("placed".into()) }],
            attention: None,
            created_at: at,
            updated_at: at,
        }
    }

    /// The answer of checkout, member for member as the server wrote it before the wire
    /// types (and as answers kept for an `Idempotency-Key` hold it), and read back by the
    /// client's type.
    #[test]
    fn a_placed_order_is_written_as_before_and_read_back_by_the_client() {
        let payment = PaymentRequest {
            key_id: "rzp_test_1".into(),
            razorpay_order_id: "order_1".into(),
            amount: Money::from_paise(22_420),
            currency: "INR".into(),
        };
        let placed = PlacedOrder { order: order(), payment: Some(payment) };
        let at = "2026-11-21T10:30:00Z";
        let expected = json!({
            "order": {
                "id": Uuid::from_u128(1), "order_number": "RM-20261121-000123", "status": "shipped",
                "items": [{"product_id": Uuid::from_u128(3), "sku": "CPU-1", "name": "Ryzen", "brand": "AMD",
                    "image": null, "unit_price_paise": 10_000, "tax_paise": 1_800, "quantity": 2,
                    "discount_paise": 1_000, "line_tax_paise": 3_420, "line_total_paise": 22_420}],
                "subtotal_paise": 20_000, "discount_paise": 1_000, "tax_paise": 3_420, "shipping_paise": 0,
                "total_paise": 22_420, "currency": "INR", "coupon_code": "SAVE10",
                "shipping_address": {"name": "Asha Rao", "phone": "+919876543210", "company": null,
                    "line1": "12 MG Road", "line2": null, "city": "Bengaluru", "state": "Karnataka",
                    "pincode": "560001", "country": "IN"},
                "payment": {"method": "razorpay", "status": "captured", "razorpay_order_id": "order_1",
                    "razorpay_payment_id": "pay_1", "paid_at": at, "refunded_paise": 0},
                "shipment": {"carrier": "Delhivery", "tracking_number": "DL1", "tracking_url": null, "description": null,
                    "shipped_at": at, "delivered_at": null},
                "reservation_expires_at": null,
                "history": [{"status": "payment_pending", "at": at, "note": "placed"}],
                "created_at": at, "updated_at": at,
            },
            "payment": {"provider": "razorpay", "key_id": "rzp_test_1", "razorpay_order_id": "order_1",
                "amount_paise": 22_420, "currency": "INR"},
        });
        let written = placed_json(placed.clone()).unwrap();
        assert_eq!(written, expected);
        let read: PlacedOrderWire = serde_json::from_value(written).unwrap();
        assert_eq!(read, placed.to_wire());

        let cod = placed_json(PlacedOrder { order: order(), payment: None }).unwrap();
        assert_eq!(cod["payment"], serde_json::Value::Null);
    }

    #[test]
    fn every_status_is_written_as_the_domain_names_it() {
        for status in OrderStatus::ALL {
            assert_eq!(serde_json::to_value(status.to_wire()).unwrap(), status.as_str());
        }
        for method in [PaymentMethod::Razorpay, PaymentMethod::Cod] {
            assert_eq!(serde_json::to_value(method.to_wire()).unwrap(), method.as_str());
        }
        use PaymentStatus::*;
        for status in [Pending, Captured, Failed, Refunded, Cod] {
            assert_eq!(serde_json::to_value(status.to_wire()).unwrap(), status.as_str());
        }
    }
}
