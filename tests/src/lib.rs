//! Helpers for black-box tests: each test gets its own database, cloned from a migrated
//! template, and the real application on a random port, spoken to through the typed
//! client (`TestApp::api`, `TestUser::api`) as a storefront would.
//!
//! The PostgreSQL cluster is the one `make test` starts (`deploy/local/pg.sh`); set
//! `RIGMASTER_TEST_ADMIN_URL` to use another.

pub mod analytics;
pub mod app;
pub mod audit;
pub mod builder;
pub mod catalog;
pub mod clock;
pub mod coupons;
pub mod database;
pub mod errors;
pub mod invoices;
pub mod metrics;
pub mod orders;
pub mod polling;
pub mod proxy;
pub mod read_model;
pub mod shop;
pub mod simulator;

pub use app::{TestApp, TestUser, spawn_app, spawn_app_with, test_settings};
pub use database::TestDatabase;
pub use errors::{assert_error, assert_refused};
pub use metrics::Metrics;
pub use polling::{Patience, eventually, eventually_with, poll, poll_with};
pub use proxy::TcpProxy;
pub use simulator::{TestSimulator, spawn_simulator};
