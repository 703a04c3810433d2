//! Reservations: units held for an owner (an order) in the owner's own transaction, then
//! committed, released or restocked exactly once.
//!
//! Every operation takes the caller's connection, so that an order and its stock change
//! in one transaction (`design.md`, "Stock reservation"). Locking rules, which together
//! rule out deadlocks:
//! - `reserve` locks stock rows in product-id order (`SELECT … ORDER BY product_id FOR UPDATE`);
//! - settling (`commit`, `release`, `restock`) first takes the owner's transaction-scoped
//!   advisory lock, then its reservation rows, then stock rows in product-id order;
//! - the expiry job only ever *tries* the owner's lock, so it never waits on a checkout.
//!
//! None of these statements names `low_stock_threshold`, so none of them notifies the
//! catalog cache (inventory's trigger fires only for the admin's statement, which does):
//! `NOTIFY` serialises commits, and the checkout path must not pay for it.

use std::collections::BTreeMap;
use std::future::Future;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::Quantity;
use sqlx::PgConnection;
use uuid::Uuid;

/// One product and how many units of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationLine {
    pub product_id: Uuid,
    pub quantity: Quantity,
}

/// A line that cannot be held: what was asked for and what is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: i64,
    pub available: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// At least one line is short; nothing was held. Lists every short product.
    #[error("not enough stock for {} product(s)", shortages.len())]
    OutOfStock { shortages: Vec<Shortage> },
    /// This owner already holds a reservation (held or committed); nothing changed and the
    /// caller's transaction is usable.
    #[error("this owner already has a reservation")]
    AlreadyReserved,
    /// The stock moved under the hold in a way the database refused (a CHECK on the
    /// stock row). Nothing was held, and the caller's transaction is aborted: it must
    /// roll back, and may try again.
    #[error("the stock changed while it was being held")]
    StockChanged,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a settling call found and did. Calling again is always safe: the second call
/// reports what the first one did and changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// This call made the change.
    Done,
    AlreadyCommitted,
    AlreadyReleased,
    AlreadyRestocked,
    /// `restock` of units that were never sold (still held): nothing to put back.
    NotCommitted,
}

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error("this owner has no reservation")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Holding and settling stock for orders. Implemented for PostgreSQL by [`PgStockReserver`].
pub trait StockReserver: Send + Sync {
    /// Holds every line for `owner` until `expires_at`, or none. Errors: `OutOfStock` with
    /// every shortage, `AlreadyReserved` (the caller's transaction stays usable),
    /// `StockChanged` (the caller's transaction is aborted), `Unexpected`.
    fn reserve(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        lines: &[ReservationLine],
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), ReserveError>> + Send;

    /// Takes the owner's settlement lock for the rest of the caller's transaction. The
    /// owner's own rows (an order) are locked after it, never before, so that settling
    /// and the expiry job (which holds it while telling the owner) never deadlock.
    /// Errors: storage failures.
    fn lock_owner(&self, conn: &mut PgConnection, owner: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Keeps the owner's held units held until at least `until` (a later deadline stays).
    /// `false` when it holds nothing: settled units are never held again here. Takes the
    /// owner's lock. Errors: storage failures.
    fn extend(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        until: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// The held units are sold: `reserved` and `on_hand` both go down. Errors: `NotFound`,
    /// `Unexpected`.
    fn commit(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
    ) -> impl Future<Output = Result<Settlement, SettleError>> + Send;

    /// The held units go back on sale: `reserved` goes down. Errors: `NotFound`, `Unexpected`.
    fn release(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        reason: &str,
    ) -> impl Future<Output = Result<Settlement, SettleError>> + Send;

    /// Sold units come back (a return or a refund before dispatch): `on_hand` goes up.
    /// Units that came back already (a partial return) are not put back twice. Errors:
    /// `NotFound`, `Unexpected`.
    fn restock(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        reason: &str,
    ) -> impl Future<Output = Result<Settlement, SettleError>> + Send;

    /// Some of the sold units come back (a partial return): each line's units go back on
    /// the shelf, all or none. Errors: `TooMany` (nothing changed), `Unexpected`.
    fn restock_units(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        lines: &[ReservationLine],
        reason: &str,
    ) -> impl Future<Output = Result<(), RestockError>> + Send;
}

/// [`StockReserver`] on the `inventory` schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgStockReserver;

/// One line per product, in product-id order: the order locks are taken in.
fn merged(lines: &[ReservationLine]) -> BTreeMap<Uuid, i64> {
    let mut merged = BTreeMap::new();
    for line in lines {
        *merged.entry(line.product_id).or_insert(0) += line.quantity.get();
    }
    merged
}

/// Serialises every settlement of one owner's reservation (see the module notes).
pub(crate) async fn lock_owner(conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))")
        .bind(owner)
        .execute(conn)
        .await
        .context("locking the reservation's owner")?;
    Ok(())
}

/// Takes the owner's lock if it is free; `false` when someone else is settling it.
pub(crate) async fn try_lock_owner(conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1::text, 7))")
        .bind(owner)
        .fetch_one(conn)
        .await
        .context("trying the reservation's owner lock")
}

async fn lock_stock_rows(conn: &mut PgConnection, products: &[Uuid]) -> anyhow::Result<Vec<(Uuid, i64, i64)>> {
    sqlx::query_as(
        "SELECT product_id, on_hand, reserved FROM inventory.stock
         WHERE product_id = ANY($1) ORDER BY product_id FOR UPDATE",
    )
    .bind(products)
    .fetch_all(conn)
    .await
    .context("locking stock rows")
}

/// Holds every line or none, in one statement: lock the stock rows in product-id order,
/// compare each line with what is available under the lock, and only when no line is
/// short (and the owner holds nothing yet) raise `reserved` and write the reservation and
/// ledger rows. Returns each line with the units that were available (a line without a
/// stock row has 0) and whether the owner already held a live reservation.
///
/// Why the new values come from `locked` and not from `s`: in READ COMMITTED the
/// statement's snapshot is taken before `locked` waits for the row lock. `locked` returns
/// the row as the last committer left it, but the `UPDATE`'s own scan of `s` sees the
/// snapshot's version, and PostgreSQL checks the table's CHECK constraints on the new row
/// built from *that* version before it notices the concurrent update and rebuilds the row
/// from the latest one. So `SET reserved = s.reserved + q` failed `reserved <= on_hand`
/// whenever a restock, release or sale committed while this statement waited (a 500
/// instead of a hold), and its availability was not the one the gate had checked. Writing
/// both columns from the locked version makes the row checked, written and gated the same
/// one; the re-evaluation after the concurrent update yields the same values, since
/// nobody else can change the row while this transaction holds its lock.
///
/// The owner's live reservation is looked for first, so that holding again what is held
/// reports `AlreadyReserved` without a unique violation (which would abort the caller's
/// transaction). Callers that may hold again take the owner's lock first.
const RESERVE: &str = "
    WITH lines AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS l (product_id, quantity)),
    existing AS (
        SELECT EXISTS (
            SELECT 1 FROM inventory.reservations WHERE owner_id = $3 AND status IN ('held', 'committed')
        ) AS held
    ),
    locked AS (
        SELECT product_id, on_hand, reserved FROM inventory.stock
        WHERE product_id = ANY($1) ORDER BY product_id FOR UPDATE
    ),
    levels AS (
        SELECT lines.product_id, lines.quantity, locked.on_hand, locked.reserved,
               COALESCE(locked.on_hand - locked.reserved, 0) AS available
        FROM lines LEFT JOIN locked USING (product_id)
    ),
    changed AS (
        UPDATE inventory.stock s
        SET on_hand = levels.on_hand, reserved = levels.reserved + levels.quantity, updated_at = now()
        FROM levels
        WHERE s.product_id = levels.product_id
          AND (SELECT count(*) FROM levels WHERE levels.available < levels.quantity) = 0
          AND NOT (SELECT held FROM existing)
        RETURNING s.product_id, levels.quantity, s.on_hand, s.reserved
    ),
    held AS (
        INSERT INTO inventory.reservations (id, owner_id, product_id, quantity, expires_at)
        SELECT gen_random_uuid(), $3, product_id, quantity, $4 FROM changed
    ),
    logged AS (
        INSERT INTO inventory.ledger (id, product_id, at, kind, delta, on_hand_after, reserved_after, reason, order_id)
        SELECT gen_random_uuid(), product_id, clock_timestamp(), 'reservation', quantity, on_hand, reserved, NULL, $3
        FROM changed
    )
    SELECT product_id, quantity, available, (SELECT held FROM existing) FROM levels";

/// The stock row's CHECK (`0 ≤ reserved ≤ on_hand`), as PostgreSQL names it.
const STOCK_CHECK: &str = "stock_check";

/// The status an owner's reservation is in, when none of it is in `from`.
async fn settled_status(conn: &mut PgConnection, owner: Uuid) -> Result<Settlement, SettleError> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM inventory.reservations WHERE owner_id = $1 ORDER BY settled_at DESC NULLS LAST LIMIT 1",
    )
    .bind(owner)
    .fetch_optional(conn)
    .await
    .context("reading a reservation's status")?;
    match status.as_deref() {
        None => Err(SettleError::NotFound),
        Some("committed") => Ok(Settlement::AlreadyCommitted),
        Some("released") => Ok(Settlement::AlreadyReleased),
        Some("restocked") => Ok(Settlement::AlreadyRestocked),
        Some("held") => Ok(Settlement::NotCommitted),
        Some(other) => Err(anyhow::anyhow!("unknown reservation status {other}").into()),
    }
}

/// Moves `owner`'s reservation from `from` to `to` and applies the stock change, with a
/// ledger entry per product; `None` when nothing was in `from`. A line part of which came
/// back already (a return) settles only the units still out.
async fn settle(
    conn: &mut PgConnection,
    owner: Uuid,
    from: &str,
    to: &str,
    reason: &str,
) -> Result<Option<()>, SettleError> {
    lock_owner(conn, owner).await?;
    let lines: Vec<(Uuid, i64)> = sqlx::query_as(
        "WITH settling AS (
             SELECT id, quantity - restocked AS units FROM inventory.reservations
             WHERE owner_id = $1 AND status = $2 FOR UPDATE
         )
         UPDATE inventory.reservations r
         SET status = $3, settled_at = now(), reason = $4,
             restocked = CASE WHEN $3 = 'restocked' THEN r.quantity ELSE r.restocked END
         FROM settling WHERE r.id = settling.id
         RETURNING r.product_id, settling.units",
    )
    .bind(owner)
    .bind(from)
    .bind(to)
    .bind(reason)
    .fetch_all(&mut *conn)
    .await
    .context("settling a reservation")?;
    if lines.is_empty() {
        return Ok(None);
    }
    // (change in on_hand, change in reserved, ledger kind) per unit.
    let change = match to {
        "committed" => StockChange { on_hand_sign: -1, reserved_sign: -1, kind: "commit", delta_sign: -1 },
        "released" => StockChange { on_hand_sign: 0, reserved_sign: -1, kind: "release", delta_sign: -1 },
        "restocked" => StockChange::RESTOCK,
        other => return Err(anyhow::anyhow!("no settlement to {other}").into()),
    };
    apply_to_stock(conn, owner, lines, change, reason).await?;
    Ok(Some(()))
}

/// How settling a unit changes its stock row, and how the ledger names it.
#[derive(Debug, Clone, Copy)]
struct StockChange {
    on_hand_sign: i64,
    reserved_sign: i64,
    kind: &'static str,
    delta_sign: i64,
}

impl StockChange {
    const RESTOCK: StockChange = StockChange { on_hand_sign: 1, reserved_sign: 0, kind: "restock", delta_sign: 1 };
}

/// Applies settled units to their stock rows (locked in product-id order) with a ledger
/// entry per product.
async fn apply_to_stock(
    conn: &mut PgConnection,
    owner: Uuid,
    mut lines: Vec<(Uuid, i64)>,
    change: StockChange,
    reason: &str,
) -> Result<(), SettleError> {
    lines.retain(|&(_, units)| units > 0);
    lines.sort_unstable();
    let (products, quantities): (Vec<Uuid>, Vec<i64>) = lines.into_iter().unzip();
    lock_stock_rows(conn, &products).await?;
    sqlx::query(
        "WITH lines AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS l (product_id, quantity)),
         changed AS (
             UPDATE inventory.stock s
             SET on_hand = s.on_hand + $3 * lines.quantity, reserved = s.reserved + $4 * lines.quantity,
                 updated_at = now()
             FROM lines WHERE s.product_id = lines.product_id
             RETURNING s.product_id, lines.quantity, s.on_hand, s.reserved
         )
         INSERT INTO inventory.ledger
             (id, product_id, at, kind, delta, on_hand_after, reserved_after, reason, order_id)
         SELECT gen_random_uuid(), product_id, clock_timestamp(), $5, $6 * quantity, on_hand, reserved, $7, $8
         FROM changed",
    )
    .bind(&products)
    .bind(&quantities)
    .bind(change.on_hand_sign)
    .bind(change.reserved_sign)
    .bind(change.kind)
    .bind(change.delta_sign)
    .bind(reason)
    .bind(owner)
    .execute(&mut *conn)
    .await
    .context("applying a settlement to stock")?;
    Ok(())
}

/// Puts back part of what `owner` bought: each line's units go back on the shelf
/// (`on_hand` up, ledger kind `restock`), a sold line whose every unit came back becomes
/// `restocked`. All lines or none: a line the owner did not buy, or more units than are
/// still out, is `TooMany` and nothing changes (the caller's transaction stays usable).
async fn restock_units(
    conn: &mut PgConnection,
    owner: Uuid,
    lines: &[ReservationLine],
    reason: &str,
) -> Result<(), RestockError> {
    lock_owner(conn, owner).await?;
    let wanted = merged(lines);
    let products: Vec<Uuid> = wanted.keys().copied().collect();
    let quantities: Vec<i64> = wanted.values().copied().collect();
    // Checked first under the rows' locks, so that a refusal writes nothing.
    let out: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT product_id, quantity - restocked FROM inventory.reservations
         WHERE owner_id = $1 AND product_id = ANY($2) AND status = 'committed' ORDER BY product_id FOR UPDATE",
    )
    .bind(owner)
    .bind(&products)
    .fetch_all(&mut *conn)
    .await
    .context("reading the units an order still has out")?;
    let still_out: BTreeMap<Uuid, i64> = out.into_iter().collect();
    if let Some((&product_id, &requested)) =
        wanted.iter().find(|&(product, &units)| still_out.get(product).is_none_or(|&out| out < units))
    {
        let out = still_out.get(&product_id).copied().unwrap_or(0);
        return Err(RestockError::TooMany { product_id, requested, out });
    }
    sqlx::query(
        "WITH lines AS (SELECT * FROM unnest($2::uuid[], $3::bigint[]) AS l (product_id, quantity))
         UPDATE inventory.reservations r
         SET restocked = r.restocked + lines.quantity,
             status = CASE WHEN r.restocked + lines.quantity = r.quantity THEN 'restocked' ELSE r.status END,
             settled_at = CASE WHEN r.restocked + lines.quantity = r.quantity THEN now() ELSE r.settled_at END,
             reason = $4
         FROM lines WHERE r.owner_id = $1 AND r.product_id = lines.product_id AND r.status = 'committed'",
    )
    .bind(owner)
    .bind(&products)
    .bind(&quantities)
    .bind(reason)
    .execute(&mut *conn)
    .await
    .context("restocking part of an order")?;
    let lines = products.into_iter().zip(quantities).collect();
    apply_to_stock(conn, owner, lines, StockChange::RESTOCK, reason).await?;
    Ok(())
}

/// Why part of an order could not be put back.
#[derive(Debug, thiserror::Error)]
pub enum RestockError {
    /// More units of a product than the owner bought and has not yet put back (or a
    /// product it never bought). Nothing changed.
    #[error("{requested} unit(s) of {product_id} cannot come back: {out} are out")]
    TooMany { product_id: Uuid, requested: i64, out: i64 },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<SettleError> for RestockError {
    fn from(error: SettleError) -> Self {
        match error {
            SettleError::NotFound => RestockError::Unexpected(anyhow::anyhow!("no reservation to restock")),
            SettleError::Unexpected(cause) => RestockError::Unexpected(cause),
        }
    }
}

impl StockReserver for PgStockReserver {
    #[tracing::instrument(name = "inventory.reserve", skip(self, conn, lines), fields(lines = lines.len()))]
    async fn reserve(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        lines: &[ReservationLine],
        expires_at: DateTime<Utc>,
    ) -> Result<(), ReserveError> {
        let wanted = merged(lines);
        let products: Vec<Uuid> = wanted.keys().copied().collect();
        let quantities: Vec<i64> = wanted.values().copied().collect();
        // One statement locks, checks and holds, so a hot product's row stays locked for
        // this statement and the caller's COMMIT only (see `RESERVE`).
        let result = sqlx::query_as::<_, (Uuid, i64, i64, bool)>(RESERVE)
            .bind(&products)
            .bind(&quantities)
            .bind(owner)
            .bind(expires_at)
            .fetch_all(&mut *conn)
            .await;
        let levels = match result {
            Ok(levels) => levels,
            // Should not happen (see `RESERVE`); if it does, the buyer gets a business
            // answer, the caller's transaction (now aborted) holds nothing, and the log
            // says so loudly. Any other failure, a unique violation included (a caller
            // holding again without the owner's lock), is unexpected.
            Err(error) if error.as_database_error().and_then(|db| db.constraint()) == Some(STOCK_CHECK) => {
                tracing::error!(error = %error, %owner, "the stock row refused a hold: RESERVE read a stale version");
                return Err(ReserveError::StockChanged);
            }
            Err(error) => return Err(anyhow::Error::new(error).context("holding stock").into()),
        };
        if levels.iter().any(|&(_, _, _, already_held)| already_held) {
            return Err(ReserveError::AlreadyReserved);
        }
        let shortages: Vec<Shortage> = levels
            .into_iter()
            .map(|(product_id, requested, available, _)| (product_id, requested, available))
            .filter(|&(_, requested, available)| available < requested)
            .map(|(product_id, requested, available)| Shortage { product_id, requested, available: available.max(0) })
            .collect();
        if shortages.is_empty() { Ok(()) } else { Err(ReserveError::OutOfStock { shortages }) }
    }

    async fn lock_owner(&self, conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
        lock_owner(conn, owner).await
    }

    #[tracing::instrument(name = "inventory.extend", skip(self, conn))]
    async fn extend(&self, conn: &mut PgConnection, owner: Uuid, until: DateTime<Utc>) -> anyhow::Result<bool> {
        lock_owner(conn, owner).await?;
        let extended = sqlx::query(
            "UPDATE inventory.reservations SET expires_at = greatest(expires_at, $2)
             WHERE owner_id = $1 AND status = 'held'",
        )
        .bind(owner)
        .bind(until)
        .execute(conn)
        .await
        .context("extending a reservation")?;
        Ok(extended.rows_affected() > 0)
    }

    #[tracing::instrument(name = "inventory.commit", skip(self, conn))]
    async fn commit(&self, conn: &mut PgConnection, owner: Uuid) -> Result<Settlement, SettleError> {
        match settle(conn, owner, "held", "committed", "paid").await? {
            Some(()) => Ok(Settlement::Done),
            None => settled_status(conn, owner).await,
        }
    }

    #[tracing::instrument(name = "inventory.release", skip(self, conn))]
    async fn release(&self, conn: &mut PgConnection, owner: Uuid, reason: &str) -> Result<Settlement, SettleError> {
        match settle(conn, owner, "held", "released", reason).await? {
            Some(()) => Ok(Settlement::Done),
            None => settled_status(conn, owner).await,
        }
    }

    #[tracing::instrument(name = "inventory.restock", skip(self, conn))]
    async fn restock(&self, conn: &mut PgConnection, owner: Uuid, reason: &str) -> Result<Settlement, SettleError> {
        match settle(conn, owner, "committed", "restocked", reason).await? {
            Some(()) => Ok(Settlement::Done),
            None => settled_status(conn, owner).await,
        }
    }

    #[tracing::instrument(name = "inventory.restock_units", skip(self, conn, lines), fields(lines = lines.len()))]
    async fn restock_units(
        &self,
        conn: &mut PgConnection,
        owner: Uuid,
        lines: &[ReservationLine],
        reason: &str,
    ) -> Result<(), RestockError> {
        restock_units(conn, owner, lines, reason).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_for_one_product_are_merged_and_ordered_by_product() {
        let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
        let line = |product_id, n| ReservationLine { product_id, quantity: Quantity::new(n, "q").unwrap() };
        let merged = merged(&[line(a, 2), line(b, 1), line(a, 3)]);
        assert_eq!(merged.into_iter().collect::<Vec<_>>(), vec![(b, 1), (a, 5)]);
    }
}
