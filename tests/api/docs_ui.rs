//! The API reference page at `/docs`: Swagger UI served by rigmaster itself, from assets
//! embedded at build time (`make docs-ui`; `make test` fetches them first).

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use rigmaster_tests::{TestApp, assert_error, spawn_app};

/// The values of every `src="…"` and `href="…"` attribute in `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            let end = rest.find('"').expect("a closed attribute");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    found
}

fn content_type(response: &reqwest::Response) -> String {
    response.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The content type and least size an asset of the page must have.
fn expected(path: &str) -> (&'static str, usize) {
    match path {
        // Swagger UI's own files: the real ones (the bundle is about 1.7 MB), not a stand-in.
        "/docs/swagger-ui-bundle.js" => ("text/javascript", 1_000_000),
        "/docs/swagger-ui.css" => ("text/css", 100_000),
        "/docs/favicon-32x32.png" => ("image/png", 100),
        "/docs/init.js" => ("text/javascript", 100),
        other => panic!("/docs references {other}, which this test does not know"),
    }
}

async fn page(app: &TestApp) -> String {
    let response = app.get("/docs").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "/docs is the page, not the fallback: was rigmaster built after `make docs-ui`?"
    );
    assert_eq!(content_type(&response), "text/html; charset=utf-8");
    let policy = response.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert!(!policy.contains("script-src"), "scripts fall under default-src 'self': {policy}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_page_loads_only_same_origin_scripts_and_stylesheets_and_each_is_served() {
    let app = spawn_app().await;

    let html = page(&app).await;

    assert!(html.contains("<title>RigMaster Commerce API</title>"), "{html}");
    assert!(html.contains("<div id=\"swagger-ui\"></div>"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "an absolute URL in the page: {html}");
    assert!(!html.contains("<script>"), "an inline script (the CSP forbids them): {html}");
    let references = references(&html);
    for path in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"] {
        assert!(references.iter().any(|r| r == path), "the page loads {path}: {references:?}");
    }
    for reference in &references {
        assert!(reference.starts_with('/') && !reference.starts_with("//"), "not a same-origin path: {reference}");
        if reference == "/api/v1/openapi.json" {
            continue; // The document itself (the <noscript> link), not an asset of the page.
        }
        let (content_type_prefix, least_bytes) = expected(reference);
        let response = app.get(reference).await;
        assert_eq!(response.status(), StatusCode::OK, "{reference}");
        assert!(content_type(&response).starts_with(content_type_prefix), "{reference}: {}", content_type(&response));
        assert!(response.headers().contains_key(CACHE_CONTROL), "{reference} says how long to keep it");
        let body = response.bytes().await.unwrap();
        assert!(body.len() >= least_bytes, "{reference} is {} bytes", body.len());
    }
}

#[tokio::test]
async fn the_start_up_script_shows_this_servers_openapi_document_and_names_no_other_origin() {
    let app = spawn_app().await;

    let response = app.get("/docs/init.js").await;

    assert_eq!(response.status(), StatusCode::OK);
    let script = response.text().await.unwrap();
    assert!(script.contains("SwaggerUIBundle({"), "{script}");
    assert!(script.contains("url: \"/api/v1/openapi.json\""), "{script}");
    assert!(script.contains("validatorUrl: null"), "no online validator: {script}");
    assert!(!script.contains("http://") && !script.contains("https://"), "{script}");
    let bundle = app.get("/docs/swagger-ui-bundle.js").await.text().await.unwrap();
    assert!(bundle.contains("SwaggerUIBundle"), "the bundle defines what init.js calls");
}

#[tokio::test]
async fn swagger_ui_files_are_revalidated_by_etag() {
    let app = spawn_app().await;
    let first = app.get("/docs/swagger-ui.css").await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();

    let again = app.client.get(app.url("/docs/swagger-ui.css")).header(IF_NONE_MATCH, &etag).send().await.unwrap();

    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    let other = app.client.get(app.url("/docs/swagger-ui.css")).header(IF_NONE_MATCH, "\"x\"").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn other_methods_and_unknown_files_answer_in_the_error_envelope() {
    let app = spawn_app().await;

    let post = app.post_raw("/docs", None, "").await;
    assert_error(post, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let unknown = app.get("/docs/swagger-ui.js").await;
    assert_error(unknown, StatusCode::NOT_FOUND, "not_found").await;
}
