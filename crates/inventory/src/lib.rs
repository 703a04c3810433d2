//! Stock levels, reservations with expiry and the stock ledger.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

/// The PostgreSQL schema this domain owns; no other domain writes to it.
pub const SCHEMA: &str = "inventory";

/// This domain's migrations, recorded in its own `inventory._sqlx_migrations` table so
/// that each domain's history stays with its schema.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("../../migrations/inventory");
    migrator.dangerous_set_table_name(format!("{SCHEMA}._sqlx_migrations"));
    migrator.create_schema(SCHEMA);
    migrator
}
