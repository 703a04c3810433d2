//! Refusals: the contract's error envelope, as the typed client reads it and as it is on
//! the wire.

use std::fmt::Debug;

use api_types::{ErrorBody, ErrorCode};
use client::Error;
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Asserts the typed client's `result` is a refusal with this status and code, in the
/// contract's envelope (a message and a request id). Returns the envelope's body for
/// further checks.
#[track_caller]
pub fn assert_refused<T: Debug>(result: Result<T, Error>, status: StatusCode, code: ErrorCode) -> ErrorBody {
    let error = match result {
        Err(Error::Api { status: answered, error, .. }) => {
            assert_eq!((answered, error.code), (status, code), "status and code of {error:?}");
            *error
        }
        Err(other) => panic!("expected {status} {code}, not an error envelope: {other}"),
        Ok(answer) => panic!("expected {status} {code}, the request succeeded: {answer:?}"),
    };
    assert!(!error.message.is_empty(), "a message in {error:?}");
    assert!(!error.request_id.is_empty(), "a request id in {error:?}");
    error
}

/// Asserts the raw `response` is the contract's error envelope with this status and code,
/// and that the envelope's request id is the one in the `x-request-id` header. Returns the
/// `error` object for further checks.
pub async fn assert_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let header_id = response
        .headers()
        .get("x-request-id")
        .expect("every response carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"), "errors are JSON");
    let body: Value = response.json().await.expect("an error body is JSON");
    let error = body.get("error").unwrap_or_else(|| panic!("no `error` member in {body}"));
    assert_eq!(error["code"], code, "code in {body}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "a message in {body}");
    assert!(error["details"].is_array(), "details is a list in {body}");
    assert_eq!(error["request_id"], header_id.as_str(), "request_id matches the header in {body}");
    error.clone()
}
