//! Payment records for admins: newest first, by status or flag, each with the statuses
//! it was reported in, its refunds and the refunds Razorpay refused.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use sqlx::PgPool;

use crate::entities::PaymentStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentFilter {
    pub status: Option<PaymentStatus>,
    /// `Some(true)`: only payments flagged for an admin; `Some(false)`: only the others.
    pub flagged: Option<bool>,
}

/// The error Razorpay reported for a failed payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFailure {
    pub code: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub step: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    pub razorpay_payment_id: String,
    pub razorpay_order_id: Option<String>,
    pub amount_paise: i64,
    pub currency: String,
    pub status: String,
    pub method: Option<String>,
    pub captured: bool,
    pub amount_refunded_paise: i64,
    pub refund_status: Option<String>,
    pub email: Option<String>,
    pub contact: Option<String>,
    pub fee_paise: Option<i64>,
    pub tax_paise: Option<i64>,
    pub failure: Option<PaymentFailure>,
    pub flagged_reason: Option<String>,
    pub flagged_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// Oldest first.
    pub refunds: Vec<RefundRecord>,
    /// Refunds asked for and refused by Razorpay, oldest first.
    pub refused_refunds: Vec<RefusedRefund>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub status: String,
    /// `webhook` or `api`.
    pub source: String,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefundRecord {
    pub razorpay_refund_id: String,
    pub razorpay_payment_id: String,
    pub amount_paise: i64,
    pub currency: String,
    pub status: String,
    pub speed_requested: Option<String>,
    pub speed_processed: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RefusedRefund {
    pub razorpay_payment_id: String,
    pub amount_paise: i64,
    pub receipt: Option<String>,
    /// Razorpay's description of why.
    pub reason: String,
    pub refused_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListPaymentsError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
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
    error_code: Option<String>,
    error_description: Option<String>,
    error_source: Option<String>,
    error_step: Option<String>,
    error_reason: Option<String>,
    flagged_reason: Option<String>,
    flagged_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    razorpay_payment_id: String,
    status: String,
    source: String,
    event_id: Option<String>,
    event_type: Option<String>,
    recorded_at: DateTime<Utc>,
}

impl PaymentRow {
    fn into_record(
        self,
        history: Vec<HistoryEntry>,
        refunds: Vec<RefundRecord>,
        refused_refunds: Vec<RefusedRefund>,
    ) -> PaymentRecord {
        let failure = self.error_code.map(|code| PaymentFailure {
            code,
            description: self.error_description,
            source: self.error_source,
            step: self.error_step,
            reason: self.error_reason,
        });
        PaymentRecord {
            razorpay_payment_id: self.razorpay_payment_id,
            razorpay_order_id: self.razorpay_order_id,
            amount_paise: self.amount_paise,
            currency: self.currency,
            status: self.status,
            method: self.method,
            captured: self.captured,
            amount_refunded_paise: self.amount_refunded_paise,
            refund_status: self.refund_status,
            email: self.email,
            contact: self.contact,
            fee_paise: self.fee_paise,
            tax_paise: self.tax_paise,
            failure,
            flagged_reason: self.flagged_reason,
            flagged_at: self.flagged_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            history,
            refunds,
            refused_refunds,
        }
    }
}

/// Reads payment records for the admin panel.
#[derive(Debug, Clone)]
pub struct PaymentRecords {
    pool: PgPool,
}

impl PaymentRecords {
    pub fn new(pool: PgPool) -> PaymentRecords {
        PaymentRecords { pool }
    }

    /// Newest first. Errors: `InvalidCursor`, `Unexpected`.
    #[tracing::instrument(name = "payments.list", skip(self))]
    pub async fn list(
        &self,
        filter: &PaymentFilter,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<PaymentRecord>, ListPaymentsError> {
        let after: Option<(DateTime<Utc>, String)> = after.map(|c| Cursor::decode_after(c.as_str())).transpose()?;
        let rows: Vec<PaymentRow> = sqlx::query_as(
            "SELECT razorpay_payment_id, razorpay_order_id, amount_paise, currency, status, method, captured,
                    amount_refunded_paise, refund_status, email, contact, fee_paise, tax_paise, error_code,
                    error_description, error_source, error_step, error_reason, flagged_reason, flagged_at,
                    created_at, updated_at
             FROM payments.payments
             WHERE ($1::text IS NULL OR status = $1)
               AND ($2::boolean IS NULL OR (flagged_at IS NOT NULL) = $2)
               AND ($3::timestamptz IS NULL OR (created_at, razorpay_payment_id) < ($3, $4))
             ORDER BY created_at DESC, razorpay_payment_id DESC LIMIT $5",
        )
        .bind(filter.status.map(PaymentStatus::as_str))
        .bind(filter.flagged)
        .bind(after.as_ref().map(|(at, _)| *at))
        .bind(after.as_ref().map(|(_, id)| id.as_str()))
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("listing payments")?;
        let page = Page::from_rows(rows, limit, |row| (row.created_at, row.razorpay_payment_id.clone()));
        let ids: Vec<String> = page.items.iter().map(|row| row.razorpay_payment_id.clone()).collect();
        let mut history = self.history_of(&ids).await?;
        let mut refunds = self.refunds_of(&ids).await?;
        let mut refusals = self.refusals_of(&ids).await?;
        Ok(page.map(|row| {
            let id = row.razorpay_payment_id.clone();
            row.into_record(
                history.remove(&id).unwrap_or_default(),
                refunds.remove(&id).unwrap_or_default(),
                refusals.remove(&id).unwrap_or_default(),
            )
        }))
    }

    /// The payments made on these Razorpay orders, oldest first (`payments_by_order`), as
    /// [`Self::list`] shows them.
    #[tracing::instrument(name = "payments.of_orders", skip_all, fields(count = razorpay_orders.len()))]
    pub async fn of_razorpay_orders(&self, razorpay_orders: &[String]) -> anyhow::Result<Vec<PaymentRecord>> {
        if razorpay_orders.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<PaymentRow> = sqlx::query_as(
            "SELECT razorpay_payment_id, razorpay_order_id, amount_paise, currency, status, method, captured,
                    amount_refunded_paise, refund_status, email, contact, fee_paise, tax_paise, error_code,
                    error_description, error_source, error_step, error_reason, flagged_reason, flagged_at,
                    created_at, updated_at
             FROM payments.payments WHERE razorpay_order_id = ANY($1)
             ORDER BY created_at, razorpay_payment_id",
        )
        .bind(razorpay_orders)
        .fetch_all(&self.pool)
        .await
        .context("reading the payments of orders")?;
        let ids: Vec<String> = rows.iter().map(|row| row.razorpay_payment_id.clone()).collect();
        let mut history = self.history_of(&ids).await?;
        let mut refunds = self.refunds_of(&ids).await?;
        let mut refusals = self.refusals_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = row.razorpay_payment_id.clone();
                row.into_record(
                    history.remove(&id).unwrap_or_default(),
                    refunds.remove(&id).unwrap_or_default(),
                    refusals.remove(&id).unwrap_or_default(),
                )
            })
            .collect())
    }

    async fn history_of(&self, ids: &[String]) -> anyhow::Result<HashMap<String, Vec<HistoryEntry>>> {
        let rows: Vec<HistoryRow> = sqlx::query_as(
            "SELECT razorpay_payment_id, status, source, event_id, event_type, recorded_at
             FROM payments.payment_history WHERE razorpay_payment_id = ANY($1)
             ORDER BY razorpay_payment_id, id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context("reading payment history")?;
        let mut by_payment: HashMap<String, Vec<HistoryEntry>> = HashMap::new();
        for row in rows {
            let entry = HistoryEntry {
                status: row.status,
                source: row.source,
                event_id: row.event_id,
                event_type: row.event_type,
                recorded_at: row.recorded_at,
            };
            by_payment.entry(row.razorpay_payment_id).or_default().push(entry);
        }
        Ok(by_payment)
    }

    async fn refunds_of(&self, ids: &[String]) -> anyhow::Result<HashMap<String, Vec<RefundRecord>>> {
        let rows: Vec<RefundRecord> = sqlx::query_as(
            "SELECT razorpay_refund_id, razorpay_payment_id, amount_paise, currency, status, speed_requested,
                    speed_processed, created_at
             FROM payments.refunds WHERE razorpay_payment_id = ANY($1)
             ORDER BY razorpay_payment_id, created_at, razorpay_refund_id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context("reading refunds")?;
        let mut by_payment: HashMap<String, Vec<RefundRecord>> = HashMap::new();
        for refund in rows {
            by_payment.entry(refund.razorpay_payment_id.clone()).or_default().push(refund);
        }
        Ok(by_payment)
    }

    async fn refusals_of(&self, ids: &[String]) -> anyhow::Result<HashMap<String, Vec<RefusedRefund>>> {
        let rows: Vec<RefusedRefund> = sqlx::query_as(
            "SELECT razorpay_payment_id, amount_paise, receipt, reason, refused_at
             FROM payments.refund_refusals WHERE razorpay_payment_id = ANY($1)
             ORDER BY razorpay_payment_id, id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .context("reading refused refunds")?;
        let mut by_payment: HashMap<String, Vec<RefusedRefund>> = HashMap::new();
        for refusal in rows {
            by_payment.entry(refusal.razorpay_payment_id.clone()).or_default().push(refusal);
        }
        Ok(by_payment)
    }
}
