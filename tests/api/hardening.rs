//! The edge: security headers on every answer, no caching of tokens and personal data,
//! CORS only for the configured origins, deadlines on slow clients, and where `/metrics`
//! is served.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use rigmaster_api::Application;
use rigmaster_tests::{TestDatabase, spawn_app, spawn_app_with, test_settings};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use uuid::Uuid;

const SHOP: &str = "https://shop.example.in";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|value| value.to_str().expect("a visible header value"))
}

fn assert_security_headers(what: &str, headers: &HeaderMap) {
    assert_eq!(header(headers, "x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(header(headers, "x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(header(headers, "referrer-policy"), Some("no-referrer"), "{what}");
    let policy = header(headers, "content-security-policy").unwrap_or_else(|| panic!("{what}: no CSP"));
    assert!(policy.contains("frame-ancestors 'none'"), "{what}: {policy}");
}

fn has_cors_headers(headers: &HeaderMap) -> bool {
    headers.keys().any(|name| name.as_str().starts_with("access-control-"))
}

#[tokio::test]
async fn every_route_in_the_document_answers_with_the_security_headers() {
    let app = spawn_app().await;
    let document = app.get_json("/api/v1/openapi.json").await;
    let paths = document["paths"].as_object().expect("the document has paths");
    let mut walked = 0;

    for (template, operations) in paths {
        let path = fill_path_parameters(template);
        for method in operations.as_object().unwrap().keys() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue; // `parameters`, `summary` and the like sit beside the methods.
            };
            let what = format!("{method} {path}");

            let response = app.client.request(method.clone(), app.url(&path)).send().await.expect("request sent");

            assert_security_headers(&what, response.headers());
            let policy = header(response.headers(), "content-security-policy").unwrap();
            if path.starts_with("/docs") {
                assert!(policy.starts_with("default-src 'self'"), "{what}: {policy}");
            } else {
                assert_eq!(policy, "default-src 'none'; frame-ancestors 'none'", "{what}");
            }
            if !has_public_answer(&method, &path) {
                assert_eq!(header(response.headers(), "cache-control"), Some("no-store"), "{what}");
            }
            walked += 1;
        }
    }
    assert!(walked > 40, "walked {walked} routes");
}

/// `{id}` and its kind, each a fresh uuid: the route answers (404, 401 …), whatever it is.
fn fill_path_parameters(template: &str) -> String {
    template
        .split('/')
        .map(|segment| if segment.starts_with('{') { Uuid::new_v4().to_string() } else { segment.to_owned() })
        .collect::<Vec<_>>()
        .join("/")
}

/// The shopper catalog, health, the document and the reference page: the same for
/// everyone, so they keep whatever caching they choose.
fn has_public_answer(method: &Method, path: &str) -> bool {
    method == Method::GET
        && (path.starts_with("/docs")
            || path.starts_with("/api/v1/products")
            || ["/health", "/ready", "/api/v1/openapi.json", "/api/v1/categories", "/api/v1/search/suggest"]
                .contains(&path))
}

#[tokio::test]
async fn tokens_and_personal_data_are_never_cached_and_the_catalog_keeps_its_caching() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;

    let login = app
        .post_json("/api/v1/auth/login", &serde_json::json!({"email": customer.email, "password": customer.password}))
        .await;
    let me = app.get_as("/api/v1/me", &customer.access_token).await;
    let addresses = app.get_as("/api/v1/me/addresses", &customer.access_token).await;
    let products = app.get("/api/v1/products").await;

    for (what, response) in [("login", &login), ("me", &me), ("addresses", &addresses)] {
        assert_eq!(response.status(), StatusCode::OK, "{what}");
        assert_eq!(header(response.headers(), "cache-control"), Some("no-store"), "{what}");
        assert_security_headers(what, response.headers());
    }
    assert_eq!(products.status(), StatusCode::OK);
    assert_ne!(header(products.headers(), "cache-control"), Some("no-store"));
    assert_security_headers("products", products.headers());
}

#[tokio::test]
async fn without_configured_origins_no_cors_header_is_ever_sent() {
    let app = spawn_app().await;

    let simple = app.client.get(app.url("/api/v1/products")).header("origin", SHOP).send().await.unwrap();
    let preflight = preflight(&app, "/api/v1/auth/login", SHOP).await;

    assert_eq!(simple.status(), StatusCode::OK);
    assert!(!has_cors_headers(simple.headers()), "{:?}", simple.headers());
    assert!(!has_cors_headers(preflight.headers()), "{:?}", preflight.headers());
    assert_security_headers("preflight", preflight.headers());
}

#[tokio::test]
async fn an_allowed_origin_gets_its_preflight_answered_and_its_answers_shared() {
    let app = spawn_app_with(|settings| settings.security.cors_allowed_origins = vec![SHOP.into()]).await;

    let preflight = preflight(&app, "/api/v1/auth/login", SHOP).await;
    let simple = app.client.get(app.url("/api/v1/products")).header("origin", SHOP).send().await.unwrap();

    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(header(preflight.headers(), "access-control-allow-origin"), Some(SHOP));
    let methods = header(preflight.headers(), "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    assert_security_headers("preflight", preflight.headers());
    assert_eq!(header(simple.headers(), "access-control-allow-origin"), Some(SHOP));
}

#[tokio::test]
async fn another_origin_gets_no_cors_header_from_a_store_that_allows_one() {
    let app = spawn_app_with(|settings| settings.security.cors_allowed_origins = vec![SHOP.into()]).await;
    let elsewhere = "https://evil.example.com";

    let preflight = preflight(&app, "/api/v1/auth/login", elsewhere).await;
    let simple = app.client.get(app.url("/api/v1/products")).header("origin", elsewhere).send().await.unwrap();

    assert_eq!(header(preflight.headers(), "access-control-allow-origin"), None);
    assert_eq!(simple.status(), StatusCode::OK, "a tool that sends an origin is served as any other");
    assert_eq!(header(simple.headers(), "access-control-allow-origin"), None);
}

async fn preflight(app: &rigmaster_tests::TestApp, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("request sent")
}

#[tokio::test]
async fn hsts_is_sent_only_when_configured() {
    let plain = spawn_app().await;
    let https = spawn_app_with(|settings| settings.security.hsts_max_age_seconds = 31_536_000).await;

    let without = plain.get("/health").await;
    let with = https.get("/api/v1/me").await;

    assert_eq!(header(without.headers(), "strict-transport-security"), None);
    assert_eq!(header(with.headers(), "strict-transport-security"), Some("max-age=31536000"));
}

#[tokio::test]
async fn a_body_trickled_a_byte_a_second_is_cut_at_the_deadline() {
    let app = spawn_app_with(|settings| settings.http.body_read_timeout_ms = 1000).await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                Content-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();

    // Less than the body: if the deadline did not cut it, the server would wait forever.
    let trickle = tokio::spawn(async move {
        for byte in b"{\"email\":\"slow@example.in\",\"password\":\"sent one byte at a time\"".iter().take(60) {
            if writer.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        writer
    });
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|window| window == b"\r\n\r\n") {
        match reader.read(&mut buffer).await.unwrap_or(0) {
            0 => break,
            read => answer.extend_from_slice(&buffer[..read]),
        }
    }
    let _ = reader.read_to_end(&mut answer).await;
    trickle.abort();

    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "cut with 503 before the body ended: {answer}");
    assert!(answer.contains("\"service_unavailable\""), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{answer}");
}

/// The app with `customize`d settings, and the port of its metrics listener (if any).
async fn app_with_metrics(customize: impl FnOnce(&mut rigmaster_api::Settings)) -> (reqwest::Client, u16, Option<u16>) {
    let db = TestDatabase::create().await;
    let mut settings = test_settings(db.url());
    customize(&mut settings);
    let app = Application::build(settings).await.expect("the application builds");
    let ports = (app.port(), app.metrics_port());
    tokio::spawn(async move {
        let _db = db;
        app.run_until_stopped(std::future::pending()).await
    });
    (reqwest::Client::new(), ports.0, ports.1)
}

async fn get(client: &reqwest::Client, port: u16, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client.get(format!("http://127.0.0.1:{port}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request sent")
}

#[tokio::test]
async fn metrics_moved_to_their_own_listener_are_not_served_on_the_public_one() {
    let (client, public, metrics) = app_with_metrics(|settings| {
        settings.metrics.addr = "127.0.0.1:0".into();
        settings.metrics.on_public_listener = false;
    })
    .await;
    let metrics = metrics.expect("a metrics listener");

    let on_public = get(&client, public, "/metrics", None).await;
    let on_own = get(&client, metrics, "/metrics", None).await;
    let health = get(&client, metrics, "/health", None).await;
    let api = get(&client, metrics, "/api/v1/products", None).await;

    assert_eq!(on_public.status(), StatusCode::NOT_FOUND);
    assert_eq!(on_public.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    assert_eq!(on_own.status(), StatusCode::OK);
    assert_security_headers("metrics listener", on_own.headers());
    assert!(on_own.text().await.unwrap().contains("http_requests_total"));
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(api.status(), StatusCode::NOT_FOUND, "the metrics listener serves nothing else");
}

#[tokio::test]
async fn metrics_with_a_token_are_served_to_its_bearer_only() {
    let (client, public, metrics) = app_with_metrics(|settings| {
        settings.metrics.addr = "127.0.0.1:0".into();
        settings.metrics.token = "a-scrape-token".to_owned().into();
    })
    .await;
    let metrics = metrics.expect("a metrics listener");

    for port in [public, metrics] {
        let without = get(&client, port, "/metrics", None).await;
        let wrong = get(&client, port, "/metrics", Some("a-scrape-tokeN")).await;
        let right = get(&client, port, "/metrics", Some("a-scrape-token")).await;

        assert_eq!(without.status(), StatusCode::UNAUTHORIZED, "port {port}");
        assert_eq!(without.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "port {port}");
        assert_eq!(right.status(), StatusCode::OK, "port {port}");
    }
}

#[tokio::test]
async fn development_keeps_metrics_on_the_public_listener_without_a_token() {
    let app = spawn_app().await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_ups_beyond_the_hashing_turns_are_turned_away_with_503_not_queued() {
    let app = spawn_app_with(|settings| {
        settings.passwords.max_concurrent_hashes = 1;
        settings.passwords.hash_wait_ms = 1;
        // Each hash holds the one turn long enough for the others to arrive meanwhile.
        settings.passwords.iterations = 8;
    })
    .await;
    let sign_ups: Vec<_> = (0..8)
        .map(|n| {
            let body = serde_json::json!({
                "name": "Burst Customer",
                "email": format!("burst-{n}-{}@example.in", Uuid::new_v4().simple()),
                "password": "correct horse battery",
            });
            let request = app.client.post(app.url("/api/v1/auth/register")).json(&body);
            tokio::spawn(async move { request.send().await.expect("request sent") })
        })
        .collect();

    let mut answers = Vec::new();
    for sign_up in sign_ups {
        answers.push(sign_up.await.unwrap());
    }

    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    assert!(statuses.contains(&StatusCode::CREATED), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| [StatusCode::CREATED, StatusCode::SERVICE_UNAVAILABLE].contains(s)),
        "{statuses:?}"
    );
    let busy = answers.into_iter().find(|answer| answer.status() == StatusCode::SERVICE_UNAVAILABLE);
    let busy = busy.unwrap_or_else(|| panic!("one turn for 8 sign-ups at once, none refused: {statuses:?}"));
    assert_eq!(header(busy.headers(), "retry-after"), Some("1"));
    assert_eq!(busy.json::<Value>().await.unwrap()["error"]["code"], "service_unavailable");
}
