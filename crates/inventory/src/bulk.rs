//! Stock for historical sales (`rigmaster seed-demo --orders`), in bulk. A historical
//! order sold its units long ago, from stock that was received for it: each sold line
//! gets its reservation, as the live path leaves it (committed, or released for a
//! cancelled order), and each product, once a batch, a `restock` of the units sold and a
//! `commit` of the same units in the ledger. So `on_hand` and `reserved` stay what they
//! were (the store's current stock), `0 ≤ reserved ≤ on_hand` holds, the ledger still sums
//! to `on_hand`, and a later return or cancellation of a historical order finds the
//! reservation it settles.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// One sold line of a historical order: its reservation.
#[derive(Debug, Clone)]
pub struct HistoricalSale {
    /// The reservation's owner: the order.
    pub owner_id: Uuid,
    pub product_id: Uuid,
    pub quantity: i64,
    pub at: DateTime<Utc>,
    /// Whether the units left the store (false: the order was cancelled before it paid).
    pub sold: bool,
}

/// Records these sales in the caller's transaction. Errors: storage failures, a product
/// without stock.
#[tracing::instrument(name = "inventory.bulk_sales", skip_all, fields(lines = sales.len()))]
pub async fn record_historical_sales(conn: &mut PgConnection, sales: &[HistoricalSale]) -> anyhow::Result<()> {
    if sales.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO inventory.reservations (id, owner_id, product_id, quantity, status, expires_at, created_at,
             settled_at, reason)
         SELECT gen_random_uuid(), owner_id, product_id, quantity,
                CASE WHEN sold THEN 'committed' ELSE 'released' END, at + interval '15 minutes', at,
                at + interval '5 minutes', CASE WHEN sold THEN 'demo history: sold' ELSE 'demo history: cancelled' END
           FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[], $5::bool[])
                AS s(owner_id, product_id, quantity, at, sold)",
    )
    .bind(sales.iter().map(|s| s.owner_id).collect::<Vec<_>>())
    .bind(sales.iter().map(|s| s.product_id).collect::<Vec<_>>())
    .bind(sales.iter().map(|s| s.quantity).collect::<Vec<_>>())
    .bind(sales.iter().map(|s| s.at).collect::<Vec<_>>())
    .bind(sales.iter().map(|s| s.sold).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .context("writing historical reservations")?;
    let mut sold: BTreeMap<Uuid, i64> = BTreeMap::new();
    for sale in sales.iter().filter(|s| s.sold) {
        *sold.entry(sale.product_id).or_default() += sale.quantity;
    }
    let products: Vec<Uuid> = sold.keys().copied().collect();
    let units: Vec<i64> = sold.values().copied().collect();
    // Stock rows in key order, as every writer of them takes them.
    let written = sqlx::query(
        "WITH stock AS (
             SELECT s.product_id, s.on_hand, s.reserved, u.units
               FROM inventory.stock s JOIN unnest($1::uuid[], $2::bigint[]) AS u(product_id, units)
                 ON u.product_id = s.product_id
              ORDER BY s.product_id FOR UPDATE OF s
         )
         INSERT INTO inventory.ledger (id, product_id, at, kind, delta, on_hand_after, reserved_after, reason)
         SELECT gen_random_uuid(), product_id, clock_timestamp(), e.kind, e.delta, e.on_hand_after, reserved, e.reason
           FROM stock CROSS JOIN LATERAL (VALUES
                ('restock', units, on_hand + units, 'demo history: stock received for historical sales'),
                ('commit', -units, on_hand, 'demo history: historical sales')) AS e(kind, delta, on_hand_after, reason)",
    )
    .bind(&products)
    .bind(&units)
    .execute(&mut *conn)
    .await
    .context("writing historical sales to the stock ledger")?;
    anyhow::ensure!(
        written.rows_affected() == 2 * products.len() as u64,
        "a historically sold product has no stock row"
    );
    Ok(())
}
