//! The analytics domain's PostgreSQL adapters over the `analytics` schema.

mod ledger;
mod rebuild;
pub(crate) mod reports;

pub use ledger::PgSalesLedger;
pub use rebuild::PgSalesRebuild;

/// The advisory lock a rebuild holds alone and every writer of the figures shares, so a
/// rebuild never runs beside a change it would miss.
pub(crate) const REBUILD_LOCK: &str = "analytics.rebuild";
