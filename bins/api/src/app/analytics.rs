//! The admin dashboard's reports: the analytics domain's figures (which know products only
//! by id) labelled and grouped by the catalog, and the low-stock list of inventory with
//! what sold of each product lately. Each read stands alone; no transaction spans the
//! domains, as the labels are for display only.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use analytics::reports::{ProductSales, ReportError};
use analytics::{DayRange, Ranking, SalesReports};
use catalog::categories::Category;
use catalog::products::ProductLabel;
use inventory::stock::StockLevels;
use kernel::{Cursor, Limit, Page};
use uuid::Uuid;

use crate::app::stock_levels::{self, LabelledStock, ListStockLevelsError, StockLevelsFilter};
use crate::state::{CategoriesService, ProductsService};

/// The days a stock alert looks back over for what sold.
pub const RECENT_SALES_DAYS: u64 = 30;

/// A product's sales with its catalog label (`None`: the catalog no longer has it).
#[derive(Debug)]
pub struct LabelledSales {
    pub sales: ProductSales,
    pub label: Option<ProductLabel>,
}

/// A category's sales, its sub-categories' included.
#[derive(Debug)]
pub struct CategoryFigures {
    pub category: Category,
    pub units: i64,
    pub revenue: i64,
}

/// A product at or below its low-stock threshold, with its units sold lately.
#[derive(Debug)]
pub struct StockAlertRow {
    pub stock: LabelledStock,
    pub units_sold_recently: i64,
}

/// The best-selling products in the range, labelled.
#[tracing::instrument(name = "app.analytics.top_products", skip(reports, products))]
pub async fn top_products(
    reports: &SalesReports,
    products: &ProductsService,
    range: DayRange,
    ranking: Ranking,
    limit: u32,
) -> Result<Vec<LabelledSales>, ReportError> {
    let top = reports.top_products(range, ranking, limit).await?;
    let ids: Vec<Uuid> = top.iter().map(|sales| sales.product_id).collect();
    let mut labels = products.labels(&ids).await?;
    Ok(top.into_iter().map(|sales| LabelledSales { label: labels.remove(&sales.product_id), sales }).collect())
}

/// Each category's sales in the range with its descendants', products counted in the
/// category they are in now; parents before children (siblings by position, then name),
/// categories without sales left out.
#[tracing::instrument(name = "app.analytics.categories", skip(reports, products, categories))]
pub async fn categories(
    reports: &SalesReports,
    products: &ProductsService,
    categories: &CategoriesService,
    range: DayRange,
) -> Result<Vec<CategoryFigures>, ReportError> {
    let totals = reports.product_totals(range).await?;
    let ids: Vec<Uuid> = totals.iter().map(|sales| sales.product_id).collect();
    let filed: HashMap<Uuid, Uuid> =
        products.for_sale(&ids).await?.into_iter().map(|(id, product)| (id, product.summary.category.id)).collect();
    let tree = categories.list().await?;
    Ok(roll_up(tree, &totals, &filed))
}

/// Sums products' sales into their categories and every ancestor of those.
fn roll_up(tree: Vec<Category>, totals: &[ProductSales], filed: &HashMap<Uuid, Uuid>) -> Vec<CategoryFigures> {
    let parent_of: HashMap<Uuid, Option<Uuid>> = tree.iter().map(|c| (c.id, c.parent_id)).collect();
    let mut sums: HashMap<Uuid, (i64, i64)> = HashMap::new();
    for sales in totals {
        let mut next = filed.get(&sales.product_id).copied();
        let mut seen = HashSet::new();
        // `seen` guards against a cycle the catalog should never hold.
        while let Some(category) = next.filter(|c| seen.insert(*c)) {
            let sum = sums.entry(category).or_default();
            sum.0 += sales.units;
            sum.1 += sales.revenue;
            next = parent_of.get(&category).copied().flatten();
        }
    }
    let mut ordered = Vec::new();
    let mut children: HashMap<Option<Uuid>, Vec<Category>> = HashMap::new();
    for category in tree {
        let parent = category.parent_id.filter(|p| parent_of.contains_key(p));
        children.entry(parent).or_default().push(category);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| (a.position, &a.name, a.id).cmp(&(b.position, &b.name, b.id)));
    }
    let mut stack: Vec<Category> = children.remove(&None).unwrap_or_default().into_iter().rev().collect();
    while let Some(category) = stack.pop() {
        if let Some(kids) = children.remove(&Some(category.id)) {
            stack.extend(kids.into_iter().rev());
        }
        if let Some(&(units, revenue)) = sums.get(&category.id) {
            ordered.push(CategoryFigures { category, units, revenue });
        }
    }
    ordered
}

#[derive(Debug, thiserror::Error)]
pub enum StockAlertsError {
    #[error(transparent)]
    Stock(#[from] ListStockLevelsError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ReportError> for StockAlertsError {
    fn from(error: ReportError) -> Self {
        match error {
            ReportError::Unexpected(cause) => StockAlertsError::Unexpected(cause),
        }
    }
}

/// One page of the low-stock list (`GET /admin/inventory?low_stock=true`'s), each with its
/// units sold in the [`RECENT_SALES_DAYS`] IST days up to `today`.
#[tracing::instrument(name = "app.analytics.stock_alerts", skip(stock, products, reports))]
pub async fn stock_alerts(
    stock: &StockLevels,
    products: &ProductsService,
    reports: &SalesReports,
    today: chrono::NaiveDate,
    limit: Limit,
    after: Option<&Cursor>,
) -> Result<Page<StockAlertRow>, StockAlertsError> {
    let filter = StockLevelsFilter { low_stock: true, category: None };
    let page = stock_levels::list(stock, products, filter, limit, after).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.level.product_id).collect();
    let sold = reports.units_sold(DayRange::ending(today, RECENT_SALES_DAYS), &ids).await?;
    Ok(page.map(|row| {
        let units_sold_recently = sold.get(&row.level.product_id).copied().unwrap_or(0);
        StockAlertRow { stock: row, units_sold_recently }
    }))
}

/// Answers of the analytics routes kept in memory for a short time, keyed by the route and
/// its normalised query (and representation), bounded in entries. Figures move with every
/// payment; a dashboard polled by several admins need not recompute them each time.
pub struct AnswerCache {
    entries: Option<quick_cache::sync::Cache<String, Kept>>,
    ttl: Duration,
}

#[derive(Clone)]
struct Kept {
    body: Bytes,
    content_type: &'static str,
    at: Instant,
}

impl AnswerCache {
    /// Kept `ttl` (zero: nothing kept), at most `max_entries` answers.
    pub fn new(ttl: Duration, max_entries: u64) -> Self {
        let capacity = usize::try_from(max_entries).unwrap_or(usize::MAX).max(1);
        let entries = (!ttl.is_zero()).then(|| quick_cache::sync::Cache::new(capacity));
        AnswerCache { entries, ttl }
    }

    /// A kept answer younger than the time to live: its body and content type.
    pub fn get(&self, key: &str) -> Option<(Bytes, &'static str)> {
        let kept = self.entries.as_ref()?.get(key)?;
        (kept.at.elapsed() < self.ttl).then_some((kept.body, kept.content_type))
    }

    /// Keeps an answer computed since `started`.
    pub fn put(&self, key: String, body: Bytes, content_type: &'static str, started: Instant) {
        if let Some(entries) = &self.entries {
            entries.insert(key, Kept { body, content_type, at: started });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(n: u128, parent: Option<u128>, position: i32) -> Category {
        Category {
            id: Uuid::from_u128(n),
            slug: format!("c{n}"),
            name: format!("C{n}"),
            parent_id: parent.map(Uuid::from_u128),
            position,
            product_count: 0,
        }
    }

    #[test]
    fn sales_roll_up_the_tree_parents_first_and_empty_categories_left_out() {
        // 1 ─┬─ 2 ── 4      3 (nothing sold)
        //    └─ 5
        let tree = vec![
            category(4, Some(2), 0),
            category(3, None, 1),
            category(2, Some(1), 1),
            category(1, None, 0),
            category(5, Some(1), 0),
        ];
        let product =
            |n: u128, units: i64, revenue: i64| ProductSales { product_id: Uuid::from_u128(100 + n), units, revenue };
        let totals = [product(1, 2, 1_000), product(2, 1, 300), product(3, 5, 50)];
        let filed: HashMap<Uuid, Uuid> =
            [(101, 4), (102, 2), (103, 5)].into_iter().map(|(p, c)| (Uuid::from_u128(p), Uuid::from_u128(c))).collect();
        let figures: Vec<(u128, i64, i64)> =
            roll_up(tree, &totals, &filed).iter().map(|f| (f.category.id.as_u128(), f.units, f.revenue)).collect();
        assert_eq!(figures, vec![(1, 8, 1_350), (5, 5, 50), (2, 3, 1_300), (4, 2, 1_000)]);
    }
}
