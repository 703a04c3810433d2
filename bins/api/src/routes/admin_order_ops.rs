//! `/api/v1/admin/orders/…` writes: status moves, shipping with tracking, returns, refunds
//! and bulk cancellation. Every one leaves an audit row in its own transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::admin_orders::{
    AdminOrder, BulkCancel, BulkCancelItem, BulkCancelOutcome as OutcomeWire, BulkCancelResult, NewRefund, NewReturn,
    Refund as RefundWire, Return as ReturnWire, ShipOrder, StatusChange,
};
use idempotency::Idempotency;
use kernel::{FieldError, InvalidInput, Money, Quantity};
use orders::admin_operations::{BulkCancelOutcome, ReturnRequest};
use orders::stores::NewShipment;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::admin_orders::{self, AdminOrderReads};
use crate::app::admin_refund;
use crate::error::ApiError;
use crate::http::auth::AuditedAdmin;
use crate::http::extract::ValidJson;
use crate::http::idempotency_key::idempotency_key;
use crate::state::OrdersService;
use crate::views::address::{line, optional_line};
use crate::views::order::status_from_wire;
use crate::views::{FromWire, ToWire};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(change_status, ship, record_return, refund, bulk_cancel))]
pub struct Api;

/// Blank is the same as none.
fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

impl FromWire<ShipOrder> for NewShipment {
    fn from_wire(body: ShipOrder) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let carrier = line(&body.carrier, "carrier", &mut errors);
        let tracking_number = line(&body.tracking_number, "tracking_number", &mut errors);
        let tracking_url = optional_line(body.tracking_url.as_deref(), "tracking_url", &mut errors);
        if let Some(url) = &tracking_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            errors.push(FieldError::new("tracking_url", "must be an https:// (or http://) address"));
        }
        match (carrier, tracking_number) {
            (Some(carrier), Some(tracking_number)) if errors.is_empty() => {
                Ok(NewShipment { carrier, tracking_number, tracking_url, description: optional_text(body.description) })
            }
            _ => Err(InvalidInput(errors)),
        }
    }
}

impl FromWire<NewReturn> for ReturnRequest {
    fn from_wire(body: NewReturn) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let lines = body
            .items
            .iter()
            .enumerate()
            .filter_map(|(i, line)| {
                Quantity::new(line.quantity, &format!("items[{i}].quantity"))
                    .map_err(|invalid| errors.extend(invalid.0))
                    .ok()
                    .map(|quantity| (line.product_id, quantity))
            })
            .collect();
        let reason = body.reason.trim().to_owned();
        if reason.is_empty() {
            errors.push(FieldError::new("reason", "must not be blank"));
        }
        if !errors.is_empty() {
            return Err(InvalidInput(errors));
        }
        Ok(ReturnRequest { lines, restock: body.restock, reason, refund: body.refund_paise.map(Money::from_paise) })
    }
}

/// The order as the admin sees it after a change.
async fn admin_order_answer(reads: &AdminOrderReads, order_id: Uuid) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(admin_orders::admin_order(reads, order_id).await?))
}

/// Move an order.
///
/// Only the state machine's legal moves: `paid` | `confirmed` → `packed`; `packed` →
/// `cancelled`; `shipped` → `delivered`; `paid` | `confirmed` | `packed` → `cancelled`
/// (held stock is released, sold stock restocked, and a paid order refunded in full, as a
/// customer's cancel does); a cash-on-delivery order `returned` → `refunded` (the cash was
/// handed back). Shipping, returns and online refunds have routes of their own, and only
/// payments move an order to `paid`, `payment_pending` or `payment_failed`. The move and
/// its note go into the order's history and the audit trail.
#[utoipa::path(
    post, path = "/api/v1/admin/orders/{id}/status", tag = "admin-orders", operation_id = "change_order_status",
    params(("id" = Uuid, Path, description = "The order.")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The order, moved.", body = AdminOrder),
        (status = 404, description = "`not_found`: no such order.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: the state machine does not allow this move from \
            the order's status; nothing changed.", body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: a legal move that is made another way (`details` \
            names `status` and says which route), or a note over 500 characters.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_change_order_status", skip_all, fields(order = %id))]
pub async fn change_status(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: ValidJson<StatusChange>,
    orders: web::Data<OrdersService>,
    reads: web::Data<AdminOrderReads>,
) -> Result<HttpResponse, ApiError> {
    let order_id = id.into_inner();
    let note = optional_text(body.0.note);
    orders.change_status(order_id, status_from_wire(body.0.status), note.as_deref(), &admin.recorder).await?;
    admin_order_answer(&reads, order_id).await
}

/// Ship an order.
///
/// A `packed` order becomes `shipped` with its courier's tracking; the customer's order
/// shows it as `shipment` (carrier, tracking number and link, description, when it left).
#[utoipa::path(
    post, path = "/api/v1/admin/orders/{id}/ship", tag = "admin-orders", operation_id = "ship_order",
    params(("id" = Uuid, Path, description = "The order.")),
    request_body = ShipOrder,
    responses(
        (status = 200, description = "The order, shipped.", body = AdminOrder),
        (status = 404, description = "`not_found`: no such order.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: only a `packed` order can be shipped.",
            body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `details` names each refused field (a blank \
            carrier or tracking number, a tracking link that is not an http(s) address …).", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_ship_order", skip_all, fields(order = %id))]
pub async fn ship(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: ValidJson<ShipOrder>,
    orders: web::Data<OrdersService>,
    reads: web::Data<AdminOrderReads>,
) -> Result<HttpResponse, ApiError> {
    let order_id = id.into_inner();
    let shipment = NewShipment::from_wire(body.0)?;
    orders.ship(order_id, &shipment, &admin.recorder).await?;
    admin_order_answer(&reads, order_id).await
}

/// Record a return.
///
/// Units the customer sent back from a `shipped` or `delivered` order: never more of a
/// product than the order sold less earlier returns. `restock` puts them back on sale
/// (inventory's ledger shows a `restock`); `refund_paise` refunds that much of the online
/// payment with the return (as `POST /admin/orders/{id}/refund` would). When every unit is
/// back the order becomes `returned`.
#[utoipa::path(
    post, path = "/api/v1/admin/orders/{id}/returns", tag = "admin-orders", operation_id = "record_order_return",
    params(("id" = Uuid, Path, description = "The order.")),
    request_body = NewReturn,
    responses(
        (status = 201, description = "The return, recorded.", body = ReturnWire),
        (status = 404, description = "`not_found`: no such order.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: only a shipped or delivered order takes returns.",
            body = ErrorEnvelope),
        (status = 422, description = "`validation_failed`: `details` names each refused line \
            (`items[i].product_id`: not sold in this order, or named twice; `items[i].quantity`: more than are \
            still out). `refund_exceeds_captured`: `refund_paise` is more than can still be refunded, or \
            nothing was paid online. Nothing changed.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_record_return", skip_all, fields(order = %id))]
pub async fn record_return(
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: ValidJson<NewReturn>,
    orders: web::Data<OrdersService>,
) -> Result<HttpResponse, ApiError> {
    let request = ReturnRequest::from_wire(body.0)?;
    let recorded = orders.record_return(id.into_inner(), &request, admin.admin.id, &admin.recorder).await?;
    Ok(HttpResponse::Created().json(recorded.to_wire()))
}

/// Refund an order.
///
/// Refunds `amount_paise` of the order's online payment, or everything not yet refunded
/// (or being refunded) when it is absent. Refunds add up and never pass what the payment
/// captured, however many are asked for at once. The refund is sent to Razorpay at once:
/// `sent` when Razorpay takes it, `processed` when it reports the money back (a refund
/// Razorpay refuses or reports failed is `failed`, no longer counts, and flags the order).
/// A cancelled or returned order becomes `refunded` once everything captured is back.
///
/// Needs an `Idempotency-Key`: the same body with the same key is answered with the first
/// answer, without refunding again.
#[utoipa::path(
    post, path = "/api/v1/admin/orders/{id}/refund", tag = "admin-orders", operation_id = "refund_order",
    params(
        ("id" = Uuid, Path, description = "The order."),
        ("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$",
            description = "1 to 255 visible characters, new for each refund, sent again unchanged when the \
                request is retried."),
    ),
    request_body = NewRefund,
    responses(
        (status = 201, description = "The refund, or the first answer for this `Idempotency-Key`, replayed.",
            body = RefundWire),
        (status = 400, description = "`bad_request`: no `Idempotency-Key`, or one that is not 1 to 255 visible \
            characters.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such order.", body = ErrorEnvelope),
        (status = 409, description = "`idempotency_in_progress`: the first request with this key is still \
            running.", body = ErrorEnvelope),
        (status = 422, description = "`refund_exceeds_captured`: more than can still be refunded \
            (`refundable_paise` says how much can), or nothing was paid online (`details` names \
            `amount_paise`). `idempotency_key_reused`: the key was used with another body. \
            `validation_failed`: a refused field.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_refund_order", skip_all, fields(order = %id))]
pub async fn refund(
    request: HttpRequest,
    admin: AuditedAdmin,
    id: web::Path<Uuid>,
    body: ValidJson<NewRefund>,
    orders: web::Data<OrdersService>,
    idempotency: web::Data<Idempotency>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    if body.0.reason.trim().is_empty() {
        return Err(InvalidInput::field("reason", "must not be blank").into());
    }
    let (status, answer) =
        admin_refund::refund_order(&orders, &idempotency, &admin, id.into_inner(), &key, body.0).await?;
    Ok(HttpResponse::build(status).json(answer))
}

/// Cancel orders in bulk.
///
/// Each order (1 to 100) is cancelled on its own, as `POST /admin/orders/{id}/status`
/// with `cancelled` would: held stock released, sold stock restocked, paid orders refunded
/// in full. One order's refusal never holds back the others: the answer says, for each
/// order in the order given, `cancelled`, `not_found`, `invalid_transition` (shipped or
/// later, or cancelled already) or `error` (unchanged; try it again).
#[utoipa::path(
    post, path = "/api/v1/admin/orders/bulk-cancel", tag = "admin-orders", operation_id = "bulk_cancel_orders",
    request_body = BulkCancel,
    responses(
        (status = 200, description = "What became of each order.", body = BulkCancelResult),
        (status = 422, description = "`validation_failed`: no orders or more than 100, an order named twice \
            (`details` names `order_ids[i]`), or a blank reason.", body = ErrorEnvelope),
    ),
    security(("bearer" = ["admin"])),
)]
#[tracing::instrument(name = "route.admin_bulk_cancel", skip_all)]
pub async fn bulk_cancel(
    admin: AuditedAdmin,
    body: ValidJson<BulkCancel>,
    orders: web::Data<OrdersService>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let mut errors = Vec::new();
    for (i, id) in body.order_ids.iter().enumerate() {
        if body.order_ids[..i].contains(id) {
            errors.push(FieldError::new(format!("order_ids[{i}]"), "is named more than once"));
        }
    }
    let reason = body.reason.trim();
    if reason.is_empty() {
        errors.push(FieldError::new("reason", "must not be blank"));
    }
    if !errors.is_empty() {
        return Err(InvalidInput(errors).into());
    }
    let outcomes = orders.bulk_cancel(&body.order_ids, reason, &admin.recorder).await;
    let items = outcomes
        .into_iter()
        .map(|(id, outcome)| BulkCancelItem {
            id,
            outcome: match outcome {
                BulkCancelOutcome::Cancelled => OutcomeWire::Cancelled,
                BulkCancelOutcome::NotFound => OutcomeWire::NotFound,
                BulkCancelOutcome::InvalidTransition => OutcomeWire::InvalidTransition,
                BulkCancelOutcome::Failed => OutcomeWire::Error,
            },
        })
        .collect();
    Ok(HttpResponse::build(StatusCode::OK).json(BulkCancelResult { items }))
}
