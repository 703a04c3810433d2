//! `/api/v1/auth/*` and `/api/v1/me`.

use actix_web::{HttpRequest, HttpResponse, web};
use api_types::ErrorEnvelope;
use api_types::auth::{
    Login, RefreshToken as RefreshTokenWire, Registration as RegistrationWire, Session as SessionWire,
};
use api_types::users::{UpdateMe, User as UserWire};
use identity::accounts::{Registration, Session};
use identity::password::Password;
use identity::tokens::RefreshToken;
use kernel::{Email, InvalidInput, PersonName, Phone};
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::http::auth::AuthUser;
use crate::http::extract::{Parsed, ValidJson};
use crate::http::limits::Limit;
use crate::http::params::keep;
use crate::state::{AccountsService, RateLimits};
use crate::views::{FromWire, ToWire};

/// This module's operations in the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(register, login, refresh, logout, me, update_me))]
pub struct Api;

// The wire's rules are the domain's.
const _: () = assert!(api_types::auth::PASSWORD_MIN_CHARS == Password::MIN_CHARS);
const _: () = assert!(api_types::auth::PASSWORD_MAX_CHARS == Password::MAX_CHARS);
const _: () = assert!(api_types::users::NAME_MAX_CHARS == PersonName::MAX_CHARS);

impl ToWire for Session {
    type Wire = SessionWire;

    fn to_wire(self) -> SessionWire {
        SessionWire {
            user: self.user.to_wire(),
            access_token: self.access_token,
            refresh_token: self.refresh_token.expose().to_owned(),
            token_type: api_types::auth::TokenType::Bearer,
            expires_in: self.expires_in.as_secs(),
        }
    }
}

impl FromWire<RegistrationWire> for Registration {
    fn from_wire(body: RegistrationWire) -> Result<Self, InvalidInput> {
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

/// The profile fields a `PATCH /me` changes, parsed.
#[derive(Debug)]
pub struct ProfileUpdate {
    name: Option<PersonName>,
    phone: Option<Phone>,
}

impl FromWire<UpdateMe> for ProfileUpdate {
    fn from_wire(body: UpdateMe) -> Result<Self, InvalidInput> {
        let mut errors = Vec::new();
        let name = body.name.as_deref().and_then(|name| keep(PersonName::parse(name, "name"), &mut errors));
        let phone = body.phone.as_deref().and_then(|phone| keep(Phone::parse(phone, "phone"), &mut errors));
        if errors.is_empty() { Ok(ProfileUpdate { name, phone }) } else { Err(InvalidInput(errors)) }
    }
}

/// Register a customer account and sign in.
///
/// The e-mail is normalised to lower case (so `Asha@Example.in` and `asha@example.in` are
/// one account). A refused body names every invalid field at once. Attempts are limited per
/// client IP, and per client IP and e-mail.
#[utoipa::path(
    post, path = "/api/v1/auth/register", tag = "auth", operation_id = "register",
    request_body = RegistrationWire,
    responses(
        (status = 201, description = "The new customer, signed in.", body = SessionWire),
        (status = 409, description = "`email_taken`: the e-mail is already registered (`details` names `email`).",
            body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.register", skip_all)]
pub async fn register(
    request: HttpRequest,
    body: Parsed<RegistrationWire, Registration>,
    accounts: web::Data<AccountsService>,
    limits: web::Data<RateLimits>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner();
    limits.count_email(&request, Limit::Register, registration.email.as_str()).await?;
    let session = accounts.register(registration).await?;
    Ok(HttpResponse::Created().json(session.to_wire()))
}

/// Sign in with an e-mail and password.
///
/// An unknown e-mail and a wrong password get the same answer, in the same time. Attempts
/// are limited per client IP, and per client IP and e-mail (never per e-mail alone, so no
/// one can lock a customer out from elsewhere); a disabled account cannot sign in.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", operation_id = "login",
    request_body = Login,
    responses(
        (status = 200, description = "A new session.", body = SessionWire),
        (status = 401, description = "`invalid_credentials`: the e-mail or the password is wrong.",
            body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.login", skip_all)]
pub async fn login(
    request: HttpRequest,
    body: ValidJson<Login>,
    accounts: web::Data<AccountsService>,
    limits: web::Data<RateLimits>,
) -> Result<HttpResponse, ApiError> {
    let ValidJson(body) = body;
    limits.count_email(&request, Limit::Login, &body.email).await?;
    // A malformed e-mail cannot belong to an account: the same answer as a wrong password.
    let email = Email::try_from(body.email.as_str()).map_err(|_| identity::accounts::LoginError::InvalidCredentials)?;
    let session = accounts.login(&email, Password::offered(body.password)).await?;
    Ok(HttpResponse::Ok().json(session.to_wire()))
}

/// Trade a refresh token for a new token pair.
///
/// The refresh token presented stops working. Presenting one that was already traded is
/// taken for a stolen token: every session of that login is signed out (401
/// `refresh_token_reused`), and the user must sign in again.
#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth", operation_id = "refresh_session",
    request_body = RefreshTokenWire,
    responses(
        (status = 200, description = "The session, with a new access token and a new refresh token.",
            body = SessionWire),
        (status = 401, description = "`unauthorized`: the refresh token is unknown, expired, signed out or its \
            account disabled; `refresh_token_reused`: it was already traded, and its login is now signed out.",
            body = ErrorEnvelope),
    ),
)]
#[tracing::instrument(name = "route.refresh", skip_all)]
pub async fn refresh(
    body: ValidJson<RefreshTokenWire>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let session = accounts.refresh(&RefreshToken::presented(body.0.refresh_token)).await?;
    Ok(HttpResponse::Ok().json(session.to_wire()))
}

/// Sign out: revoke the refresh token and every token of its login.
///
/// Answers 204 whatever the token (an unknown or already revoked one changes nothing).
/// Access tokens already issued stay valid until they expire.
#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", operation_id = "logout",
    request_body = RefreshTokenWire,
    responses((status = 204, description = "Signed out.")),
)]
#[tracing::instrument(name = "route.logout", skip_all)]
pub async fn logout(
    body: ValidJson<RefreshTokenWire>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    accounts.logout(&RefreshToken::presented(body.0.refresh_token)).await.map_err(ApiError::internal)?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", operation_id = "get_me",
    responses((status = 200, description = "The user the token was issued to.", body = UserWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.me", skip_all, fields(user = %user.id))]
pub async fn me(user: AuthUser, accounts: web::Data<AccountsService>) -> Result<HttpResponse, ApiError> {
    let profile = accounts.profile(user.id).await?;
    Ok(HttpResponse::Ok().json(profile.to_wire()))
}

/// Change the signed-in user's name or phone.
///
/// Absent fields are left as they are; the e-mail cannot be changed. A refused body names
/// every invalid field at once.
#[utoipa::path(
    patch, path = "/api/v1/me", tag = "auth", operation_id = "update_me",
    request_body = UpdateMe,
    responses((status = 200, description = "The user, changed.", body = UserWire)),
    security(("bearer" = [])),
)]
#[tracing::instrument(name = "route.update_me", skip_all, fields(user = %user.id))]
pub async fn update_me(
    user: AuthUser,
    body: Parsed<UpdateMe, ProfileUpdate>,
    accounts: web::Data<AccountsService>,
) -> Result<HttpResponse, ApiError> {
    let ProfileUpdate { name, phone } = body.into_inner();
    let profile = accounts.update_profile(user.id, name, phone).await?;
    Ok(HttpResponse::Ok().json(profile.to_wire()))
}
