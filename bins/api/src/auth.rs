//! Who is calling: the one place bearer tokens are read. Protected handlers take
//! [`AuthUser`] or [`AdminUser`] as an argument; no handler checks roles by hand.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use identity::tokens::{AccessTokenError, AccessTokens, Role};
use uuid::Uuid;

use crate::error::ApiError;

/// A caller with a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
}

/// A caller with a valid access token and the admin role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req).and_then(|user| match user.role {
            Role::Admin => Ok(AdminUser(user)),
            Role::Customer => Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", "This needs an admin account.")),
        }))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "A valid bearer token is required.");
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(unauthorized)?;
    let tokens = req.app_data::<web::Data<AccessTokens>>().expect("AccessTokens is registered as app data");
    match tokens.verify(token) {
        Ok(claims) => Ok(AuthUser { id: claims.sub, role: claims.role }),
        Err(AccessTokenError::Expired) => {
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "token_expired", "The access token has expired; refresh it."))
        }
        Err(AccessTokenError::Invalid) => Err(unauthorized()),
    }
}
