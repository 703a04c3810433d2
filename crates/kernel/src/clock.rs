//! Time as a port, so that expiry and reporting can be tested without sleeping.

use chrono::{DateTime, Utc};

/// Tells the current time. Implementations must be cheap and thread-safe.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
