//! Razorpay: gateway client, signatures, webhooks and payment records.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

/// The PostgreSQL schema this domain owns; no other domain writes to it.
pub const SCHEMA: &str = "payments";

/// This domain's migrations, recorded in its own `payments._sqlx_migrations` table so
/// that each domain's history stays with its schema.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("../../migrations/payments");
    migrator.dangerous_set_table_name(format!("{SCHEMA}._sqlx_migrations"));
    migrator.create_schema(SCHEMA);
    migrator
}
