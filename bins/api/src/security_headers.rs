//! The headers every response carries, and cross-origin access (CORS) from the allow-list.
//!
//! Every answer, error or not, on every listener: `X-Content-Type-Options: nosniff`,
//! `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`, a Content-Security-Policy
//! (none of anything for the API's JSON; the reference page's own at `/docs`),
//! `Strict-Transport-Security` when configured, and `Cache-Control: no-store` on everything
//! but the public pages a shared cache may keep (the shopper catalog, health, the API's
//! document and the reference page): tokens and personal data never reach a cache.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::{Condition, Next};

use crate::configuration::SecuritySettings;
use crate::docs_ui;

/// JSON answers load nothing and may not be framed.
pub const API_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// What the headers depend on, from `[security]`; app data of every listener.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    pub fn new(settings: &SecuritySettings) -> SecurityHeaders {
        let hsts = (settings.hsts_max_age_seconds > 0).then(|| {
            HeaderValue::from_str(&format!("max-age={}", settings.hsts_max_age_seconds))
                .expect("a number is a header value")
        });
        SecurityHeaders { hsts }
    }

    /// Adds the headers to an answer to `method path`.
    pub fn apply(&self, method: &Method, path: &str, headers: &mut HeaderMap) {
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // The API links nowhere; the reference page has no reason to tell other sites
        // where it was read.
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        let policy =
            if is_reference_page(path) { docs_ui::CONTENT_SECURITY_POLICY } else { API_CONTENT_SECURITY_POLICY };
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
        if let Some(hsts) = &self.hsts {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
        if !is_public(method, path) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}

/// Adds [`SecurityHeaders`] to every response of the app it wraps.
pub async fn add(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let headers = request.app_data::<SecurityHeaders>().cloned();
    let (method, path) = (request.method().clone(), request.path().to_owned());
    let mut response = next.call(request).await?;
    if let Some(headers) = headers {
        headers.apply(&method, &path, response.headers_mut());
    }
    Ok(response)
}

/// `/docs` and its files.
fn is_reference_page(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

/// Answers the same for everyone, which keep the caching they choose: reading the shopper
/// catalog, health, the document and the reference page.
fn is_public(method: &Method, path: &str) -> bool {
    if method != Method::GET && method != Method::HEAD {
        return false;
    }
    if is_reference_page(path) || matches!(path, "/health" | "/ready" | "/api/v1/openapi.json") {
        return true;
    }
    match path.strip_prefix("/api/v1/") {
        Some("categories" | "products" | "search/suggest") => true,
        Some(rest) => rest.strip_prefix("products/").is_some_and(|product| !product.contains('/')),
        None => false,
    }
}

/// CORS for the configured origins: preflights answered for them, their requests given
/// `Access-Control-Allow-Origin`. With no origin configured the middleware is off and no
/// `Access-Control-*` header is ever sent. A request from another origin is served as any
/// request is (the browser withholds the answer from the page); tools without an origin
/// are unaffected.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let cors = origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .allowed_header("idempotency-key")
        .allowed_header(crate::request_id::HEADER)
        .expose_headers([header::RETRY_AFTER, header::LOCATION])
        .expose_headers([crate::request_id::HEADER])
        .block_on_origin_mismatch(false)
        .max_age(3600);
    Condition::new(!origins.is_empty(), cors)
}

/// An origin as CORS compares it: `scheme://host[:port]`, nothing after.
pub fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '*', ' '])
        && origin.parse::<actix_web::http::Uri>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shopper_catalog_health_and_the_docs_are_public_and_nothing_else() {
        for path in [
            "/api/v1/products",
            "/api/v1/products/gpu-1",
            "/api/v1/categories",
            "/api/v1/search/suggest",
            "/health",
            "/docs",
            "/docs/swagger-ui.css",
            "/api/v1/openapi.json",
        ] {
            assert!(is_public(&Method::GET, path), "{path}");
            assert!(!is_public(&Method::POST, path), "{path}");
        }
        for path in [
            "/api/v1/me",
            "/api/v1/me/addresses",
            "/api/v1/cart",
            "/api/v1/orders",
            "/api/v1/admin/products",
            "/api/v1/products/gpu-1/secret",
            "/metrics",
            "/anything",
        ] {
            assert!(!is_public(&Method::GET, path), "{path}");
        }
    }

    #[test]
    fn origins_are_a_scheme_and_a_host() {
        for origin in ["https://shop.example.in", "http://127.0.0.1:3000"] {
            assert!(is_origin(origin), "{origin}");
        }
        for origin in ["*", "shop.example.in", "https://shop.example.in/", "https://", "ftp://x", "https://*.x"] {
            assert!(!is_origin(origin), "{origin}");
        }
    }
}
