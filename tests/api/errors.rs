//! Every error path has the contract's envelope, including Actix's own.

use reqwest::StatusCode;
use rigmaster_tests::{assert_error, spawn_app};
use serde_json::json;

const NEWSLETTER: &str = "/api/v1/newsletter";

#[tokio::test]
async fn unknown_route_is_not_found() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/no-such-thing").await;

    assert_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn wrong_method_is_method_not_allowed() {
    let app = spawn_app().await;

    let response = app.client.delete(app.url("/health")).send().await.unwrap();

    assert_eq!(response.headers()["allow"], "GET");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn a_method_not_allowed_answer_names_every_method_the_resource_serves() {
    let app = spawn_app().await;

    let trace = reqwest::Method::from_bytes(b"TRACE").unwrap();
    let response = app
        .client
        .request(trace, app.url("/api/v1/cart/items/00000000-0000-0000-0000-000000000000"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["allow"], "PATCH, DELETE");
    assert_error(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let app = spawn_app().await;

    let response = app.post_raw(NEWSLETTER, Some("application/json"), r#"{"email": "#).await;

    let error = assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(error["message"].as_str().unwrap().contains("not valid JSON"), "{error}");
}

#[tokio::test]
async fn wrong_content_type_is_a_bad_request() {
    let app = spawn_app().await;

    let as_form = app.post_raw(NEWSLETTER, Some("application/x-www-form-urlencoded"), "email=a%40b.in").await;
    let without = app.post_raw(NEWSLETTER, None, r#"{"email":"a@b.in"}"#).await;

    assert_error(as_form, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_error(without, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_too_large() {
    let app = spawn_app().await;
    let padding = "x".repeat(1024 * 1024);
    let body = json!({ "email": "a@b.in", "padding": padding }).to_string();

    let response = app.post_raw(NEWSLETTER, Some("application/json"), body).await;

    assert_error(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test]
async fn a_body_just_under_the_limit_is_read() {
    let app = spawn_app().await;
    let padding = "x".repeat(1024 * 1024 - 100);
    let body = json!({ "email": "big@b.in", "padding": padding }).to_string();
    assert!(body.len() < 1024 * 1024);

    let response = app.post_raw(NEWSLETTER, Some("application/json"), body).await;

    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_named() {
    let app = spawn_app().await;

    let response = app.post_json(NEWSLETTER, &json!({ "email": 42 })).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "email", "{error}");
}

#[tokio::test]
async fn a_missing_field_is_named() {
    let app = spawn_app().await;

    let response = app.post_json(NEWSLETTER, &json!({})).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"], json!([{"field": "email", "message": "is required"}]));
}

#[tokio::test]
async fn an_internal_failure_is_opaque_and_carries_the_request_id() {
    let app = spawn_app().await;
    // Take the table away under the running app: the insert fails inside.
    let pool = app.db.pool().await;
    sqlx::query("DROP TABLE identity.newsletter_subscribers").execute(&pool).await.unwrap();

    let response = app
        .client
        .post(app.url(NEWSLETTER))
        .header("x-request-id", "trace-me-500")
        .json(&json!({"email": "a@b.in"}))
        .send()
        .await
        .unwrap();

    let error = assert_error(response, StatusCode::INTERNAL_SERVER_ERROR, "internal").await;
    assert_eq!(error["request_id"], "trace-me-500");
    let text = error.to_string();
    for leak in ["newsletter_subscribers", "relation", "INSERT", "sqlx"] {
        assert!(!text.contains(leak), "{leak} leaked into {text}");
    }
}

#[tokio::test]
async fn a_url_over_the_limit_is_414_in_the_envelope() {
    let app = spawn_app().await;

    let long = format!("/api/v1/products?q={}", "a".repeat(9_000));
    let response = app.get(&long).await;

    let error = assert_error(response, StatusCode::URI_TOO_LONG, "bad_request").await;
    assert!(error["message"].as_str().unwrap().contains("8192"), "{error}");
    assert!(error.to_string().len() < 1_000, "the URL is not echoed back: {error}");
}
