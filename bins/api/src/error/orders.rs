//! The orders domain's failures (cart, coupons, checkout, payment, cancellation) on the wire.

use actix_web::http::StatusCode;
use kernel::FieldError;
use orders::admin_operations::{AdminOrderError, RefundError, ReturnError};
use orders::admin_queries::SearchOrdersError;
use orders::cancellation::CancelError;
use orders::cart::{CartError, MAX_CART_BUILDS, MAX_LINE_QUANTITY};
use orders::checkout::PlaceOrderError;
use orders::coupons::{CouponRejection, CouponWriteError, ListCouponsError};
use orders::limits::CodRefusal;
use orders::payments::VerifyError;
use orders::ports::Shortage;
use orders::queries::ListOrdersError;
use orders::refunds::RefundRefusal;
use orders::retry::RetryError;
use orders::status::InvalidTransition;
use serde_json::{Value, json};

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};

fn shortage_json(shortage: &Shortage) -> Value {
    json!({"product_id": shortage.product_id, "requested": shortage.requested, "available": shortage.available})
}

/// 409 `out_of_stock`, naming each short line (`items[i]`) and listing the shortages.
fn out_of_stock(lines: Vec<(String, Shortage)>) -> ApiError {
    let details = lines
        .iter()
        .map(|(field, s)| {
            FieldError::new(field.clone(), format!("only {} available, {} requested", s.available, s.requested))
        })
        .collect();
    let shortages = lines.iter().map(|(_, shortage)| shortage_json(shortage)).collect();
    ApiError::new(StatusCode::CONFLICT, ErrorCode::OutOfStock, "Some items are not in stock in the quantity asked for.")
        .with_details(details)
        .with_extra("shortages", Value::Array(shortages))
}

/// 409 `conflict`: the stock moved while it was being held; nothing was written.
fn stock_changed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        "The stock changed while this order was being placed; nothing is held. Please try again.",
    )
    .with_retry_after(1)
}

fn gateway_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        ErrorCode::PaymentGatewayUnavailable,
        "The payment gateway could not be reached; nothing is held. Please try again shortly.",
    )
}

fn invalid_transition(invalid: InvalidTransition) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::InvalidTransition,
        format!("This order is {} and cannot become {}.", invalid.from, invalid.to),
    )
}

impl From<CouponRejection> for ApiError {
    fn from(rejection: CouponRejection) -> Self {
        let code = match rejection {
            CouponRejection::Invalid => ErrorCode::CouponInvalid,
            CouponRejection::Expired => ErrorCode::CouponExpired,
            CouponRejection::MinOrderNotMet { .. } => ErrorCode::CouponMinOrderNotMet,
            CouponRejection::UsageExhausted => ErrorCode::CouponUsageExhausted,
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, format!("{}.", capitalised(&rejection.to_string())))
            .with_details(vec![FieldError::new("code", rejection.to_string())])
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

from_operation_error!(CartError {
    CartError::ProductNotFound | CartError::LineNotFound => ApiError::not_found(),
    CartError::TooMany => ApiError::validation(vec![FieldError::new(
        "quantity",
        format!("a cart line holds 1 to {MAX_LINE_QUANTITY} units"),
    )]),
    CartError::OutOfStock { shortage } => out_of_stock(vec![("quantity".to_owned(), shortage)]),
    CartError::BuildOutOfStock { shortages } => {
        out_of_stock(shortages.into_iter().map(|shortage| ("components".to_owned(), shortage)).collect())
    },
    CartError::TooManyBuilds => ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        format!("A cart holds at most {MAX_CART_BUILDS} builds; remove one first."),
    ),
    CartError::BuildNotFound => ApiError::not_found(),
    CartError::TooManyUnits { max } => ApiError::validation(vec![FieldError::new(
        "components",
        format!("with this build the cart would hold more than the {max} units an order may"),
    )]),
    CartError::Coupon(rejection) => rejection.into(),
});

/// 409 `pending_orders_limit`: the customer may not have another order waiting for payment.
fn pending_orders_limit(max: i64) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::PendingOrdersLimit,
        format!("You have {max} orders waiting for payment; pay or cancel one of them first."),
    )
}

/// 503 `service_unavailable` with `Retry-After`: no checkout turn came within the wait.
fn checkout_busy() -> ApiError {
    ApiError::service_unavailable("Checkout is busy right now; nothing was placed. Please try again shortly.")
        .with_retry_after(CHECKOUT_BUSY_RETRY_AFTER_SECONDS)
}

/// A checkout turn frees up within a transaction's time; a client that waits this long
/// finds the queue moved on.
const CHECKOUT_BUSY_RETRY_AFTER_SECONDS: u64 = 2;

from_operation_error!(PlaceOrderError {
    PlaceOrderError::CartEmpty => {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CartEmpty, "The cart is empty; add items first.")
    },
    PlaceOrderError::RepeatedProduct { index } => ApiError::validation(vec![FieldError::new(
        format!("items[{index}].product_id"),
        "names a product an earlier line names; an order names each product once",
    )]),
    PlaceOrderError::TooManyUnits { max } => {
        ApiError::validation(vec![FieldError::new("items", format!("an order holds at most {max} units in all"))])
    },
    PlaceOrderError::PendingOrdersLimit { max } => pending_orders_limit(max),
    PlaceOrderError::CodNotAvailable(refusal) => {
        let field = match refusal {
            CodRefusal::NoAddress => "shipping_address",
            CodRefusal::OverLimit { .. } | CodRefusal::TooManyOpen { .. } => "payment_method",
        };
        let message = match refusal {
            CodRefusal::NoAddress => "Cash on delivery needs a shipping address.".to_owned(),
            CodRefusal::OverLimit { max } => {
                format!("Cash on delivery is available for orders up to {} paise; please pay online.", max.paise())
            }
            CodRefusal::TooManyOpen { max } => format!(
                "Too many cash-on-delivery orders are open: at most {max} may await delivery at once; please pay \
                 online, or wait until one is delivered."
            ),
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CodNotAvailable, message)
            .with_details(vec![FieldError::new(field, refusal.to_string())])
    },
    PlaceOrderError::Busy => checkout_busy(),
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
    },
    PlaceOrderError::BelowOnlineMinimum => ApiError::validation(vec![FieldError::new(
        "payment_method",
        "orders below ₹1.00 cannot be paid online",
    )]),
    PlaceOrderError::StockChanged => stock_changed(),
    PlaceOrderError::GatewayUnavailable { .. } => gateway_unavailable(),
});

from_operation_error!(RetryError {
    RetryError::NotFound => ApiError::not_found(),
    RetryError::InvalidTransition(invalid) => invalid_transition(invalid),
    RetryError::WindowClosed { hours } => ApiError::validation(vec![FieldError::new(
        "id",
        format!("this order was placed more than {hours} hours ago and can no longer be paid; place a new order"),
    )]),
    RetryError::NotForSale { index } => ApiError::validation(vec![FieldError::new(
        format!("items[{index}].product_id"),
        "is no longer for sale; place a new order",
    )]),
    RetryError::PendingOrdersLimit { max } => pending_orders_limit(max),
    RetryError::OutOfStock { shortages } => out_of_stock(
        shortages.into_iter().map(|line| (format!("items[{}]", line.index), line.shortage)).collect(),
    ),
    RetryError::Coupon(rejection) => {
        let mut error: ApiError = rejection.into();
        error.details = vec![FieldError::new("coupon_code", format!("the order's coupon no longer applies: {rejection}"))];
        error
    },
    RetryError::StockChanged => stock_changed(),
    RetryError::GatewayUnavailable { .. } => gateway_unavailable(),
});

from_operation_error!(VerifyError {
    VerifyError::SignatureInvalid => ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::PaymentSignatureInvalid,
        "The payment signature does not match this order's payment.",
    ),
    VerifyError::NotFound => ApiError::not_found(),
    VerifyError::GatewayUnavailable(cause) => {
        let mut error = gateway_unavailable();
        error.message = "The payment gateway could not be reached to confirm the payment; it will be confirmed automatically.".into();
        error.source = Some(cause);
        error
    },
});

from_operation_error!(CancelError {
    CancelError::NotFound => ApiError::not_found(),
    CancelError::InvalidTransition(invalid) => invalid_transition(invalid),
});

from_operation_error!(ListOrdersError {
    ListOrdersError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(SearchOrdersError {
    SearchOrdersError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(CouponWriteError {
    CouponWriteError::CodeTaken(code) => {
        ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, format!("The coupon code {code} is already used."))
            .with_details(vec![FieldError::new("code", "is already used by another coupon")])
    },
    CouponWriteError::NotFound => ApiError::not_found(),
    CouponWriteError::Invalid(invalid) => invalid.into(),
});

from_operation_error!(ListCouponsError {
    ListCouponsError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(AdminOrderError {
    AdminOrderError::NotFound => ApiError::not_found(),
    AdminOrderError::InvalidTransition(invalid) => invalid_transition(invalid),
    AdminOrderError::NotAnAdminMove { to, hint } => {
        ApiError::validation(vec![FieldError::new("status", format!("an admin does not move an order to {to} here: {hint}"))])
    },
});

/// 422 `refund_exceeds_captured` (naming `amount_paise`), or nothing to refund online.
fn refund_refused(refusal: RefundRefusal, field: &str) -> ApiError {
    match refusal {
        RefundRefusal::NothingCaptured => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RefundExceedsCaptured,
            "Nothing was paid online for this order, so nothing can be refunded through Razorpay.",
        )
        .with_details(vec![FieldError::new(field, "nothing was captured online")]),
        RefundRefusal::ExceedsCaptured { left } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RefundExceedsCaptured,
            format!("At most {} paise of this order's payment can still be refunded.", left.paise()),
        )
        .with_details(vec![FieldError::new(field, format!("must be at most {} paise", left.paise()))])
        .with_extra("refundable_paise", Value::from(left.paise())),
    }
}

from_operation_error!(RefundError {
    RefundError::NotFound => ApiError::not_found(),
    RefundError::Refused(refusal) => refund_refused(refusal, "amount_paise"),
});

from_operation_error!(ReturnError {
    ReturnError::NotFound => ApiError::not_found(),
    ReturnError::InvalidTransition(invalid) => invalid_transition(invalid),
    ReturnError::Invalid(invalid) => invalid.into(),
    ReturnError::Refund(refusal) => refund_refused(refusal, "refund_paise"),
});
