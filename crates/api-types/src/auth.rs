//! TODO

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// POST /auth/login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Login {
    pub email: String,
    pub password: String,
}
