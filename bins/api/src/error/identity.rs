//! Identity's failures (accounts, tokens, addresses, the newsletter) on the wire.

use actix_web::http::StatusCode;
use identity::accounts::{
    AuthenticateError, ListUsersError, LoginError, ProfileError, RefreshError, RegisterError, SetRoleError,
};
use identity::addresses::AddressError;
use identity::newsletter::SubscribeError;
use kernel::FieldError;

use super::{ApiError, ErrorCode, from_operation_error, invalid_cursor};

/// 401 `unauthorized`: the bearer token cannot stand for a caller (any more).
pub(crate) fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
}

/// Every password-hashing turn stayed taken for the whole wait (`passwords.hash_wait_ms`):
/// a 503 to send again shortly, not a 500.
pub(super) fn hasher_busy(cause: &anyhow::Error) -> bool {
    cause.chain().any(|error| error.downcast_ref::<identity::password::HasherBusy>().is_some())
}

pub(super) fn busy_hashing() -> ApiError {
    ApiError::service_unavailable("Too many sign-ins are being checked at once; try again in a moment.")
        .with_retry_after(1)
}

from_operation_error!(SubscribeError {});

from_operation_error!(RegisterError {
    RegisterError::EmailTaken => {
        ApiError::new(StatusCode::CONFLICT, ErrorCode::EmailTaken, "This e-mail is already registered.")
            .with_details(vec![FieldError::new("email", "is already registered")])
    },
});

from_operation_error!(LoginError {
    LoginError::InvalidCredentials => {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "The e-mail or password is wrong.")
    },
});

from_operation_error!(RefreshError {
    RefreshError::Invalid => ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
        "The refresh token is not valid; sign in again.",
    ),
    RefreshError::Reused => ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorCode::RefreshTokenReused,
        "This refresh token was already used; every session of this login has been signed out.",
    ),
});

from_operation_error!(AuthenticateError {
    AuthenticateError::TokenExpired => {
        ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::TokenExpired, "The access token has expired; refresh it.")
    },
    AuthenticateError::InvalidToken => unauthorized("A valid bearer token is required."),
    AuthenticateError::AccountClosed => unauthorized("The account of this token no longer exists or is disabled."),
    AuthenticateError::SessionEnded => unauthorized("Every session of this account was ended; sign in again."),
});

from_operation_error!(ProfileError {
    ProfileError::NotFound => ApiError::not_found(),
});

from_operation_error!(SetRoleError {
    SetRoleError::NotFound => ApiError::not_found(),
    SetRoleError::OwnAdminRole => ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        "You cannot take away your own admin role; another admin can.",
    ),
});

from_operation_error!(ListUsersError {
    ListUsersError::InvalidCursor(_) => invalid_cursor(),
});

from_operation_error!(AddressError {
    AddressError::NotFound => ApiError::not_found(),
    AddressError::UnknownOwner => unauthorized("The account of this token no longer exists."),
    AddressError::LimitReached { max } => ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        format!("You have saved the most addresses an account may keep ({max}); delete one to add another."),
    ),
});
