//! Payment records: one row per Razorpay payment (with every status it was reported in),
//! one per refund. Writes take the caller's connection, so that recording what Razorpay
//! said and acting on it (an order paid) commit together.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::entities::{Payment, PaymentStatus, Refund, RefundStatusOfPayment};

/// Where a payment's state was heard from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordSource<'a> {
    Webhook {
        event_id: &'a str,
        event_type: &'a str,
    },
    /// An answer to one of our own calls (fetch, capture, reconciliation).
    Api,
}

fn unix_time(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

fn refund_status_text(status: Option<RefundStatusOfPayment>) -> Option<&'static str> {
    status.map(|status| match status {
        RefundStatusOfPayment::Partial => "partial",
        RefundStatusOfPayment::Full => "full",
    })
}

/// Records what Razorpay reported about a payment, and returns the payment's status
/// after merging: the furthest of what was known and what was reported, in the order
/// created < failed < authorized < captured < refunded (so reordered webhooks cannot move
/// a captured payment back, while a late authorisation still follows a failure). The
/// last error reported is kept.
#[tracing::instrument(name = "payments.record_payment", skip(conn, payment), fields(payment_id = %payment.id, status = payment.status.as_str()))]
pub async fn record_payment(
    conn: &mut PgConnection,
    payment: &Payment,
    source: RecordSource<'_>,
) -> anyhow::Result<PaymentStatus> {
    let status: String = sqlx::query_scalar(concat!(
        "INSERT INTO payments.payments AS p (razorpay_payment_id, razorpay_order_id, amount_paise, currency,",
        " status, method, captured, amount_refunded_paise, refund_status, email, contact, fee_paise, tax_paise,",
        " error_code, error_description, error_source, error_step, error_reason, gateway_created_at)",
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        " ON CONFLICT (razorpay_payment_id) DO UPDATE SET",
        "  status = CASE WHEN array_position(ARRAY['created','failed','authorized','captured','refunded'], EXCLUDED.status)",
        "                   > array_position(ARRAY['created','failed','authorized','captured','refunded'], p.status)",
        "              THEN EXCLUDED.status ELSE p.status END,",
        "  razorpay_order_id = COALESCE(p.razorpay_order_id, EXCLUDED.razorpay_order_id),",
        "  method = COALESCE(EXCLUDED.method, p.method),",
        "  captured = p.captured OR EXCLUDED.captured,",
        "  refund_status = CASE WHEN EXCLUDED.amount_refunded_paise >= p.amount_refunded_paise",
        "                       THEN COALESCE(EXCLUDED.refund_status, p.refund_status) ELSE p.refund_status END,",
        "  amount_refunded_paise = GREATEST(p.amount_refunded_paise, EXCLUDED.amount_refunded_paise),",
        "  email = COALESCE(EXCLUDED.email, p.email),",
        "  contact = COALESCE(EXCLUDED.contact, p.contact),",
        "  fee_paise = COALESCE(EXCLUDED.fee_paise, p.fee_paise),",
        "  tax_paise = COALESCE(EXCLUDED.tax_paise, p.tax_paise),",
        "  error_code = COALESCE(EXCLUDED.error_code, p.error_code),",
        "  error_description = CASE WHEN EXCLUDED.error_code IS NULL THEN p.error_description ELSE EXCLUDED.error_description END,",
        "  error_source = CASE WHEN EXCLUDED.error_code IS NULL THEN p.error_source ELSE EXCLUDED.error_source END,",
        "  error_step = CASE WHEN EXCLUDED.error_code IS NULL THEN p.error_step ELSE EXCLUDED.error_step END,",
        "  error_reason = CASE WHEN EXCLUDED.error_code IS NULL THEN p.error_reason ELSE EXCLUDED.error_reason END,",
        "  updated_at = now()",
        " RETURNING status",
    ))
    .bind(&payment.id)
    .bind(&payment.order_id)
    .bind(payment.amount)
    .bind(&payment.currency)
    .bind(payment.status.as_str())
    .bind(&payment.method)
    .bind(payment.captured)
    .bind(payment.amount_refunded)
    .bind(refund_status_text(payment.refund_status))
    .bind(&payment.email)
    .bind(&payment.contact)
    .bind(payment.fee)
    .bind(payment.tax)
    .bind(&payment.error_code)
    .bind(&payment.error_description)
    .bind(&payment.error_source)
    .bind(&payment.error_step)
    .bind(&payment.error_reason)
    .bind(unix_time(payment.created_at))
    .fetch_one(&mut *conn)
    .await
    .context("recording a payment")?;
    let (source_name, event_id, event_type) = match source {
        RecordSource::Webhook { event_id, event_type } => ("webhook", Some(event_id), Some(event_type)),
        RecordSource::Api => ("api", None, None),
    };
    sqlx::query(
        "INSERT INTO payments.payment_history (razorpay_payment_id, status, source, event_id, event_type)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&payment.id)
    .bind(payment.status.as_str())
    .bind(source_name)
    .bind(event_id)
    .bind(event_type)
    .execute(&mut *conn)
    .await
    .context("recording a payment's history")?;
    PaymentStatus::parse(&status).context("a payment row holds an unknown status")
}

/// Records a refund as Razorpay reported it. A refund that reached `processed` or
/// `failed` stays there whatever older news arrives after.
#[tracing::instrument(name = "payments.record_refund", skip(conn, refund), fields(refund_id = %refund.id))]
pub async fn record_refund(conn: &mut PgConnection, refund: &Refund) -> anyhow::Result<()> {
    sqlx::query(concat!(
        "INSERT INTO payments.refunds AS r (razorpay_refund_id, razorpay_payment_id, amount_paise, currency, status,",
        " speed_requested, speed_processed, receipt, gateway_created_at)",
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        " ON CONFLICT (razorpay_refund_id) DO UPDATE SET",
        "  status = CASE WHEN r.status = 'pending' THEN EXCLUDED.status ELSE r.status END,",
        "  speed_processed = COALESCE(EXCLUDED.speed_processed, r.speed_processed),",
        "  updated_at = now()",
    ))
    .bind(&refund.id)
    .bind(&refund.payment_id)
    .bind(refund.amount)
    .bind(&refund.currency)
    .bind(refund.status.as_str())
    .bind(&refund.speed_requested)
    .bind(&refund.speed_processed)
    .bind(&refund.receipt)
    .bind(unix_time(refund.created_at))
    .execute(&mut *conn)
    .await
    .context("recording a refund")?;
    Ok(())
}

/// Marks a payment for an admin's attention. A payment can need a person for more than
/// one reason (a second payment whose refund is then refused): each distinct reason is
/// kept, in the order given, and a reason already there (a redelivered webhook) is not
/// repeated. Returns whether the payment is on record.
#[tracing::instrument(name = "payments.flag_payment", skip(conn))]
pub async fn flag_payment(conn: &mut PgConnection, payment_id: &str, reason: &str) -> anyhow::Result<bool> {
    let flagged = sqlx::query(
        "UPDATE payments.payments
         SET flagged_reason = CASE
                 WHEN flagged_reason IS NULL THEN $2
                 WHEN strpos(flagged_reason, $2) > 0 THEN flagged_reason
                 ELSE flagged_reason || $3 || $2 END,
             flagged_at = COALESCE(flagged_at, now()), updated_at = now()
         WHERE razorpay_payment_id = $1",
    )
    .bind(payment_id)
    .bind(reason)
    .bind(REASON_SEPARATOR)
    .execute(&mut *conn)
    .await
    .context("flagging a payment")?;
    Ok(flagged.rows_affected() == 1)
}

/// Between two reasons in `flagged_reason`.
const REASON_SEPARATOR: &str = "; ";

/// Records a refund Razorpay refused: there is no Razorpay refund to record, only our
/// request and its answer.
#[tracing::instrument(name = "payments.record_refund_refusal", skip(conn))]
pub async fn record_refund_refusal(
    conn: &mut PgConnection,
    payment_id: &str,
    amount_paise: i64,
    receipt: Option<&str>,
    reason: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO payments.refund_refusals (razorpay_payment_id, amount_paise, receipt, reason)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(payment_id)
    .bind(amount_paise)
    .bind(receipt)
    .bind(reason)
    .execute(&mut *conn)
    .await
    .context("recording a refused refund")?;
    Ok(())
}
