//! Cart, coupons, checkout, payments and the order state machine, as a hexagon: use
//! cases over ports the domain owns, with PostgreSQL adapters in [`postgres`].
//!
//! - [`service::Orders`]: the entry points, each handled by a use case over one set of
//!   dependencies: [`checkout`] (one transaction: price, coupon, order, stock), [`retry`],
//!   [`payments`] (the one idempotent `mark_paid`, whose rule is the pure
//!   [`payment_decision::decide`]), [`refunds`], [`cancellation`], [`reconcile`]
//!   (recovers from lost webhooks), [`recovery`] (opens the Razorpay order of an order
//!   whose checkout died before making it), [`queries`] and [`admin_queries`] (the
//!   admin's search and view of any order, over the [`search`] port).
//! - [`cart::Carts`]: the server-side cart, priced with today's catalog on every read.
//! - [`coupons::Coupons`]: admin management; uses are counted atomically at checkout.
//! - [`status::check_move`]: the state machine, one pure function.
//! - [`pricing`]: the coupon split over lines and line tax.
//! - [`limits`]: what one customer may hold at once (lines, units, orders waiting for
//!   payment, cash on delivery, the retry window), as pure rules.
//! - [`ports`]: what the domain needs from the outside: the catalog, the shop's stock,
//!   the payment provider, and a hook for whoever asked for a checkout. [`stores`]: the
//!   domain's own storage. [`postgres`] implements the stores; `bins/api` adapts the rest.

pub mod admin_operations;
pub mod admin_queries;
pub mod cancellation;
pub mod cart;
pub mod checkout;
pub mod coupons;
mod deps;
mod holds;
pub mod limits;
mod metrics;
pub mod model;
pub mod payment_decision;
pub mod payments;
pub mod ports;
pub mod postgres;
pub mod pricing;
pub mod queries;
pub mod reconcile;
pub mod recovery;
pub mod refunds;
pub mod retry;
pub mod search;
pub mod service;
pub mod status;
pub mod stores;

pub use postgres::{SCHEMA, migrator};
