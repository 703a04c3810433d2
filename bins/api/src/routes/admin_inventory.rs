//! `/api/v1/admin/inventory…`: stock levels, adjustments and the ledger.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::{HttpResponse, web};
use catalog::categories::CategoryKey;
use chrono::{DateTime, Utc};
use garde::Validate;
use inventory::stock::{LedgerEntry, StockLevels};
use kernel::{InvalidInput, Limit};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::stock_levels::{self, LabelledStock, StockLevelsFilter};
use crate::error::ApiError;
use crate::http::auth::AdminUser;
use crate::http::extract::{Query, ValidJson};
use crate::http::pagination::{PageParams, cursor_unless_blank, page_response};
use crate::state::ProductsService;

/// The most units one stock row may hold.
const MAX_ON_HAND: i64 = 1_000_000_000;

#[derive(Debug, Serialize)]
struct StockView {
    product_id: Uuid,
    sku: Option<String>,
    name: Option<String>,
    on_hand: i64,
    reserved: i64,
    available: i64,
    low_stock_threshold: i64,
}

impl From<LabelledStock> for StockView {
    fn from(LabelledStock { level, label }: LabelledStock) -> Self {
        let label = label.as_ref();
        StockView {
            product_id: level.product_id,
            sku: label.map(|l| l.sku.clone()),
            name: label.map(|l| l.name.clone()),
            on_hand: level.on_hand,
            reserved: level.reserved,
            available: level.available,
            low_stock_threshold: level.low_stock_threshold,
        }
    }
}

#[derive(Debug, Serialize)]
struct LedgerView {
    id: Uuid,
    at: DateTime<Utc>,
    kind: String,
    delta: i64,
    on_hand_after: i64,
    reserved_after: i64,
    reason: Option<String>,
    order_id: Option<Uuid>,
    actor: String,
}

impl From<LedgerEntry> for LedgerView {
    fn from(e: LedgerEntry) -> Self {
        LedgerView {
            id: e.id,
            at: e.at,
            kind: e.kind,
            delta: e.delta,
            on_hand_after: e.on_hand_after,
            reserved_after: e.reserved_after,
            reason: e.reason,
            order_id: e.order_id,
            actor: e.actor,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    low_stock: Option<bool>,
    category: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[tracing::instrument(name = "route.admin_list_stock", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<ListParams>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let filter = StockLevelsFilter {
        low_stock: params.low_stock.unwrap_or(false),
        category: params.category.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(CategoryKey::parse),
    };
    let page =
        stock_levels::list(&stock, &products, filter, limit, cursor_unless_blank(params.cursor).as_ref()).await?;
    Ok(page_response(page, StockView::from))
}

#[derive(Debug, Deserialize, Validate)]
pub struct LevelBody {
    #[garde(range(min = 0, max = MAX_ON_HAND))]
    on_hand: i64,
    #[garde(range(min = 0, max = MAX_ON_HAND))]
    low_stock_threshold: Option<i64>,
}

#[tracing::instrument(name = "route.admin_set_stock", skip_all)]
pub async fn set(
    admin: AdminUser,
    product_id: web::Path<Uuid>,
    body: ValidJson<LevelBody>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let actor = admin.0.id.to_string();
    let level = stock.set_on_hand(*product_id, body.0.on_hand, body.0.low_stock_threshold, &actor).await?;
    Ok(HttpResponse::Ok().json(StockView::from(stock_levels::label(level, &products).await?)))
}

#[derive(Debug, Deserialize, Validate)]
pub struct AdjustmentBody {
    #[garde(range(min = -MAX_ON_HAND, max = MAX_ON_HAND))]
    delta: i64,
    #[garde(length(chars, min = 1, max = 500))]
    reason: String,
}

#[tracing::instrument(name = "route.admin_adjust_stock", skip_all)]
pub async fn adjust(
    admin: AdminUser,
    product_id: web::Path<Uuid>,
    body: ValidJson<AdjustmentBody>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    if body.delta == 0 {
        return Err(InvalidInput::field("delta", "must not be 0").into());
    }
    let reason = catalog::values::text(&body.reason, "reason", 1, 500, false)?;
    let actor = admin.0.id.to_string();
    let level = stock.adjust(*product_id, body.delta, &reason, &actor).await?;
    Ok(HttpResponse::Ok().json(StockView::from(stock_levels::label(level, &products).await?)))
}

#[tracing::instrument(name = "route.admin_stock_ledger", skip_all)]
pub async fn ledger(
    _admin: AdminUser,
    product_id: web::Path<Uuid>,
    params: Query<PageParams>,
    stock: web::Data<StockLevels>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    if stock.level(*product_id).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let page = stock.ledger(*product_id, limit, cursor_unless_blank(params.cursor).as_ref()).await?;
    Ok(page_response(page, LedgerView::from))
}
