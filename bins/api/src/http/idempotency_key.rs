//! The `Idempotency-Key` header (1–255 visible characters), required by the keyed routes.

use actix_web::HttpRequest;
use idempotency::IdempotencyKey;
use kernel::FieldError;

use crate::error::ApiError;

pub const KEY_HEADER: &str = "Idempotency-Key";

pub fn idempotency_key(request: &HttpRequest) -> Result<IdempotencyKey, ApiError> {
    let raw = request.headers().get(KEY_HEADER).and_then(|value| value.to_str().ok()).unwrap_or("");
    IdempotencyKey::parse(raw, KEY_HEADER).map_err(|_| {
        ApiError::bad_request("This request needs an Idempotency-Key header (1 to 255 visible characters).")
            .with_details(vec![FieldError::new(KEY_HEADER, "must be 1 to 255 visible characters")])
    })
}
