//! Orders as admins see them: [`AdminOrder`] (the order, its customer, payments, refunds
//! and returns), and the `Refund` and `Return` the admin's order routes answer with.

use api_types::admin_orders::{
    AdminOrder, OrderAttention, OrderCustomer, Refund, RefundStatus as RefundStatusWire, Return, ReturnLine,
};
use api_types::payments::PaymentRecord as PaymentRecordWire;
use orders::admin_queries::AdminOrderView;
use orders::model::{Attention, RefundRecord, ReturnRecord, ReturnedUnits};
use orders::refunds::RefundStatus;

use crate::views::ToWire;

impl ToWire for RefundStatus {
    type Wire = RefundStatusWire;

    fn to_wire(self) -> RefundStatusWire {
        match self {
            RefundStatus::Due => RefundStatusWire::Due,
            RefundStatus::Sent => RefundStatusWire::Sent,
            RefundStatus::Processed => RefundStatusWire::Processed,
            RefundStatus::Failed => RefundStatusWire::Failed,
        }
    }
}

impl ToWire for RefundRecord {
    type Wire = Refund;

    fn to_wire(self) -> Refund {
        Refund {
            id: self.id,
            amount_paise: self.amount.paise(),
            status: self.status.to_wire(),
            reason: self.reason,
            razorpay_payment_id: self.payment_id,
            razorpay_refund_id: self.razorpay_refund_id,
            failure_reason: self.failure_reason,
            processed_at: self.processed_at,
            created_at: self.created_at,
        }
    }
}

impl ToWire for ReturnedUnits {
    type Wire = ReturnLine;

    fn to_wire(self) -> ReturnLine {
        ReturnLine { product_id: self.product_id, quantity: self.quantity }
    }
}

impl ToWire for ReturnRecord {
    type Wire = Return;

    fn to_wire(self) -> Return {
        Return {
            id: self.id,
            items: self.items.to_wire(),
            restock: self.restock,
            reason: self.reason,
            refund_id: self.refund_id,
            created_at: self.created_at,
        }
    }
}

impl ToWire for Attention {
    type Wire = OrderAttention;

    fn to_wire(self) -> OrderAttention {
        OrderAttention { reason: self.reason, since: self.since }
    }
}

/// The admin's order: the domain's view, with the customer and the payment records the
/// other domains hold (already on the wire, as `GET /admin/payments` shows them).
pub fn admin_order(
    view: AdminOrderView,
    customer: OrderCustomer,
    payments: Vec<PaymentRecordWire>,
    invoice_number: Option<String>,
) -> AdminOrder {
    let AdminOrderView { mut order, refunds, returns, razorpay_orders: _ } = view;
    let attention = order.attention.take().map(ToWire::to_wire);
    AdminOrder {
        order: order.to_wire(),
        customer,
        payments,
        refunds: refunds.to_wire(),
        returns: returns.to_wire(),
        invoice_number,
        attention,
    }
}
