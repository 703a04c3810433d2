//! Per-request plumbing: the log span, the request id, the error envelope and metrics.

use std::time::Instant;

use actix_web::HttpMessage as _;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use crate::error::{ApiError, ErrorCode};
use crate::http::control_chars;
use crate::request_id::{self, RequestId};

/// The root span of each request. It decides the request id (the client's, when sane) so
/// that every log line of the request carries the id the client will see.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = RequestId::from_headers(request.headers());
        let span = tracing::info_span!(
            "http_request",
            request_id = %request_id.as_str(),
            method = %request.method(),
            path = %request.path(),
            route = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        request.extensions_mut().insert(request_id);
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        if let Ok(response) = outcome {
            span.record("status", response.status().as_u16());
            if let Some(route) = response.request().match_pattern() {
                span.record("route", route.as_str());
            }
        }
    }
}

/// Marks a response whose status ≥ 400 keeps its own body rather than the contract's
/// envelope: a page for a person (`/docs` built without its assets), not an API answer.
#[derive(Debug, Clone, Copy)]
pub struct OwnBody;

/// Echoes the request id, gives every status ≥ 400 the contract's envelope (logging the
/// cause of a 5xx) unless marked [`OwnBody`], and records request metrics.
pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = request.extensions().get::<RequestId>().cloned();
    let request_id = request_id.unwrap_or_else(|| {
        let id = RequestId::from_headers(request.headers());
        request.extensions_mut().insert(id.clone());
        id
    });
    let method = request.method().clone();
    let started = Instant::now();

    // Handlers' errors arrive as responses; an `Err` here could only come from an inner
    // middleware, and the inner ones (the catalog cache's per resource, CORS, the body
    // deadline) answer with responses and pass on what they get. (The request cannot be cloned before routing to turn one into a response:
    // routing needs it unshared.)
    let response = match refused_url(&request) {
        Some(refusal) => request.error_response(refusal),
        None => next.call(request).await?.map_into_boxed_body(),
    };
    let enveloped = response.status().as_u16() >= 400 && response.response().extensions().get::<OwnBody>().is_none();
    let mut response = if enveloped { with_envelope(response, &request_id) } else { response };
    response.headers_mut().insert(
        HeaderName::from_static(request_id::HEADER),
        HeaderValue::from_str(request_id.as_str()).expect("request ids are checked header-safe"),
    );

    let elapsed = started.elapsed();
    let route = response.request().match_pattern();
    let route = route.as_deref().unwrap_or("unmatched");
    crate::metrics::record_request(method.as_str(), route, response.status(), elapsed);
    tracing::info!(status = response.status().as_u16(), latency_ms = elapsed.as_secs_f64() * 1e3, "request completed");
    Ok(response)
}

/// The longest URL (path and query) served. Longer ones are 414, in the envelope. (Past
/// 64 KiB Actix's HTTP parser refuses the request line itself with a bare 400 before any
/// of this runs.)
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// A URL refused before routing: too long (414), or a path or query value holding control
/// characters (400 naming it), which no route could store or look up.
fn refused_url(request: &ServiceRequest) -> Option<ApiError> {
    let uri = request.uri();
    let length = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if length > MAX_URL_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::BadRequest,
            format!("The URL is longer than the limit of {MAX_URL_BYTES} bytes."),
        ));
    }
    let fields = control_chars::url_fields(uri.path(), uri.query().unwrap_or(""));
    (!fields.is_empty()).then(|| {
        ApiError::bad_request("The URL holds control characters or bytes that are not UTF-8.").with_details(fields)
    })
}

fn with_envelope(response: ServiceResponse<BoxBody>, request_id: &RequestId) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let (request, response) = response.into_parts();
    let api_error = response.error().and_then(|error| error.as_error::<ApiError>());
    let envelope = match api_error {
        Some(error) => {
            // A 503 with no cause is the database gate turning requests away: the watcher
            // logs the outage once, not once per request.
            if status.is_server_error() && (error.cause().is_some() || !status.eq(&StatusCode::SERVICE_UNAVAILABLE)) {
                log_failure(request_id, &error.to_string(), error.cause().map(|cause| format!("{cause:#}")));
            }
            error.envelope(request_id.as_str())
        }
        None => {
            if status.is_server_error() {
                let cause = response.error().map(|error| format!("{error:?}"));
                log_failure(request_id, status.as_str(), cause);
            }
            ApiError::envelope_for_status(status, request_id.as_str())
        }
    };
    let mut response = response.set_body(BoxBody::new(envelope.to_string()));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    ServiceResponse::new(request, response)
}

fn log_failure(request_id: &RequestId, summary: &str, cause: Option<String>) {
    tracing::error!(
        request_id = %request_id.as_str(),
        error = summary,
        cause_chain = cause.as_deref().unwrap_or("none recorded"),
        "request failed"
    );
}
