//! PostgreSQL adapter for [`AccountStore`](super::AccountStore).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Email, Limit, PersonName, Phone};
use sqlx::PgPool;
use uuid::Uuid;

use super::{AccountStore, RegisterError, Registration, Rotation, User, UserFilter};
use crate::tokens::Role;

#[derive(Debug, Clone)]
pub struct PgAccountStore {
    pool: PgPool,
}

impl PgAccountStore {
    pub fn new(pool: PgPool) -> Self {
        PgAccountStore { pool }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    name: String,
    email: String,
    phone: Option<String>,
    role: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = anyhow::Error;

    fn try_from(row: UserRow) -> anyhow::Result<User> {
        let role = role_of(&row.role)?;
        Ok(User { id: row.id, name: row.name, email: row.email, phone: row.phone, role, created_at: row.created_at })
    }
}

fn role_of(stored: &str) -> anyhow::Result<Role> {
    Ok(match stored {
        "admin" => Role::Admin,
        "customer" => Role::Customer,
        other => anyhow::bail!("unknown role {other:?} stored for a user"),
    })
}

impl AccountStore for PgAccountStore {
    #[tracing::instrument(name = "accounts.insert_user", skip_all)]
    async fn insert_user(
        &self,
        id: Uuid,
        registration: &Registration,
        password_hash: &str,
        role: Role,
    ) -> Result<User, RegisterError> {
        let row: Result<UserRow, sqlx::Error> = sqlx::query_as(
            "INSERT INTO identity.users (id, email, name, phone, role, password_hash)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, name, email, phone, role, created_at",
        )
        .bind(id)
        .bind(registration.email.as_str())
        .bind(registration.name.as_str())
        .bind(registration.phone.as_ref().map(Phone::as_str))
        .bind(role.as_str())
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await;
        match row {
            Ok(row) => Ok(User::try_from(row)?),
            Err(sqlx::Error::Database(error)) if error.constraint() == Some("users_email_key") => {
                Err(RegisterError::EmailTaken)
            }
            Err(error) => Err(anyhow::Error::new(error).context("inserting a user").into()),
        }
    }

    #[tracing::instrument(name = "accounts.credentials", skip_all)]
    async fn credentials(&self, email: &Email) -> anyhow::Result<Option<(User, String, bool)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
            is_disabled: bool,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT id, name, email, phone, role, created_at, password_hash, is_disabled
             FROM identity.users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await
        .context("reading credentials")?;
        row.map(|row| Ok((User::try_from(row.user)?, row.password_hash, row.is_disabled))).transpose()
    }

    #[tracing::instrument(name = "accounts.user", skip(self))]
    async fn user(&self, id: Uuid) -> anyhow::Result<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as("SELECT id, name, email, phone, role, created_at FROM identity.users WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .context("reading a user")?;
        row.map(User::try_from).transpose()
    }

    #[tracing::instrument(name = "accounts.active_role", skip(self))]
    async fn active_role(&self, id: Uuid) -> anyhow::Result<Option<Role>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM identity.users WHERE id = $1 AND NOT is_disabled")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .context("reading a user's role")?;
        role.map(|role| role_of(&role)).transpose()
    }

    #[tracing::instrument(name = "accounts.update_profile_row", skip_all)]
    async fn update_profile(
        &self,
        id: Uuid,
        name: Option<&PersonName>,
        phone: Option<&Phone>,
    ) -> anyhow::Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(
            "UPDATE identity.users
             SET name = COALESCE($2, name), phone = COALESCE($3, phone), updated_at = now()
             WHERE id = $1
             RETURNING id, name, email, phone, role, created_at",
        )
        .bind(id)
        .bind(name.map(PersonName::as_str))
        .bind(phone.map(Phone::as_str))
        .fetch_optional(&self.pool)
        .await
        .context("updating a profile")?;
        row.map(User::try_from).transpose()
    }

    #[tracing::instrument(name = "accounts.start_family", skip_all)]
    async fn start_family(&self, user: Uuid, token_hash: &str, expires_at: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO identity.refresh_tokens (id, family_id, user_id, token_hash, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::now_v7())
        .bind(Uuid::now_v7())
        .bind(user)
        .bind(token_hash)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .context("starting a refresh-token family")?;
        Ok(())
    }

    #[tracing::instrument(name = "accounts.rotate", skip_all)]
    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<Rotation> {
        #[derive(sqlx::FromRow)]
        struct Current {
            family_id: Uuid,
            user_id: Uuid,
            expires_at: DateTime<Utc>,
            rotated_at: Option<DateTime<Utc>>,
            revoked_at: Option<DateTime<Utc>>,
        }
        let mut tx = self.pool.begin().await.context("starting a rotation")?;
        // The row lock makes two refreshes with the same token run one after the other:
        // the second sees the first's rotation and counts as reuse.
        let current: Option<Current> = sqlx::query_as(
            "SELECT family_id, user_id, expires_at, rotated_at, revoked_at
             FROM identity.refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        )
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("reading a refresh token")?;
        let Some(current) = current else { return Ok(Rotation::Rejected) };
        if current.revoked_at.is_some() || current.expires_at <= now {
            return Ok(Rotation::Rejected);
        }
        if current.rotated_at.is_some() {
            sqlx::query(
                "UPDATE identity.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
            )
            .bind(current.family_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("revoking a reused family")?;
            tx.commit().await.context("committing a family revocation")?;
            return Ok(Rotation::Reused);
        }
        sqlx::query("UPDATE identity.refresh_tokens SET rotated_at = $2 WHERE token_hash = $1")
            .bind(old_hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("rotating a refresh token")?;
        sqlx::query(
            "INSERT INTO identity.refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(current.family_id)
        .bind(current.user_id)
        .bind(new_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .context("issuing the next refresh token")?;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            is_disabled: bool,
        }
        let row: Row = sqlx::query_as(
            "SELECT id, name, email, phone, role, created_at, is_disabled FROM identity.users WHERE id = $1",
        )
        .bind(current.user_id)
        .fetch_one(&mut *tx)
        .await
        .context("reading the refreshing user")?;
        tx.commit().await.context("committing a rotation")?;
        Ok(Rotation::Rotated { user: User::try_from(row.user)?, disabled: row.is_disabled })
    }

    #[tracing::instrument(name = "accounts.list_user_rows", skip(self))]
    async fn list_users(
        &self,
        filter: &UserFilter,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> anyhow::Result<Vec<User>> {
        let pattern = filter
            .query
            .as_deref()
            .map(|q| format!("%{}%", q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT id, name, email, phone, role, created_at FROM identity.users
             WHERE ($1::text IS NULL OR role = $1)
               AND ($2::text IS NULL OR email ILIKE $2 OR name ILIKE $2 OR phone ILIKE $2)
               AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
             ORDER BY created_at DESC, id DESC
             LIMIT $5",
        )
        .bind(filter.role.map(Role::as_str))
        .bind(pattern)
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("listing users")?;
        rows.into_iter().map(User::try_from).collect()
    }

    #[tracing::instrument(name = "accounts.set_role_row", skip(self))]
    async fn set_role(&self, id: Uuid, role: Role) -> anyhow::Result<Option<User>> {
        let row: Option<UserRow> = sqlx::query_as(
            "UPDATE identity.users SET role = $2, updated_at = now() WHERE id = $1
             RETURNING id, name, email, phone, role, created_at",
        )
        .bind(id)
        .bind(role.as_str())
        .fetch_optional(&self.pool)
        .await
        .context("setting a role")?;
        row.map(User::try_from).transpose()
    }

    #[tracing::instrument(name = "accounts.upsert_admin", skip_all)]
    async fn upsert_admin(
        &self,
        id: Uuid,
        email: &Email,
        name: &PersonName,
        password_hash: &str,
    ) -> anyhow::Result<(User, bool)> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            created: bool,
        }
        let row: Row = sqlx::query_as(
            "INSERT INTO identity.users (id, email, name, role, password_hash) VALUES ($1, $2, $3, 'admin', $4)
             ON CONFLICT (email) DO UPDATE SET role = 'admin', updated_at = now()
             RETURNING id, name, email, phone, role, created_at, (xmax = 0) AS created",
        )
        .bind(id)
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(password_hash)
        .fetch_one(&self.pool)
        .await
        .context("creating or promoting an admin")?;
        Ok((User::try_from(row.user)?, row.created))
    }

    #[tracing::instrument(name = "accounts.revoke_family", skip_all)]
    async fn revoke_family(&self, token_hash: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE identity.refresh_tokens SET revoked_at = $2
             WHERE revoked_at IS NULL
               AND family_id = (SELECT family_id FROM identity.refresh_tokens WHERE token_hash = $1)",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await
        .context("revoking a refresh-token family")?;
        Ok(())
    }
}
