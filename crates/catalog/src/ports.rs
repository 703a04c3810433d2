//! What the catalog needs from other domains.

use std::future::Future;

use sqlx::PgConnection;
use uuid::Uuid;

/// A new product's first stock level, as given by the admin who creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningStock {
    pub on_hand: i64,
    pub low_stock_threshold: i64,
}

/// Hands a new product's opening stock to inventory.
///
/// It takes the caller's connection, inside the transaction that inserts the product, so
/// the product and its stock row exist together or not at all (`design.md`, "Ports").
pub trait StockOpening: Send + Sync {
    /// Records the opening stock of `product_id`. Errors: storage failures only; a
    /// product that already has stock keeps it.
    fn open_stock(
        &self,
        conn: &mut PgConnection,
        product_id: Uuid,
        stock: OpeningStock,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// For tools that manage stock elsewhere: records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStock;

impl StockOpening for NoStock {
    async fn open_stock(&self, _: &mut PgConnection, _: Uuid, _: OpeningStock) -> anyhow::Result<()> {
        Ok(())
    }
}
