//! `/admin/analytics`: the sales dashboard (admin).

use api_types::Page;
use api_types::analytics::{
    AnalyticsRange, CategorySalesList, SalesQuery, SalesSeries, SalesSummary, StockAlert, StockAlertsQuery,
    TopProducts, TopProductsQuery,
};
use reqwest::Method;
use reqwest::header::ACCEPT;
use serde::Serialize;

use crate::{Client, Error, Result, refusal};

impl Client {
    /// `GET /admin/analytics/summary`: the range's figures (admin).
    pub async fn analytics_summary(&self, range: &AnalyticsRange) -> Result<SalesSummary> {
        self.get_with("/admin/analytics/summary", range).await
    }

    /// `GET /admin/analytics/sales`: sales by day, week or month (admin).
    pub async fn analytics_sales(&self, query: &SalesQuery) -> Result<SalesSeries> {
        self.get_with("/admin/analytics/sales", query).await
    }

    /// `GET /admin/analytics/sales` with `Accept: text/csv`: the same as CSV text (admin).
    pub async fn analytics_sales_csv(&self, query: &SalesQuery) -> Result<String> {
        self.get_csv("/admin/analytics/sales", query).await
    }

    /// `GET /admin/analytics/top-products`: the best-selling products (admin).
    pub async fn analytics_top_products(&self, query: &TopProductsQuery) -> Result<TopProducts> {
        self.get_with("/admin/analytics/top-products", query).await
    }

    /// `GET /admin/analytics/top-products` with `Accept: text/csv`: the same as CSV text
    /// (admin).
    pub async fn analytics_top_products_csv(&self, query: &TopProductsQuery) -> Result<String> {
        self.get_csv("/admin/analytics/top-products", query).await
    }

    /// `GET /admin/analytics/categories`: sales by category, rolled up the tree (admin).
    pub async fn analytics_categories(&self, range: &AnalyticsRange) -> Result<CategorySalesList> {
        self.get_with("/admin/analytics/categories", range).await
    }

    /// `GET /admin/analytics/stock-alerts`: one page of products low on stock (admin).
    pub async fn analytics_stock_alerts(&self, query: &StockAlertsQuery) -> Result<Page<StockAlert>> {
        self.get_with("/admin/analytics/stock-alerts", query).await
    }

    /// A 2xx answer's body as text, asked for as CSV.
    async fn get_csv<Q: Serialize + ?Sized>(&self, path: &str, query: &Q) -> Result<String> {
        let response = self.request(Method::GET, path).query(query).header(ACCEPT, "text/csv").send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &headers, &bytes));
        }
        String::from_utf8(bytes.to_vec()).map_err(|e| Error::UnexpectedBody {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            source: serde::de::Error::custom(e),
        })
    }
}
