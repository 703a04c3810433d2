//! Stock levels as admins see them: inventory's numbers, labelled with the catalog's SKU
//! and name, and filtered by a catalog category. The two domains are read one after the
//! other; no transaction spans them, as the labels are for display only.

use std::collections::HashMap;

use catalog::categories::CategoryKey;
use catalog::products::{ListProductsError, ProductLabel};
use inventory::stock::{ListStockError, StockFilter, StockLevel, StockLevels};
use kernel::{Cursor, InvalidCursor, Limit, Page};
use uuid::Uuid;

use crate::state::ProductsService;

/// A stock level with its product's label (`None` for a product the catalog no longer has).
#[derive(Debug)]
pub struct LabelledStock {
    pub level: StockLevel,
    pub label: Option<ProductLabel>,
}

/// Which stock levels to list.
#[derive(Debug, Default)]
pub struct StockLevelsFilter {
    /// Only rows at or below their low-stock threshold.
    pub low_stock: bool,
    /// Only the products of this category and its sub-categories.
    pub category: Option<CategoryKey>,
}

#[derive(Debug, thiserror::Error)]
pub enum ListStockLevelsError {
    #[error("no such category")]
    UnknownCategory,
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ListProductsError> for ListStockLevelsError {
    fn from(error: ListProductsError) -> Self {
        match error {
            ListProductsError::UnknownCategory => ListStockLevelsError::UnknownCategory,
            ListProductsError::InvalidCursor(invalid) => ListStockLevelsError::InvalidCursor(invalid),
            ListProductsError::Unexpected(cause) => ListStockLevelsError::Unexpected(cause),
        }
    }
}

impl From<ListStockError> for ListStockLevelsError {
    fn from(error: ListStockError) -> Self {
        match error {
            ListStockError::InvalidCursor(invalid) => ListStockLevelsError::InvalidCursor(invalid),
            ListStockError::Unexpected(cause) => ListStockLevelsError::Unexpected(cause),
        }
    }
}

/// One page of stock levels, in product-id order, each with its label.
pub async fn list(
    stock: &StockLevels,
    products: &ProductsService,
    filter: StockLevelsFilter,
    limit: Limit,
    after: Option<&Cursor>,
) -> Result<Page<LabelledStock>, ListStockLevelsError> {
    let only = match &filter.category {
        Some(category) => Some(products.ids_in_category(category).await?),
        None => None,
    };
    let filter = StockFilter { low_stock: filter.low_stock, products: only };
    let page = stock.list(&filter, limit, after).await?;
    Ok(labelled(page, products).await?)
}

/// Labels a page of stock levels with one catalog read.
async fn labelled(page: Page<StockLevel>, products: &ProductsService) -> anyhow::Result<Page<LabelledStock>> {
    let ids: Vec<Uuid> = page.items.iter().map(|level| level.product_id).collect();
    let labels: HashMap<Uuid, ProductLabel> = products.labels(&ids).await?;
    Ok(page.map(|level| {
        let label = labels.get(&level.product_id).cloned();
        LabelledStock { level, label }
    }))
}

/// One stock level (just written by an admin) with its label. Errors: storage failures.
pub async fn label(level: StockLevel, products: &ProductsService) -> anyhow::Result<LabelledStock> {
    let labels = products.labels(&[level.product_id]).await?;
    let label = labels.get(&level.product_id).cloned();
    Ok(LabelledStock { level, label })
}
