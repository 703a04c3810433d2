//! The catalog's failures (categories, products, prices) on the wire.

use actix_web::http::StatusCode;
use catalog::builder::{BuildError, OptionsError, Slot, SpecificationProblem};
use catalog::categories::{CategoryWriteError, DeleteCategoryError};
use catalog::pricing::PricingError;
use catalog::products::{CreateProductError, ListProductsError, UpdateProductError, WriteConflict};
use kernel::FieldError;

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};

from_operation_error!(CategoryWriteError {
    CategoryWriteError::NotFound => ApiError::not_found(),
    CategoryWriteError::SlugTaken { slug } => {
        ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, format!("The slug {slug} is already used."))
            .with_details(vec![FieldError::new("slug", "is already used by another category")])
    },
    CategoryWriteError::ParentNotFound => {
        ApiError::validation(vec![FieldError::new("parent_id", "no such category")])
    },
    CategoryWriteError::ParentCycle => ApiError::validation(vec![FieldError::new(
        "parent_id",
        "cannot be the category itself or one of its sub-categories",
    )]),
});

from_operation_error!(DeleteCategoryError {
    DeleteCategoryError::NotFound => ApiError::not_found(),
    DeleteCategoryError::InUse => ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        "The category still has products or sub-categories; move or delete them first.",
    ),
});

impl From<WriteConflict> for ApiError {
    fn from(conflict: WriteConflict) -> Self {
        match conflict {
            WriteConflict::SkuTaken(sku) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::SkuTaken, format!("The SKU {sku} is already used."))
                    .with_details(vec![FieldError::new("sku", "is already used by another product")])
            }
            WriteConflict::SlugTaken(slug) => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, format!("The slug {slug} is already used."))
                    .with_details(vec![FieldError::new("slug", "is already used by another product")])
            }
            WriteConflict::UnknownCategory => {
                ApiError::validation(vec![FieldError::new("category_id", "no such category")])
            }
        }
    }
}

/// A price the pricing function refuses, named by the field that causes it.
fn pricing_error(error: PricingError) -> ApiError {
    let field = match error {
        PricingError::NegativeBase | PricingError::Overflow => "base_price_paise",
        PricingError::DiscountOverWhole | PricingError::NegativeDiscount => "discount.value",
        PricingError::TaxRateOutOfRange => "tax_rate_bps",
    };
    ApiError::validation(vec![FieldError::new(field, error.to_string())])
}

/// Specifications the PC builder cannot read: each problem named by its key's path.
fn specifications_error(problems: Vec<SpecificationProblem>) -> ApiError {
    let details = problems
        .into_iter()
        .map(|problem| FieldError::new(format!("specifications.{}", problem.key), problem.message))
        .collect();
    ApiError::validation(details)
}

from_operation_error!(CreateProductError {
    CreateProductError::Conflict(conflict) => conflict.into(),
    CreateProductError::InvalidPrice(error) => pricing_error(error),
    CreateProductError::Specifications(problems) => specifications_error(problems),
});

from_operation_error!(UpdateProductError {
    UpdateProductError::NotFound => ApiError::not_found(),
    UpdateProductError::Conflict(conflict) => conflict.into(),
    UpdateProductError::InvalidPrice(error) => pricing_error(error),
    UpdateProductError::Specifications(problems) => specifications_error(problems),
});

from_operation_error!(ListProductsError {
    ListProductsError::UnknownCategory => ApiError::validation(vec![FieldError::new("category", "no such category")]),
    ListProductsError::InvalidCursor(_) => invalid_cursor(),
});

/// 422 naming the part that is not a product: `components.<slot>` in a body, the slot's own
/// parameter in the options' query string.
pub(super) fn unknown_part(slot: Slot, in_body: bool) -> ApiError {
    let field = if in_body { format!("components.{slot}") } else { slot.as_str().to_owned() };
    ApiError::validation(vec![FieldError::new(field, "no such product")])
}

from_operation_error!(BuildError {
    BuildError::UnknownProduct { slot } => unknown_part(slot, true),
});

from_operation_error!(OptionsError {
    OptionsError::UnknownProduct { slot } => unknown_part(slot, false),
    OptionsError::InvalidCursor(_) => invalid_cursor(),
});
