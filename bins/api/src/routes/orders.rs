//! `/api/v1/orders`: checkout, payment verification and retries, cancellation, and the
//! customer's own orders.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::orders::{
    CancelOrder, Order as OrderWire, PlaceOrder as PlaceOrderWire, PlacedOrder as PlacedOrderWire, VerifyPayment,
};
use api_types::page::PageParams;
use idempotency::Idempotency;
use kernel::Limit;
use serde_json::json;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::app::checkout;
use crate::app::idempotent::idempotent;
use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::{NoFields, OptionalValidJson, Query, ValidJson};
use crate::http::idempotency_key::idempotency_key;
use crate::http::pagination::cursor_unless_blank;
use crate::state::{AddressService, OrdersService};
use crate::views::ToWire;
use crate::views::order::placed_json;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(place, retry_payment, verify_payment, cancel, get, list))]
pub struct Api;

// The wire's limit on a line is the domain's.
const _: () = assert!(api_types::cart::MAX_LINE_QUANTITY == orders::cart::MAX_LINE_QUANTITY);

/// Place an order.
///
/// Checks out the `items` given, or the cart when there are none (the cart is emptied once
/// the order is placed). The server prices everything itself, checks the coupon, and holds
/// the stock of every line at once, or of none.
///
/// - `razorpay`: the order is `payment_pending` and its stock is held until
///   `reservation_expires_at` (15 minutes by default); open Razorpay's checkout with
///   `payment`, then send its answer to `POST /orders/{id}/payment/verify`.
/// - `cod`: the order is `confirmed` at once and `payment` is `null`. It needs a shipping
///   address and a total of at most `cod_max_paise` (₹50,000 by default).
///
/// Limits: an order names each product once, holds at most 10 units a line and
/// `max_units_per_order` (20 by default) in all; a customer may have at most
/// `max_pending_orders` (3 by default) orders waiting for payment.
///
/// Needs an `Idempotency-Key`: sending the same body with the same key again is answered
/// with the first answer (the same status and body) without placing another order.
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders", operation_id = "place_order",
    params(("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$",
        description = "1 to 255 visible characters, new for each order (a UUID, say), sent again unchanged \
            when the request is retried.")),
    request_body = PlaceOrderWire,
    responses(
        (status = 201, description = "The order was placed, or the first answer for this `Idempotency-Key` \
            is replayed (the same status and body).", body = PlacedOrderWire),
        (status = 400, description = "`bad_request`: no `Idempotency-Key`, or one that is not 1 to 255 visible \
            characters (`details` names the header); or a body that is not JSON.", body = ErrorEnvelope),
        (status = 409, description = "`out_of_stock`: some lines cannot be had in the quantity asked for; \
            `details` names each line (`items[i]`) and `shortages` gives `{product_id, requested, available}`; \
            nothing is held. `conflict`: the stock changed while it was being held; nothing is held; send \
            the request again (`Retry-After`). `idempotency_in_progress`: the first request with this \
            `Idempotency-Key` is still running. `pending_orders_limit`: you have `max_pending_orders` orders \
            waiting for payment already (paid online); pay or cancel one first; nothing is held.",
            body = ErrorEnvelope),
        (status = 422, description = "`cart_empty`: no `items` and an empty cart. `coupon_invalid`, \
            `coupon_expired`, `coupon_min_order_not_met`, `coupon_usage_exhausted`: the coupon does not \
            apply (`details` names `coupon_code`). `cod_not_available`: cash on delivery needs a shipping \
            address (`details` names `shipping_address`), a total of at most `cod_max_paise` and fewer than \
            `max_open_cod_orders` cash-on-delivery orders open (not yet delivered; `details` names `payment_method`). `idempotency_key_reused`: this `Idempotency-Key` was used \
            with another body. `validation_failed`: `details` names each refused field (a product not for \
            sale, or named by an earlier line, as `items[i].product_id`; more than `max_units_per_order` \
            units in all as `items`; an `address_id` that is not yours, a total below ₹1.00 paid \
            online as `payment_method`, `shipping_address.*` …). Nothing is held.", body = ErrorEnvelope),
        (status = 502, description = "`payment_gateway_unavailable`: Razorpay could not be reached to open \
            the payment; nothing is held. Send the request again shortly.", body = ErrorEnvelope),
        (status = 503, description = "`service_unavailable`: checkout is busy (no turn within \
            `checkout_turn_wait_ms`) or the database is unavailable; nothing is placed. Send the request \
            again after `Retry-After` seconds.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "orders.place", skip_all, fields(user = %user.id))]
pub async fn place(
    request: HttpRequest,
    user: AuthUser,
    orders: web::Data<OrdersService>,
    addresses: web::Data<AddressService>,
    idempotency: web::Data<Idempotency>,
    body: ValidJson<PlaceOrderWire>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let (status, answer) = checkout::place_order(&orders, &addresses, &idempotency, user.id, &key, body.0).await?;
    Ok(HttpResponse::build(status).json(answer))
}

/// Pay for an order again.
///
/// For a `payment_failed` order, or one cancelled because its reservation expired unpaid,
/// within `retry_window_hours` (24 by default) of placing it: re-checks that every product
/// is still for sale and that the coupon still applies, holds its stock and coupon again
/// and opens a new Razorpay payment (`payment`), at the order's price. It counts towards
/// `max_pending_orders`. An order still `payment_pending` is answered with its current
/// payment. No body is needed (an empty object is taken).
///
/// Needs an `Idempotency-Key`: a repeat with the same key is answered with the first
/// answer without opening another payment.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/payment/retry", tag = "orders", operation_id = "retry_payment",
    params(
        ("id" = Uuid, Path, description = "The order."),
        ("Idempotency-Key" = String, Header, min_length = 1, max_length = 255, pattern = "^[!-~]+$",
            description = "1 to 255 visible characters, new for each attempt, sent again unchanged when the \
                request is retried."),
    ),
    responses(
        (status = 200, description = "The order, `payment_pending` again, with its new payment; or the first \
            answer for this `Idempotency-Key`, replayed.", body = PlacedOrderWire),
        (status = 400, description = "`bad_request`: no `Idempotency-Key`, or one that is not 1 to 255 visible \
            characters; or a body that is not a JSON object.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: the order cannot be paid again (it is paid, \
            shipped, cancelled by the customer or an admin, or paid cash on delivery …). `out_of_stock`: \
            its stock is gone (`shortages`). `conflict`: the stock changed meanwhile; send the request \
            again (`Retry-After`). `idempotency_in_progress`: the first request with this key is still \
            running. `pending_orders_limit`: you have `max_pending_orders` orders waiting for payment \
            already; nothing is held.", body = ErrorEnvelope),
        (status = 422, description = "`coupon_invalid` (deactivated or deleted), `coupon_expired`, \
            `coupon_min_order_not_met`, `coupon_usage_exhausted`: the order's coupon no longer applies \
            (`details` names `coupon_code`). `validation_failed`: the retry window has closed (`details` \
            names `id`), or a product is no longer for sale (`details` names `items[i].product_id`). \
            `idempotency_key_reused`: this key was used for another order. Nothing is held; place a new \
            order instead.", body = ErrorEnvelope),
        (status = 502, description = "`payment_gateway_unavailable`: Razorpay could not be reached; send \
            the request again shortly.", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
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
        Ok((StatusCode::OK, placed_json(placed)?))
    })
    .await?;
    Ok(HttpResponse::build(status).json(answer))
}

/// Confirm an online payment.
///
/// Send what Razorpay's checkout handed its `handler`. When the signature matches, the
/// order is `paid`. A payment whose amount or currency is not the order's is never
/// captured: it is flagged for the store, and the order is answered unpaid. Razorpay's webhook confirms the payment too, so a customer who closes
/// the page after paying still has a paid order.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/payment/verify", tag = "orders", operation_id = "verify_payment",
    params(("id" = Uuid, Path, description = "The order.")),
    request_body = VerifyPayment,
    responses(
        (status = 200, description = "The order: `paid`; or still `payment_pending` when the payment is \
            not settled yet or its amount or currency is not the order's (then flagged, never captured).",
            body = OrderWire),
        (status = 400, description = "`payment_signature_invalid`: the signature does not sign these ids, \
            or they are not this order's payment; nothing changes. (`bad_request`: a body that is not \
            JSON.)", body = ErrorEnvelope),
        (status = 502, description = "`payment_gateway_unavailable`: Razorpay could not be reached to \
            confirm the payment; it will be confirmed automatically (by its webhook).", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "orders.verify_payment", skip_all, fields(user = %user.id))]
pub async fn verify_payment(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: ValidJson<VerifyPayment>,
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
    Ok(HttpResponse::Ok().json(order.to_wire()))
}

/// Cancel an order.
///
/// Allowed until the order is shipped. Its held stock is let go (or restocked), and a paid
/// order is refunded in full through Razorpay. The body is optional.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/cancel", tag = "orders", operation_id = "cancel_order",
    params(("id" = Uuid, Path, description = "The order.")),
    request_body(content = Option<CancelOrder>, description = "Optional: why.", content_type = "application/json"),
    responses(
        (status = 200, description = "The order, cancelled.", body = OrderWire),
        (status = 409, description = "`invalid_transition`: the order can no longer be cancelled (it is \
            shipped, delivered, already cancelled …).", body = ErrorEnvelope),
    ),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "orders.cancel", skip_all, fields(user = %user.id))]
pub async fn cancel(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
    body: OptionalValidJson<CancelOrder>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.and_then(|body| body.reason).filter(|reason| !reason.trim().is_empty());
    let order = orders.cancel(user.id, order_id.into_inner(), reason.as_deref()).await?;
    Ok(HttpResponse::Ok().json(order.to_wire()))
}

/// One of your orders.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", tag = "orders", operation_id = "get_order",
    params(("id" = Uuid, Path, description = "The order.")),
    responses((status = 200, description = "The order.", body = OrderWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "orders.get", skip_all, fields(user = %user.id))]
pub async fn get(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    order_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let order = orders.get_for(user.id, order_id.into_inner()).await?.ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().json(order.to_wire()))
}

/// Your orders, newest first.
#[utoipa::path(
    get, path = "/api/v1/orders", tag = "orders", operation_id = "list_orders",
    params(PageParams),
    responses((status = 200, description = "A page of your orders.", body = api_types::Page<OrderWire>)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "orders.list", skip_all, fields(user = %user.id))]
pub async fn list(
    user: AuthUser,
    orders: web::Data<OrdersService>,
    params: Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = Limit::new(params.limit)?;
    let cursor = cursor_unless_blank(params.cursor);
    let page = orders.list_for(user.id, limit, cursor.as_ref()).await?;
    Ok(HttpResponse::Ok().json(page.to_wire()))
}
