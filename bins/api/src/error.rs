//! The one place where failures become the contract's error envelope:
//! `{"error":{"code","message","details":[{"field","message"}],"request_id"}}`.
//!
//! Handlers return [`ApiError`]; domain errors convert into it here. The body itself is
//! written by the request-context middleware, which knows the request id and also wraps
//! Actix's own errors (unknown route, wrong method, …) so that every status ≥ 400 has
//! the same shape.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use kernel::{FieldError, InvalidInput};
use serde_json::{Map, Value, json};

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
    /// Members added beside `details` (e.g. `shortages`).
    extra: Map<String, Value>,
    retry_after_seconds: Option<u64>,
    /// What went wrong inside, for the log only; never shown to the client.
    source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            extra: Map::new(),
            retry_after_seconds: None,
            source: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }

    pub fn payload_too_large(limit_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("The request body is larger than the limit of {limit_bytes} bytes."),
        )
    }

    pub fn validation(details: Vec<FieldError>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Some fields are not valid.")
            .with_details(details)
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable", message)
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
            None => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side."),
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

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
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
            400 => ("bad_request", "The request could not be understood."),
            401 => ("unauthorized", "Authentication is required."),
            403 => ("forbidden", "You may not do this."),
            404 => ("not_found", "No such resource."),
            405 => ("method_not_allowed", "This method is not allowed on this resource."),
            409 => ("conflict", "The request conflicts with the current state."),
            413 => ("payload_too_large", "The request body is too large."),
            415 => ("bad_request", "The content type is not supported here."),
            422 => ("validation_failed", "Some fields are not valid."),
            429 => ("rate_limited", "Too many requests; try again later."),
            503 => ("service_unavailable", "The service is not available right now."),
            402..=499 => ("bad_request", "The request could not be handled."),
            _ => ("internal", "Something went wrong on our side."),
        };
        ApiError::new(status, code, message).envelope(request_id)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status.as_u16(), self.code, self.message)
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
        response.finish()
    }
}

impl From<InvalidInput> for ApiError {
    fn from(invalid: InvalidInput) -> Self {
        ApiError::validation(invalid.0)
    }
}

impl From<identity::newsletter::SubscribeError> for ApiError {
    fn from(error: identity::newsletter::SubscribeError) -> Self {
        match error {
            identity::newsletter::SubscribeError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::accounts::RegisterError> for ApiError {
    fn from(error: identity::accounts::RegisterError) -> Self {
        use identity::accounts::RegisterError;
        match error {
            RegisterError::EmailTaken => {
                ApiError::new(StatusCode::CONFLICT, "email_taken", "This e-mail is already registered.")
                    .with_details(vec![FieldError::new("email", "is already registered")])
            }
            RegisterError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::accounts::LoginError> for ApiError {
    fn from(error: identity::accounts::LoginError) -> Self {
        use identity::accounts::LoginError;
        match error {
            LoginError::InvalidCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "The e-mail or password is wrong.")
            }
            LoginError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::accounts::RefreshError> for ApiError {
    fn from(error: identity::accounts::RefreshError) -> Self {
        use identity::accounts::RefreshError;
        match error {
            RefreshError::Invalid => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "The refresh token is not valid; sign in again.",
            ),
            RefreshError::Reused => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "refresh_token_reused",
                "This refresh token was already used; every session of this login has been signed out.",
            ),
            RefreshError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

/// 401 `unauthorized`: the bearer token cannot stand for a caller (any more).
pub(crate) fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

impl From<identity::accounts::AuthenticateError> for ApiError {
    fn from(error: identity::accounts::AuthenticateError) -> Self {
        use identity::accounts::AuthenticateError;
        match error {
            AuthenticateError::TokenExpired => {
                ApiError::new(StatusCode::UNAUTHORIZED, "token_expired", "The access token has expired; refresh it.")
            }
            AuthenticateError::InvalidToken => unauthorized("A valid bearer token is required."),
            AuthenticateError::AccountClosed => {
                unauthorized("The account of this token no longer exists or is disabled.")
            }
            AuthenticateError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::accounts::ProfileError> for ApiError {
    fn from(error: identity::accounts::ProfileError) -> Self {
        use identity::accounts::ProfileError;
        match error {
            ProfileError::NotFound => ApiError::not_found(),
            ProfileError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::accounts::ListUsersError> for ApiError {
    fn from(error: identity::accounts::ListUsersError) -> Self {
        use identity::accounts::ListUsersError;
        match error {
            ListUsersError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListUsersError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<identity::addresses::AddressError> for ApiError {
    fn from(error: identity::addresses::AddressError) -> Self {
        use identity::addresses::AddressError;
        match error {
            AddressError::NotFound => ApiError::not_found(),
            AddressError::UnknownOwner => unauthorized("The account of this token no longer exists."),
            AddressError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<catalog::categories::CategoryWriteError> for ApiError {
    fn from(error: catalog::categories::CategoryWriteError) -> Self {
        use catalog::categories::CategoryWriteError;
        match error {
            CategoryWriteError::NotFound => ApiError::not_found(),
            CategoryWriteError::SlugTaken { slug } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("The slug {slug} is already used."))
                    .with_details(vec![FieldError::new("slug", "is already used by another category")])
            }
            CategoryWriteError::ParentNotFound => {
                ApiError::validation(vec![FieldError::new("parent_id", "no such category")])
            }
            CategoryWriteError::ParentCycle => ApiError::validation(vec![FieldError::new(
                "parent_id",
                "cannot be the category itself or one of its sub-categories",
            )]),
            CategoryWriteError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<catalog::categories::DeleteCategoryError> for ApiError {
    fn from(error: catalog::categories::DeleteCategoryError) -> Self {
        use catalog::categories::DeleteCategoryError;
        match error {
            DeleteCategoryError::NotFound => ApiError::not_found(),
            DeleteCategoryError::InUse => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                "The category still has products or sub-categories; move or delete them first.",
            ),
            DeleteCategoryError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<catalog::products::WriteConflict> for ApiError {
    fn from(conflict: catalog::products::WriteConflict) -> Self {
        use catalog::products::WriteConflict;
        match conflict {
            WriteConflict::SkuTaken(sku) => {
                ApiError::new(StatusCode::CONFLICT, "sku_taken", format!("The SKU {sku} is already used."))
                    .with_details(vec![FieldError::new("sku", "is already used by another product")])
            }
            WriteConflict::SlugTaken(slug) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("The slug {slug} is already used."))
                    .with_details(vec![FieldError::new("slug", "is already used by another product")])
            }
            WriteConflict::UnknownCategory => {
                ApiError::validation(vec![FieldError::new("category_id", "no such category")])
            }
        }
    }
}

/// A price the pricing function refuses, named by the field that causes it.
fn pricing_error(error: catalog::pricing::PricingError) -> ApiError {
    use catalog::pricing::PricingError;
    let field = match error {
        PricingError::NegativeBase | PricingError::Overflow => "base_price_paise",
        PricingError::DiscountOverWhole | PricingError::NegativeDiscount => "discount.value",
        PricingError::TaxRateOutOfRange => "tax_rate_bps",
    };
    ApiError::validation(vec![FieldError::new(field, error.to_string())])
}

impl From<catalog::products::CreateProductError> for ApiError {
    fn from(error: catalog::products::CreateProductError) -> Self {
        use catalog::products::CreateProductError;
        match error {
            CreateProductError::Conflict(conflict) => conflict.into(),
            CreateProductError::InvalidPrice(error) => pricing_error(error),
            CreateProductError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<catalog::products::UpdateProductError> for ApiError {
    fn from(error: catalog::products::UpdateProductError) -> Self {
        use catalog::products::UpdateProductError;
        match error {
            UpdateProductError::NotFound => ApiError::not_found(),
            UpdateProductError::Conflict(conflict) => conflict.into(),
            UpdateProductError::InvalidPrice(error) => pricing_error(error),
            UpdateProductError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<catalog::products::ListProductsError> for ApiError {
    fn from(error: catalog::products::ListProductsError) -> Self {
        use catalog::products::ListProductsError;
        match error {
            ListProductsError::UnknownCategory => {
                ApiError::validation(vec![FieldError::new("category", "no such category")])
            }
            ListProductsError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListProductsError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<inventory::stock::StockChangeError> for ApiError {
    fn from(error: inventory::stock::StockChangeError) -> Self {
        use inventory::stock::StockChangeError;
        match error {
            StockChangeError::NotFound => ApiError::not_found(),
            StockChangeError::BelowReserved { requested, reserved } => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("On hand would be {requested}, below zero or the {reserved} units reserved; nothing changed."),
            )
            .with_details(vec![FieldError::new("on_hand", format!("must stay at or above {}", reserved.max(0)))]),
            StockChangeError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<inventory::stock::ListStockError> for ApiError {
    fn from(error: inventory::stock::ListStockError) -> Self {
        use inventory::stock::ListStockError;
        match error {
            ListStockError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListStockError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<payments_razorpay::WebhookError> for ApiError {
    fn from(error: payments_razorpay::WebhookError) -> Self {
        use payments_razorpay::WebhookError;
        match error {
            WebhookError::InvalidSignature => ApiError::new(
                StatusCode::BAD_REQUEST,
                "webhook_signature_invalid",
                "The X-Razorpay-Signature header is missing or does not sign this body.",
            ),
            WebhookError::MissingEventId => {
                ApiError::bad_request("The X-Razorpay-Event-Id header is missing or not valid.")
                    .with_details(vec![FieldError::new("X-Razorpay-Event-Id", "must be 1 to 100 visible characters")])
            }
            WebhookError::Malformed(reason) => ApiError::bad_request("The webhook body is not a Razorpay event.")
                .with_details(vec![FieldError::new("body", reason)]),
            WebhookError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<payments_razorpay::listing::ListPaymentsError> for ApiError {
    fn from(error: payments_razorpay::listing::ListPaymentsError) -> Self {
        use payments_razorpay::listing::ListPaymentsError;
        match error {
            ListPaymentsError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListPaymentsError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

fn shortage_json(shortage: &orders::ports::Shortage) -> Value {
    json!({"product_id": shortage.product_id, "requested": shortage.requested, "available": shortage.available})
}

/// 409 `out_of_stock`, naming each short line (`items[i]`) and listing the shortages.
fn out_of_stock(lines: Vec<(String, orders::ports::Shortage)>) -> ApiError {
    let details = lines
        .iter()
        .map(|(field, s)| {
            FieldError::new(field.clone(), format!("only {} available, {} requested", s.available, s.requested))
        })
        .collect();
    let shortages = lines.iter().map(|(_, shortage)| shortage_json(shortage)).collect();
    ApiError::new(StatusCode::CONFLICT, "out_of_stock", "Some items are not in stock in the quantity asked for.")
        .with_details(details)
        .with_extra("shortages", Value::Array(shortages))
}

/// 409 `conflict`: the stock moved while it was being held; nothing was written.
fn stock_changed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "conflict",
        "The stock changed while this order was being placed; nothing is held. Please try again.",
    )
    .with_retry_after(1)
}

fn gateway_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "payment_gateway_unavailable",
        "The payment gateway could not be reached; nothing is held. Please try again shortly.",
    )
}

fn invalid_transition(invalid: orders::status::InvalidTransition) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "invalid_transition",
        format!("This order is {} and cannot become {}.", invalid.from, invalid.to),
    )
}

impl From<orders::coupons::CouponRejection> for ApiError {
    fn from(rejection: orders::coupons::CouponRejection) -> Self {
        use orders::coupons::CouponRejection;
        let code = match rejection {
            CouponRejection::Invalid => "coupon_invalid",
            CouponRejection::Expired => "coupon_expired",
            CouponRejection::MinOrderNotMet { .. } => "coupon_min_order_not_met",
            CouponRejection::UsageExhausted => "coupon_usage_exhausted",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, format!("{}.", capitalised(&rejection.to_string())))
            .with_details(vec![FieldError::new("code", rejection.to_string())])
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl From<orders::cart::CartError> for ApiError {
    fn from(error: orders::cart::CartError) -> Self {
        use orders::cart::{CartError, MAX_LINE_QUANTITY};
        match error {
            CartError::ProductNotFound | CartError::LineNotFound => ApiError::not_found(),
            CartError::TooMany => ApiError::validation(vec![FieldError::new(
                "quantity",
                format!("a cart line holds 1 to {MAX_LINE_QUANTITY} units"),
            )]),
            CartError::OutOfStock { shortage } => out_of_stock(vec![("quantity".to_owned(), shortage)]),
            CartError::Coupon(rejection) => rejection.into(),
            CartError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::checkout::PlaceOrderError> for ApiError {
    fn from(error: orders::checkout::PlaceOrderError) -> Self {
        use orders::checkout::PlaceOrderError;
        match error {
            PlaceOrderError::CartEmpty => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "cart_empty", "The cart is empty; add items first.")
            }
            PlaceOrderError::NotForSale { index } => ApiError::validation(vec![FieldError::new(
                format!("items[{index}].product_id"),
                "no such product for sale",
            )]),
            PlaceOrderError::OutOfStock { shortages } => out_of_stock(
                shortages.into_iter().map(|line| (format!("items[{}]", line.index), line.shortage)).collect(),
            ),
            PlaceOrderError::Coupon(rejection) => {
                let mut error: ApiError = rejection.into();
                error.details = vec![FieldError::new("coupon_code", rejection.to_string())];
                error
            }
            PlaceOrderError::BelowOnlineMinimum => ApiError::validation(vec![FieldError::new(
                "payment_method",
                "orders below ₹1.00 cannot be paid online",
            )]),
            PlaceOrderError::StockChanged => stock_changed(),
            PlaceOrderError::GatewayUnavailable { .. } => gateway_unavailable(),
            PlaceOrderError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::retry::RetryError> for ApiError {
    fn from(error: orders::retry::RetryError) -> Self {
        use orders::retry::RetryError;
        match error {
            RetryError::NotFound => ApiError::not_found(),
            RetryError::InvalidTransition(invalid) => invalid_transition(invalid),
            RetryError::OutOfStock { shortages } => out_of_stock(
                shortages.into_iter().map(|line| (format!("items[{}]", line.index), line.shortage)).collect(),
            ),
            RetryError::Coupon(rejection) => rejection.into(),
            RetryError::StockChanged => stock_changed(),
            RetryError::GatewayUnavailable { .. } => gateway_unavailable(),
            RetryError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::payments::VerifyError> for ApiError {
    fn from(error: orders::payments::VerifyError) -> Self {
        use orders::payments::VerifyError;
        match error {
            VerifyError::SignatureInvalid => ApiError::new(
                StatusCode::BAD_REQUEST,
                "payment_signature_invalid",
                "The payment signature does not match this order's payment.",
            ),
            VerifyError::NotFound => ApiError::not_found(),
            VerifyError::GatewayUnavailable(cause) => {
                let mut error = gateway_unavailable();
                error.message = "The payment gateway could not be reached to confirm the payment; it will be confirmed automatically.".into();
                error.source = Some(cause);
                error
            }
            VerifyError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::cancellation::CancelError> for ApiError {
    fn from(error: orders::cancellation::CancelError) -> Self {
        use orders::cancellation::CancelError;
        match error {
            CancelError::NotFound => ApiError::not_found(),
            CancelError::InvalidTransition(invalid) => invalid_transition(invalid),
            CancelError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::queries::ListOrdersError> for ApiError {
    fn from(error: orders::queries::ListOrdersError) -> Self {
        use orders::queries::ListOrdersError;
        match error {
            ListOrdersError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListOrdersError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::coupons::CouponWriteError> for ApiError {
    fn from(error: orders::coupons::CouponWriteError) -> Self {
        use orders::coupons::CouponWriteError;
        match error {
            CouponWriteError::CodeTaken(code) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", format!("The coupon code {code} is already used."))
                    .with_details(vec![FieldError::new("code", "is already used by another coupon")])
            }
            CouponWriteError::NotFound => ApiError::not_found(),
            CouponWriteError::Invalid(invalid) => invalid.into(),
            CouponWriteError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

impl From<orders::coupons::ListCouponsError> for ApiError {
    fn from(error: orders::coupons::ListCouponsError) -> Self {
        use orders::coupons::ListCouponsError;
        match error {
            ListCouponsError::InvalidCursor(_) => {
                ApiError::validation(vec![FieldError::new("cursor", "is not valid for this list")])
            }
            ListCouponsError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
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
