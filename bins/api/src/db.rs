//! The connection pool and every domain's migrations.

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use secrecy::ExposeSecret as _;
use sqlx::ConnectOptions as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::configuration::DatabaseSettings;

/// Each domain's migrator, in the order they are applied. Domains do not reference each
/// other's tables, so the order only matters for shared extensions, and for the
/// idempotency keys, which began in the orders schema.
pub fn migrators() -> Vec<(&'static str, Migrator)> {
    vec![
        (identity::SCHEMA, identity::migrator()),
        (catalog::SCHEMA, catalog::migrator()),
        (inventory::SCHEMA, inventory::migrator()),
        (orders::SCHEMA, orders::migrator()),
        // After orders: its first migration moves `orders.idempotency_keys` into its schema.
        (idempotency::SCHEMA, idempotency::migrator()),
        (payments_razorpay::SCHEMA, payments_razorpay::migrator()),
        (analytics::SCHEMA, analytics::migrator()),
        (invoicing::SCHEMA, invoicing::migrator()),
        (audit::SCHEMA, audit::migrator()),
        (edge::SCHEMA, edge::migrator()),
    ]
}

/// The application's own tables, which belong to no domain (the shared rate-limit counts).
pub mod edge {
    kernel::domain_schema!("edge", "../../migrations/edge");
}

/// Applies every pending migration of every domain. Safe to run from several processes
/// at once: each migrator holds an advisory lock while it works.
#[tracing::instrument(name = "db.migrate", skip_all)]
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    for (schema, migrator) in migrators() {
        migrator.run(pool).await.with_context(|| format!("applying the {schema} migrations"))?;
    }
    Ok(())
}

/// A lazily connecting pool: nothing is opened until first use, so the process can start
/// (and answer `/health`) while the database is still coming up.
pub fn pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .min_connections(settings.min_connections)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .connect_lazy_with(connect_options(settings, "rigmaster")?))
}

/// A lazy pool of one connection for `LISTEN` (`PgListener` holds its connection for good,
/// so it must not take one from the request pool). No idle or lifetime limit: the listener
/// keeps the connection open on purpose.
pub fn listener_pool(settings: &DatabaseSettings) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with(connect_options(settings, "rigmaster-listener")?))
}

fn connect_options(settings: &DatabaseSettings, application_name: &str) -> anyhow::Result<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(settings.url.expose_secret())
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .application_name(application_name)
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn migration_versions_are_unique_across_domains() {
        let mut seen = HashMap::new();
        for (schema, migrator) in migrators() {
            for migration in migrator.iter() {
                if let Some(other) = seen.insert(migration.version, schema) {
                    panic!("version {} is used by both {other} and {schema}", migration.version);
                }
            }
        }
        assert!(seen.len() >= migrators().len(), "every domain has at least its schema migration");
    }

    #[test]
    fn each_domain_keeps_its_history_in_its_own_schema() {
        for (schema, migrator) in migrators() {
            assert_eq!(migrator.table_name, format!("{schema}._sqlx_migrations"));
        }
    }
}
