//! Adapters that let one domain use another through the first domain's port. Wiring
//! only: the rules live in the domains.

use catalog::ports::{OpeningStock, StockOpening};
use sqlx::PgConnection;
use uuid::Uuid;

/// The catalog's [`StockOpening`] port, served by inventory.
#[derive(Debug, Clone, Copy, Default)]
pub struct InventoryStockOpening;

impl StockOpening for InventoryStockOpening {
    async fn open_stock(&self, conn: &mut PgConnection, product_id: Uuid, stock: OpeningStock) -> anyhow::Result<()> {
        inventory::stock::open_stock(conn, product_id, stock.on_hand, stock.low_stock_threshold).await
    }
}
