//! The payment records' failures (webhook intake, the admin list) on the wire.

use actix_web::http::StatusCode;
use kernel::FieldError;
use payments_razorpay::WebhookError;
use payments_razorpay::listing::ListPaymentsError;

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};

from_operation_error!(WebhookError {
    WebhookError::InvalidSignature => ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::WebhookSignatureInvalid,
        "The X-Razorpay-Signature header is missing or does not sign this body.",
    ),
    WebhookError::MissingEventId => {
        ApiError::bad_request("The X-Razorpay-Event-Id header is missing or not valid.")
            .with_details(vec![FieldError::new("X-Razorpay-Event-Id", "must be 1 to 100 visible characters")])
    },
    WebhookError::Malformed(reason) => ApiError::bad_request("The webhook body is not a Razorpay event.")
        .with_details(vec![FieldError::new("body", reason)]),
});

from_operation_error!(ListPaymentsError {
    ListPaymentsError::InvalidCursor(_) => invalid_cursor(),
});
