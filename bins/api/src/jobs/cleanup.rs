//! The cleanup job: what would otherwise grow without bound goes once its retention is
//! over (`[retention]`): `Idempotency-Key` answers, finished refresh tokens and sign-ins,
//! and Razorpay webhook events. Each table's owner deletes its own rows; this only runs
//! the passes.
//!
//! Every process runs it. The deletes take rows with `FOR UPDATE SKIP LOCKED` in small
//! batches, so passes in several processes at once split the rows between them instead of
//! waiting on each other or failing, and no batch holds locks for long.

use std::time::Duration;

use idempotency::Idempotency;
use sqlx::PgPool;
use tokio::task::JoinHandle;

use crate::configuration::{RetentionSettings, Settings};
use crate::state::{AccountsService, accounts_service};

/// Rows per DELETE: small enough that a batch holds its locks only briefly.
const BATCH: i64 = 1_000;

/// The cleanup job, ready to run.
#[derive(Debug, Clone)]
pub struct Cleanup {
    pool: PgPool,
    accounts: AccountsService,
    idempotency: Idempotency,
    every: Duration,
    retention: RetentionSettings,
}

/// How many rows one pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanupReport {
    pub idempotency_keys: u64,
    /// Refresh tokens, and then the sign-ins (families) that were over, with any tokens left.
    pub refresh_tokens: u64,
    pub webhook_events: u64,
}

impl Cleanup {
    /// The job on `pool` with the settings' retention; `None` when
    /// `retention.cleanup_interval_seconds` is 0 (the job is off).
    pub fn new(pool: PgPool, settings: &Settings) -> anyhow::Result<Option<Cleanup>> {
        let retention = settings.retention;
        if retention.cleanup_interval_seconds == 0 {
            return Ok(None);
        }
        Ok(Some(Cleanup {
            accounts: accounts_service(pool.clone(), settings)?,
            idempotency: Idempotency::new(pool.clone()),
            pool,
            every: Duration::from_secs(retention.cleanup_interval_seconds),
            retention,
        }))
    }

    /// One pass over every table. A failure in one table does not keep the others from
    /// being cleaned; the first error is returned after all were tried.
    #[tracing::instrument(name = "job.cleanup", skip(self))]
    pub async fn run_pass(&self) -> anyhow::Result<CleanupReport> {
        let hours = |n: u64| Duration::from_secs(n.saturating_mul(3_600));
        let days = |n: u64| Duration::from_secs(n.saturating_mul(86_400));
        let keys = self.idempotency.purge_expired(hours(self.retention.idempotency_key_hours), BATCH).await;
        let tokens = self.accounts.purge_sessions(days(self.retention.refresh_token_days), BATCH).await;
        let events = payments_razorpay::retention::purge_webhook_events(
            &self.pool,
            days(self.retention.webhook_event_days),
            BATCH,
        )
        .await;
        Ok(CleanupReport { idempotency_keys: keys?, refresh_tokens: tokens?, webhook_events: events? })
    }

    /// Runs a pass now and then every `retention.cleanup_interval_seconds`.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(self.every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match self.run_pass().await {
                    Ok(report) if report == CleanupReport::default() => {}
                    Ok(report) => tracing::info!(
                        idempotency_keys = report.idempotency_keys,
                        refresh_tokens = report.refresh_tokens,
                        webhook_events = report.webhook_events,
                        "cleaned up rows past their retention"
                    ),
                    Err(error) => tracing::warn!(error = %format!("{error:#}"), "a cleanup pass failed; it is retried"),
                }
            }
        })
    }
}
