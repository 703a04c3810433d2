//! Waiting for what happens on its own time (a background job, another process, a
//! listener reconnecting): one loop, [`poll_with`], that every waiting test goes through.
//!
//! A probe answers `Some(found)` once the thing has happened and `None` until then; it is
//! tried at once, then again after each pause, until the deadline has passed.

use std::time::{Duration, Instant};

/// The limit of [`eventually`] and [`poll`].
const USUAL_LIMIT: Duration = Duration::from_secs(10);
/// The pause between tries unless [`Patience::every`] says otherwise.
const USUAL_PAUSE: Duration = Duration::from_millis(100);

/// How long to keep looking, and how often.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    since: Instant,
    limit: Duration,
    every: Duration,
}

impl Patience {
    /// At most `limit` from now, every 100 ms.
    pub fn within(limit: Duration) -> Patience {
        Patience { since: Instant::now(), limit, every: USUAL_PAUSE }
    }

    /// Counts the limit from `since`, an earlier moment (when the change was made), so the
    /// time before the first look counts too.
    pub fn since(self, since: Instant) -> Patience {
        Patience { since, ..self }
    }

    /// Looks every `pause` instead.
    pub fn every(self, pause: Duration) -> Patience {
        Patience { every: pause, ..self }
    }

    fn is_over(&self) -> bool {
        self.since.elapsed() >= self.limit
    }
}

/// Tries `probe` until it returns `Some`, as `patience` allows; `None` if it never does.
pub async fn poll_with<T>(patience: Patience, mut probe: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    loop {
        if let Some(found) = probe().await {
            return Some(found);
        }
        if patience.is_over() {
            return None;
        }
        tokio::time::sleep(patience.every).await;
    }
}

/// [`poll_with`], failing the test with `what` when `probe` never succeeds.
pub async fn eventually_with<T>(what: &str, patience: Patience, probe: impl AsyncFnMut() -> Option<T>) -> T {
    poll_with(patience, probe).await.unwrap_or_else(|| panic!("{what}: not within {:?}", patience.limit))
}

/// [`poll_with`] every 100 ms for at most 10 s.
pub async fn poll<T>(probe: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    poll_with(Patience::within(USUAL_LIMIT), probe).await
}

/// [`eventually_with`] every 100 ms for at most 10 s.
pub async fn eventually<T>(what: &str, probe: impl AsyncFnMut() -> Option<T>) -> T {
    eventually_with(what, Patience::within(USUAL_LIMIT), probe).await
}
