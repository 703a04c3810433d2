//! The one place where failures become the contract's error envelope:
//! `{"error":{"code","message","details":[{"field","message"}],"request_id"}}`.
//!
//! Handlers return [`ApiError`]; domain errors convert into it in this module's children,
//! one per domain. Every code comes from [`ErrorCode`]. The body itself is written by the
//! request-context middleware, which knows the request id and also wraps Actix's own errors
//! (unknown route, wrong method, …) so that every status ≥ 400 has the same shape.

mod app;
mod catalog;
mod identity;
mod inventory;
mod orders;
mod payments;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use kernel::{FieldError, InvalidInput};
use serde_json::{Map, Value, json};

pub(crate) use self::identity::unauthorized;
/// The one list of codes lives with the wire types, where clients read it too.
pub use api_types::ErrorCode;

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Vec<FieldError>,
    /// Members added beside `details` (e.g. `shortages`).
    extra: Map<String, Value>,
    retry_after_seconds: Option<u64>,
    /// The methods a resource does serve, for a 405's `Allow` header.
    allow: Option<Box<str>>,
    /// What went wrong inside, for the log only; never shown to the client.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            extra: Map::new(),
            retry_after_seconds: None,
            allow: None,
            source: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "No such resource.")
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!("The request body is larger than the limit of {limit_bytes} bytes."),
        )
    }

    pub fn validation(details: Vec<FieldError>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed, "Some fields are not valid.")
            .with_details(details)
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ServiceUnavailable, message)
    }

    /// A failure the client cannot fix. The cause is logged with the request id; the
    /// client sees only an opaque message. A database that went away, or a transaction
    /// that lost a race (a deadlock, a serialization failure), is a 503
    /// `service_unavailable` with `Retry-After` instead: nothing was done, and the same
    /// request will work once it is sent again.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        use crate::db_health::{DatabaseHealth, Transient, classify};
        let cause = cause.into();
        let mut error = match classify(&cause) {
            Some(Transient::Outage) => DatabaseHealth::unavailable(),
            Some(Transient::Contention) => DatabaseHealth::busy(),
            None if identity::hasher_busy(&cause) => identity::busy_hashing(),
            None => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "Something went wrong on our side.")
            }
        };
        error.source = Some(cause);
        error
    }

    /// A 503 caused by the database going away (see [`Self::internal`]).
    pub fn is_database_outage(&self) -> bool {
        use crate::db_health::{Transient, classify};
        self.status == StatusCode::SERVICE_UNAVAILABLE
            && self.source.as_ref().and_then(classify) == Some(Transient::Outage)
    }

    pub fn with_details(mut self, details: Vec<FieldError>) -> Self {
        self.details = details;
        self
    }

    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    /// A 405 `method_not_allowed`, with the `Allow` header RFC 9110 asks for.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "This method is not allowed on this resource.",
        );
        error.allow = Some(allow.into());
        error
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The hidden cause, if any (for the log).
    pub fn cause(&self) -> Option<&anyhow::Error> {
        self.source.as_ref()
    }

    /// The envelope for this error.
    pub fn envelope(&self, request_id: &str) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code));
        error.insert("message".into(), json!(self.message));
        error.insert("details".into(), json!(self.details));
        error.insert("request_id".into(), json!(request_id));
        error.extend(self.extra.clone());
        json!({ "error": error })
    }

    /// The envelope for a failure that did not come from an [`ApiError`] (Actix's own
    /// 404/405, a rejected payload …): a fixed code and message per status.
    pub fn envelope_for_status(status: StatusCode, request_id: &str) -> Value {
        let (code, message) = match status.as_u16() {
            400 => (ErrorCode::BadRequest, "The request could not be understood."),
            401 => (ErrorCode::Unauthorized, "Authentication is required."),
            403 => (ErrorCode::Forbidden, "You may not do this."),
            404 => (ErrorCode::NotFound, "No such resource."),
            405 => (ErrorCode::MethodNotAllowed, "This method is not allowed on this resource."),
            409 => (ErrorCode::Conflict, "The request conflicts with the current state."),
            413 => (ErrorCode::PayloadTooLarge, "The request body is too large."),
            415 => (ErrorCode::BadRequest, "The content type is not supported here."),
            422 => (ErrorCode::ValidationFailed, "Some fields are not valid."),
            429 => (ErrorCode::RateLimited, "Too many requests; try again later."),
            503 => (ErrorCode::ServiceUnavailable, "The service is not available right now."),
            402..=499 => (ErrorCode::BadRequest, "The request could not be handled."),
            _ => (ErrorCode::Internal, "Something went wrong on our side."),
        };
        ApiError::new(status, code, message).envelope(request_id)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status.as_u16(), self.code.as_str(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// Status and headers only: the request-context middleware writes the body, since
    /// only it knows the request id.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
        }
        if let Some(allow) = self.allow.as_deref() {
            response.insert_header((header::ALLOW, allow));
        }
        response.finish()
    }
}

/// `impl From<$error> for ApiError` for an operation's error enum: the arms given map its
/// business variants; the `Unexpected(cause)` variant every such enum has is mapped here,
/// once, to [`ApiError::internal`] (500, or 503 for a database outage or contention).
/// `$error` must be in scope by its bare name.
macro_rules! from_operation_error {
    ($error:ident { $($variant:pat => $answer:expr),* $(,)? }) => {
        impl From<$error> for $crate::error::ApiError {
            fn from(error: $error) -> Self {
                match error {
                    $($variant => $answer,)*
                    $error::Unexpected(cause) => $crate::error::ApiError::internal(cause),
                }
            }
        }
    };
}
use from_operation_error;

impl From<InvalidInput> for ApiError {
    fn from(invalid: InvalidInput) -> Self {
        ApiError::validation(invalid.0)
    }
}

/// 422: a list's `cursor` was not made by this list (or was tampered with).
fn invalid_cursor() -> ApiError {
    ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
}

/// Failures with no business meaning (a storage error from a read).
impl From<anyhow::Error> for ApiError {
    fn from(cause: anyhow::Error) -> Self {
        ApiError::internal(cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_contract_shape() {
        let error = ApiError::validation(vec![FieldError::new("items[0].quantity", "must be 1 to 10")])
            .with_extra("shortages", json!([{"product_id": "p", "requested": 2, "available": 1}]));
        assert_eq!(
            error.envelope("req-1"),
            json!({"error": {
                "code": "validation_failed",
                "message": "Some fields are not valid.",
                "details": [{"field": "items[0].quantity", "message": "must be 1 to 10"}],
                "request_id": "req-1",
                "shortages": [{"product_id": "p", "requested": 2, "available": 1}],
            }})
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = ApiError::internal(anyhow::anyhow!("relation \"secret_table\" does not exist"));
        let body = error.envelope("r").to_string();
        assert!(!body.contains("secret_table"), "{body}");
        assert_eq!(error.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(error.cause().is_some());
    }

    #[test]
    fn every_status_maps_to_a_contract_code() {
        let code = |status: u16| {
            ApiError::envelope_for_status(StatusCode::from_u16(status).unwrap(), "r")["error"]["code"].clone()
        };
        assert_eq!(code(404), "not_found");
        assert_eq!(code(413), "payload_too_large");
        assert_eq!(code(415), "bad_request");
        assert_eq!(code(418), "bad_request");
        assert_eq!(code(500), "internal");
        assert_eq!(code(502), "internal");
    }
}
