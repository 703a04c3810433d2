//! The `rigmaster` application: configuration, the HTTP API over the domain crates, and
//! the wiring of ports to their adapters. Domain rules live in the domain crates.
//!
//! How it is layered: a route module (`routes`, one per resource) parses the request, calls
//! a domain service and shapes the answer, using `http` (extractors and helpers) and `views`
//! (wire types shared by route modules), never another route module; work that spans domains
//! is a use case in `app`. `error` turns every failure into the contract's envelope. `state`
//! holds the services, wired to their ports' adapters (`adapters`); `startup` builds and
//! serves it all and is used by `main.rs` alone.

pub mod adapters;
pub mod app;
pub mod configuration;
pub mod db;
pub mod db_health;
pub mod deadlines;
pub mod docs_ui;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod rate_limit;
pub mod read_cache;
pub mod request_id;
pub mod routes;
pub mod security_headers;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;

pub use configuration::Settings;
pub use startup::Application;
