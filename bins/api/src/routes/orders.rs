//! `/api/v1/orders`: checkout, payment verification and retries, cancellation, and the
//! customer's own orders.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use garde::Validate;
use idempotency::Idempotency;
use kernel::{Cursor, Limit};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::app::checkout;
use crate::app::idempotent::idempotent;
use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::{NoFields, OptionalValidJson, Query, ValidJson};
use crate::http::idempotency_key::idempotency_key;
use crate::state::{AddressService, OrdersService};
use crate::views::order::{OrderView, PlaceOrderBody, placed_json};

#[derive(Debug, Deserialize, Validate)]
pub struct VerifyBody {
    #[garde(length(min = 1, max = 100))]
    razorpay_order_id: String,
    #[garde(length(min = 1, max = 100))]
    razorpay_payment_id: String,
    #[garde(length(min = 1, max = 200))]
    razorpay_signature: String,
}

#[derive(Debug, Default, Deserialize, Validate)]
pub struct CancelBody {
    #[garde(length(chars, max = 500))]
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[tracing::instrument(name = "orders.place", skip_all, fields(user = %user.id))]
pub async fn place(
    request: HttpRequest,
    user: AuthUser,
    orders: web::Data<OrdersService>,
    addresses: web::Data<AddressService>,
    idempotency: web::Data<Idempotency>,
    body: ValidJson<PlaceOrderBody>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let (status, answer) = checkout::place_order(&orders, &addresses, &idempotency, user.id, &key, body.0).await?;
    Ok(HttpResponse::build(status).json(answer))
}

#[tracing::instrument(name = "orders.retry_payment", skip_all, fields(user = %user.id))]
pub async fn retry_payment(
    request: HttpRequest,
    user: AuthUser,
    orders: web::Data<OrdersService>,
    idempotency: web::Data<Idempotency>,
    order_id: web::Path<Uuid>,
    _no_fields: OptionalValidJson<NoFields>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let order_id = order_id.into_inner();
    let request = json!({ "order_id": order_id });
    let (status, answer) = idempotent(&idempotency, user.id, "orders.retry_payment", &key, &request, |_| async {
        let placed = orders.retry_payment(user.id, order_id).await?;
        Ok((StatusCode::OK, placed_json(placed)))
    })
    .await?;
    Ok(HttpResponse::build(status).json(answer))
}

#[tracing::instrument(name = "orders.verify_payment", skip_all, fields(user = %user.id))]
pub async fn verify_payment(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: ValidJson<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let order = orders
        .verify_payment(
            user.id,
            order_id.into_inner(),
            &body.razorpay_order_id,
            &body.razorpay_payment_id,
            &body.razorpay_signature,
        )
        .await?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.cancel", skip_all, fields(user = %user.id))]
pub async fn cancel(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: OptionalValidJson<CancelBody>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.and_then(|body| body.reason).filter(|reason| !reason.trim().is_empty());
    let order = orders.cancel(user.id, order_id.into_inner(), reason.as_deref()).await?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.get", skip_all, fields(user = %user.id))]
pub async fn get(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = orders.get_for(user.id, order_id.into_inner()).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(OrderView::from(order)))
}

#[tracing::instrument(name = "orders.list", skip_all, fields(user = %user.id))]
pub async fn list(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    params: Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = params.cursor.map(Cursor::from_token);
    let page = orders.list_for(user.id, limit, cursor.as_ref()).await?;
    let next_cursor = page.next_cursor.map(Cursor::into_string);
    let items: Vec<OrderView> = page.items.into_iter().map(OrderView::from).collect();
    Ok(HttpResponse::Ok().json(json!({ "items": items, "next_cursor": next_cursor })))
}
