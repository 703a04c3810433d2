//! Users: the signed-in user (`/me`), the user inside a session, and the admin's user list
//! (`/admin/users`).

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The most characters of a person's name.
pub const NAME_MAX_CHARS: usize = 100;
/// The most characters of a phone number as sent (before it is normalised to E.164).
pub const PHONE_MAX_CHARS: usize = 32;

/// What a user may do: `customer` (the default for anyone who registers) or `admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Admin,
}

/// A user account, as `/me`, a session and the admin's user list show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "0192f0c1-7b1e-7c3e-9a55-3f0e8f9d2b11", "name": "Asha Rao",
    "email": "asha@example.in", "phone": "+919876543210", "role": "customer",
    "created_at": "2026-11-21T10:15:00Z"}))]
pub struct User {
    pub id: Uuid,
    pub name: String,
    /// Lower case; an account's e-mail never changes.
    pub email: String,
    /// E.164 (`+919876543210`), or null when the user gave none.
    pub phone: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

/// `PATCH /me`: the profile fields to change; an absent (or null) field is left as it is.
///
/// `phone` is an E.164 number or a 10-digit Indian mobile number (taken as `+91`). The
/// e-mail is not a profile field (it is ignored if sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Asha Rao", "phone": "9876543210"}))]
pub struct UpdateMe {
    /// 1 to 100 characters, trimmed.
    #[garde(length(chars, min = 1, max = NAME_MAX_CHARS))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[garde(length(chars, max = PHONE_MAX_CHARS))]
    #[schema(max_length = 32)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `PATCH /admin/users/{id}`: the user's new role. It applies from the user's next request
/// (the role in a token already issued is checked against the account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"role": "admin"}))]
pub struct RoleChange {
    #[garde(skip)]
    pub role: Role,
}

/// The query string of `GET /admin/users`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Only users with this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// A fragment of the e-mail, name or phone (blank is the same as absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Items per page: 1 to 100 (default 24).
    #[param(minimum = 1, maximum = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}
