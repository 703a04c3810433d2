//! Stock levels, reservations with expiry, and the stock ledger.
//!
//! - [`stock::StockLevels`]: levels, admin adjustments and the ledger.
//! - [`reservations::StockReserver`]: hold, commit, release and restock stock inside the
//!   caller's transaction, exactly once.
//! - [`expiry::release_expired`]: the job that frees reservations whose time is up.
//!
//! Every change to `on_hand` or `reserved` writes one ledger entry in the same
//! transaction, and a CHECK keeps `0 ≤ reserved ≤ on_hand` whatever a caller does.

pub mod bulk;
pub mod expiry;
pub mod reservations;
pub mod stock;

kernel::domain_schema!("inventory", "../../migrations/inventory");
