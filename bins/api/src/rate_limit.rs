//! Request counts shared by every process of the store. Behind a trait so another store
//! (Redis, say) could replace the PostgreSQL one; which keys a request counts against, and
//! what happens over a limit, is [`crate::http::limits`]'s business.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;

/// One key a request counts against, and the most requests it may make in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    pub key: String,
    pub limit: u32,
}

/// Counts requests per key in fixed windows.
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one request against every quota at once; `Ok(Err(retry_after))` when any of
    /// them is over its limit (the request is counted either way).
    fn hit(&self, quotas: &[Quota]) -> impl Future<Output = anyhow::Result<Result<(), Duration>>> + Send;
}

/// Fixed windows in `edge.rate_limit_windows`, one row per key: one statement per request,
/// correct under concurrency by the row lock `ON CONFLICT DO UPDATE` takes. The window
/// starts at a key's first request and times come from the database's clock, so every
/// process agrees on them.
#[derive(Debug, Clone)]
pub struct PgRateLimiter {
    pool: PgPool,
    window: Duration,
    hits: Arc<AtomicU64>,
}

/// Every this many hits, a process deletes the windows that have ended.
const SWEEP_EVERY: u64 = 1024;

impl PgRateLimiter {
    pub fn new(pool: PgPool, window: Duration) -> Self {
        PgRateLimiter { pool, window, hits: Arc::new(AtomicU64::new(0)) }
    }

    /// Deletes every window that has ended; returns how many.
    #[tracing::instrument(name = "rate_limit.sweep", skip_all)]
    pub async fn sweep(&self) -> anyhow::Result<u64> {
        let swept =
            sqlx::query("DELETE FROM edge.rate_limit_windows WHERE started_at <= now() - $1 * interval '1 second'")
                .bind(self.window_seconds())
                .execute(&self.pool)
                .await
                .context("sweeping ended rate-limit windows")?;
        Ok(swept.rows_affected())
    }

    fn window_seconds(&self) -> f64 {
        self.window.as_secs_f64()
    }

    /// Sweeps now and then, in the background, so the table holds about one window's keys.
    fn sweep_now_and_then(&self) {
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let limiter = self.clone();
            tokio::spawn(async move {
                if let Err(error) = limiter.sweep().await {
                    tracing::warn!(error = %format!("{error:#}"), "a rate-limit sweep failed; the next one retries");
                }
            });
        }
    }
}

impl RateLimiter for PgRateLimiter {
    #[tracing::instrument(name = "rate_limit.hit", skip_all)]
    async fn hit(&self, quotas: &[Quota]) -> anyhow::Result<Result<(), Duration>> {
        let mut keys: Vec<&str> = quotas.iter().map(|quota| quota.key.as_str()).collect();
        // Sorted, so that two requests sharing keys lock their rows in one order (no
        // deadlock); distinct, as one statement may not update a row twice.
        keys.sort_unstable();
        keys.dedup();
        self.sweep_now_and_then();
        // A window that has ended starts again with this hit.
        let counts: Vec<(String, i32, f64)> = sqlx::query_as(
            "INSERT INTO edge.rate_limit_windows AS w (key, started_at, hits) \
             SELECT key, now(), 1 FROM unnest($1::text[]) AS key ORDER BY key \
             ON CONFLICT (key) DO UPDATE SET \
                 started_at = CASE WHEN w.started_at > now() - $2 * interval '1 second' \
                                   THEN w.started_at ELSE now() END, \
                 hits = CASE WHEN w.started_at > now() - $2 * interval '1 second' \
                             THEN w.hits + 1 ELSE 1 END \
             RETURNING key, hits, extract(epoch FROM started_at + $2 * interval '1 second' - now())::float8",
        )
        .bind(&keys)
        .bind(self.window_seconds())
        .fetch_all(&self.pool)
        .await
        .context("counting a request against its rate limits")?;
        Ok(verdict(quotas, &counts))
    }
}

/// `Err(retry_after)` when a key is over its quota: the longest wait of those over.
fn verdict(quotas: &[Quota], counts: &[(String, i32, f64)]) -> Result<(), Duration> {
    let over = counts.iter().filter(|(key, hits, _)| {
        quotas.iter().any(|quota| quota.key == *key && i64::from(*hits) > i64::from(quota.limit))
    });
    match over.map(|(_, _, seconds_left)| *seconds_left).reduce(f64::max) {
        Some(seconds_left) => Err(Duration::from_secs_f64(seconds_left.max(0.0))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(key: &str, limit: u32) -> Quota {
        Quota { key: key.into(), limit }
    }

    #[test]
    fn a_request_is_refused_when_any_key_is_over_and_waits_for_the_longest() {
        let quotas = [quota("a", 2), quota("b", 5)];
        assert_eq!(verdict(&quotas, &[("a".into(), 2, 10.0), ("b".into(), 5, 50.0)]), Ok(()));
        assert_eq!(verdict(&quotas, &[("a".into(), 3, 10.0), ("b".into(), 5, 50.0)]), Err(Duration::from_secs(10)));
        assert_eq!(verdict(&quotas, &[("a".into(), 3, 10.0), ("b".into(), 6, 50.0)]), Err(Duration::from_secs(50)));
    }
}
