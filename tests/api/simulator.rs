//! The simulator is a faithful double of Razorpay (shared/razorpay.md): the wire
//! format, auth, errors and signatures that the client's own tests cannot see.

use payments_razorpay::signature::verify_checkout_signature;
use reqwest::StatusCode;
use rigmaster_tests::{TestSimulator, spawn_simulator};
use serde_json::{Value, json};

async fn call(
    simulator: &TestSimulator,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", simulator.address))
        .basic_auth(&simulator.settings.key_id, Some(&simulator.settings.key_secret));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_simulator_runs_in_process_on_a_random_port() {
    let simulator = spawn_simulator(None).await;

    let response = reqwest::get(format!("{}/_sim/health", simulator.address)).await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(simulator.api_base().ends_with("/v1"));
}

#[tokio::test]
async fn calls_without_the_api_keys_get_razorpays_401() {
    let simulator = spawn_simulator(None).await;

    let response = reqwest::get(format!("{}/v1/orders/order_DoesNotExist01", simulator.address)).await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "BAD_REQUEST_ERROR");
    assert_eq!(body["error"]["description"], "Authentication failed");
}

#[tokio::test]
async fn an_order_has_exactly_razorpays_fields_with_empty_notes_as_an_array() {
    let simulator = spawn_simulator(None).await;

    let (status, order) = call(
        &simulator,
        reqwest::Method::POST,
        "/v1/orders",
        Some(json!({"amount": 50000, "currency": "INR", "receipt": "RM-1"})),
    )
    .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        keys(&order),
        [
            "amount",
            "amount_due",
            "amount_paid",
            "attempts",
            "created_at",
            "currency",
            "entity",
            "id",
            "notes",
            "offer_id",
            "receipt",
            "status"
        ]
    );
    assert_eq!(order["entity"], "order");
    assert_eq!(order["notes"], json!([]));
    assert_eq!(order["offer_id"], Value::Null);
    let id = order["id"].as_str().unwrap();
    assert!(id.len() == 20 && id.starts_with("order_"), "{id}");
}

#[tokio::test]
async fn unknown_ids_and_bad_input_are_400_with_razorpays_error_body() {
    let simulator = spawn_simulator(None).await;

    let (unknown_status, unknown) =
        call(&simulator, reqwest::Method::GET, "/v1/payments/pay_DoesNotExist01", None).await;
    let (small_status, small) =
        call(&simulator, reqwest::Method::POST, "/v1/orders", Some(json!({"amount": 99, "currency": "INR"}))).await;

    assert_eq!(unknown_status, StatusCode::BAD_REQUEST);
    assert_eq!(unknown["error"]["description"], "The id provided does not exist");
    assert_eq!(keys(&unknown["error"]), ["code", "description", "field", "metadata", "reason", "source", "step"]);
    assert_eq!(small_status, StatusCode::BAD_REQUEST);
    assert_eq!(small["error"]["code"], "BAD_REQUEST_ERROR");
    assert_eq!(small["error"]["field"], "amount");
}

#[tokio::test]
async fn a_successful_payment_hands_the_checkout_a_valid_signature() {
    let simulator = spawn_simulator(None).await;
    let (_, order) =
        call(&simulator, reqwest::Method::POST, "/v1/orders", Some(json!({"amount": 50000, "currency": "INR"}))).await;
    let order_id = order["id"].as_str().unwrap();

    let handler = simulator.pay(order_id, json!({"outcome": "success", "deliver": "none"})).await;

    assert_eq!(keys(&handler), ["razorpay_order_id", "razorpay_payment_id", "razorpay_signature"]);
    assert_eq!(handler["razorpay_order_id"], order_id);
    let payment_id = handler["razorpay_payment_id"].as_str().unwrap();
    let signature = handler["razorpay_signature"].as_str().unwrap();
    assert!(verify_checkout_signature(simulator.settings.key_secret.as_bytes(), order_id, payment_id, signature));
    let (_, payment) = call(&simulator, reqwest::Method::GET, &format!("/v1/payments/{payment_id}"), None).await;
    assert_eq!((payment["status"].as_str(), payment["captured"].as_bool()), (Some("captured"), Some(true)));
}

#[tokio::test]
async fn a_failed_payment_hands_the_checkout_an_error_and_no_signature() {
    let simulator = spawn_simulator(None).await;
    let (_, order) =
        call(&simulator, reqwest::Method::POST, "/v1/orders", Some(json!({"amount": 50000, "currency": "INR"}))).await;
    let order_id = order["id"].as_str().unwrap();

    let handler = simulator.pay(order_id, json!({"outcome": "failure", "deliver": "none"})).await;

    assert_eq!(keys(&handler), ["error", "razorpay_order_id", "razorpay_payment_id"]);
    assert_eq!(handler["error"]["reason"], "incorrect_otp");
    let (_, order) = call(&simulator, reqwest::Method::GET, &format!("/v1/orders/{order_id}"), None).await;
    assert_eq!((order["status"].as_str(), order["attempts"].as_i64()), (Some("attempted"), Some(1)));
}

#[tokio::test]
async fn the_simulators_own_routes_refuse_what_they_do_not_know() {
    let simulator = spawn_simulator(None).await;
    let client = reqwest::Client::new();

    let bad_mode =
        client.post(format!("{}/_sim/faults", simulator.address)).json(&json!({"mode": "flaky"})).send().await.unwrap();
    let unknown_order = client
        .post(format!("{}/_sim/orders/order_DoesNotExist01/pay", simulator.address))
        .json(&json!({"outcome": "success"}))
        .send()
        .await
        .unwrap();

    assert_eq!(bad_mode.status(), StatusCode::BAD_REQUEST);
    assert_eq!(unknown_order.status(), StatusCode::BAD_REQUEST);
}
