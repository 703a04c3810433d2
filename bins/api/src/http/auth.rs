//! Who is calling: the one place bearer tokens are read. Protected handlers take
//! [`AuthUser`] or [`AdminUser`] as an argument; no handler checks roles by hand.
//!
//! A token is checked against the account it names on every request
//! ([`identity::accounts::Accounts::authenticate`]): a deleted or disabled account is
//! refused at once, and the stored role, not the token's, decides what the caller may do.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, web};
use identity::tokens::Role;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode, unauthorized};
use crate::state::AccountsService;

/// A caller with a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub id: Uuid,
    pub role: Role,
}

/// A caller with a valid access token and the admin role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminUser(pub AuthUser);

type Authenticating<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Authenticating<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req))
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Authenticating<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage as _;
        // Checked already by `admin_gate`, before the handler's other arguments.
        if let Some(admin) = req.extensions().get::<AdminUser>().copied() {
            return Box::pin(async move { Ok(admin) });
        }
        let user = authenticate(req);
        Box::pin(async move {
            let user = user.await?;
            match user.role {
                Role::Admin => Ok(AdminUser(user)),
                Role::Customer => {
                    Err(ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, "This needs an admin account."))
                }
            }
        })
    }
}

/// Middleware over the API: a request to `/api/v1/admin/…` is answered 401 or 403 unless
/// it carries an admin's token, before its handler reads anything else of it. Actix polls
/// a handler's arguments together, so without this a customer's request with a bad body
/// could be refused for its body (422) while its token was still being checked, and learn
/// what only an admin should. The admin found is kept for [`AdminUser`], which then needs
/// no second look-up.
pub async fn admin_gate(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    use actix_web::HttpMessage as _;
    // Decoded as the router decodes it before matching: `/api/v1/%61dmin/…` reaches the
    // admin routes too.
    let path = percent_encoding::percent_decode_str(request.path()).decode_utf8_lossy();
    if path == "/api/v1/admin" || path.starts_with("/api/v1/admin/") {
        match AdminUser::from_request(request.request(), &mut Payload::None).await {
            Ok(admin) => {
                request.extensions_mut().insert(admin);
            }
            Err(refusal) => return Ok(request.error_response(refusal)),
        }
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// Reads the token now and checks it against its account in the returned future, which
/// owns everything it needs.
fn authenticate(req: &HttpRequest) -> impl Future<Output = Result<AuthUser, ApiError>> + 'static {
    let token = bearer_token(req);
    let accounts = req.app_data::<web::Data<AccountsService>>().expect("AccountsService is registered as app data");
    let accounts = accounts.clone();
    async move {
        let token = token.ok_or_else(|| unauthorized("A valid bearer token is required."))?;
        let caller = accounts.authenticate(&token).await?;
        Ok(AuthUser { id: caller.id, role: caller.role })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// An admin whose writes are recorded in the audit trail: the admin, and the recorder
/// that stamps each change with their id and the request's id. Every admin route that
/// writes takes this instead of [`AdminUser`], and hands `recorder` to the domain, which
/// records the change in its own transaction.
#[derive(Debug, Clone)]
pub struct AuditedAdmin {
    pub admin: AuthUser,
    pub recorder: audit::Recorder,
}

impl FromRequest for AuditedAdmin {
    type Error = ApiError;
    type Future = Authenticating<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use actix_web::HttpMessage as _;
        let request_id = req.extensions().get::<crate::request_id::RequestId>().map(|id| id.as_str().to_owned());
        let admin = AdminUser::from_request(req, payload);
        Box::pin(async move {
            let AdminUser(admin) = admin.await?;
            Ok(AuditedAdmin { admin, recorder: audit::Recorder::new(admin.id, request_id) })
        })
    }
}
