//! `POST /api/v1/webhooks/razorpay`: Razorpay's signed events.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use orders::payments::FollowUp;
use payments_razorpay::{Intake, WebhookError, WebhookIntake};
use serde_json::json;
use sqlx::PgPool;
use utoipa::OpenApi;

use crate::app::webhook_intake::{self, Delivery};
use crate::error::ApiError;
use crate::state::OrdersService;

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(razorpay))]
pub struct Api;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Receive a Razorpay webhook (called by Razorpay, not by storefronts).
///
/// Verifies the signature over the raw bytes (before anything reads them), stores the
/// event once by `X-Razorpay-Event-Id`, and records the payment or refund it carries, in
/// one transaction. An event of a type already received for the same payment (or refund)
/// under another event id is a replay: acknowledged, not applied again. 200 for a new
/// event and for one already seen (`outcome: already_seen`, so Razorpay stops resending
/// it); 400 `webhook_signature_invalid` with nothing stored. Handles
/// `payment.authorized` (captured), `payment.captured` and `order.paid` (the order is
/// paid), `payment.failed`, `refund.processed` and `refund.failed`; other events are stored
/// and acknowledged. An amount or currency that does not match the order never pays it: it
/// is recorded and flagged for an admin. Every outcome is counted in `webhooks_total`.
#[utoipa::path(
    post, path = "/api/v1/webhooks/razorpay", tag = "webhooks", operation_id = "receive_razorpay_webhook",
    params(
        ("X-Razorpay-Signature" = String, Header,
            description = "Hex HMAC-SHA256 of the raw body with the webhook secret."),
        ("X-Razorpay-Event-Id" = String, Header,
            description = "Razorpay's id of the event (1 to 100 visible characters); an id already seen is \
                acknowledged and not applied again."),
    ),
    request_body(content = Object, content_type = "application/json",
        description = "A Razorpay webhook event, as Razorpay documents it (`{entity: \"event\", event, \
            payload: {payment | refund | order: {entity: {...}}}, created_at}`), checked byte for byte \
            against the signature.",
        example = json!({"entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": "payment.captured",
            "contains": ["payment"], "created_at": 1_764_150_000,
            "payload": {"payment": {"entity": {"id": "pay_OeHQm2xMv4fXkQ", "entity": "payment", "amount": 1_179_882,
                "currency": "INR", "status": "captured", "order_id": "order_OeHQfN9cZ2vYtB", "method": "upi",
                "captured": true, "created_at": 1_764_149_990}}}})),
    responses(
        (status = 200, description = "Processed now (`outcome: processed`), or received before \
            (`outcome: already_seen`).", body = Object,
            example = json!({"event_id": "evt_OeHQjC4PS1tM1Z", "outcome": "processed"})),
        (status = 400, description = "`webhook_signature_invalid`: the signature is missing or does not sign \
            the body; `bad_request`: `X-Razorpay-Event-Id` is missing or not valid, or the signed body is not \
            a Razorpay event (`details` says what). Nothing is stored.", body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "webhooks.razorpay", skip_all)]
pub async fn razorpay(
    request: HttpRequest,
    body: web::Bytes,
    pool: web::Data<PgPool>,
    intake: web::Data<WebhookIntake>,
    orders: web::Data<OrdersService>,
) -> Result<HttpResponse, ApiError> {
    let headers = request.headers();
    let delivery = Delivery {
        body: &body,
        signature: header(headers, "x-razorpay-signature"),
        event_id: header(headers, "x-razorpay-event-id"),
    };
    let received = webhook_intake::receive(&pool, &intake, &orders, delivery).await;
    metrics::counter!("webhooks_total", "provider" => "razorpay", "outcome" => outcome_label(&received)).increment(1);
    let (received, follow_up) = received?;
    orders.follow_up(follow_up).await;
    let answer = match received {
        Intake::New(received) => {
            tracing::info!(event_id = %received.event_id, event_type = %received.event_type, "webhook processed");
            json!({ "event_id": received.event_id, "outcome": "processed" })
        }
        Intake::AlreadySeen { event_id } => {
            tracing::info!(%event_id, "webhook already seen");
            json!({ "event_id": event_id, "outcome": "already_seen" })
        }
    };
    Ok(HttpResponse::Ok().json(answer))
}

fn outcome_label(received: &Result<(Intake, FollowUp), WebhookError>) -> &'static str {
    match received {
        Ok((Intake::New(_), _)) => "processed",
        Ok((Intake::AlreadySeen { .. }, _)) => "already_seen",
        Err(WebhookError::InvalidSignature) => "signature_invalid",
        Err(WebhookError::MissingEventId | WebhookError::Malformed(_)) => "malformed",
        Err(WebhookError::Unexpected(_)) => "error",
    }
}
