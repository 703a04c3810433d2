//! Stock rows: `on_hand`, `reserved`, and a ledger entry for every change.

use anyhow::Context as _;
use sqlx::PgConnection;
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
