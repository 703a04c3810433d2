//! Razorpay's own routes, under `/v1`: Basic auth, the fault in force, then the books.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use payments_razorpay::entities::{Collection, error_codes};
use serde::Serialize;
use serde_json::Value;

use crate::books::{EventToSend, Refusal};
use crate::control::Fault;
use crate::delivery::{DeliverMode, spawn_delivery};
use crate::{Shared, lock, unix_now};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/v1")
            .route("/orders", web::post().to(create_order))
            .route("/orders/{id}", web::get().to(fetch_order))
            .route("/orders/{id}/payments", web::get().to(fetch_order_payments))
            .route("/payments/{id}", web::get().to(fetch_payment))
            .route("/payments/{id}/capture", web::post().to(capture))
            .route("/payments/{id}/refund", web::post().to(refund))
            .route("/payments/{id}/refunds", web::get().to(fetch_payment_refunds))
            .route("/refunds/{id}", web::get().to(fetch_refund))
            .default_service(web::to(unknown_route)),
    );
}

pub fn refusal_response(refusal: &Refusal) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST)).json(&refusal.body)
}

fn answer<T: Serialize>(result: Result<T, Refusal>) -> HttpResponse {
    match result {
        Ok(entity) => HttpResponse::Ok().json(entity),
        Err(refusal) => refusal_response(&refusal),
    }
}

/// Answers with the entity, and delivers the webhooks the change caused, as Razorpay does
/// for captures and refunds made through the API.
fn answer_and_deliver<T: Serialize>(
    shared: &web::Data<Shared>,
    changed: Result<(T, Vec<EventToSend>), Refusal>,
) -> HttpResponse {
    answer(changed.map(|(entity, events)| {
        spawn_delivery(shared.clone().into_inner(), events, DeliverMode::Normal, Duration::ZERO);
        entity
    }))
}

/// Logs the request, applies the fault in force, and checks the API keys. `Err` is the
/// answer to give instead of the real one.
async fn admit(shared: &Shared, request: &HttpRequest) -> Result<(), HttpResponse> {
    lock(&shared.requests).push(format!("{} {}", request.method(), request.path()));
    let fault = *lock(&shared.fault);
    let refund = request.path().ends_with("/refund");
    match fault {
        Fault::None | Fault::RefundsLost | Fault::RefundsFailLater | Fault::RefundsFailSilently => {}
        Fault::Refunds500 | Fault::RefundsRefused if !refund => {}
        Fault::Slow { delay_ms } => tokio::time::sleep(Duration::from_millis(delay_ms)).await,
        Fault::Error500 | Fault::Refunds500 => return Err(server_error()),
        Fault::RefundsRefused => return Err(refusal_response(&Refusal::bad_request(NO_BALANCE, None))),
        Fault::Auth401 => return Err(authentication_failed()),
    }
    if has_the_api_keys(shared, request) { Ok(()) } else { Err(authentication_failed()) }
}

/// Razorpay's refusal of a refund the merchant's balance cannot cover.
const NO_BALANCE: &str = "Your account does not have enough balance to carry out the refund operation.";

fn server_error() -> HttpResponse {
    refusal_response(&Refusal::new(
        500,
        error_codes::SERVER,
        "We are facing some trouble completing your request at the moment. Please try again shortly.",
        None,
    ))
}

fn has_the_api_keys(shared: &Shared, request: &HttpRequest) -> bool {
    let expected = format!("{}:{}", shared.settings.key_id, shared.settings.key_secret);
    request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .is_some_and(|decoded| decoded == expected.as_bytes())
}

fn authentication_failed() -> HttpResponse {
    let mut refusal = Refusal::new(401, error_codes::BAD_REQUEST, "Authentication failed", None);
    refusal.body.error.source = None;
    refusal.body.error.step = None;
    refusal.body.error.reason = None;
    refusal_response(&refusal)
}

fn json_body(body: &[u8]) -> Result<Value, Refusal> {
    if body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(Refusal::bad_request("The request body must be a JSON object.", None)),
    }
}

async fn create_order(shared: web::Data<Shared>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(json_body(&body).and_then(|body| shared.books().create_order(&body, unix_now())))
}

async fn fetch_order(shared: web::Data<Shared>, request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(shared.books().order(&id))
}

async fn fetch_order_payments(shared: web::Data<Shared>, request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(shared.books().order_payments(&id).map(Collection::of))
}

async fn fetch_payment(shared: web::Data<Shared>, request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(shared.books().payment(&id))
}

async fn fetch_payment_refunds(shared: web::Data<Shared>, request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(shared.books().payment_refunds(&id).map(Collection::of))
}

async fn fetch_refund(shared: web::Data<Shared>, request: HttpRequest, id: web::Path<String>) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    answer(shared.books().refund_entity(&id))
}

async fn capture(
    shared: web::Data<Shared>,
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    let captured = json_body(&body).and_then(|body| shared.books().capture(&id, &body));
    answer_and_deliver(&shared, captured)
}

async fn refund(
    shared: web::Data<Shared>,
    request: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    let fault = *lock(&shared.fault);
    let fail_later = matches!(fault, Fault::RefundsFailLater | Fault::RefundsFailSilently);
    let refunded = json_body(&body).and_then(|body| shared.books().refund(&id, &body, unix_now(), fail_later));
    let answer = if fault == Fault::RefundsFailSilently {
        answer(refunded.map(|(refund, _)| refund))
    } else {
        answer_and_deliver(&shared, refunded)
    };
    if *lock(&shared.fault) == Fault::RefundsLost && answer.status().is_success() {
        return server_error();
    }
    answer
}

async fn unknown_route(shared: web::Data<Shared>, request: HttpRequest) -> HttpResponse {
    if let Err(response) = admit(&shared, &request).await {
        return response;
    }
    refusal_response(&Refusal::bad_request("The requested URL was not found on the server.", None))
}
