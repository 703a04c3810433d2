//! The `rigmaster` application: configuration, the HTTP API over the domain crates, and
//! the wiring of ports to their adapters. Domain rules live in the domain crates.
//!
//! Layers, each using only those below it: `routes` (one module per resource) → `app`
//! (use cases that span domains) → `views` (wire types shared by routes) and `http`
//! (extractors and helpers) → `error` (the envelope) → `state` (the services, wired by
//! `adapters`) → the domain crates. `startup` builds and serves it all.

pub mod adapters;
pub mod app;
pub mod configuration;
pub mod db;
pub mod db_health;
pub mod error;
pub mod http;
pub mod metrics;
pub mod middleware;
pub mod rate_limit;
pub mod read_cache;
pub mod request_id;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;

pub use configuration::Settings;
pub use startup::Application;
