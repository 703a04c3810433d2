//! Cart, coupons, checkout, the order state machine and shipping.
//!
//! So far only the schema and its migrator: the domain itself lands with its issue.

/// The PostgreSQL schema this domain owns; no other domain writes to it.
pub const SCHEMA: &str = "orders";

/// This domain's migrations, recorded in its own `orders._sqlx_migrations` table so
/// that each domain's history stays with its schema.
pub fn migrator() -> sqlx::migrate::Migrator {
    let mut migrator = sqlx::migrate!("../../migrations/orders");
    migrator.dangerous_set_table_name(format!("{SCHEMA}._sqlx_migrations"));
    migrator.create_schema(SCHEMA);
    migrator
}
