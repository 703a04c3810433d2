//! Refunds and returns, as the admin's order views answer them.

use api_types::admin_orders::{
    Refund as RefundWire, RefundStatus as RefundStatusWire, Return as ReturnWire, ReturnLine,
};
use orders::model::{RefundRecord, ReturnRecord};
use orders::refunds::RefundStatus;

use super::ToWire;

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
    type Wire = RefundWire;

    fn to_wire(self) -> RefundWire {
        RefundWire {
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

impl ToWire for ReturnRecord {
    type Wire = ReturnWire;

    fn to_wire(self) -> ReturnWire {
        ReturnWire {
            id: self.id,
            items: self
                .items
                .into_iter()
                .map(|line| ReturnLine { product_id: line.product_id, quantity: line.quantity })
                .collect(),
            restock: self.restock,
            reason: self.reason,
            refund_id: self.refund_id,
            created_at: self.created_at,
        }
    }
}
