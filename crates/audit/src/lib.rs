//! The admin audit trail: one row per admin write, written in the write's own transaction
//! through [`Recorder`], kernel's [`AuditLog`] port as the application implements it; and
//! the trail read back newest first ([`AuditTrail::list`]). The table lives in the `audit`
//! schema; nothing else writes it.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::audit::{AuditLog, Change};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

kernel::domain_schema!("audit", "../../migrations/audit");

/// Who is writing and in which request: every [`Change`] recorded through it is theirs.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub actor_id: Uuid,
    pub request_id: Option<String>,
}

impl Recorder {
    pub fn new(actor_id: Uuid, request_id: Option<String>) -> Self {
        Recorder { actor_id, request_id }
    }
}

impl AuditLog<PgConnection> for Recorder {
    #[tracing::instrument(name = "audit.record", skip_all, fields(action = change.action, entity_id = %change.entity_id))]
    async fn record(&self, conn: &mut PgConnection, change: Change) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO audit.entries (id, actor_id, action, entity, entity_id, before, after, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind(self.actor_id)
        .bind(change.action)
        .bind(change.entity)
        .bind(change.entity_id)
        .bind(change.before)
        .bind(change.after)
        .bind(self.request_id.as_deref())
        .execute(conn)
        .await
        .context("recording an admin write in the audit trail")?;
        Ok(())
    }
}

/// One admin write as the trail keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
}

/// Which entries to list; every filter has an index behind it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListAuditError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Reading the trail.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    pool: PgPool,
}

type EntryRow = (Uuid, DateTime<Utc>, Uuid, String, String, Uuid, Option<Value>, Option<Value>, Option<String>);

impl AuditTrail {
    pub fn new(pool: PgPool) -> Self {
        AuditTrail { pool }
    }

    /// Entries newest first, after `after`. Errors: `InvalidCursor`, `Unexpected`.
    #[tracing::instrument(name = "audit.list", skip(self))]
    pub async fn list(
        &self,
        filter: &AuditFilter,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<Entry>, ListAuditError> {
        let after: Option<(DateTime<Utc>, Uuid)> =
            after.map(|cursor| Cursor::decode_after(cursor.as_str())).transpose()?;
        let rows: Vec<EntryRow> = sqlx::query_as(
            "SELECT id, at, actor_id, action, entity, entity_id, before, after, request_id
             FROM audit.entries
             WHERE ($1::text IS NULL OR entity = $1)
               AND ($2::uuid IS NULL OR entity_id = $2)
               AND ($3::uuid IS NULL OR actor_id = $3)
               AND ($4::timestamptz IS NULL OR (at, id) < ($4, $5))
             ORDER BY at DESC, id DESC
             LIMIT $6",
        )
        .bind(filter.entity.as_deref())
        .bind(filter.entity_id)
        .bind(filter.actor_id)
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("listing the audit trail")?;
        let items: Vec<Entry> = rows
            .into_iter()
            .map(|(id, at, actor_id, action, entity, entity_id, before, after, request_id)| Entry {
                id,
                at,
                actor_id,
                action,
                entity,
                entity_id,
                before,
                after,
                request_id,
            })
            .collect();
        Ok(Page::from_rows(items, limit, |entry| (entry.at, entry.id)))
    }
}
