//! Rate limits on the routes that can be abused (`[rate_limit]`): each limited route names
//! its [`Limit`] where it is registered (`routes::configure`), and [`enforce`] counts the
//! request before its body is read, per client IP ([`client_ip`](super::client_ip)) and per
//! customer (the bearer token's user, when there is a valid one). Sign-in and sign-up also
//! count per client IP and e-mail ([`RequestLimits::count_email`]), once the body is read.
//!
//! Never per e-mail alone: then anyone could lock a customer out of their account from
//! anywhere by failing to sign in as them. The counts live in the store's database
//! ([`crate::rate_limit`]), so they hold across every process. When the count cannot be
//! taken (the database is unreachable) the request goes through, with a warning: a limit
//! must not turn a database hiccup into refusals of every customer, and without the
//! database the request fails on its own anyway.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use super::client_ip::{ClientIp, ClientIpRule};
use crate::configuration::RateLimitSettings;
use crate::error::{ApiError, ErrorCode};
use crate::rate_limit::{Quota, RateLimiter};
use crate::state::{AccountsService, RateLimits};

/// The window every `*_per_minute` limit is counted in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// What a limited route counts against. Routes sharing one keep one count (verify and
/// retry are both payments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    Register,
    Login,
    Refresh,
    Logout,
    Orders,
    Payments,
    Coupon,
    Newsletter,
    SavedBuilds,
}

impl Limit {
    /// The count's name in its keys.
    fn name(self) -> &'static str {
        match self {
            Limit::Register => "register",
            Limit::Login => "login",
            Limit::Refresh => "refresh",
            Limit::Logout => "logout",
            Limit::Orders => "orders",
            Limit::Payments => "payments",
            Limit::Coupon => "coupon",
            Limit::Newsletter => "newsletter",
            Limit::SavedBuilds => "saved_builds",
        }
    }

    fn per_minute(self, settings: &RateLimitSettings) -> u32 {
        match self {
            Limit::Register | Limit::Login => settings.auth_per_minute,
            Limit::Refresh | Limit::Logout => settings.sessions_per_minute,
            Limit::Orders => settings.orders_per_minute,
            Limit::Payments => settings.payments_per_minute,
            Limit::Coupon => settings.coupon_per_minute,
            Limit::Newsletter => settings.newsletter_per_minute,
            Limit::SavedBuilds => settings.saved_builds_per_minute,
        }
    }
}

/// The limits as configured, the counter behind them and how clients are told apart.
#[derive(Debug)]
pub struct RequestLimits<L> {
    limiter: L,
    settings: RateLimitSettings,
    clients: ClientIpRule,
}

impl<L: RateLimiter> RequestLimits<L> {
    /// `Err` names what is wrong with `trusted_proxies` or `ipv6_prefix_len` (checked at
    /// start-up, see `Settings::check_shape`).
    pub fn new(limiter: L, settings: &RateLimitSettings) -> Result<Self, String> {
        let clients = ClientIpRule::parse(&settings.trusted_proxies, settings.ipv6_prefix_len)?;
        Ok(RequestLimits { limiter, settings: settings.clone(), clients })
    }

    /// The request's client, as rate limits count it.
    pub fn client(&self, request: &HttpRequest) -> ClientIp {
        // Without a peer (a test request, a Unix socket) everyone is one client.
        let peer = request.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |addr| addr.ip());
        self.clients.client(peer, request.headers())
    }

    /// Counts a sign-in or sign-up for `email` from the request's client; 429 over the limit.
    pub async fn count_email(&self, request: &HttpRequest, limit: Limit, email: &str) -> Result<(), ApiError> {
        // Hashed: the table need not hold e-mail addresses, and keys stay short.
        let email = Sha256::digest(email.trim().to_lowercase().as_bytes());
        let key = format!("{}:ip+email:{}:{}", limit.name(), self.client(request), hex::encode(&email[..16]));
        self.count(&[Quota { key, limit: self.settings.auth_per_email_per_minute }]).await
    }

    async fn count(&self, quotas: &[Quota]) -> Result<(), ApiError> {
        match self.limiter.hit(quotas).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(retry_after)) => Err(rate_limited(retry_after)),
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the rate limit could not be counted; letting the request through");
                Ok(())
            }
        }
    }

    /// The per-IP and per-customer quotas of a request.
    fn quotas(&self, limit: Limit, client: ClientIp, customer: Option<Uuid>) -> Vec<Quota> {
        let per_minute = limit.per_minute(&self.settings);
        let mut quotas = vec![Quota { key: format!("{}:ip:{client}", limit.name()), limit: per_minute }];
        if let Some(customer) = customer {
            quotas.push(Quota { key: format!("{}:customer:{customer}", limit.name()), limit: per_minute });
        }
        quotas
    }
}

/// 429 `rate_limited`, `Retry-After` rounded up to whole seconds (at least one).
fn rate_limited(retry_after: Duration) -> ApiError {
    let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, "Too many requests; try again later.")
        .with_retry_after(seconds.max(1))
}

/// Counts the request against `limit` before anything else of it is read; 429 over it.
pub async fn enforce(
    limit: Limit,
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = request.app_data::<web::Data<RateLimits>>().expect("RateLimits is registered as app data").clone();
    let client = limits.client(request.request());
    let customer = customer(&request);
    if let Err(refusal) = limits.count(&limits.quotas(limit, client, customer)).await {
        return Ok(request.error_response(refusal));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// The user a valid bearer token names (its signature and expiry checked, not its
/// account: the handler does that, and answers 401 for a token that is not good).
fn customer(request: &ServiceRequest) -> Option<Uuid> {
    let accounts = request.app_data::<web::Data<AccountsService>>()?;
    let token = request.headers().get(AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")?.trim();
    accounts.access_tokens().verify(token).ok().map(|claims| claims.sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_whole_seconds_rounded_up_and_never_zero() {
        let header = |d: Duration| {
            use actix_web::ResponseError as _;
            rate_limited(d).error_response().headers().get("retry-after").unwrap().to_str().unwrap().to_owned()
        };
        assert_eq!(header(Duration::ZERO), "1");
        assert_eq!(header(Duration::from_millis(1500)), "2");
        assert_eq!(header(Duration::from_secs(60)), "60");
    }
}
