//! `/auth/*`: registration, sign-in, and the sessions they open.
//!
//! A session is a short-lived access token (send it as `Authorization: Bearer <token>`)
//! and a refresh token that buys a new pair once: each refresh rotates it, and presenting
//! a rotated one again signs every session of that login out.

use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::users::{NAME_MAX_CHARS, PHONE_MAX_CHARS, User};

/// The fewest characters of a new password.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// The most characters of a new password.
pub const PASSWORD_MAX_CHARS: usize = 128;
/// The most characters of an e-mail address.
pub const EMAIL_MAX_CHARS: usize = 254;

/// `POST /auth/register`: a new customer account.
///
/// The e-mail is normalised to lower case and must not be registered yet; `phone` is an
/// E.164 number or a 10-digit Indian mobile number (taken as `+91`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Asha Rao", "email": "asha@example.in",
    "password": "correct horse battery", "phone": "+919876543210"}))]
pub struct Registration {
    /// 1 to 100 characters, trimmed.
    #[garde(length(chars, min = 1, max = NAME_MAX_CHARS))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[garde(length(chars, min = 3, max = EMAIL_MAX_CHARS))]
    #[schema(min_length = 3, max_length = 254, format = Email)]
    pub email: String,
    /// 8 to 128 characters.
    #[garde(length(chars, min = PASSWORD_MIN_CHARS, max = PASSWORD_MAX_CHARS))]
    #[schema(min_length = 8, max_length = 128, format = Password)]
    pub password: String,
    #[garde(length(chars, max = PHONE_MAX_CHARS))]
    #[schema(max_length = 32)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `POST /auth/login`.
///
/// A wrong password and an unknown (or malformed) e-mail get the same answer, 401
/// `invalid_credentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"email": "asha@example.in", "password": "correct horse battery"}))]
pub struct Login {
    #[garde(length(chars, min = 1, max = EMAIL_MAX_CHARS))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    /// Not checked against the rules for new passwords (an old one may predate them).
    #[garde(length(min = 1, max = 1024))]
    #[schema(min_length = 1, format = Password)]
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`: the refresh token of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"refresh_token": "9mV2oQ0cJ3xS7fGkYbq1tLzP4wHn8eRaUdKi6sCvXyE"}))]
pub struct RefreshToken {
    #[garde(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

/// A session (the contract's `AuthResponse`): the user and a fresh token pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    pub user: User,
    /// Send as `Authorization: Bearer <access_token>`; it expires after `expires_in`
    /// seconds (then 401 `token_expired`: refresh it).
    pub access_token: String,
    /// Opaque; good for one `POST /auth/refresh`.
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// The kind of the access token: always `Bearer`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum TokenType {
    #[default]
    Bearer,
}
