//! `POST /newsletter`: newsletter sign-up.

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::EMAIL_MAX_CHARS;

/// `POST /newsletter`: the address to sign up (normalised to lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"email": "asha@example.in"}))]
pub struct Subscribe {
    #[garde(length(chars, min = 1, max = EMAIL_MAX_CHARS))]
    #[schema(min_length = 1, max_length = 254, format = Email)]
    pub email: String,
}

/// The answer to `POST /newsletter`, the same whether or not the address was already
/// signed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Subscription {
    pub status: SubscriptionStatus,
}

/// Where a sign-up stands: `subscribed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Subscribed,
}
