//! `GET /api/v1/admin/payments`: payment records with their event history.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use kernel::{FieldError, InvalidInput, Limit};
use payments_razorpay::entities::PaymentStatus;
use payments_razorpay::listing::{
    HistoryEntry, PaymentFilter, PaymentRecord, PaymentRecords, RefundRecord, RefusedRefund,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::{cursor_unless_blank, page_response};
use crate::http::params::{parse_bool, present};

#[derive(Debug, Serialize)]
struct PaymentView {
    razorpay_payment_id: String,
    razorpay_order_id: Option<String>,
    amount_paise: i64,
    currency: String,
    status: String,
    method: Option<String>,
    captured: bool,
    amount_refunded_paise: i64,
    refund_status: Option<String>,
    email: Option<String>,
    contact: Option<String>,
    fee_paise: Option<i64>,
    tax_paise: Option<i64>,
    error: Option<FailureView>,
    flagged: bool,
    flagged_reason: Option<String>,
    flagged_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    history: Vec<HistoryView>,
    refunds: Vec<RefundView>,
    /// Refunds Razorpay refused: no Razorpay refund exists for them.
    refused_refunds: Vec<RefusedRefundView>,
}

#[derive(Debug, Serialize)]
struct FailureView {
    code: String,
    description: Option<String>,
    source: Option<String>,
    step: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct HistoryView {
    status: String,
    source: String,
    event_id: Option<String>,
    event_type: Option<String>,
    recorded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct RefundView {
    razorpay_refund_id: String,
    amount_paise: i64,
    currency: String,
    status: String,
    speed_requested: Option<String>,
    speed_processed: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
struct RefusedRefundView {
    amount_paise: i64,
    receipt: Option<String>,
    reason: String,
    refused_at: DateTime<Utc>,
}

impl From<RefusedRefund> for RefusedRefundView {
    fn from(r: RefusedRefund) -> Self {
        RefusedRefundView {
            amount_paise: r.amount_paise,
            receipt: r.receipt,
            reason: r.reason,
            refused_at: r.refused_at,
        }
    }
}

impl From<HistoryEntry> for HistoryView {
    fn from(h: HistoryEntry) -> Self {
        HistoryView {
            status: h.status,
            source: h.source,
            event_id: h.event_id,
            event_type: h.event_type,
            recorded_at: h.recorded_at,
        }
    }
}

impl From<RefundRecord> for RefundView {
    fn from(r: RefundRecord) -> Self {
        RefundView {
            razorpay_refund_id: r.razorpay_refund_id,
            amount_paise: r.amount_paise,
            currency: r.currency,
            status: r.status,
            speed_requested: r.speed_requested,
            speed_processed: r.speed_processed,
            created_at: r.created_at,
        }
    }
}

impl From<PaymentRecord> for PaymentView {
    fn from(p: PaymentRecord) -> Self {
        PaymentView {
            razorpay_payment_id: p.razorpay_payment_id,
            razorpay_order_id: p.razorpay_order_id,
            amount_paise: p.amount_paise,
            currency: p.currency,
            status: p.status,
            method: p.method,
            captured: p.captured,
            amount_refunded_paise: p.amount_refunded_paise,
            refund_status: p.refund_status,
            email: p.email,
            contact: p.contact,
            fee_paise: p.fee_paise,
            tax_paise: p.tax_paise,
            error: p.failure.map(|f| FailureView {
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
            history: p.history.into_iter().map(HistoryView::from).collect(),
            refunds: p.refunds.into_iter().map(RefundView::from).collect(),
            refused_refunds: p.refused_refunds.into_iter().map(RefusedRefundView::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    flagged: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

impl ListParams {
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

#[tracing::instrument(name = "route.admin_list_payments", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<ListParams>,
    records: web::Data<PaymentRecords>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let filter = params.filter()?;
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = records.list(&filter, limit, cursor.as_ref()).await?;
    Ok(page_response(page, PaymentView::from))
}
