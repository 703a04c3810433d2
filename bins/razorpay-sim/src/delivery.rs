//! Webhook delivery: sign each event's body with the webhook secret, post it with
//! `X-Razorpay-Signature` and `X-Razorpay-Event-Id`, retry anything but 2xx with doubling
//! pauses (a bounded number of times), and log every attempt for `GET /_sim/webhooks`.

use std::sync::Arc;
use std::time::Duration;

use payments_razorpay::signature::sign;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::books::EventToSend;
use crate::ids::new_id;
use crate::{Shared, unix_now};

/// How the events of one payment are delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliverMode {
    #[default]
    Normal,
    /// Each event twice, with the same event id.
    Twice,
    /// Not at all (the store must find out by asking).
    None,
    /// The body is changed after signing.
    Tamper,
    /// Last event first.
    Reversed,
}

/// One delivery of one event, with every attempt made.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub event_id: String,
    pub event: String,
    pub razorpay_order_id: Option<String>,
    pub razorpay_payment_id: Option<String>,
    pub tampered: bool,
    pub delivered: bool,
    pub attempts: Vec<AttemptRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AttemptRecord {
    /// The HTTP status the store answered, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at: i64,
}

/// Webhooks wait at most this long for the store's answer, as Razorpay's do.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// Delivers `events` in the background, after `delay`.
pub fn spawn_delivery(shared: Arc<Shared>, mut events: Vec<EventToSend>, mode: DeliverMode, delay: Duration) {
    if mode == DeliverMode::None || events.is_empty() {
        return;
    }
    if mode == DeliverMode::Reversed {
        events.reverse();
    }
    let copies = if mode == DeliverMode::Twice { 2 } else { 1 };
    actix_web::rt::spawn(async move {
        tokio::time::sleep(delay).await;
        for event in events {
            let event_id = new_id("evt");
            let (body, signature) = signed_body(&shared, &event, mode == DeliverMode::Tamper);
            for _ in 0..copies {
                deliver(&shared, &event, &event_id, &body, &signature, mode == DeliverMode::Tamper).await;
            }
        }
    });
}

/// The envelope as bytes and its signature; with `tamper`, the bytes are changed after
/// signing (the payment's amount goes up by ₹1), so the signature no longer matches.
fn signed_body(shared: &Shared, event: &EventToSend, tamper: bool) -> (Vec<u8>, String) {
    let mut envelope = json!({
        "entity": "event",
        "account_id": shared.settings.account_id,
        "event": event.event,
        "contains": event.contains(),
        "payload": event.payload,
        "created_at": unix_now(),
    });
    let body = serde_json::to_vec(&envelope).expect("a JSON value serialises");
    let signature = sign(shared.settings.webhook_secret.as_bytes(), &body);
    if !tamper {
        return (body, signature);
    }
    for entity in ["payment", "refund"] {
        if let Some(amount) = envelope.pointer_mut(&format!("/payload/{entity}/entity/amount")) {
            *amount = json!(amount.as_i64().unwrap_or(0) + 100);
            break;
        }
    }
    let mut tampered = serde_json::to_vec(&envelope).expect("a JSON value serialises");
    if tampered == body {
        tampered.push(b' ');
    }
    (tampered, signature)
}

async fn deliver(shared: &Shared, event: &EventToSend, event_id: &str, body: &[u8], signature: &str, tampered: bool) {
    let Some(url) = shared.webhook_url() else {
        tracing::info!(event = event.event, "no webhook URL set; not delivered");
        return;
    };
    let payment = event.payload.pointer("/payment/entity");
    let record = DeliveryRecord {
        event_id: event_id.to_owned(),
        event: event.event.to_owned(),
        razorpay_order_id: payment.and_then(|p| p.get("order_id")).and_then(Value::as_str).map(str::to_owned),
        razorpay_payment_id: payment.and_then(|p| p.get("id")).and_then(Value::as_str).map(str::to_owned),
        tampered,
        delivered: false,
        attempts: Vec::new(),
    };
    let index = shared.log_delivery(record);
    let mut pause = shared.settings.first_retry_pause;
    for attempt in 1..=shared.settings.delivery_attempts {
        let answer = shared
            .http
            .post(&url)
            .timeout(ANSWER_TIMEOUT)
            .header("content-type", "application/json")
            .header("x-razorpay-signature", signature)
            .header("x-razorpay-event-id", event_id)
            .body(body.to_vec())
            .send()
            .await;
        let (status, error) = match answer {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(error) => (None, Some(error.without_url().to_string())),
        };
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        shared.log_attempt(index, AttemptRecord { status, error, at: unix_now() }, delivered);
        if delivered {
            return;
        }
        tracing::info!(event = event.event, event_id, attempt, ?status, "webhook not accepted");
        if attempt < shared.settings.delivery_attempts {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
}
