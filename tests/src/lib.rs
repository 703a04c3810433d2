//! Helpers for black-box tests: each test gets its own database, cloned from a migrated
//! template, and the real application on a random port.
//!
//! The PostgreSQL cluster is the one `make test` starts (`deploy/local/pg.sh`); set
//! `RIGMASTER_TEST_ADMIN_URL` to use another.

pub mod app;
pub mod database;
pub mod metrics;
pub mod polling;
pub mod proxy;
pub mod shop;
pub mod simulator;

pub use app::{TestApp, TestUser, spawn_app, spawn_app_with, test_settings};
pub use database::TestDatabase;
pub use metrics::Metrics;
pub use polling::{Patience, eventually, eventually_with, poll, poll_with};
pub use proxy::TcpProxy;
pub use simulator::{TestSimulator, spawn_simulator};
