//! `/admin/inventory`: stock levels, adjustments and the ledger (admin).

use api_types::Page;
use api_types::inventory::{InventoryQuery, LedgerEntry, SetStock, StockAdjustment, StockLevel};
use api_types::page::PageParams;
use reqwest::Method;
use uuid::Uuid;

use crate::{Client, Result};

impl Client {
    /// `GET /admin/inventory`: one page of stock levels (admin).
    pub async fn inventory(&self, query: &InventoryQuery) -> Result<Page<StockLevel>> {
        self.get_with("/admin/inventory", query).await
    }

    /// `PUT /admin/inventory/{product_id}`: sets the units on hand (admin).
    pub async fn set_stock(&self, product_id: Uuid, stock: &SetStock) -> Result<StockLevel> {
        self.with_body(Method::PUT, &format!("/admin/inventory/{product_id}"), stock).await
    }

    /// `POST /admin/inventory/{product_id}/adjustments`: adds or removes units on hand,
    /// with a reason (admin).
    pub async fn adjust_stock(&self, product_id: Uuid, adjustment: &StockAdjustment) -> Result<StockLevel> {
        self.with_body(Method::POST, &format!("/admin/inventory/{product_id}/adjustments"), adjustment).await
    }

    /// `GET /admin/inventory/{product_id}/ledger`: one page of the product's stock changes,
    /// newest first (admin).
    pub async fn stock_ledger(&self, product_id: Uuid, page: &PageParams) -> Result<Page<LedgerEntry>> {
        self.get_with(&format!("/admin/inventory/{product_id}/ledger"), page).await
    }
}
