//! [`RefundStore`] on `orders.refunds`.

use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::Money;
use uuid::Uuid;

use super::{Pool, Tx, refund_status_value};
use crate::model::{RefundKind, RefundRecord};
use crate::refunds::RefundStatus;
use crate::stores::{ClaimedRefund, RefundStore, SettledRefund};

#[derive(sqlx::FromRow)]
struct RefundRow {
    id: Uuid,
    order_id: Uuid,
    razorpay_payment_id: String,
    amount_paise: i64,
    status: String,
    kind: String,
    reason: String,
    razorpay_refund_id: Option<String>,
    last_error: Option<String>,
    processed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl RefundRow {
    fn into_record(self) -> anyhow::Result<RefundRecord> {
        Ok(RefundRecord {
            id: self.id,
            order_id: self.order_id,
            payment_id: self.razorpay_payment_id,
            amount: Money::from_paise(self.amount_paise),
            status: RefundStatus::parse(&self.status)
                .with_context(|| format!("a stored refund has the unknown status {}", self.status))?,
            kind: RefundKind::parse(&self.kind)
                .with_context(|| format!("a stored refund has the unknown kind {}", self.kind))?,
            reason: self.reason,
            razorpay_refund_id: self.razorpay_refund_id,
            failure_reason: self.last_error,
            processed_at: self.processed_at,
            created_at: self.created_at,
        })
    }
}

/// Every refund of these orders (of any payment), by order, oldest first
/// (`refunds_by_order`).
pub(super) async fn refunds_of_orders(conn: &mut Tx, orders: &[Uuid]) -> anyhow::Result<Vec<RefundRecord>> {
    let rows: Vec<RefundRow> = sqlx::query_as(
        "SELECT id, order_id, razorpay_payment_id, amount_paise, status, kind, reason, razorpay_refund_id,
                last_error, processed_at, created_at
         FROM orders.refunds WHERE order_id = ANY($1) ORDER BY order_id, created_at, id",
    )
    .bind(orders)
    .fetch_all(conn)
    .await
    .context("reading orders' refunds")?;
    rows.into_iter().map(RefundRow::into_record).collect()
}

type SettledRow = (Uuid, String, i64, String);

fn settled((order_id, payment_id, amount, kind): SettledRow) -> anyhow::Result<SettledRefund> {
    let kind = RefundKind::parse(&kind).with_context(|| format!("a stored refund has the unknown kind {kind}"))?;
    Ok(SettledRefund { order_id, payment_id, amount: Money::from_paise(amount), kind })
}

#[derive(Debug, Clone)]
pub struct PgRefunds {
    pool: Pool,
}

impl PgRefunds {
    pub fn new(pool: Pool) -> Self {
        PgRefunds { pool }
    }
}

impl RefundStore for PgRefunds {
    async fn exists_for(&self, tx: &mut Tx, payment_id: &str) -> anyhow::Result<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders.refunds WHERE razorpay_payment_id = $1)")
            .bind(payment_id)
            .fetch_one(tx)
            .await
            .context("looking for a refund")
    }

    async fn insert_due(
        &self,
        tx: &mut Tx,
        order_id: Uuid,
        payment_id: &str,
        amount: Money,
        reason: &str,
        kind: RefundKind,
    ) -> anyhow::Result<Option<Uuid>> {
        // Only an unwanted payment is owed back once by rule (`refunds_unwanted_once`).
        sqlx::query_scalar(
            "INSERT INTO orders.refunds (id, order_id, razorpay_payment_id, amount_paise, reason, status, kind)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (razorpay_payment_id) WHERE kind = 'unwanted' DO NOTHING RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(order_id)
        .bind(payment_id)
        .bind(amount.paise())
        .bind(reason)
        .bind(refund_status_value(RefundStatus::Due))
        .bind(kind.as_str())
        .fetch_optional(tx)
        .await
        .context("writing a refund due")
    }

    async fn claim(&self, refund: Uuid, retry_after: Duration) -> anyhow::Result<Option<ClaimedRefund>> {
        let claimed: Option<(Uuid, String, i64, String, i32)> = sqlx::query_as(
            "UPDATE orders.refunds r SET attempts = attempts + 1, updated_at = now()
             FROM orders.orders o
             WHERE r.id = $1 AND r.status = $3 AND o.id = r.order_id
               AND (r.attempts = 0 OR r.updated_at < now() - make_interval(secs => $2))
             RETURNING r.order_id, r.razorpay_payment_id, r.amount_paise, o.order_number, r.attempts",
        )
        .bind(refund)
        .bind(retry_after.as_secs_f64())
        .bind(refund_status_value(RefundStatus::Due))
        .fetch_optional(&self.pool)
        .await
        .context("claiming a refund")?;
        Ok(claimed.map(|(order_id, payment_id, amount, receipt, attempts)| ClaimedRefund {
            order_id,
            payment_id,
            amount: Money::from_paise(amount),
            receipt,
            attempts,
        }))
    }

    async fn mark_failed(&self, tx: &mut Tx, refund: Uuid, reason: &str) -> anyhow::Result<Option<SettledRefund>> {
        let row: Option<SettledRow> = sqlx::query_as(
            "UPDATE orders.refunds SET status = 'failed', last_error = $2, updated_at = now()
             WHERE id = $1 AND status IN ('due', 'sent')
             RETURNING order_id, razorpay_payment_id, amount_paise, kind",
        )
        .bind(refund)
        .bind(reason)
        .fetch_optional(tx)
        .await
        .context("recording a failed refund")?;
        row.map(settled).transpose()
    }

    async fn mark_sent(&self, tx: &mut Tx, refund: Uuid, razorpay_refund_id: Option<&str>) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.refunds SET status = 'sent', razorpay_refund_id = coalesce($2, razorpay_refund_id),
                 updated_at = now()
             WHERE id = $1 AND status = 'due'",
        )
        .bind(refund)
        .bind(razorpay_refund_id)
        .execute(tx)
        .await
        .context("recording a refund")?;
        Ok(())
    }

    async fn mark_processed(
        &self,
        tx: &mut Tx,
        refund: Uuid,
        razorpay_refund_id: Option<&str>,
    ) -> anyhow::Result<Option<SettledRefund>> {
        let row: Option<SettledRow> = sqlx::query_as(
            "UPDATE orders.refunds SET status = 'processed', processed_at = now(), last_error = NULL,
                 razorpay_refund_id = coalesce($2, razorpay_refund_id), updated_at = now()
             WHERE id = $1 AND status IN ('due', 'sent')
             RETURNING order_id, razorpay_payment_id, amount_paise, kind",
        )
        .bind(refund)
        .bind(razorpay_refund_id)
        .fetch_optional(tx)
        .await
        .context("recording a processed refund")?;
        row.map(settled).transpose()
    }

    async fn counted_for(&self, tx: &mut Tx, payment_id: &str) -> anyhow::Result<Money> {
        let sum: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(amount_paise), 0)::bigint FROM orders.refunds
             WHERE razorpay_payment_id = $1 AND status <> 'failed'",
        )
        .bind(payment_id)
        .fetch_one(tx)
        .await
        .context("adding up a payment's refunds")?;
        Ok(Money::from_paise(sum))
    }

    async fn find_for_news(
        &self,
        conn: &mut Tx,
        razorpay_refund_id: &str,
        store_refund_id: Option<Uuid>,
    ) -> anyhow::Result<Option<(Uuid, Uuid)>> {
        sqlx::query_as(
            "SELECT id, order_id FROM orders.refunds WHERE razorpay_refund_id = $1
             UNION ALL
             SELECT id, order_id FROM orders.refunds WHERE id = $2
             LIMIT 1",
        )
        .bind(razorpay_refund_id)
        .bind(store_refund_id)
        .fetch_optional(conn)
        .await
        .context("finding the refund a gateway refund is")
    }

    async fn claim_unsettled(&self, limit: i64, quiet: Duration) -> anyhow::Result<Vec<(Uuid, String, String, Money)>> {
        // Spelled, not bound: `refunds_sent` is partial on it.
        let rows: Vec<(Uuid, String, String, i64)> = sqlx::query_as(
            "UPDATE orders.refunds SET updated_at = now()
             WHERE id IN (
                 SELECT id FROM orders.refunds
                 WHERE status = 'sent' AND razorpay_refund_id IS NOT NULL
                   AND updated_at < now() - make_interval(secs => $2)
                 ORDER BY updated_at LIMIT $1 FOR UPDATE SKIP LOCKED
             )
             RETURNING id, razorpay_refund_id, razorpay_payment_id, amount_paise",
        )
        .bind(limit)
        .bind(quiet.as_secs_f64())
        .fetch_all(&self.pool)
        .await
        .context("claiming refunds Razorpay has not reported on")?;
        Ok(rows
            .into_iter()
            .map(|(id, refund_id, payment_id, amount)| (id, refund_id, payment_id, Money::from_paise(amount)))
            .collect())
    }

    async fn failed_since(&self, conn: &mut Tx, order_id: Uuid, refund: Uuid) -> anyhow::Result<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (
                 SELECT 1 FROM orders.refunds failed, orders.refunds settled
                 WHERE settled.id = $2 AND failed.order_id = $1 AND failed.status = 'failed'
                   AND failed.kind <> 'unwanted' AND (failed.created_at, failed.id) > (settled.created_at, settled.id)
             )",
        )
        .bind(order_id)
        .bind(refund)
        .fetch_one(conn)
        .await
        .context("looking for a later failed refund")
    }

    async fn get(&self, conn: &mut Tx, refund: Uuid) -> anyhow::Result<Option<RefundRecord>> {
        let row: Option<RefundRow> = sqlx::query_as(
            "SELECT id, order_id, razorpay_payment_id, amount_paise, status, kind, reason, razorpay_refund_id,
                    last_error, processed_at, created_at
             FROM orders.refunds WHERE id = $1",
        )
        .bind(refund)
        .fetch_optional(conn)
        .await
        .context("reading a refund")?;
        row.map(RefundRow::into_record).transpose()
    }

    async fn note_failure(&self, refund: Uuid, error: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.refunds SET last_error = $2 WHERE id = $1")
            .bind(refund)
            .bind(error)
            .execute(&self.pool)
            .await
            .context("recording a refund failure")?;
        Ok(())
    }

    async fn of_order(&self, conn: &mut Tx, order_id: Uuid) -> anyhow::Result<Vec<RefundRecord>> {
        refunds_of_orders(conn, &[order_id]).await
    }

    async fn due(&self, limit: i64, retry_after: Duration) -> anyhow::Result<Vec<Uuid>> {
        sqlx::query_scalar(
            "SELECT id FROM orders.refunds WHERE status = 'due' AND updated_at < now() - make_interval(secs => $2)
             ORDER BY created_at LIMIT $1",
        )
        .bind(limit)
        .bind(retry_after.as_secs_f64())
        .fetch_all(&self.pool)
        .await
        .context("finding refunds due")
    }
}
