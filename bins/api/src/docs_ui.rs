//! The interactive API reference at `/docs`: Swagger UI over the OpenAPI document at
//! `/api/v1/openapi.json`, served entirely by this process (nothing is loaded from another
//! origin, so it works offline and under a strict Content-Security-Policy).
//!
//! The page and its start-up script are ours (`docs_ui/index.html`, `docs_ui/init.js`);
//! Swagger UI's bundle, stylesheet and icon come from the npm package `swagger-ui-dist`,
//! fetched and checked by `make docs-ui` and embedded at build time by `build.rs`. A binary
//! built without them answers `/docs` with a 503 page saying so.
//!
//! Outside `/api/v1`, so the page is there while the database is down.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::error::ApiError;
use crate::middleware::OwnBody;

/// Swagger UI's files, embedded by `build.rs`.
pub struct Assets {
    pub bundle_js: &'static [u8],
    pub css: &'static [u8],
    pub favicon: &'static [u8],
    /// Swagger UI's NOTICE and LICENSE, and the licences of what its bundle includes.
    pub license: &'static str,
}

mod embedded {
    use super::Assets;
    include!(concat!(env!("OUT_DIR"), "/swagger_ui.rs"));
}

/// The swagger-ui-dist release this binary was built for.
pub const SWAGGER_UI_VERSION: &str = embedded::VERSION;

/// Swagger UI's assets, when they were installed at build time.
pub fn assets() -> Option<&'static Assets> {
    embedded::ASSETS.as_ref()
}

/// What the page may load: its own origin only. Swagger UI sets inline styles, and its
/// stylesheet draws icons as `data:` SVG images.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE: &str = include_str!("docs_ui/index.html");
const INIT_JS: &str = include_str!("docs_ui/init.js");
const UNAVAILABLE_PAGE: &str = include_str!("docs_ui/unavailable.html");

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const PNG: &str = "image/png";
const TEXT: &str = "text/plain; charset=utf-8";

/// Our own page and script change with the binary: revalidated on every load.
const NO_CACHE: &str = "no-cache";
/// Swagger UI's files are pinned by version (their ETag): kept a day, then revalidated.
const VENDOR_CACHE: &str = "public, max-age=86400";

/// The interactive reference page (Swagger UI) over this document.
#[utoipa::path(
    get, path = "/docs", tag = "health", operation_id = "reference_page",
    responses((status = 200, description = "The interactive reference page (Swagger UI) over this document.",
        content_type = "text/html", body = String)),
)]
pub async fn page() -> HttpResponse {
    page_for(assets())
}

/// A file the reference page loads.
#[utoipa::path(
    get, path = "/docs/{file}", tag = "health", operation_id = "reference_page_file",
    params(("file" = String, Path, description = "One of the files the page links: `init.js`, \
        `swagger-ui-bundle.js`, `swagger-ui.css`, `favicon-32x32.png`, `LICENSE.txt`.")),
    responses(
        (status = 200, description = "The file.", content((String = "text/javascript"), (String = "text/css"),
            (String = "image/png"), (String = "text/plain"))),
        (status = 304, description = "The copy the client holds (by ETag) is this version's."),
    ),
)]
pub async fn file(request: HttpRequest, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    match name.as_str() {
        "init.js" => Ok(own(&mut HttpResponse::Ok(), JAVASCRIPT, NO_CACHE).body(INIT_JS)),
        "swagger-ui-bundle.js" => vendor(&request, JAVASCRIPT, |assets| assets.bundle_js),
        "swagger-ui.css" => vendor(&request, CSS, |assets| assets.css),
        "favicon-32x32.png" => vendor(&request, PNG, |assets| assets.favicon),
        "LICENSE.txt" => vendor(&request, TEXT, |assets| assets.license.as_bytes()),
        _ => Err(ApiError::not_found()),
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(page, file))]
pub struct Api;

/// The page, or (without the assets) a 503 page pointing at the OpenAPI document.
fn page_for(assets: Option<&Assets>) -> HttpResponse {
    let (mut response, body) = match assets {
        Some(_) => (HttpResponse::Ok(), PAGE),
        None => (HttpResponse::build(StatusCode::SERVICE_UNAVAILABLE), UNAVAILABLE_PAGE),
    };
    own(&mut response, HTML, NO_CACHE)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    // Even as a 503, a page for a person: not replaced by the API's JSON error envelope.
    response.extensions_mut().insert(OwnBody);
    response.body(body)
}

fn own<'a>(
    response: &'a mut HttpResponseBuilder,
    content_type: &'static str,
    cache: &'static str,
) -> &'a mut HttpResponseBuilder {
    response
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
}

/// One of Swagger UI's files: 404 when the binary was built without them, 304 when the
/// client's copy (by ETag) is this version's.
fn vendor(
    request: &HttpRequest,
    content_type: &'static str,
    file: impl FnOnce(&'static Assets) -> &'static [u8],
) -> Result<HttpResponse, ApiError> {
    let assets = assets().ok_or_else(ApiError::not_found)?;
    let etag = format!("\"swagger-ui-dist-{SWAGGER_UI_VERSION}\"");
    let not_modified = matches_etag(request, &etag);
    let mut response = if not_modified { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    own(&mut response, content_type, VENDOR_CACHE).insert_header((header::ETAG, etag));
    Ok(if not_modified { response.finish() } else { response.body(file(assets)) })
}

/// `If-None-Match` names `etag` (weakly or not), or is `*`.
fn matches_etag(request: &HttpRequest, etag: &str) -> bool {
    let Some(value) = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_script_load_nothing_from_another_origin() {
        for text in [PAGE, INIT_JS, UNAVAILABLE_PAGE] {
            assert!(!text.contains("http://") && !text.contains("https://"), "{text}");
            assert!(!text.contains("//cdn") && !text.contains("src=\"//"), "{text}");
        }
        assert!(!PAGE.contains("<script>"), "no inline script: the CSP forbids it");
        assert!(INIT_JS.contains("url: \"/api/v1/openapi.json\""));
    }

    #[actix_web::test]
    async fn without_its_assets_the_page_is_a_503_page_pointing_at_the_document_not_an_envelope() {
        use actix_web::middleware::from_fn;
        use actix_web::{App, test};
        let app = test::init_service(
            App::new()
                .wrap(from_fn(crate::middleware::request_context))
                .route("/docs", web::get().to(|| async { page_for(None) })),
        )
        .await;

        let response = test::call_service(&app, test::TestRequest::get().uri("/docs").to_request()).await;

        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::CONTENT_TYPE).unwrap(), HTML);
        assert_eq!(response.headers().get(header::CONTENT_SECURITY_POLICY).unwrap(), CONTENT_SECURITY_POLICY);
        assert!(response.headers().contains_key(crate::request_id::HEADER));
        let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();
        assert!(body.contains("make docs-ui") && body.contains("href=\"/api/v1/openapi.json\""), "{body}");
    }

    #[test]
    fn if_none_match_is_compared_as_a_list_of_tags() {
        let etag = "\"swagger-ui-dist-1.2.3\"";
        let with = |value: &str| {
            actix_web::test::TestRequest::default().insert_header((header::IF_NONE_MATCH, value)).to_http_request()
        };
        assert!(matches_etag(&with(etag), etag));
        assert!(matches_etag(&with("\"other\", W/\"swagger-ui-dist-1.2.3\""), etag));
        assert!(matches_etag(&with("*"), etag));
        assert!(!matches_etag(&with("\"swagger-ui-dist-1.2.4\""), etag));
        assert!(!matches_etag(&actix_web::test::TestRequest::default().to_http_request(), etag));
    }
}
