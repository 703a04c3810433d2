//! The catalog: categories and products, for shoppers and admins.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether a product can be bought now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    Discontinued,
}
