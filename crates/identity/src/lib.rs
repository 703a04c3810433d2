//! Customers and admins: accounts, passwords, tokens, addresses, and the newsletter list.
//!
//! The domain speaks domain types only ([`kernel::Email`] …); storage sits behind the
//! port traits of each module, with a PostgreSQL adapter beside them.

pub mod newsletter;

/// The PostgreSQL schema this domain owns; no other domain writes to it.
pub const SCHEMA: &str = "identity";

/// This domain's migrations, recorded in its own `identity._sqlx_migrations` table so
/// that each domain's history stays with its schema.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("../../migrations/identity");
    migrator.dangerous_set_table_name(format!("{SCHEMA}._sqlx_migrations"));
    migrator.create_schema(SCHEMA);
    migrator
}
