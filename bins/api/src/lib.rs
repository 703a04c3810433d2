//! The `rigmaster` application: configuration, the HTTP API over the domain crates, and
//! the wiring of ports to their adapters. Domain rules live in the domain crates.

pub mod adapters;
pub mod auth;
pub mod configuration;
pub mod control_chars;
pub mod db;
pub mod db_health;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod rate_limit;
pub mod read_cache;
pub mod request_id;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod telemetry;

pub use configuration::Settings;
pub use startup::Application;
