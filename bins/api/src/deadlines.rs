//! Deadlines (`[http]`): reading a request body, and the whole request, are bounded.
//!
//! A client trickling its body one byte at a time holds a worker's attention only until
//! `body_read_timeout_ms`; a request still running at `handler_timeout_ms` is dropped
//! (its transaction, if any, rolls back). Either is answered 503 `service_unavailable`.
//! Reading the request line and headers is bounded by Actix itself (`startup.rs`).

use std::cell::Cell;
use std::future::Future as _;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage as _, HttpResponse, ResponseError};
use futures_core::Stream;
use tokio::time::Sleep;

use crate::error::ApiError;
use crate::request_id::{self, RequestId};
use crate::security_headers::SecurityHeaders;

/// A request that ran past its deadline may be sent again in a moment.
const RETRY_AFTER_SECONDS: u64 = 1;

/// The deadlines in force; app data of the public listener.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub body_read: Duration,
    pub handler: Duration,
}

impl Deadlines {
    pub fn new(settings: &crate::configuration::HttpSettings) -> Deadlines {
        Deadlines {
            body_read: Duration::from_millis(settings.body_read_timeout_ms),
            handler: Duration::from_millis(settings.handler_timeout_ms),
        }
    }
}

/// Bounds the reading of the request body: past the deadline the body ends in an error,
/// and whatever the handler made of that is replaced by a 503. Runs inside the
/// request-context middleware, which writes the envelope.
pub async fn bound_body_read(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(deadlines) = request.app_data::<Deadlines>().copied() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let payload = request.take_payload();
    if matches!(payload, Payload::None) {
        request.set_payload(payload);
        return Ok(next.call(request).await?.map_into_boxed_body());
    }
    let expired = Rc::new(Cell::new(false));
    let bounded = BoundedBody {
        body: payload,
        deadline: Box::pin(tokio::time::sleep(deadlines.body_read)),
        expired: Rc::clone(&expired),
        done: false,
    };
    request.set_payload(Payload::Stream { payload: Box::pin(bounded) });
    let response = next.call(request).await?;
    if !expired.get() {
        return Ok(response.map_into_boxed_body());
    }
    tracing::warn!(deadline_ms = deadlines.body_read.as_millis(), "a request body was not sent in time; answered 503");
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::from_err(ApiError::service_unavailable("The request body was not received in time."), request))
}

/// A body that ends with an error once its deadline passes.
struct BoundedBody {
    body: Payload,
    deadline: Pin<Box<Sleep>>,
    expired: Rc<Cell<bool>>,
    done: bool,
}

impl Stream for BoundedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(chunk) = Pin::new(&mut self.body).poll_next(cx) {
            self.done = chunk.is_none();
            return Poll::Ready(chunk);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.done = true;
            self.expired.set(true);
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body was not received in time");
            return Poll::Ready(Some(Err(PayloadError::Io(late))));
        }
        Poll::Pending
    }
}

/// Bounds the whole request. Runs outside every other middleware but the log span's, so
/// its 503 is written here, whole: the envelope, the request id and the security headers
/// (a request dropped mid-way cannot be handed to them).
pub async fn bound_request(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(deadlines) = request.app_data::<Deadlines>().copied() else {
        return Ok(next.call(request).await?.map_into_boxed_body());
    };
    let late = RequestTooSlow {
        request_id: request.extensions().get::<RequestId>().cloned(),
        security: request.app_data::<SecurityHeaders>().cloned(),
        method: request.method().clone(),
        path: request.path().to_owned(),
    };
    match tokio::time::timeout(deadlines.handler, next.call(request)).await {
        Ok(response) => Ok(response?.map_into_boxed_body()),
        Err(_) => {
            tracing::warn!(
                deadline_ms = deadlines.handler.as_millis(),
                "a request ran past its deadline; answered 503"
            );
            // The route is not known here (the request went down with the handler).
            let status = StatusCode::SERVICE_UNAVAILABLE;
            crate::metrics::record_request(late.method.as_str(), "deadline_exceeded", status, deadlines.handler);
            Err(late.into())
        }
    }
}

/// The answer to a request dropped at its deadline.
#[derive(Debug)]
struct RequestTooSlow {
    request_id: Option<RequestId>,
    security: Option<SecurityHeaders>,
    method: actix_web::http::Method,
    path: String,
}

impl std::fmt::Display for RequestTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request ran past its deadline")
    }
}

impl ResponseError for RequestTooSlow {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = self.request_id.as_ref().map_or("", RequestId::as_str);
        let envelope = ApiError::service_unavailable(
            "The request took too long; it may still have been carried out. Retry it with the same Idempotency-Key, if it had one.",
        ).envelope(request_id);
        let mut response = HttpResponse::ServiceUnavailable()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json")))
            .insert_header((header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS)))
            .body(envelope.to_string());
        if let Some(id) = self.request_id.as_ref().and_then(|id| HeaderValue::from_str(id.as_str()).ok()) {
            response.headers_mut().insert(HeaderName::from_static(request_id::HEADER), id);
        }
        if let Some(security) = &self.security {
            security.apply(&self.method, &self.path, response.headers_mut());
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, test, web};

    use super::*;

    fn deadlines() -> Deadlines {
        Deadlines { body_read: Duration::from_millis(50), handler: Duration::from_millis(50) }
    }

    #[actix_web::test]
    async fn a_request_still_running_at_its_deadline_is_answered_503_in_the_envelope() {
        let app = test::init_service(
            App::new()
                .app_data(deadlines())
                .app_data(SecurityHeaders::new(&crate::configuration::SecuritySettings {
                    hsts_max_age_seconds: 0,
                    cors_allowed_origins: Vec::new(),
                }))
                .wrap(from_fn(bound_request))
                .route("/stuck", web::get().to(std::future::pending::<HttpResponse>)),
        )
        .await;

        let response = test::try_call_service(&app, test::TestRequest::get().uri("/stuck").to_request()).await;

        let error = response.expect_err("the deadline answers");
        let response = error.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        assert_eq!(response.headers().get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert_eq!(response.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        let body = actix_web::body::to_bytes(response.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "service_unavailable");
    }

    #[actix_web::test]
    async fn a_request_within_its_deadline_is_answered_as_usual() {
        let app = test::init_service(
            App::new()
                .app_data(deadlines())
                .wrap(from_fn(bound_request))
                .wrap(from_fn(bound_body_read))
                .route("/echo", web::post().to(|body: Bytes| async move { HttpResponse::Ok().body(body) })),
        )
        .await;

        let request = test::TestRequest::post().uri("/echo").set_payload("hello").to_request();
        let response = test::call_service(&app, request).await;

        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(test::read_body(response).await, "hello");
    }
}
