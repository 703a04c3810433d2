//! Stock rows: `on_hand`, `reserved`, and a ledger entry for every change.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::audit::{self, AuditLog};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Opens stock for a product that has none, in the caller's transaction: the stock row,
/// and a `restock` ledger entry when it starts with units. A product that already has a
/// stock row keeps it (so replaying a seed changes nothing).
#[tracing::instrument(name = "inventory.open_stock", skip(conn))]
pub async fn open_stock(
    conn: &mut PgConnection,
    product_id: Uuid,
    on_hand: i64,
    low_stock_threshold: i64,
) -> anyhow::Result<()> {
    anyhow::ensure!(on_hand >= 0 && low_stock_threshold >= 0, "opening stock must not be negative");
    let opened = sqlx::query(
        "INSERT INTO inventory.stock (product_id, on_hand, low_stock_threshold) VALUES ($1, $2, $3)
         ON CONFLICT (product_id) DO NOTHING",
    )
    .bind(product_id)
    .bind(on_hand)
    .bind(low_stock_threshold)
    .execute(&mut *conn)
    .await
    .context("opening a stock row")?;
    if opened.rows_affected() == 1 && on_hand > 0 {
        sqlx::query(
            "INSERT INTO inventory.ledger (id, product_id, kind, delta, on_hand_after, reserved_after, reason)
             VALUES ($1, $2, 'restock', $3, $3, 0, 'opening stock')",
        )
        .bind(Uuid::now_v7())
        .bind(product_id)
        .bind(on_hand)
        .execute(&mut *conn)
        .await
        .context("recording the opening stock")?;
    }
    Ok(())
}

/// A product's stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub product_id: Uuid,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

/// One change to a stock row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub delta: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    pub reason: Option<String>,
    pub order_id: Option<Uuid>,
    pub actor: String,
}

/// Which stock rows to list.
#[derive(Debug, Clone, Default)]
pub struct StockFilter {
    /// Only rows at or below their low-stock threshold (by available units).
    pub low_stock: bool,
    /// Only these products (the caller resolved a category to them).
    pub products: Option<Vec<Uuid>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StockChangeError {
    #[error("this product has no stock record")]
    NotFound,
    /// `on_hand` would go below zero or below what is reserved; nothing changed.
    #[error("on hand would be {requested}, below the {reserved} units reserved")]
    BelowReserved { requested: i64, reserved: i64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum ListStockError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Stock levels and the ledger, for admins.
#[derive(Debug, Clone)]
pub struct StockLevels {
    pool: PgPool,
}

#[derive(sqlx::FromRow)]
struct LevelRow {
    product_id: Uuid,
    on_hand: i64,
    reserved: i64,
    low_stock_threshold: i64,
}

impl LevelRow {
    /// What an admin sets, as the audit trail keeps it (`reserved` is checkout's).
    fn audit_fields(&self) -> Value {
        json!({"on_hand": self.on_hand, "low_stock_threshold": self.low_stock_threshold})
    }
}

impl From<LevelRow> for StockLevel {
    fn from(r: LevelRow) -> Self {
        StockLevel {
            product_id: r.product_id,
            on_hand: r.on_hand,
            reserved: r.reserved,
            available: r.on_hand - r.reserved,
            low_stock_threshold: r.low_stock_threshold,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LedgerRow {
    id: Uuid,
    at: DateTime<Utc>,
    kind: String,
    delta: i64,
    on_hand_after: i64,
    reserved_after: i64,
    reason: Option<String>,
    order_id: Option<Uuid>,
    actor: String,
}

impl From<LedgerRow> for LedgerEntry {
    fn from(r: LedgerRow) -> Self {
        LedgerEntry {
            id: r.id,
            at: r.at,
            kind: r.kind,
            delta: r.delta,
            on_hand_after: r.on_hand_after,
            reserved_after: r.reserved_after,
            reason: r.reason,
            order_id: r.order_id,
            actor: r.actor,
        }
    }
}

impl StockLevels {
    pub fn new(pool: PgPool) -> Self {
        StockLevels { pool }
    }

    /// Stock rows by product id, keyset-paged.
    #[tracing::instrument(name = "inventory.list", skip(self))]
    pub async fn list(
        &self,
        filter: &StockFilter,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<StockLevel>, ListStockError> {
        let after: Option<Uuid> = after.map(|c| Cursor::decode(c.as_str())).transpose()?;
        let rows: Vec<LevelRow> = sqlx::query_as(
            "SELECT product_id, on_hand, reserved, low_stock_threshold FROM inventory.stock
             WHERE ($1::uuid IS NULL OR product_id > $1)
               AND (NOT $2 OR on_hand - reserved <= low_stock_threshold)
               AND ($3::uuid[] IS NULL OR product_id = ANY($3))
             ORDER BY product_id LIMIT $4",
        )
        .bind(after)
        .bind(filter.low_stock)
        .bind(filter.products.as_deref())
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("listing stock")?;
        let page = Page::from_rows(rows, limit, |row| row.product_id);
        Ok(page.map(StockLevel::from))
    }

    #[tracing::instrument(name = "inventory.level", skip(self))]
    pub async fn level(&self, product_id: Uuid) -> anyhow::Result<Option<StockLevel>> {
        let row: Option<LevelRow> = sqlx::query_as(
            "SELECT product_id, on_hand, reserved, low_stock_threshold FROM inventory.stock WHERE product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&self.pool)
        .await
        .context("reading a stock level")?;
        Ok(row.map(StockLevel::from))
    }

    /// Sets `on_hand` (and optionally the threshold), recording the difference in the
    /// ledger and what changed in `audit` (`stock.set`), in one transaction.
    #[tracing::instrument(name = "inventory.set_level", skip(self, audit))]
    pub async fn set_on_hand(
        &self,
        product_id: Uuid,
        on_hand: i64,
        low_stock_threshold: Option<i64>,
        actor: &str,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<StockLevel, StockChangeError> {
        self.change(product_id, Change::SetTo(on_hand), low_stock_threshold, "set by an admin", actor, audit).await
    }

    /// Adds `delta` (negative to remove) to `on_hand`, with a reason, recorded in the
    /// ledger and in `audit` (`stock.adjust`), in one transaction.
    #[tracing::instrument(name = "inventory.adjust", skip(self, audit))]
    pub async fn adjust(
        &self,
        product_id: Uuid,
        delta: i64,
        reason: &str,
        actor: &str,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<StockLevel, StockChangeError> {
        self.change(product_id, Change::By(delta), None, reason, actor, audit).await
    }

    async fn change(
        &self,
        product_id: Uuid,
        change: Change,
        low_stock_threshold: Option<i64>,
        reason: &str,
        actor: &str,
        audit: &impl AuditLog<PgConnection>,
    ) -> Result<StockLevel, StockChangeError> {
        let mut tx = self.pool.begin().await.context("starting a stock change")?;
        let current: Option<LevelRow> = sqlx::query_as(
            "SELECT product_id, on_hand, reserved, low_stock_threshold FROM inventory.stock
             WHERE product_id = $1 FOR UPDATE",
        )
        .bind(product_id)
        .fetch_optional(&mut *tx)
        .await
        .context("locking a stock row")?;
        let current = current.ok_or(StockChangeError::NotFound)?;
        let on_hand = match change {
            Change::SetTo(on_hand) => on_hand,
            Change::By(delta) => current.on_hand.checked_add(delta).unwrap_or(i64::MIN),
        };
        if on_hand < current.reserved || on_hand < 0 {
            return Err(StockChangeError::BelowReserved { requested: on_hand, reserved: current.reserved });
        }
        // Naming `low_stock_threshold` in the SET list (even unchanged) is what tells every
        // process's catalog cache: inventory's trigger `stock_announce_admin_change` fires
        // for statements that name it, and checkout's never do (migration 20261126100204).
        let row: LevelRow = sqlx::query_as(
            "UPDATE inventory.stock SET on_hand = $2, low_stock_threshold = COALESCE($3, low_stock_threshold),
                 updated_at = now()
             WHERE product_id = $1
             RETURNING product_id, on_hand, reserved, low_stock_threshold",
        )
        .bind(product_id)
        .bind(on_hand)
        .bind(low_stock_threshold)
        .fetch_one(&mut *tx)
        .await
        .context("changing a stock level")?;
        let delta = on_hand - current.on_hand;
        if delta != 0 {
            sqlx::query(
                "INSERT INTO inventory.ledger (id, product_id, at, kind, delta, on_hand_after, reserved_after, reason, actor)
                 VALUES ($1, $2, clock_timestamp(), 'adjustment', $3, $4, $5, $6, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(product_id)
            .bind(delta)
            .bind(row.on_hand)
            .bind(row.reserved)
            .bind(reason)
            .bind(actor)
            .execute(&mut *tx)
            .await
            .context("recording a stock change")?;
        }
        let audited =
            audit::Change::updated(change.action(), "stock", product_id, &current.audit_fields(), &row.audit_fields());
        if !audited.changes_nothing() {
            audit.record(&mut tx, audited).await?;
        }
        tx.commit().await.context("committing a stock change")?;
        Ok(row.into())
    }

    /// A product's ledger, newest first, keyset-paged.
    #[tracing::instrument(name = "inventory.ledger", skip(self))]
    pub async fn ledger(
        &self,
        product_id: Uuid,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<LedgerEntry>, ListStockError> {
        let after: Option<(DateTime<Utc>, Uuid)> = after.map(|c| Cursor::decode_after(c.as_str())).transpose()?;
        let rows: Vec<LedgerRow> = sqlx::query_as(
            "SELECT id, at, kind, delta, on_hand_after, reserved_after, reason, order_id, actor
             FROM inventory.ledger
             WHERE product_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3))
             ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(product_id)
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(limit.fetch_size())
        .fetch_all(&self.pool)
        .await
        .context("reading the ledger")?;
        let page = Page::from_rows(rows, limit, |row| (row.at, row.id));
        Ok(page.map(LedgerEntry::from))
    }
}

#[derive(Debug, Clone, Copy)]
enum Change {
    SetTo(i64),
    By(i64),
}

impl Change {
    /// The audit trail's name for it.
    fn action(self) -> &'static str {
        match self {
            Change::SetTo(_) => "stock.set",
            Change::By(_) => "stock.adjust",
        }
    }
}
