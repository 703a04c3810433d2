//! PostgreSQL adapter for [`AccountStore`](super::AccountStore).

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::audit::{AuditLog, Change};
use kernel::batches::until_short_batch;
use kernel::{Email, Limit, PersonName, Phone};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{AccountStore, ActiveAccount, RefreshLifetime, RegisterError, Registration, Rotation, User, UserFilter};
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
pub(super) struct UserRow {
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

    #[tracing::instrument(name = "accounts.active_account", skip(self))]
    async fn active_account(&self, id: Uuid) -> anyhow::Result<Option<ActiveAccount>> {
        let row: Option<(String, i32)> =
            sqlx::query_as("SELECT role, session_version FROM identity.users WHERE id = $1 AND NOT is_disabled")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .context("reading a user's role")?;
        row.map(|(role, session_version)| Ok(ActiveAccount { role: role_of(&role)?, session_version })).transpose()
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
    async fn start_family(
        &self,
        user: Uuid,
        password_hash: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<Option<i32>> {
        let family = Uuid::now_v7();
        let mut tx = self.pool.begin().await.context("starting a sign-in")?;
        // FOR SHARE until commit: a promotion's UPDATE of this row waits for the family to be
        // in (and then revokes it), or has committed already and the hash no longer matches.
        let session_version: Option<i32> = sqlx::query_scalar(
            "SELECT session_version FROM identity.users
             WHERE id = $1 AND password_hash = $2 AND NOT is_disabled FOR SHARE",
        )
        .bind(user)
        .bind(password_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("checking the password a sign-in was checked against")?;
        let Some(session_version) = session_version else { return Ok(None) };
        sqlx::query("INSERT INTO identity.refresh_families (id, user_id, started_at) VALUES ($1, $2, $3)")
            .bind(family)
            .bind(user)
            .bind(now)
            .execute(&mut *tx)
            .await
            .context("starting a refresh-token family")?;
        sqlx::query(
            "INSERT INTO identity.refresh_tokens (id, family_id, user_id, token_hash, issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(family)
        .bind(user)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await
        .context("issuing a family's first refresh token")?;
        tx.commit().await.context("committing a sign-in")?;
        Ok(Some(session_version))
    }

    #[tracing::instrument(name = "accounts.rotate", skip_all)]
    async fn rotate(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        lifetime: RefreshLifetime,
    ) -> anyhow::Result<Rotation> {
        #[derive(sqlx::FromRow)]
        struct Current {
            user_id: Uuid,
            expires_at: DateTime<Utc>,
            rotated_at: Option<DateTime<Utc>>,
            revoked_at: Option<DateTime<Utc>>,
        }
        let mut tx = self.pool.begin().await.context("starting a rotation")?;
        let Some(family) = lock_family_of(&mut tx, old_hash).await? else { return Ok(Rotation::Rejected) };
        let family_ends = family.started_at + lifetime.absolute;
        if family.revoked_at.is_some() || family_ends <= now {
            return Ok(Rotation::Rejected);
        }
        // Read under the family's lock: every change to this family's tokens holds it too,
        // but the cleanup job's purge does not, so the row may have gone since it was found.
        let current: Option<Current> = sqlx::query_as(
            "SELECT user_id, expires_at, rotated_at, revoked_at FROM identity.refresh_tokens WHERE token_hash = $1",
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
            revoke_locked_family(&mut tx, family.id, now).await?;
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
        .bind(family.id)
        .bind(current.user_id)
        .bind(new_hash)
        .bind(now)
        .bind((now + lifetime.ttl).min(family_ends))
        .execute(&mut *tx)
        .await
        .context("issuing the next refresh token")?;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            is_disabled: bool,
            session_version: i32,
        }
        let row: Row = sqlx::query_as(
            "SELECT id, name, email, phone, role, created_at, is_disabled, session_version
             FROM identity.users WHERE id = $1",
        )
        .bind(current.user_id)
        .fetch_one(&mut *tx)
        .await
        .context("reading the refreshing user")?;
        tx.commit().await.context("committing a rotation")?;
        let user = User::try_from(row.user)?;
        Ok(Rotation::Rotated { user, disabled: row.is_disabled, session_version: row.session_version })
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

    #[tracing::instrument(name = "accounts.set_role_row", skip(self, audit))]
    async fn set_role(
        &self,
        id: Uuid,
        role: Role,
        audit: &impl AuditLog<PgConnection>,
    ) -> anyhow::Result<Option<User>> {
        let mut tx = self.pool.begin().await.context("starting a role change")?;
        // NO KEY UPDATE, as a promotion takes it: a rotation's token insert (KEY SHARE on
        // this row) need not wait for it.
        let before: Option<String> =
            sqlx::query_scalar("SELECT role FROM identity.users WHERE id = $1 FOR NO KEY UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .context("locking a user")?;
        let Some(before) = before else { return Ok(None) };
        let row: UserRow = sqlx::query_as(
            "UPDATE identity.users SET role = $2, updated_at = now() WHERE id = $1
             RETURNING id, name, email, phone, role, created_at",
        )
        .bind(id)
        .bind(role.as_str())
        .fetch_one(&mut *tx)
        .await
        .context("setting a role")?;
        let change = Change::updated("user.role", "user", id, &json!({"role": before}), &json!({"role": row.role}));
        if !change.changes_nothing() {
            audit.record(&mut tx, change).await?;
        }
        tx.commit().await.context("committing a role change")?;
        User::try_from(row).map(Some)
    }

    #[tracing::instrument(name = "accounts.emails", skip_all, fields(count = ids.len()))]
    async fn emails(&self, ids: &[Uuid]) -> anyhow::Result<Vec<(Uuid, String)>> {
        sqlx::query_as("SELECT id, email FROM identity.users WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(&self.pool)
            .await
            .context("reading users' e-mails")
    }

    #[tracing::instrument(name = "accounts.promote_to_admin", skip_all)]
    async fn promote_to_admin(
        &self,
        email: &Email,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<(User, bool)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            was_disabled: bool,
        }
        let mut tx = self.pool.begin().await.context("starting a promotion")?;
        // The new session version ends every access token of the account at its next
        // request; the row lock this UPDATE takes makes a sign-in in flight (start_family)
        // either finish first, and be revoked below, or see the new hash and be refused.
        // NO KEY UPDATE, not UPDATE: a rotation holding a family lock inserts a token whose
        // foreign key takes KEY SHARE on this row, which UPDATE would wait for (a deadlock
        // with the family locks below); start_family's FOR SHARE still conflicts with it.
        let row: Option<Row> = sqlx::query_as(
            "WITH before AS (SELECT id, is_disabled FROM identity.users WHERE email = $1 FOR NO KEY UPDATE)
             UPDATE identity.users u
             SET role = 'admin', password_hash = $2, is_disabled = false,
                 session_version = u.session_version + 1, updated_at = now()
             FROM before WHERE u.id = before.id
             RETURNING u.id, u.name, u.email, u.phone, u.role, u.created_at, before.is_disabled AS was_disabled",
        )
        .bind(email.as_str())
        .bind(password_hash)
        .fetch_optional(&mut *tx)
        .await
        .context("promoting a user to admin")?;
        let Some(Row { user: row, was_disabled }) = row else { return Ok(None) };
        // Every family locked (in id order, so two revocations cannot deadlock) before its
        // tokens are revoked: a rotation in flight finishes first and its token is revoked too.
        let families: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM identity.refresh_families WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id FOR UPDATE",
        )
        .bind(row.id)
        .fetch_all(&mut *tx)
        .await
        .context("locking a user's sign-ins")?;
        for family in families {
            revoke_locked_family(&mut tx, family, now).await?;
        }
        tx.commit().await.context("committing a promotion")?;
        Ok(Some((User::try_from(row)?, was_disabled)))
    }

    #[tracing::instrument(name = "accounts.revoke_family", skip_all)]
    async fn revoke_family(&self, token_hash: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("starting a family revocation")?;
        if let Some(family) = lock_family_of(&mut tx, token_hash).await? {
            revoke_locked_family(&mut tx, family.id, now).await?;
        }
        tx.commit().await.context("committing a family revocation")?;
        Ok(())
    }

    #[tracing::instrument(name = "accounts.purge_refresh_tokens", skip(self))]
    async fn purge_refresh_tokens(
        &self,
        cutoff: DateTime<Utc>,
        started_before: DateTime<Utc>,
        batch: i64,
    ) -> anyhow::Result<u64> {
        // SKIP LOCKED: rows another process is deleting, or a rotation holds, are left for
        // the next batch or pass, so passes in several processes neither wait nor fail.
        let tokens = until_short_batch(batch, || async {
            let deleted = sqlx::query(
                "DELETE FROM identity.refresh_tokens WHERE id IN (
                   SELECT id FROM identity.refresh_tokens
                   WHERE expires_at < $1 OR revoked_at < $1
                   LIMIT $2 FOR UPDATE SKIP LOCKED)",
            )
            .bind(cutoff)
            .bind(batch)
            .execute(&self.pool)
            .await?;
            Ok::<_, sqlx::Error>(deleted.rows_affected())
        })
        .await
        .context("purging old refresh tokens")?;
        let families = until_short_batch(batch, || async {
            let deleted = sqlx::query(
                "DELETE FROM identity.refresh_families WHERE id IN (
                   SELECT id FROM identity.refresh_families
                   WHERE revoked_at < $1 OR started_at < $2
                   LIMIT $3 FOR UPDATE SKIP LOCKED)",
            )
            .bind(cutoff)
            .bind(started_before)
            .bind(batch)
            .execute(&self.pool)
            .await?;
            Ok::<_, sqlx::Error>(deleted.rows_affected())
        })
        .await
        .context("purging finished sign-ins")?;
        Ok(families + tokens)
    }
}

#[derive(sqlx::FromRow)]
struct Family {
    id: Uuid,
    started_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Locks the family of the token with this hash. Rotation and revocation both take this
/// lock first, so they serialise: a revocation waits for a rotation in flight and then
/// sees (and revokes) its new token; a rotation after a revocation sees the family revoked.
async fn lock_family_of(tx: &mut PgConnection, token_hash: &str) -> anyhow::Result<Option<Family>> {
    sqlx::query_as(
        "SELECT f.id, f.started_at, f.revoked_at
         FROM identity.refresh_tokens t JOIN identity.refresh_families f ON f.id = t.family_id
         WHERE t.token_hash = $1
         FOR UPDATE OF f",
    )
    .bind(token_hash)
    .fetch_optional(tx)
    .await
    .context("locking a refresh-token family")
}

/// Revokes a family whose lock the transaction holds, and every token of it.
async fn revoke_locked_family(tx: &mut PgConnection, family: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    sqlx::query("UPDATE identity.refresh_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(family)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("revoking a refresh-token family")?;
    sqlx::query("UPDATE identity.refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
        .bind(family)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("revoking a family's refresh tokens")?;
    Ok(())
}
