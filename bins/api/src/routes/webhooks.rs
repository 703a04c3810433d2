//! `POST /api/v1/webhooks/razorpay`: Razorpay's signed events.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use payments_razorpay::{Intake, WebhookError, WebhookIntake};
use serde_json::json;
use sqlx::PgPool;

use orders::payments::FollowUp;

use crate::app::webhook_intake::{self, Delivery};
use crate::error::ApiError;
use crate::state::OrdersService;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Verifies the signature over the raw bytes (before anything reads them), stores the
/// event once by `X-Razorpay-Event-Id`, and records the payment or refund it carries, in
/// one transaction. 200 for a new event and for one already seen (so Razorpay stops
/// resending it); 400 `webhook_signature_invalid` with nothing stored. Every outcome is
/// counted in `webhooks_total`.
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
