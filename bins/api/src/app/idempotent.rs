//! Work done once per (customer, operation, `Idempotency-Key`): the claim, the stored
//! answer replayed byte for byte, 409 while the first request runs, 422 when the key comes
//! back with another request.

use std::future::Future;

use actix_web::http::StatusCode;
use idempotency::{Claim, Idempotency, IdempotencyKey, fingerprint};
use kernel::FieldError;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::http::idempotency_key::KEY_HEADER;

/// Runs `work` once per (customer, operation, key): a repeat of the same request gets
/// the first response again; a repeat while it runs gets 409; the key with another
/// request gets 422. `work` is given what an earlier, abandoned run made (if it made
/// anything), to answer from instead of doing it again. Only a success is kept for
/// replay: a refused request changed nothing, so its key is released and the client may
/// send it again. The answer is a status and a body, as stored for the key.
pub async fn idempotent<Fut>(
    idempotency: &Idempotency,
    user: Uuid,
    operation: &str,
    key: &IdempotencyKey,
    request: &Value,
    work: impl FnOnce(Option<Uuid>) -> Fut,
) -> Result<(StatusCode, Value), ApiError>
where
    Fut: Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let resume = match idempotency.claim(user, operation, key, &fingerprint(operation, request)).await? {
        Claim::Proceed => None,
        Claim::Resume { resource } => Some(resource),
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok((status, body));
        }
        Claim::InProgress => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::IdempotencyInProgress,
                "A request with this Idempotency-Key is still being processed.",
            ));
        }
        Claim::Reused => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyKeyReused,
                "This Idempotency-Key was used with a different request.",
            )
            .with_details(vec![FieldError::new(KEY_HEADER, "was used with a different request")]));
        }
    };
    match work(resume).await {
        Ok((status, body)) => {
            if let Err(error) = idempotency.complete(user, operation, key, status.as_u16(), &body).await {
                // The work is done; the client gets its answer. A repeat of the key is
                // answered 409 until the claim counts as abandoned.
                tracing::warn!(error = %format!("{error:#}"), "storing an idempotent response failed");
            }
            Ok((status, body))
        }
        Err(error) => {
            if let Err(release) = idempotency.release(user, operation, key).await {
                tracing::warn!(error = %format!("{release:#}"), "releasing an idempotency key failed");
            }
            Err(error)
        }
    }
}
