//! `GET /api/v1/admin/payments`: what Razorpay reported, per payment, for admins.

use kernel::Money;
use payments_razorpay::{NewRefund, PaymentGateway as _};
use reqwest::StatusCode;
use rigmaster_tests::app::assert_error;
use rigmaster_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

async fn paid_through_the_simulator(app: &TestApp, outcome: &str) -> String {
    let order = app.simulator.create_order(99_900).await;
    let paid = app.simulator.pay(&order.id, json!({ "outcome": outcome })).await;
    paid["razorpay_payment_id"].as_str().unwrap().to_owned()
}

async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.get_as(&format!("/api/v1/admin/payments{query}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"].as_array().unwrap().iter().map(|p| p["razorpay_payment_id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn admins_see_each_payment_with_its_history_errors_and_refunds() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let captured = paid_through_the_simulator(&app, "success").await;
    app.simulator.settled_webhooks(3).await;
    let failed = paid_through_the_simulator(&app, "failure").await;
    app.simulator.settled_webhooks(4).await;
    let refund = NewRefund { amount: Some(Money::from_paise(10_000)), ..NewRefund::default() };
    app.simulator.client().refund_payment(&captured, &refund).await.unwrap();
    app.simulator.settled_webhooks(6).await;

    let page = list(&app, &admin.access_token, "").await;

    assert_eq!(ids(&page), [failed.as_str(), captured.as_str()], "newest first");
    let failure = &page["items"][0];
    assert_eq!(failure["status"], "failed");
    assert_eq!(failure["error"]["reason"], "incorrect_otp");
    assert_eq!(failure["history"].as_array().unwrap().len(), 1);
    assert_eq!(failure["history"][0]["event_type"], "payment.failed");
    let success = &page["items"][1];
    assert_eq!((success["status"].as_str(), success["amount_paise"].as_i64()), (Some("captured"), Some(99_900)));
    assert_eq!(success["amount_refunded_paise"], 10_000);
    assert_eq!(success["refund_status"], "partial");
    let events: Vec<&str> =
        success["history"].as_array().unwrap().iter().map(|h| h["event_type"].as_str().unwrap()).collect();
    assert_eq!(events, ["payment.authorized", "payment.captured", "order.paid", "refund.created", "refund.processed"]);
    assert_eq!(success["refunds"][0]["amount_paise"], 10_000);
    assert_eq!(success["refunds"][0]["status"], "processed");
    assert_eq!(success["error"], Value::Null);
    assert_eq!(success["flagged"], false);
}

#[tokio::test]
async fn payments_filter_by_status_and_flag_and_page_by_cursor() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    // One payment at a time, so that the store hears of them in this order.
    let first = paid_through_the_simulator(&app, "success").await;
    app.simulator.settled_webhooks(3).await;
    let second = paid_through_the_simulator(&app, "failure").await;
    app.simulator.settled_webhooks(4).await;
    let third = paid_through_the_simulator(&app, "success").await;
    app.simulator.settled_webhooks(7).await;
    let mut conn = app.db.pool().await.acquire().await.unwrap();
    payments_razorpay::records::flag_payment(&mut conn, &first, "amount does not match the order").await.unwrap();

    let failed = list(&app, &admin.access_token, "?status=failed").await;
    let flagged = list(&app, &admin.access_token, "?flagged=true").await;
    let unflagged = list(&app, &admin.access_token, "?flagged=false").await;
    let first_page = list(&app, &admin.access_token, "?limit=2").await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let second_page = list(&app, &admin.access_token, &format!("?limit=2&cursor={cursor}")).await;

    assert_eq!(ids(&failed), [second.as_str()]);
    assert_eq!(ids(&flagged), [first.as_str()]);
    assert_eq!(flagged["items"][0]["flagged_reason"], "amount does not match the order");
    assert_eq!(ids(&unflagged), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&first_page), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&second_page), [first.as_str()]);
    assert_eq!(second_page["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_bad_filter_is_named_in_the_error() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;

    let response = app.get_as("/api/v1/admin/payments?status=paid&flagged=maybe", &admin.access_token).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["status", "flagged"]);
}

#[tokio::test]
async fn only_admins_see_payments() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;

    let anonymous = app.get("/api/v1/admin/payments").await;
    let as_customer = app.get_as("/api/v1/admin/payments", &customer.access_token).await;

    assert_error(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_error(as_customer, StatusCode::FORBIDDEN, "forbidden").await;
}
