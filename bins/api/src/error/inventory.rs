//! Inventory's failures (admin stock changes and lists) on the wire.

use actix_web::http::StatusCode;
use inventory::stock::{ListStockError, StockChangeError};
use kernel::FieldError;

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};

from_operation_error!(StockChangeError {
    StockChangeError::NotFound => ApiError::not_found(),
    StockChangeError::BelowReserved { requested, reserved } => ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        format!("On hand would be {requested}, below zero or the {reserved} units reserved; nothing changed."),
    )
    .with_details(vec![FieldError::new("on_hand", format!("must stay at or above {}", reserved.max(0)))]),
});

from_operation_error!(ListStockError {
    ListStockError::InvalidCursor(_) => invalid_cursor(),
});
