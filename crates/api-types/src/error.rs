//! Failures on the wire: the error envelope every 4xx and 5xx answer carries, and the
//! one list of its codes.
//!
//! `{"error": {"code", "message", "details": [{"field", "message"}], "request_id"}}`

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The body of every 4xx and 5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"error": {"code": "validation_failed", "message": "Some fields are not valid.",
    "details": [{"field": "email", "message": "must be an e-mail address"}],
    "request_id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11"}}))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code; clients branch on this, not on the message.
    pub code: ErrorCode,
    /// A sentence for people; its wording may change.
    pub message: String,
    /// One entry per refused field (empty when the failure is not about a field).
    pub details: Vec<FieldError>,
    /// The id of this request, also in the `x-request-id` header; quote it to support.
    pub request_id: String,
    /// With `out_of_stock`: each product that is short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortages: Option<Vec<Shortage>>,
    /// With `build_incompatible`: every issue of the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<crate::builder::BuildIssue>>,
}

/// One refused input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's path in the request, such as `items[0].quantity`, or a query or header
    /// parameter's name.
    pub field: String,
    pub message: String,
}

/// A product that is short for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: i64,
    pub available: i64,
}

/// An error envelope's `code`, written in `snake_case` on the wire. The contract's table
/// lists every code with its status; the status each is answered with today is noted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400 (and 414, 415, other 4xx): the request could not be understood.
    BadRequest,
    /// 400: the checkout handler's Razorpay signature does not match.
    PaymentSignatureInvalid,
    /// 400: a webhook's signature is missing or does not sign its body.
    WebhookSignatureInvalid,
    /// 401.
    Unauthorized,
    /// 401: a wrong e-mail or password.
    InvalidCredentials,
    /// 401: the access token has expired.
    TokenExpired,
    /// 401: a rotated refresh token was used again.
    RefreshTokenReused,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 409.
    Conflict,
    /// 409, with `shortages`.
    OutOfStock,
    /// 409: the order's state machine refuses the move.
    InvalidTransition,
    /// 409.
    EmailTaken,
    /// 409.
    SkuTaken,
    /// 409: a request with the same `Idempotency-Key` is still running.
    IdempotencyInProgress,
    /// 409: the customer has as many orders waiting for payment as one may.
    PendingOrdersLimit,
    /// 413.
    PayloadTooLarge,
    /// 422, naming each field in `details`.
    ValidationFailed,
    /// 422.
    CouponInvalid,
    /// 422.
    CouponExpired,
    /// 422.
    CouponMinOrderNotMet,
    /// 422.
    CouponUsageExhausted,
    /// 422: the `Idempotency-Key` was used with another request.
    IdempotencyKeyReused,
    /// 422, with `issues`: a PC build added to a cart does not fit together.
    BuildIncompatible,
    /// 422.
    CartEmpty,
    /// 422: cash on delivery needs a shipping address and a total within the cap.
    CodNotAvailable,
    /// 422: a refund would take back more than the payment captured, less what is
    /// refunded or being refunded already.
    RefundExceedsCaptured,
    /// 429, with `Retry-After`.
    RateLimited,
    /// 502.
    PaymentGatewayUnavailable,
    /// 503, with `Retry-After`.
    ServiceUnavailable,
    /// 500.
    Internal,
}

impl ErrorCode {
    /// Every code, in the contract's order.
    pub const ALL: [ErrorCode; 32] = [
        ErrorCode::BadRequest,
        ErrorCode::PaymentSignatureInvalid,
        ErrorCode::WebhookSignatureInvalid,
        ErrorCode::Unauthorized,
        ErrorCode::InvalidCredentials,
        ErrorCode::TokenExpired,
        ErrorCode::RefreshTokenReused,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Conflict,
        ErrorCode::OutOfStock,
        ErrorCode::InvalidTransition,
        ErrorCode::EmailTaken,
        ErrorCode::SkuTaken,
        ErrorCode::IdempotencyInProgress,
        ErrorCode::PendingOrdersLimit,
        ErrorCode::PayloadTooLarge,
        ErrorCode::ValidationFailed,
        ErrorCode::CouponInvalid,
        ErrorCode::CouponExpired,
        ErrorCode::CouponMinOrderNotMet,
        ErrorCode::CouponUsageExhausted,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::BuildIncompatible,
        ErrorCode::CartEmpty,
        ErrorCode::CodNotAvailable,
        ErrorCode::RefundExceedsCaptured,
        ErrorCode::RateLimited,
        ErrorCode::PaymentGatewayUnavailable,
        ErrorCode::ServiceUnavailable,
        ErrorCode::Internal,
    ];

    /// The code as written on the wire (for logs; the envelope serialises the enum).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::PaymentSignatureInvalid => "payment_signature_invalid",
            ErrorCode::WebhookSignatureInvalid => "webhook_signature_invalid",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::RefreshTokenReused => "refresh_token_reused",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict => "conflict",
            ErrorCode::OutOfStock => "out_of_stock",
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::EmailTaken => "email_taken",
            ErrorCode::SkuTaken => "sku_taken",
            ErrorCode::IdempotencyInProgress => "idempotency_in_progress",
            ErrorCode::PendingOrdersLimit => "pending_orders_limit",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::CouponInvalid => "coupon_invalid",
            ErrorCode::CouponExpired => "coupon_expired",
            ErrorCode::CouponMinOrderNotMet => "coupon_min_order_not_met",
            ErrorCode::CouponUsageExhausted => "coupon_usage_exhausted",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::BuildIncompatible => "build_incompatible",
            ErrorCode::CartEmpty => "cart_empty",
            ErrorCode::CodNotAvailable => "cod_not_available",
            ErrorCode::RefundExceedsCaptured => "refund_exceeds_captured",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::PaymentGatewayUnavailable => "payment_gateway_unavailable",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_wire_form_is_the_snake_case_name_and_every_code_is_distinct() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str(), "{code:?}");
        }
        let distinct: HashSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(distinct.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn the_list_holds_every_code_of_the_contract() {
        // The contract's table of error codes, by status.
        let contract = [
            "bad_request payment_signature_invalid webhook_signature_invalid",
            "unauthorized invalid_credentials token_expired refresh_token_reused",
            "forbidden",
            "not_found",
            "conflict out_of_stock invalid_transition email_taken sku_taken idempotency_in_progress",
            "payload_too_large",
            "validation_failed coupon_invalid coupon_expired coupon_min_order_not_met coupon_usage_exhausted \
             idempotency_key_reused build_incompatible cart_empty",
            "rate_limited",
            "payment_gateway_unavailable service_unavailable",
            // Abuse limits.
            "pending_orders_limit cod_not_available",
            "internal",
        ];
        let ours: HashSet<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        for code in contract.iter().flat_map(|codes| codes.split_whitespace()) {
            assert!(ours.contains(code), "{code} is missing");
        }
    }
}
