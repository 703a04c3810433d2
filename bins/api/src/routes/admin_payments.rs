//! `GET /api/v1/admin/payments`: payment records with their event history.

use actix_web::{HttpResponse, web};
use api_types::payments::{
    PaymentFailure as PaymentFailureWire, PaymentQuery, PaymentRecord as PaymentRecordWire, PaymentRefund,
    PaymentStatusReport, RazorpayPaymentStatus, RazorpayRefundStatus, RefundExtent, RefusedRefund as RefusedRefundWire,
    StatusSource,
};
use kernel::{Cursor, FieldError, InvalidInput, Limit};
use payments_razorpay::entities::PaymentStatus;
use payments_razorpay::listing::{
    HistoryEntry, PaymentFilter, PaymentRecord, PaymentRecords, RefundRecord, RefusedRefund,
};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::{parse_bool, present};
use crate::views::ToWire;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list))]
pub struct Api;

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
fn payment_record(p: PaymentRecord) -> Result<PaymentRecordWire, ApiError> {
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

/// The query string as text: the wire's [`PaymentQuery`] read leniently (blank values are
/// absent, `flagged` takes `1`/`0` too), naming every refused parameter at once.
#[derive(Debug, Deserialize)]
pub struct PaymentQueryText {
    status: Option<String>,
    flagged: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl PaymentQueryText {
    fn filter(&self) -> Result<PaymentFilter, InvalidInput> {
        let mut errors = Vec::new();
        let status = present(&self.status).and_then(|raw| {
            let status = PaymentStatus::parse(raw);
            if status.is_none() {
                errors.push(FieldError::new("status", "must be created, authorized, captured, refunded or failed"));
            }
            status
        });
        let flagged = parse_bool(&self.flagged, "flagged", &mut errors);
        if errors.is_empty() { Ok(PaymentFilter { status, flagged }) } else { Err(InvalidInput(errors)) }
    }
}

/// Payment records, newest first.
///
/// Each Razorpay payment the store heard of, with every status reported for it, its
/// refunds, and the refunds Razorpay refused. `flagged` payments need an admin: an amount
/// or currency that does not match the order, a payment for an order that lapsed … are
/// never marked paid.
#[utoipa::path(
    get, path = "/api/v1/admin/payments", tag = "admin-payments", operation_id = "list_admin_payments",
    params(PaymentQuery),
    responses((status = 200, description = "A page of payment records.", body = api_types::Page<PaymentRecordWire>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_payments", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<PaymentQueryText>,
    records: web::Data<PaymentRecords>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let filter = params.filter()?;
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = records.list(&filter, limit, cursor.as_ref()).await?;
    let items = page.items.into_iter().map(payment_record).collect::<Result<_, _>>()?;
    let next_cursor = page.next_cursor.map(Cursor::into_string);
    Ok(HttpResponse::Ok().json(api_types::Page { items, next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::extract::parse_query;

    /// Every query the typed client can send is read as it means.
    #[test]
    fn the_text_reading_takes_every_query_the_wire_type_writes() {
        let statuses = [
            (RazorpayPaymentStatus::Created, PaymentStatus::Created),
            (RazorpayPaymentStatus::Authorized, PaymentStatus::Authorized),
            (RazorpayPaymentStatus::Captured, PaymentStatus::Captured),
            (RazorpayPaymentStatus::Refunded, PaymentStatus::Refunded),
            (RazorpayPaymentStatus::Failed, PaymentStatus::Failed),
        ];
        for (wire, domain) in statuses.map(|(w, d)| (Some(w), Some(d))).into_iter().chain([(None, None)]) {
            for flagged in [None, Some(true), Some(false)] {
                let query = PaymentQuery { status: wire, flagged, limit: Some(7), cursor: Some("abc".into()) };
                let text = serde_urlencoded::to_string(&query).unwrap();
                let read: PaymentQueryText = parse_query(&text).unwrap();
                assert_eq!(read.filter().unwrap(), PaymentFilter { status: domain, flagged }, "{text}");
                assert_eq!((read.limit, read.cursor.as_deref()), (Some(7), Some("abc")), "{text}");
            }
        }
    }
}
