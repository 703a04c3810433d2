//! `/api/v1/admin/*` needs an admin: every admin operation the served OpenAPI document
//! lists (so routes added later are covered without touching this file) answers 401
//! `unauthorized` without a token and 403 `forbidden` with a customer's.

use reqwest::{Method, StatusCode};
use rigmaster_tests::{TestApp, assert_error, spawn_app};
use serde_json::json;
use uuid::Uuid;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every (method, path) of the document under `/api/v1/admin/`, path parameters filled
/// with a random UUID.
async fn admin_operations(app: &TestApp) -> Vec<(Method, String)> {
    let document = app.get_json("/api/v1/openapi.json").await;
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in METHODS.into_iter().filter(|method| item.get(*method).is_some()) {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            operations.push((method, filled(path)));
        }
    }
    operations
}

/// `path` with each `{parameter}` replaced by a random UUID.
fn filled(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                Uuid::new_v4().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, method: &Method, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if *method != Method::GET && *method != Method::DELETE {
        request = request.json(&json!({}));
    }
    request.header("Idempotency-Key", Uuid::new_v4().to_string()).send().await.expect("request sent")
}

#[tokio::test]
async fn every_admin_operation_of_the_document_refuses_customers_and_anonymous_callers() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;
    let operations = admin_operations(&app).await;
    assert!(operations.len() >= 10, "the document lists the admin operations: {operations:?}");

    for (method, path) in &operations {
        let anonymous = call(&app, method, path, None).await;
        let as_customer = call(&app, method, path, Some(&customer.access_token)).await;

        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path} without a token");
        assert_eq!(as_customer.status(), StatusCode::FORBIDDEN, "{method} {path} with a customer's token");
        assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert_error(as_customer, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn a_percent_encoded_admin_path_is_still_behind_the_admin_gate() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;

    // A malformed body: without the gate first, it would be refused for its body (422).
    let path = format!("/api/v1/%61dmin/orders/{}/refund", Uuid::new_v4());
    let response = app
        .client
        .post(app.url(&path))
        .bearer_auth(&customer.access_token)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&json!({"amount_paise": "lots"}))
        .send()
        .await
        .unwrap();

    assert_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}
