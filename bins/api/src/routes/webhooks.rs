//! `POST /api/v1/webhooks/razorpay`: Razorpay's signed events.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context as _;
use payments_razorpay::{Intake, WebhookError, WebhookIntake};
use serde_json::json;
use sqlx::PgPool;

use crate::error::ApiError;

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
) -> Result<HttpResponse, ApiError> {
    let headers = request.headers();
    let received =
        receive(&pool, &intake, &body, header(headers, "x-razorpay-signature"), header(headers, "x-razorpay-event-id"))
            .await;
    metrics::counter!("webhooks_total", "provider" => "razorpay", "outcome" => outcome_label(&received)).increment(1);
    let answer = match received? {
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

async fn receive(
    pool: &PgPool,
    intake: &WebhookIntake,
    body: &[u8],
    signature: Option<&str>,
    event_id: Option<&str>,
) -> Result<Intake, WebhookError> {
    // Checked before a connection is taken: forged deliveries cost no database work.
    intake.verify(body, signature)?;
    let mut tx = pool.begin().await.context("starting a webhook transaction")?;
    let received = intake.receive(&mut tx, body, signature, event_id).await?;
    tx.commit().await.context("committing a webhook")?;
    Ok(received)
}

fn outcome_label(received: &Result<Intake, WebhookError>) -> &'static str {
    match received {
        Ok(Intake::New(_)) => "processed",
        Ok(Intake::AlreadySeen { .. }) => "already_seen",
        Err(WebhookError::InvalidSignature) => "signature_invalid",
        Err(WebhookError::MissingEventId | WebhookError::Malformed(_)) => "malformed",
        Err(WebhookError::Unexpected(_)) => "error",
    }
}
