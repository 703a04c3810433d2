//! The application use cases' failures (`crate::app`) on the wire.

use actix_web::http::StatusCode;
use analytics::reports::ReportError;
use audit::ListAuditError;
use catalog::builder::Issue;
use kernel::FieldError;

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};
use crate::app::analytics::StockAlertsError;
use crate::app::builder::AddBuildError;
use crate::app::stock_levels::ListStockLevelsError;
use crate::views::ToWire;

from_operation_error!(ListStockLevelsError {
    ListStockLevelsError::UnknownCategory => {
        ApiError::validation(vec![FieldError::new("category", "no such category")])
    },
    ListStockLevelsError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(ListAuditError {
    ListAuditError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(ReportError {});

from_operation_error!(StockAlertsError {
    StockAlertsError::Stock(error) => error.into(),
});

from_operation_error!(AddBuildError {
    AddBuildError::BuildNotFound => ApiError::not_found(),
    AddBuildError::UnknownProduct { slot } => super::catalog::unknown_part(slot, true),
    AddBuildError::Incompatible { issues } => build_incompatible(issues),
    AddBuildError::Cart(error) => error.into(),
});

/// 422 `build_incompatible`: every issue, in `issues` and as a detail naming its slot.
fn build_incompatible(issues: Vec<Issue>) -> ApiError {
    let details = issues
        .iter()
        .map(|issue| FieldError::new(format!("components.{}", issue.slot), issue.message.clone()))
        .collect();
    let issues = serde_json::to_value(issues.to_wire()).unwrap_or_default();
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::BuildIncompatible,
        "The build does not fit together; see issues for what to change.",
    )
    .with_details(details)
    .with_extra("issues", issues)
}
