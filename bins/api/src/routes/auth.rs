//! `/api/v1/auth/*` and `/api/v1/me`.

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use garde::Validate;
use identity::accounts::{Registration, Session};
use identity::password::Password;
use identity::tokens::RefreshToken;
use kernel::{Email, InvalidInput, PersonName, Phone};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::http::auth::AuthUser;
use crate::http::extract::{Parsed, ValidJson};
use crate::http::params::keep;
use crate::rate_limit::RateLimiter as _;
use crate::state::{AccountsService, AuthRateLimiter};
use crate::views::FromWire;
use crate::views::user::UserView;

/// `AuthResponse` on the wire.
#[derive(Debug, Serialize)]
struct AuthResponse {
    user: UserView,
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
}

impl From<Session> for AuthResponse {
    fn from(session: Session) -> Self {
        AuthResponse {
            user: session.user.into(),
            access_token: session.access_token,
            refresh_token: session.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: session.expires_in.as_secs(),
        }
    }
}

#[derive(Debug, Deserialize, Validate)]
pub struct RegisterBody {
    #[garde(length(chars, min = 1, max = 100))]
    name: String,
    #[garde(length(chars, min = 3, max = 254))]
    email: String,
    #[garde(length(chars, min = 8, max = 128))]
    password: String,
    #[garde(length(chars, max = 32))]
    phone: Option<String>,
}

impl FromWire<RegisterBody> for Registration {
    fn from_wire(body: RegisterBody) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let name = keep(PersonName::parse(&body.name, "name"), &mut errors);
        let email = keep(Email::try_from(body.email.as_str()), &mut errors);
        let phone = body.phone.as_deref().and_then(|phone| keep(Phone::parse(phone, "phone"), &mut errors));
        let password = keep(Password::parse_new(body.password, "password"), &mut errors);
        match (name, email, password) {
            (Some(name), Some(email), Some(password)) if errors.is_empty() => {
                Ok(Registration { name, email, phone, password })
            }
            _ => Err(InvalidInput(errors)),
        }
    }
}

/// Counts one attempt against the caller's IP and the e-mail; 429 once either is over.
fn limit_attempts(limiter: &AuthRateLimiter, request: &HttpRequest, action: &str, email: &str) -> Result<(), ApiError> {
    let ip = request.peer_addr().map(|addr| addr.ip().to_string()).unwrap_or_default();
    let now = Instant::now();
    for key in [format!("{action}:ip:{ip}"), format!("{action}:email:{}", email.trim().to_lowercase())] {
        if let Err(retry_after) = limiter.hit(&key, now) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many attempts; try again later.",
            )
            .with_retry_after(retry_after.as_secs().max(1)));
        }
    }
    Ok(())
}

#[tracing::instrument(name = "route.register", skip_all)]
pub async fn register(
    request: HttpRequest,
    body: Parsed<RegisterBody, Registration>,
    accounts: web::Data<AccountsService>,
    limiter: web::Data<AuthRateLimiter>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner();
    limit_attempts(&limiter, &request, "register", registration.email.as_str())?;
    let session = accounts.register(registration).await?;
    Ok(HttpResponse::Created().json(AuthResponse::from(session)))
}

#[derive(Debug, Deserialize, Validate)]
pub struct LoginBody {
    #[garde(length(chars, min = 1, max = 254))]
    email: String,
    #[garde(length(min = 1, max = 1024))]
    password: String,
}

#[tracing::instrument(name = "route.login", skip_all)]
pub async fn login(
    request: HttpRequest,
    body: ValidJson<LoginBody>,
    accounts: web::Data<AccountsService>,
    limiter: web::Data<AuthRateLimiter>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(body) = body;
    limit_attempts(&limiter, &request, "login", &body.email)?;
    // A malformed e-mail cannot belong to an account: the same answer as a wrong password.
    let email = Email::try_from(body.email.as_str()).map_err(|_| identity::accounts::LoginError::InvalidCredentials)?;
    let session = accounts.login(&email, Password::offered(body.password)).await?;
    Ok(HttpResponse::Ok().json(AuthResponse::from(session)))
}

#[derive(Debug, Deserialize, Validate)]
pub struct RefreshBody {
    #[garde(length(min = 1, max = 512))]
    refresh_token: String,
}

#[tracing::instrument(name = "route.refresh", skip_all)]
pub async fn refresh(
    body: ValidJson<RefreshBody>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let session = accounts.refresh(&RefreshToken::presented(body.0.refresh_token)).await?;
    Ok(HttpResponse::Ok().json(AuthResponse::from(session)))
}

#[tracing::instrument(name = "route.logout", skip_all)]
pub async fn logout(
    body: ValidJson<RefreshBody>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    accounts.logout(&RefreshToken::presented(body.0.refresh_token)).await.map_err(ApiError::internal)?;
    Ok(HttpResponse::NoContent().finish())
}

#[tracing::instrument(name = "route.me", skip_all, fields(user = %user.id))]
pub async fn me(user: AuthUser, accounts: web::Data<AccountsService>) -> Result<HttpResponse, ApiError> {
    let profile = accounts.profile(user.id).await?;
    Ok(HttpResponse::Ok().json(UserView::from(profile)))
}

#[derive(Debug, Deserialize, Validate)]
pub struct ProfileBody {
    #[garde(length(chars, min = 1, max = 100))]
    name: Option<String>,
    #[garde(length(chars, max = 32))]
    phone: Option<String>,
}

#[tracing::instrument(name = "route.update_me", skip_all, fields(user = %user.id))]
pub async fn update_me(
    user: AuthUser,
    body: ValidJson<ProfileBody>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(body) = body;
    let mut errors = Vec::new();
    let name = body.name.as_deref().and_then(|name| keep(PersonName::parse(name, "name"), &mut errors));
    let phone = body.phone.as_deref().and_then(|phone| keep(Phone::parse(phone, "phone"), &mut errors));
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let profile = accounts.update_profile(user.id, name, phone).await?;
    Ok(HttpResponse::Ok().json(UserView::from(profile)))
}
