//! Accounts as other domains' admin views need them: who placed an order, and whose
//! account has an e-mail or phone an admin searched for. Read-only, on the pool.

use anyhow::Context as _;
use kernel::{Email, Phone};
use sqlx::PgPool;
use uuid::Uuid;

use super::User;
use super::postgres::UserRow;

/// Looks accounts up by id, e-mail or phone.
#[derive(Debug, Clone)]
pub struct Directory {
    pool: PgPool,
}

impl Directory {
    pub fn new(pool: PgPool) -> Self {
        Directory { pool }
    }

    /// The users with these ids (one statement for any number; unknown ids left out).
    #[tracing::instrument(name = "accounts.users_by_id", skip_all, fields(count = ids.len()))]
    pub async fn users(&self, ids: &[Uuid]) -> anyhow::Result<Vec<User>> {
        let rows: Vec<UserRow> =
            sqlx::query_as("SELECT id, name, email, phone, role, created_at FROM identity.users WHERE id = ANY($1)")
                .bind(ids)
                .fetch_all(&self.pool)
                .await
                .context("reading users by id")?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// The account with this e-mail, if any (`users_email_key`).
    #[tracing::instrument(name = "accounts.id_by_email", skip_all)]
    pub async fn id_by_email(&self, email: &Email) -> anyhow::Result<Option<Uuid>> {
        sqlx::query_scalar("SELECT id FROM identity.users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await
            .context("finding a user by e-mail")
    }

    /// The accounts with this phone (`users_by_phone`; a phone is not unique).
    #[tracing::instrument(name = "accounts.ids_by_phone", skip_all)]
    pub async fn ids_by_phone(&self, phone: &Phone) -> anyhow::Result<Vec<Uuid>> {
        sqlx::query_scalar("SELECT id FROM identity.users WHERE phone = $1")
            .bind(phone.as_str())
            .fetch_all(&self.pool)
            .await
            .context("finding users by phone")
    }
}
