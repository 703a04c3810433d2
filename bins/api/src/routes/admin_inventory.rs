//! `/api/v1/admin/inventory…`: stock levels, adjustments and the ledger.

use actix_web::{HttpResponse, web};
use api_types::inventory::{
    InventoryQuery, LedgerEntry as LedgerEntryWire, LedgerKind, SetStock, StockAdjustment, StockLevel,
};
use api_types::page::PageParams;
use api_types::{ErrorEnvelope, Page};
use catalog::categories::CategoryKey;
use inventory::stock::{LedgerEntry, StockLevels};
use kernel::{Cursor, InvalidInput, Limit};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::stock_levels::{self, LabelledStock, StockLevelsFilter};
use crate::error::ApiError;
use crate::http::auth::{AdminUser, AuditedAdmin};
use crate::http::extract::{Query, ValidJson};
use crate::http::pagination::cursor_unless_blank;
use crate::state::ProductsService;
use crate::views::ToWire;
use crate::views::catalog::list_response;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(list, set, adjust, ledger))]
pub struct Api;

impl ToWire for LabelledStock {
    type Wire = StockLevel;

    fn to_wire(self) -> StockLevel {
        let LabelledStock { level, label } = self;
        let label = label.as_ref();
        StockLevel {
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

/// A ledger entry on the wire. The kinds are the ledger table's (a `CHECK` constraint);
/// one outside them is a fault of the server's, not a value to pass on.
fn ledger_entry(e: LedgerEntry) -> Result<LedgerEntryWire, ApiError> {
    let kind = match e.kind.as_str() {
        "adjustment" => LedgerKind::Adjustment,
        "reservation" => LedgerKind::Reservation,
        "release" => LedgerKind::Release,
        "commit" => LedgerKind::Commit,
        "restock" => LedgerKind::Restock,
        other => return Err(ApiError::internal(anyhow::anyhow!("a stock ledger entry of unknown kind {other:?}"))),
    };
    Ok(LedgerEntryWire {
        id: e.id,
        at: e.at,
        kind,
        delta: e.delta,
        on_hand_after: e.on_hand_after,
        reserved_after: e.reserved_after,
        reason: e.reason,
        order_id: e.order_id,
        actor: e.actor,
    })
}

/// List stock levels.
///
/// In product-id order, each labelled with the product's SKU and name. `low_stock` keeps
/// the products whose available units are at or below their threshold.
#[utoipa::path(
    get, path = "/api/v1/admin/inventory", tag = "admin-inventory", operation_id = "list_stock_levels",
    params(InventoryQuery),
    responses((status = 200, description = "One page of stock levels.", body = Page<StockLevel>)),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_list_stock", skip_all)]
pub async fn list(
    _admin: AdminUser,
    params: Query<InventoryQuery>,
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
    list_response(&page.to_wire())
}

/// Set a product's units on hand (a stock count).
///
/// The difference is recorded in the ledger as an `adjustment`. Shoppers see the new
/// availability at once.
#[utoipa::path(
    put, path = "/api/v1/admin/inventory/{product_id}", tag = "admin-inventory", operation_id = "set_stock",
    params(("product_id" = Uuid, Path, description = "The product.")),
    request_body = SetStock,
    responses(
        (status = 200, description = "The product's stock now.", body = StockLevel),
        (status = 409, description = "`conflict`: fewer units than are reserved; nothing changed.",
            body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_set_stock", skip_all)]
pub async fn set(
    admin: AuditedAdmin,
    product_id: web::Path<Uuid>,
    body: ValidJson<SetStock>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let actor = admin.admin.id.to_string();
    let (on_hand, threshold) = (body.0.on_hand, body.0.low_stock_threshold);
    let level = stock.set_on_hand(*product_id, on_hand, threshold, &actor, &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(stock_levels::label(level, &products).await?.to_wire()))
}

/// Add or remove units on hand, with a reason.
///
/// Recorded in the ledger as an `adjustment` with the reason. Shoppers see the new
/// availability at once.
#[utoipa::path(
    post, path = "/api/v1/admin/inventory/{product_id}/adjustments", tag = "admin-inventory",
    operation_id = "adjust_stock",
    params(("product_id" = Uuid, Path, description = "The product.")),
    request_body = StockAdjustment,
    responses(
        (status = 200, description = "The product's stock now.", body = StockLevel),
        (status = 409, description = "`conflict`: on hand would go below 0 or below the units reserved; \
            nothing changed.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_adjust_stock", skip_all)]
pub async fn adjust(
    admin: AuditedAdmin,
    product_id: web::Path<Uuid>,
    body: ValidJson<StockAdjustment>,
    stock: web::Data<StockLevels>,
    products: web::Data<ProductsService>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    if body.delta == 0 {
        return Err(InvalidInput::field("delta", "must not be 0").into());
    }
    let reason = catalog::values::text(&body.reason, "reason", 1, api_types::inventory::MAX_REASON_CHARS, false)?;
    let actor = admin.admin.id.to_string();
    let level = stock.adjust(*product_id, body.delta, &reason, &actor, &admin.recorder).await?;
    Ok(HttpResponse::Ok().json(stock_levels::label(level, &products).await?.to_wire()))
}

/// A product's stock ledger.
///
/// Every change to the product's stock, newest first: admin adjustments, and the
/// reservations, releases, commits and restocks of orders.
#[utoipa::path(
    get, path = "/api/v1/admin/inventory/{product_id}/ledger", tag = "admin-inventory",
    operation_id = "list_stock_ledger",
    params(("product_id" = Uuid, Path, description = "The product."), PageParams),
    responses((status = 200, description = "One page of ledger entries.", body = Page<LedgerEntryWire>)),
    security(("bearer" = ["admin"])),
)]
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
    let items = page.items.into_iter().map(ledger_entry).collect::<Result<Vec<_>, _>>()?;
    list_response(&Page { items, next_cursor: page.next_cursor.map(Cursor::into_string) })
}
