//! Stock levels, reservations with expiry and the stock ledger.
//!
//! So far the stock rows and their ledger, and opening a new product's stock; the
//! reservation service lands with its issue.

pub mod stock;

kernel::domain_schema!("inventory", "../../migrations/inventory");
