use reqwest::StatusCode;
use rigmaster_tests::{Metrics, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;

    let response = app.get("/health").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "ok"}));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;

    let response = app.get("/health").await;

    let id = response.headers().get("x-request-id").expect("x-request-id").to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "a fresh id is a UUID: {id}");
}

#[tokio::test]
async fn the_clients_request_id_is_echoed() {
    let app = spawn_app().await;

    let response = app.client.get(app.url("/health")).header("x-request-id", "storefront-42").send().await.unwrap();

    assert_eq!(response.headers()["x-request-id"], "storefront-42");
}

#[tokio::test]
async fn metrics_show_requests_by_route_and_status_and_the_pool() {
    let app = spawn_app().await;
    let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
    let unmatched = [("method", "GET"), ("route", "unmatched"), ("status", "404")];
    let before = app.metrics().await;
    app.api.health().await.unwrap();
    app.get("/no/such/page").await;

    let response = app.get("/metrics").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let after = Metrics::parse(response.text().await.unwrap());
    // Increases, not values: under `cargo test` other tests' requests count here too.
    assert!(after.increase_since(&before, "http_requests_total", &health) >= 1.0, "{after}");
    assert!(after.increase_since(&before, "http_requests_total", &unmatched) >= 1.0, "{after}");
    assert!(after.increase_since(&before, "http_request_duration_seconds_count", &health) >= 1.0, "{after}");
    assert!(
        after.has(r#"http_request_duration_seconds_bucket{method="GET",route="/health",status="200",le="0.005"}"#),
        "{after}"
    );
    assert!(after.has(r#"db_pool_connections{state="idle"}"#), "{after}");
    assert!(after.has("db_pool_max_connections 10"), "{after}");
}
