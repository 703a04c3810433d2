//! A clock the test sets, for services that take a [`kernel::Clock`].

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use kernel::Clock;

/// Tells the time it was last set to.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    /// A clock standing at `at`.
    pub fn at(at: DateTime<Utc>) -> Arc<TestClock> {
        Arc::new(TestClock(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap() = at;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}
