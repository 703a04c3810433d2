//! `POST /api/v1/webhooks/razorpay`: Razorpay's signed events.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context as _;
use payments_razorpay::{Intake, WebhookError, WebhookIntake};
use serde_json::json;
use sqlx::PgPool;

use orders::payments::FollowUp;

use crate::adapters::payment_news;
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
    let received = receive(
        &pool,
        &intake,
        &orders,
        &body,
        header(headers, "x-razorpay-signature"),
        header(headers, "x-razorpay-event-id"),
    )
    .await;
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

/// Stores the event and acts on it (an order paid, failed, …) in one transaction: if
/// acting fails, nothing is stored and Razorpay's next delivery tries again. Gateway
/// work the event calls for (a capture, a refund) is returned, to be done after commit.
async fn receive(
    pool: &PgPool,
    intake: &WebhookIntake,
    orders: &OrdersService,
    body: &[u8],
    signature: Option<&str>,
    event_id: Option<&str>,
) -> Result<(Intake, FollowUp), WebhookError> {
    // Checked before a connection is taken: forged deliveries cost no database work.
    intake.verify(body, signature)?;
    let mut tx = pool.begin().await.context("starting a webhook transaction")?;
    let received = intake.receive(&mut tx, body, signature, event_id).await?;
    let follow_up = match &received {
        Intake::New(event) => match payment_news(&event.event) {
            Some(news) => orders.apply_payment_news(&mut tx, &news).await?,
            None => FollowUp::default(),
        },
        Intake::AlreadySeen { .. } => FollowUp::default(),
    };
    tx.commit().await.context("committing a webhook")?;
    Ok((received, follow_up))
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
