//! PostgreSQL adapter for [`SubscriberStore`](super::SubscriberStore).

use anyhow::Context as _;
use kernel::Email;
use sqlx::PgPool;

use super::{SubscribeError, SubscriberStore};

#[derive(Debug, Clone)]
pub struct PgSubscriberStore {
    pool: PgPool,
}

impl PgSubscriberStore {
    pub fn new(pool: PgPool) -> Self {
        PgSubscriberStore { pool }
    }
}

impl SubscriberStore for PgSubscriberStore {
    #[tracing::instrument(name = "newsletter.add", skip_all)]
    async fn add(&self, email: &Email) -> Result<(), SubscribeError> {
        sqlx::query("INSERT INTO identity.newsletter_subscribers (email) VALUES ($1) ON CONFLICT (email) DO NOTHING")
            .bind(email.as_str())
            .execute(&self.pool)
            .await
            .context("inserting a newsletter subscriber")?;
        Ok(())
    }
}
