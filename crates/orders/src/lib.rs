//! Cart, coupons, checkout, payments and the order state machine.
//!
//! - [`cart::Carts`]: the server-side cart, priced with today's catalog on every read.
//! - [`coupons::Coupons`]: admin management; uses are counted atomically at checkout.
//! - [`service::Orders`]: checkout (one transaction: price, coupon, stock, order), payment
//!   retries, and reading orders; [`payments`] holds the one idempotent `mark_paid`;
//!   [`lifecycle`] cancels; [`reconcile`] recovers from lost webhooks; `recovery` opens
//!   the Razorpay order of an order whose checkout died before making it.
//! - [`status::check_move`]: the state machine, one pure function.
//! - [`pricing`]: the coupon split over lines and line tax.
//! - [`ports`]: what the domain needs from the catalog and the payment provider.

pub mod cart;
pub mod coupons;
pub mod idempotency;
pub mod lifecycle;
mod metrics;
pub mod model;
pub mod payments;
pub mod ports;
pub mod pricing;
pub mod reconcile;
mod recovery;
pub mod service;
pub mod status;
mod store;

kernel::domain_schema!("orders", "../../migrations/orders");
