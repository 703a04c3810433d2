//! `rigmaster seed-demo`: loads the demo store through the catalog service, so demo
//! products are priced, indexed and stocked exactly like products an admin creates.

use catalog::products::{CreateProductError, WriteConflict};
use kernel::audit::Unaudited;
use sqlx::PgPool;

use crate::state::products_service;

/// What a seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedReport {
    pub added: usize,
    /// Products whose SKU (or slug) is already in the store; they are left as they are.
    pub already_present: usize,
}

/// Adds every demo product that is not in the store yet. Running it again adds nothing.
#[tracing::instrument(name = "seed_demo", skip_all)]
pub async fn seed_demo(pool: &PgPool) -> anyhow::Result<SeedReport> {
    let products = products_service(pool.clone());
    let mut report = SeedReport::default();
    for product in demo_data::products() {
        // The demo store is loaded by an operator's command, not by an admin: no audit row.
        match products.create(product, &Unaudited).await {
            Ok(_) => report.added += 1,
            Err(CreateProductError::Conflict(WriteConflict::SkuTaken(_) | WriteConflict::SlugTaken(_))) => {
                report.already_present += 1;
            }
            Err(error) => return Err(anyhow::Error::new(error).context("adding a demo product")),
        }
    }
    Ok(report)
}

/// Adds `orders` historical demo orders generated from `seed` (see
/// [`crate::app::demo_orders`]), after the demo catalog. The demo customers share one
/// argon2 hash, computed once here, of a random password nobody is told: they are there to
/// have ordered, not to sign in.
#[tracing::instrument(name = "seed_demo_history", skip(pool, settings))]
pub async fn seed_demo_history(
    pool: &PgPool,
    settings: &crate::Settings,
    orders: usize,
    seed: u64,
) -> anyhow::Result<crate::app::demo_orders::DemoHistory> {
    let cost = settings.passwords;
    let hasher = identity::password::PasswordHasher::new(identity::password::PasswordCost {
        memory_kib: cost.memory_kib,
        iterations: cost.iterations,
        parallelism: cost.parallelism,
    })?;
    let password = identity::password::Password::offered(uuid::Uuid::new_v4().simple().to_string());
    let password_hash = hasher.hash(password).await?;
    let products = products_service(pool.clone());
    let orders_service = crate::state::orders_service(pool.clone(), settings)?;
    let now = chrono::Utc::now();
    crate::app::demo_orders::seed_demo_orders(pool, &products, &orders_service, &password_hash, orders, seed, now).await
}
