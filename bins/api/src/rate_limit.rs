//! Attempt limits for sign-in and sign-up. Behind a trait so a shared limiter (e.g. in
//! PostgreSQL or Redis) can replace the per-process one when several processes serve.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts attempts per key.
pub trait RateLimiter: Send + Sync {
    /// Records an attempt for `key`; `Err(retry_after)` when the key is over its limit.
    fn hit(&self, key: &str, now: Instant) -> Result<(), Duration>;
}

/// A fixed-window limiter in this process's memory.
#[derive(Debug)]
pub struct InMemoryRateLimiter {
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Entries kept before expired windows are swept, so memory stays bounded.
const SWEEP_ABOVE: usize = 10_000;

impl InMemoryRateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        InMemoryRateLimiter { limit, window, windows: Mutex::new(HashMap::new()) }
    }
}

impl RateLimiter for InMemoryRateLimiter {
    fn hit(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > SWEEP_ABOVE {
            let window = self.window;
            windows.retain(|_, (started, _)| now.duration_since(*started) < window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_limit_then_refuses_until_the_window_ends() {
        let limiter = InMemoryRateLimiter::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.hit("k", start), Ok(()));
        }
        assert_eq!(limiter.hit("k", start + Duration::from_secs(20)), Err(Duration::from_secs(40)));
        assert_eq!(limiter.hit("other", start), Ok(()), "keys are counted apart");
        assert_eq!(limiter.hit("k", start + Duration::from_secs(60)), Ok(()), "a new window starts afresh");
    }
}
