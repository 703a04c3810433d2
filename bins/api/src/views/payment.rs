//! Razorpay payment records, as `GET /admin/payments` and the admin's orders show them.

use api_types::payments::{
    PaymentFailure as PaymentFailureWire, PaymentRecord as PaymentRecordWire, PaymentRefund, PaymentStatusReport,
    RazorpayPaymentStatus, RazorpayRefundStatus, RefundExtent, RefusedRefund as RefusedRefundWire, StatusSource,
};
use payments_razorpay::entities::PaymentStatus;
use payments_razorpay::listing::{HistoryEntry, PaymentRecord, RefundRecord, RefusedRefund};

use crate::error::ApiError;
use crate::views::ToWire;

impl ToWire for PaymentStatus {
    type Wire = RazorpayPaymentStatus;

    fn to_wire(self) -> RazorpayPaymentStatus {
        match self {
            PaymentStatus::Created => RazorpayPaymentStatus::Created,
            PaymentStatus::Authorized => RazorpayPaymentStatus::Authorized,
            PaymentStatus::Captured => RazorpayPaymentStatus::Captured,
            PaymentStatus::Refunded => RazorpayPaymentStatus::Refunded,
            PaymentStatus::Failed => RazorpayPaymentStatus::Failed,
        }
    }
}

/// The records hold the database's text for these sets, which the tables' `CHECK`
/// constraints keep to the names below; any other text is a fault on our side (500).
fn stored<T>(parsed: Option<T>, column: &str, text: &str) -> Result<T, ApiError> {
    parsed.ok_or_else(|| ApiError::internal(anyhow::anyhow!("unexpected {column} {text:?} in a payment record")))
}

fn payment_status(text: &str) -> Result<RazorpayPaymentStatus, ApiError> {
    stored(PaymentStatus::parse(text).map(ToWire::to_wire), "payment status", text)
}

fn refund_extent(text: &str) -> Result<RefundExtent, ApiError> {
    let extent = match text {
        "partial" => Some(RefundExtent::Partial),
        "full" => Some(RefundExtent::Full),
        _ => None,
    };
    stored(extent, "refund_status", text)
}

fn status_source(text: &str) -> Result<StatusSource, ApiError> {
    let source = match text {
        "webhook" => Some(StatusSource::Webhook),
        "api" => Some(StatusSource::Api),
        _ => None,
    };
    stored(source, "status source", text)
}

fn refund_status(text: &str) -> Result<RazorpayRefundStatus, ApiError> {
    let status = match text {
        "pending" => Some(RazorpayRefundStatus::Pending),
        "processed" => Some(RazorpayRefundStatus::Processed),
        "failed" => Some(RazorpayRefundStatus::Failed),
        _ => None,
    };
    stored(status, "refund status", text)
}

fn history_entry(h: HistoryEntry) -> Result<PaymentStatusReport, ApiError> {
    Ok(PaymentStatusReport {
        status: payment_status(&h.status)?,
        source: status_source(&h.source)?,
        event_id: h.event_id,
        event_type: h.event_type,
        recorded_at: h.recorded_at,
    })
}

fn refund(r: RefundRecord) -> Result<PaymentRefund, ApiError> {
    Ok(PaymentRefund {
        status: refund_status(&r.status)?,
        razorpay_refund_id: r.razorpay_refund_id,
        amount_paise: r.amount_paise,
        currency: r.currency,
        speed_requested: r.speed_requested,
        speed_processed: r.speed_processed,
        created_at: r.created_at,
    })
}

impl ToWire for RefusedRefund {
    type Wire = RefusedRefundWire;

    fn to_wire(self) -> RefusedRefundWire {
        RefusedRefundWire {
            amount_paise: self.amount_paise,
            receipt: self.receipt,
            reason: self.reason,
            refused_at: self.refused_at,
        }
    }
}

/// A payment record on the wire.
pub fn payment_record(p: PaymentRecord) -> Result<PaymentRecordWire, ApiError> {
    Ok(PaymentRecordWire {
        status: payment_status(&p.status)?,
        refund_status: p.refund_status.as_deref().map(refund_extent).transpose()?,
        history: p.history.into_iter().map(history_entry).collect::<Result<_, _>>()?,
        refunds: p.refunds.into_iter().map(refund).collect::<Result<_, _>>()?,
        razorpay_payment_id: p.razorpay_payment_id,
        razorpay_order_id: p.razorpay_order_id,
        amount_paise: p.amount_paise,
        currency: p.currency,
        method: p.method,
        captured: p.captured,
        amount_refunded_paise: p.amount_refunded_paise,
        email: p.email,
        contact: p.contact,
        fee_paise: p.fee_paise,
        tax_paise: p.tax_paise,
        error: p.failure.map(|f| PaymentFailureWire {
            code: f.code,
            description: f.description,
            source: f.source,
            step: f.step,
            reason: f.reason,
        }),
        flagged: p.flagged_at.is_some(),
        flagged_reason: p.flagged_reason,
        flagged_at: p.flagged_at,
        created_at: p.created_at,
        updated_at: p.updated_at,
        refused_refunds: p.refused_refunds.to_wire(),
    })
}
