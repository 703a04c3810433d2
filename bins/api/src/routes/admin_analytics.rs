//! `/api/v1/admin/analytics/…`: the sales dashboard (summary, sales over time, top
//! products, categories, stock alerts). Reads only; each answer may be served from the
//! in-process [`AnswerCache`] for a few seconds unless the request says
//! `Cache-Control: no-cache`.

use std::future::Future;
use std::time::Instant;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use analytics::reports::RangeError;
use analytics::{DayRange, SalesReports};
use api_types::analytics::{
    AnalyticsRange, CategorySalesList, DEFAULT_TOP_PRODUCTS, MAX_RANGE_DAYS, SalesQuery, SalesSeries, SalesSummary,
    StockAlert, StockAlertsQuery, TopProducts, TopProductsQuery,
};
use api_types::{ErrorEnvelope, Page};
use chrono::NaiveDate;
use inventory::stock::StockLevels;
use kernel::calendar::ist_day;
use kernel::{InvalidInput, Limit};
use serde::Serialize;
use utoipa::OpenApi;

use crate::app::analytics::{self as dashboard, AnswerCache};
use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::Query;
use crate::http::pagination::cursor_unless_blank;
use crate::http::params::accepts;
use crate::state::{CategoriesService, ProductsService};
use crate::views::ToWire;
use crate::views::analytics as view;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(summary, sales, top_products, categories, stock_alerts))]
pub struct Api;

const JSON: &str = "application/json";
const CSV: &str = "text/csv; charset=utf-8";
/// Days a range covers unless `from` is given.
const DEFAULT_DAYS: u64 = 30;
const MAX_TOP_PRODUCTS: u32 = 100;

/// The range a request names, checked: dates in years 1900 to 9999, `from` not after
/// `to`, at most [`MAX_RANGE_DAYS`] days. Defaults: `to` today (IST), `from` 29 days before.
fn day_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<DayRange, ApiError> {
    kernel::calendar::check_admin_days(&[("from", from), ("to", to)])?;
    let to = to.unwrap_or_else(|| ist_day(chrono::Utc::now()));
    let from = from.unwrap_or_else(|| DayRange::ending(to, DEFAULT_DAYS).from());
    DayRange::new(from, to, MAX_RANGE_DAYS).map_err(|error| match error {
        RangeError::Reversed => InvalidInput::field("from", "must not be after `to`").into(),
        RangeError::TooLong(days) => {
            InvalidInput::field("to", format!("must be at most {days} days from `from`, both included")).into()
        }
    })
}

fn range_key(range: DayRange) -> String {
    format!("from={}&to={}", range.from(), range.to())
}

/// Whether the client asked for a fresh answer (`Cache-Control: no-cache`).
fn wants_fresh(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(CACHE_CONTROL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|directive| directive.trim().eq_ignore_ascii_case("no-cache"))
}

fn json_body<T: Serialize>(value: &T) -> Result<(Bytes, &'static str), ApiError> {
    Ok((Bytes::from(serde_json::to_vec(value).map_err(ApiError::internal)?), JSON))
}

/// The answer kept under `key` unless stale or refused by the client, else `make`'s
/// (kept for the next request).
async fn answer<Fut>(
    request: &HttpRequest,
    cache: &AnswerCache,
    key: String,
    make: impl FnOnce() -> Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: Future<Output = Result<(Bytes, &'static str), ApiError>>,
{
    if !wants_fresh(request)
        && let Some((body, content_type)) = cache.get(&key)
    {
        return Ok(HttpResponse::Ok().insert_header((CONTENT_TYPE, content_type)).body(body));
    }
    let started = Instant::now();
    let (body, content_type) = make().await?;
    cache.put(key, body.clone(), content_type, started);
    Ok(HttpResponse::Ok().insert_header((CONTENT_TYPE, content_type)).body(body))
}

/// Sales summary.
///
/// Revenue (net of refunds processed in the range), orders, units, average order value,
/// refunds and new customers over IST days `from` to `to`, and every order placed in the
/// range by its status now. Counted: paid, confirmed, packed, shipped and delivered orders.
#[utoipa::path(
    get, path = "/api/v1/admin/analytics/summary", tag = "admin-analytics", operation_id = "analytics_summary",
    params(AnalyticsRange),
    responses(
        (status = 200, description = "The range's figures.", body = SalesSummary),
        (status = 422, description = "`validation_failed`: a date that is not `YYYY-MM-DD` in the years \
            1900 to 9999, `from` after `to` (names `from`) or more than 3,660 days (names `to`).",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.analytics_summary", skip_all)]
pub async fn summary(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<AnalyticsRange>,
    reports: web::Data<SalesReports>,
    cache: web::Data<AnswerCache>,
) -> Result<HttpResponse, ApiError> {
    let range = day_range(params.from, params.to)?;
    let key = format!("summary?{}", range_key(range));
    answer(&request, &cache, key, || async { json_body(&view::summary(range, reports.summary(range).await?)) }).await
}

/// Sales over time.
///
/// Every day, week (starting Monday) or month meeting the range, in order, empty ones as
/// zeros; a period counts only its days inside the range. `Accept: text/csv` answers CSV:
/// a header row, then one row per period.
#[utoipa::path(
    get, path = "/api/v1/admin/analytics/sales", tag = "admin-analytics", operation_id = "analytics_sales",
    params(SalesQuery),
    responses(
        (status = 200, description = "The periods (JSON), or with `Accept: text/csv` the same as CSV \
            (`period_start,revenue_paise,orders,units_sold,refunds_paise`).",
            content(
                (SalesSeries = "application/json"),
                (String = "text/csv", example = "period_start,revenue_paise,orders,units_sold,refunds_paise\n2026-11-23,250000,3,5,10000\n"),
            )),
        (status = 422, description = "`validation_failed`: a bad `from`/`to` (as for the summary) or an \
            `interval` other than `day`, `week`, `month`.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.analytics_sales", skip_all)]
pub async fn sales(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<SalesQuery>,
    reports: web::Data<SalesReports>,
    cache: web::Data<AnswerCache>,
) -> Result<HttpResponse, ApiError> {
    let range = day_range(params.from, params.to)?;
    let interval = params.interval.unwrap_or_default();
    let csv = accepts(&request, "text/csv");
    let key = format!("sales?{}&interval={interval:?}&csv={csv}", range_key(range));
    answer(&request, &cache, key, || async {
        let periods = reports.sales(range, view::interval(interval)).await?;
        let items: Vec<_> = periods.into_iter().map(ToWire::to_wire).collect();
        if csv {
            return Ok((Bytes::from(view::sales_csv(&items)?), CSV));
        }
        json_body(&SalesSeries { from: range.from(), to: range.to(), interval, items })
    })
    .await
}

/// Top products.
///
/// The best-selling products in the range by revenue (net of their shares of refunds) or
/// units (net of returns); ties go to the other figure, then the product id.
/// `Accept: text/csv` answers CSV: a header row, then one row per product.
#[utoipa::path(
    get, path = "/api/v1/admin/analytics/top-products", tag = "admin-analytics",
    operation_id = "analytics_top_products",
    params(TopProductsQuery),
    responses(
        (status = 200, description = "The products (JSON), or with `Accept: text/csv` the same as CSV \
            (`product_id,name,sku,units_sold,revenue_paise`; a text cell starting with `=`, `+`, `-` \
            or `@` starts with `'`).",
            content(
                (TopProducts = "application/json"),
                (String = "text/csv", example = "product_id,name,sku,units_sold,revenue_paise\n0196a7c2-0000-7000-8000-000000000001,Ryzen 7 7800X3D,CPU-7800X3D,4,15600000\n"),
            )),
        (status = 422, description = "`validation_failed`: a bad `from`/`to` (as for the summary), a \
            `limit` outside 1 to 100 or a `sort` other than `revenue`, `units`.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.analytics_top_products", skip_all)]
pub async fn top_products(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<TopProductsQuery>,
    reports: web::Data<SalesReports>,
    products: web::Data<ProductsService>,
    cache: web::Data<AnswerCache>,
) -> Result<HttpResponse, ApiError> {
    let range = day_range(params.from, params.to)?;
    let limit = params.limit.unwrap_or(DEFAULT_TOP_PRODUCTS);
    if !(1..=MAX_TOP_PRODUCTS).contains(&limit) {
        return Err(InvalidInput::field("limit", format!("must be 1 to {MAX_TOP_PRODUCTS}")).into());
    }
    let sort = params.sort.unwrap_or_default();
    let csv = accepts(&request, "text/csv");
    let key = format!("top-products?{}&limit={limit}&sort={sort:?}&csv={csv}", range_key(range));
    answer(&request, &cache, key, || async {
        let top = dashboard::top_products(&reports, &products, range, view::ranking(sort), limit).await?;
        let items: Vec<_> = top.into_iter().map(ToWire::to_wire).collect();
        if csv {
            return Ok((Bytes::from(view::top_products_csv(&items)?), CSV));
        }
        json_body(&TopProducts { from: range.from(), to: range.to(), items })
    })
    .await
}

/// Sales by category.
///
/// Each category's revenue and units in the range, its sub-categories' included; products
/// count in the category they are in now. Parents come before their children; categories
/// without sales are left out.
#[utoipa::path(
    get, path = "/api/v1/admin/analytics/categories", tag = "admin-analytics",
    operation_id = "analytics_categories",
    params(AnalyticsRange),
    responses(
        (status = 200, description = "The categories with sales.", body = CategorySalesList),
        (status = 422, description = "`validation_failed`: a bad `from`/`to` (as for the summary).",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.analytics_categories", skip_all)]
pub async fn categories(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<AnalyticsRange>,
    reports: web::Data<SalesReports>,
    products: web::Data<ProductsService>,
    categories: web::Data<CategoriesService>,
    cache: web::Data<AnswerCache>,
) -> Result<HttpResponse, ApiError> {
    let range = day_range(params.from, params.to)?;
    let key = format!("categories?{}", range_key(range));
    answer(&request, &cache, key, || async {
        let figures = dashboard::categories(&reports, &products, &categories, range).await?;
        let items = figures.into_iter().map(ToWire::to_wire).collect();
        json_body(&CategorySalesList { from: range.from(), to: range.to(), items })
    })
    .await
}

/// Stock alerts.
///
/// The products at or below their low-stock threshold (by available units), in product-id
/// order as `GET /admin/inventory?low_stock=true` lists them, each with its units sold in
/// the 30 IST days up to today.
#[utoipa::path(
    get, path = "/api/v1/admin/analytics/stock-alerts", tag = "admin-analytics",
    operation_id = "analytics_stock_alerts",
    params(StockAlertsQuery),
    responses(
        (status = 200, description = "One page of products low on stock.", body = Page<StockAlert>),
        (status = 422, description = "`validation_failed`: a `limit` outside 1 to 100 or a `cursor` not \
            made by this list.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.analytics_stock_alerts", skip_all)]
pub async fn stock_alerts(
    _admin: AdminUser,
    request: HttpRequest,
    params: Query<StockAlertsQuery>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
    reports: web::Data<SalesReports>,
    cache: web::Data<AnswerCache>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let today = ist_day(chrono::Utc::now());
    let key = format!(
        "stock-alerts?limit={}&cursor={}&today={today}",
        limit.get(),
        cursor.as_ref().map(|c| c.as_str()).unwrap_or_default()
    );
    answer(&request, &cache, key, || async {
        let page = dashboard::stock_alerts(&stock, &products, &reports, today, limit, cursor.as_ref()).await?;
        json_body(&page.to_wire())
    })
    .await
}
