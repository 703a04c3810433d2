//! The simulator's own routes, under `/_sim/`: the customer in the checkout window, and
//! outages on demand.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use payments_razorpay::signature::sign_checkout;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::refusal_response;
use crate::books::{Outcome, Refusal, checkout_error};
use crate::delivery::{DeliverMode, spawn_delivery};
use crate::{Shared, lock, unix_now};

/// How the API misbehaves, for fault tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fault {
    #[default]
    None,
    /// Every answer waits this long first.
    Slow { delay_ms: u64 },
    /// Every call fails with 500 `SERVER_ERROR`.
    #[serde(rename = "error_500")]
    Error500,
    /// Every call fails with 401, as with wrong keys.
    #[serde(rename = "auth_401")]
    Auth401,
    /// Refund calls fail with 500 and refund nothing; other calls work.
    #[serde(rename = "refunds_500")]
    Refunds500,
    /// Refund calls refund (and send their webhooks) but answer 500, as when the
    /// answer is lost on the way back; other calls work.
    RefundsLost,
    /// Refund calls are refused with 400, as when the merchant's balance cannot cover
    /// them, and refund nothing; other calls work.
    RefundsRefused,
    /// Refund calls are accepted (`pending`), then fail: `refund.created` and
    /// `refund.failed` are delivered and the payment keeps its money, as when the bank
    /// bounces a refund; other calls work.
    RefundsFailLater,
    /// As `RefundsFailLater`, but no webhook is delivered: the store must find out by
    /// asking (`GET /v1/refunds/:id`).
    RefundsFailSilently,
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/_sim")
            .route("/health", web::get().to(health))
            .route("/orders/{id}/pay", web::post().to(pay))
            .route("/payments/{id}/authorize", web::post().to(authorize_late))
            .route("/faults", web::post().to(set_fault))
            .route("/webhooks", web::get().to(webhooks))
            .route("/requests", web::get().to(requests)),
    );
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OutcomeField {
    Success,
    Failure,
    Authorize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PayRequest {
    outcome: OutcomeField,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    deliver: DeliverMode,
    #[serde(default)]
    delay_ms: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryRequest {
    #[serde(default)]
    deliver: DeliverMode,
    #[serde(default)]
    delay_ms: u64,
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body)
        .map_err(|error| Refusal::bad_request(format!("Invalid simulator request: {error}"), None))
}

/// `POST /_sim/orders/{id}/pay`: what the checkout handler would receive, then webhooks.
async fn pay(shared: web::Data<Shared>, order_id: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let request: PayRequest = match parse(&body) {
        Ok(request) => request,
        Err(refusal) => return refusal_response(&refusal),
    };
    let outcome = match request.outcome {
        OutcomeField::Success => Outcome::Success,
        OutcomeField::Failure => Outcome::Failure,
        OutcomeField::Authorize => Outcome::Authorize,
    };
    let method = request.method.as_deref().unwrap_or("upi");
    let paid = shared.books().pay(&order_id, outcome, method, unix_now());
    let (payment, events) = match paid {
        Ok(paid) => paid,
        Err(refusal) => return refusal_response(&refusal),
    };
    spawn_delivery(shared.clone().into_inner(), events, request.deliver, Duration::from_millis(request.delay_ms));
    let handler_fields = if outcome == Outcome::Failure {
        json!({
            "razorpay_order_id": order_id.as_str(),
            "razorpay_payment_id": payment.id,
            "error": checkout_error(&payment),
        })
    } else {
        json!({
            "razorpay_order_id": order_id.as_str(),
            "razorpay_payment_id": payment.id,
            "razorpay_signature": sign_checkout(shared.settings.key_secret.as_bytes(), &order_id, &payment.id),
        })
    };
    HttpResponse::Ok().json(handler_fields)
}

/// `POST /_sim/payments/{id}/authorize`: the bank authorises a failed payment late.
async fn authorize_late(shared: web::Data<Shared>, payment_id: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let request: DeliveryRequest = if body.is_empty() {
        DeliveryRequest::default()
    } else {
        match parse(&body) {
            Ok(request) => request,
            Err(refusal) => return refusal_response(&refusal),
        }
    };
    let authorized = shared.books().authorize_late(&payment_id);
    match authorized {
        Ok((payment, events)) => {
            spawn_delivery(
                shared.clone().into_inner(),
                events,
                request.deliver,
                Duration::from_millis(request.delay_ms),
            );
            HttpResponse::Ok().json(payment)
        }
        Err(refusal) => refusal_response(&refusal),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    mode: String,
    #[serde(default)]
    delay_ms: Option<u64>,
}

/// `POST /_sim/faults`.
async fn set_fault(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: FaultRequest = match parse(&body) {
        Ok(request) => request,
        Err(refusal) => return refusal_response(&refusal),
    };
    let fault = match request.mode.as_str() {
        "none" => Fault::None,
        "slow" => Fault::Slow { delay_ms: request.delay_ms.unwrap_or(10_000) },
        "error_500" => Fault::Error500,
        "auth_401" => Fault::Auth401,
        "refunds_500" => Fault::Refunds500,
        "refunds_lost" => Fault::RefundsLost,
        "refunds_refused" => Fault::RefundsRefused,
        "refunds_fail_later" => Fault::RefundsFailLater,
        "refunds_fail_silently" => Fault::RefundsFailSilently,
        other => {
            let refusal = Refusal::bad_request(format!("Unknown fault mode {other:?}"), Some("mode"));
            return refusal_response(&refusal);
        }
    };
    *lock(&shared.fault) = fault;
    HttpResponse::Ok().json(fault)
}

/// `GET /_sim/webhooks`: every delivery and the answers it got.
async fn webhooks(shared: web::Data<Shared>) -> HttpResponse {
    let items = lock(&shared.deliveries).clone();
    HttpResponse::Ok().json(json!({ "items": items }))
}

/// `GET /_sim/requests`: every call made to the Razorpay routes, as `METHOD /path`.
async fn requests(shared: web::Data<Shared>) -> HttpResponse {
    let items = lock(&shared.requests).clone();
    HttpResponse::Ok().json(json!({ "items": items }))
}
