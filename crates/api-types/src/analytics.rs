//! Sales analytics for the admin dashboard: `/admin/analytics/…`.
//!
//! Every figure counts only orders that are paid, confirmed (cash on delivery), packed,
//! shipped or delivered, on the India Standard Time day they were placed; refunds come off
//! on the IST day Razorpay processed them, returned units on the day they came back. A
//! cancelled or wholly returned order is not a sale at all. Money is the price the
//! customer paid, with GST and (for an order's totals) shipping.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The longest range one request may cover, in days.
pub const MAX_RANGE_DAYS: i64 = 3_660;
/// How many products `top-products` lists unless told (at most 100).
pub const DEFAULT_TOP_PRODUCTS: u32 = 10;

/// The days every analytics request covers: `from` to `to`, both included, IST. Absent:
/// the 30 days up to today (IST). At most 3,660 days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsRange {
    /// The first day, `YYYY-MM-DD` (default: 29 days before `to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// The last day, `YYYY-MM-DD` (default: today, IST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
}

/// `GET /admin/analytics/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SalesSummary {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// What the counted orders took, less the refunds processed in the range.
    pub revenue_paise: i64,
    /// Orders placed in the range that count.
    pub orders: i64,
    /// Their units, less units returned in the range.
    pub units_sold: i64,
    /// `revenue_paise ÷ orders`, rounded down; 0 without orders.
    pub average_order_value_paise: i64,
    /// Refunds of counted orders processed in the range.
    pub refunds_paise: i64,
    /// Customers whose first counted order was placed in the range.
    pub new_customers: i64,
    /// Every order placed in the range, counted or not, by its status now.
    pub orders_by_status: OrdersByStatus,
}

/// Orders by their current status (every status, zeros included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrdersByStatus {
    pub payment_pending: i64,
    pub confirmed: i64,
    pub paid: i64,
    pub packed: i64,
    pub shipped: i64,
    pub delivered: i64,
    pub payment_failed: i64,
    pub cancelled: i64,
    pub returned: i64,
    pub refunded: i64,
}

/// How `GET /admin/analytics/sales` groups days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalesInterval {
    #[default]
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

/// The query string of `GET /admin/analytics/sales`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// `day` (default), `week` (starting Monday) or `month`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<SalesInterval>,
}

/// `GET /admin/analytics/sales`: every period that meets the range, in order, empty ones
/// as zeros. A period's figures are those of its days inside the range (the first week or
/// month may start before `from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SalesSeries {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: SalesInterval,
    pub items: Vec<SalesPeriod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SalesPeriod {
    /// The period's first day (a Monday for weeks, the 1st for months).
    pub period_start: NaiveDate,
    pub revenue_paise: i64,
    pub orders: i64,
    pub units_sold: i64,
    pub refunds_paise: i64,
}

/// What `top-products` ranks by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopProductsSort {
    #[default]
    Revenue,
    Units,
}

/// The query string of `GET /admin/analytics/top-products`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopProductsQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// How many products: 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `revenue` (default) or `units`.
    #[param(inline)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<TopProductsSort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopProducts {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<TopProduct>,
}

/// A product's sales in the range. Its revenue is its line totals less its share of each
/// refund (`⌊refund × its line totals ÷ order total⌋`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TopProduct {
    pub product_id: Uuid,
    /// The catalog's name now; `null` if the catalog no longer has the product.
    pub name: Option<String>,
    pub sku: Option<String>,
    pub units_sold: i64,
    pub revenue_paise: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategorySalesList {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<CategorySales>,
}

/// A category's sales in the range, its sub-categories' included (products counted in
/// the category they are in now). Categories without sales are left out; parents come
/// before their children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CategorySales {
    /// The category's name.
    pub category: String,
    pub category_id: Uuid,
    pub slug: String,
    pub parent_id: Option<Uuid>,
    pub revenue_paise: i64,
    pub units_sold: i64,
}

/// The query string of `GET /admin/analytics/stock-alerts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockAlertsQuery {
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent or blank for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A product at or below its low-stock threshold (by available units), with what sold of
/// it in the last 30 days, so the admin sees how soon it runs out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StockAlert {
    pub product_id: Uuid,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub on_hand: i64,
    pub reserved: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
    /// Units sold in the 30 IST days up to today (less returns).
    pub units_sold_last_30_days: i64,
}
