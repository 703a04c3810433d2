//! The application use cases' failures (`crate::app`) on the wire.

use analytics::reports::ReportError;
use audit::ListAuditError;
use kernel::FieldError;

use super::{ApiError, from_operation_error, invalid_cursor};
use crate::app::analytics::StockAlertsError;
use crate::app::stock_levels::ListStockLevelsError;

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
