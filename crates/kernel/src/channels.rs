//! PostgreSQL `NOTIFY` channels that cross domain lines.

/// Announces a change to what the storefront's catalog pages show (a product, a category,
/// or stock an admin set), so that every `rigmaster` process drops its cached pages at
/// once. Catalog triggers and inventory's trigger on admin stock changes notify it; the
/// payload is empty (any change invalidates everything). The catalog and inventory
/// migrations that install the triggers spell the same name.
pub const CATALOG_CHANGES: &str = "rigmaster_catalog";
