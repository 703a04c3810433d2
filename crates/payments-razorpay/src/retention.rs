//! How long webhook events are kept. Nothing references `payments.webhook_events`: the
//! payment records copy what they need (the event id and type in a payment's history), so
//! an old event can go without losing any record. Razorpay retries a delivery for about a
//! day, so de-duplication never needs an event that old.

use std::time::Duration;

use anyhow::Context as _;
use kernel::batches::until_short_batch;
use sqlx::PgPool;

/// Deletes the webhook events received more than `retention` ago, `batch` at a time.
/// Several processes may purge at once (rows another holds are skipped). Returns how many
/// went. Errors: storage failures.
#[tracing::instrument(name = "payments.purge_webhook_events", skip(pool))]
pub async fn purge_webhook_events(pool: &PgPool, retention: Duration, batch: i64) -> anyhow::Result<u64> {
    until_short_batch(batch, || async {
        let deleted = sqlx::query(
            "DELETE FROM payments.webhook_events WHERE ctid = ANY(ARRAY(
               SELECT ctid FROM payments.webhook_events
               WHERE received_at < now() - make_interval(secs => $1)
               LIMIT $2 FOR UPDATE SKIP LOCKED))",
        )
        .bind(retention.as_secs_f64())
        .bind(batch)
        .execute(pool)
        .await
        .context("purging old webhook events")?;
        Ok(deleted.rows_affected())
    })
    .await
}
