//! `GET /api/v1/admin/payments`: what Razorpay reported, per payment, for admins, and
//! the payments a person must look at, flagged with the reason.

use kernel::Money;
use payments_razorpay::{NewRefund, PaymentGateway as _};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestUser, assert_error};
use rigmaster_tests::shop::{json_body, new_key, order_id, spawn_shop};
use rigmaster_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::webhooks::{payment_event, post_signed};

/// An admin, a customer, and a product the customer buys one unit of at a time.
struct Shop {
    admin: TestUser,
    customer: TestUser,
    product: String,
}

async fn open_shop(app: &TestApp) -> Shop {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 10).await;
    Shop { admin, customer, product }
}

/// One unit bought and paid in the simulator with `outcome`: the `{order, payment}` of
/// the checkout and the payment's id.
async fn buy_and_pay(app: &TestApp, shop: &Shop, outcome: &str) -> (Value, String) {
    let placed = app.buy(&shop.customer, &shop.product, 1).await;
    let paid = app.pay(&placed, outcome, "normal").await;
    (placed, paid["razorpay_payment_id"].as_str().unwrap().to_owned())
}

fn total(placed: &Value) -> i64 {
    placed["order"]["total_paise"].as_i64().unwrap()
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
    let app = spawn_shop().await;
    let shop = open_shop(&app).await;
    let (placed, captured) = buy_and_pay(&app, &shop, "success").await;
    app.simulator.settled_webhooks(3).await;
    let (_, failed) = buy_and_pay(&app, &shop, "failure").await;
    app.simulator.settled_webhooks(4).await;
    let refund = NewRefund { amount: Some(Money::from_paise(10_000)), ..NewRefund::default() };
    app.simulator.client().refund_payment(&captured, &refund).await.unwrap();
    app.simulator.settled_webhooks(6).await;

    let page = list(&app, &shop.admin.access_token, "").await;

    assert_eq!(ids(&page), [failed.as_str(), captured.as_str()], "newest first");
    let failure = &page["items"][0];
    assert_eq!(failure["status"], "failed");
    assert_eq!(failure["error"]["reason"], "incorrect_otp");
    assert_eq!(failure["history"].as_array().unwrap().len(), 1);
    assert_eq!(failure["history"][0]["event_type"], "payment.failed");
    let success = &page["items"][1];
    assert_eq!(
        (success["status"].as_str(), success["amount_paise"].as_i64()),
        (Some("captured"), Some(total(&placed)))
    );
    assert_eq!(success["amount_refunded_paise"], 10_000);
    assert_eq!(success["refund_status"], "partial");
    let events: Vec<&str> = success["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["source"] == "webhook")
        .map(|h| h["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["payment.authorized", "payment.captured", "order.paid", "refund.created", "refund.processed"]);
    assert_eq!(success["refunds"][0]["amount_paise"], 10_000);
    assert_eq!(success["refunds"][0]["status"], "processed");
    assert_eq!(success["error"], Value::Null);
    assert_eq!(success["flagged"], false);
}

#[tokio::test]
async fn payments_filter_by_status_and_flag_and_page_by_cursor() {
    let app = spawn_shop().await;
    let shop = open_shop(&app).await;
    let token = shop.admin.access_token.as_str();
    // One payment at a time, so that the store hears of them in this order.
    let (_, first) = buy_and_pay(&app, &shop, "success").await;
    app.simulator.settled_webhooks(3).await;
    let (_, second) = buy_and_pay(&app, &shop, "failure").await;
    app.simulator.settled_webhooks(4).await;
    let (_, third) = buy_and_pay(&app, &shop, "success").await;
    app.simulator.settled_webhooks(7).await;
    let mut conn = app.db.pool().await.acquire().await.unwrap();
    payments_razorpay::records::flag_payment(&mut conn, &first, "amount does not match the order").await.unwrap();

    let failed = list(&app, token, "?status=failed").await;
    let flagged = list(&app, token, "?flagged=true").await;
    let unflagged = list(&app, token, "?flagged=false").await;
    let first_page = list(&app, token, "?limit=2").await;
    let cursor = first_page["next_cursor"].as_str().unwrap();
    let second_page = list(&app, token, &format!("?limit=2&cursor={cursor}")).await;

    assert_eq!(ids(&failed), [second.as_str()]);
    assert_eq!(ids(&flagged), [first.as_str()]);
    assert_eq!(flagged["items"][0]["flagged_reason"], "amount does not match the order");
    assert_eq!(ids(&unflagged), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&first_page), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&second_page), [first.as_str()]);
    assert_eq!(second_page["next_cursor"], Value::Null);
}

/// Razorpay's answer to a refund when the merchant's balance cannot cover it.
const REFUND_REFUSED: &str = "Your account does not have enough balance to carry out the refund operation.";

#[tokio::test]
async fn unknown_order_captures_refused_refunds_and_second_payments_are_flagged_and_counted_right() {
    let app = spawn_shop().await;
    let shop = open_shop(&app).await;
    let token = shop.admin.access_token.as_str();

    // A capture for a Razorpay order that is none of this store's.
    let mut stranger = payment_event("payment.captured", "pay_StrangerOrder1", "captured");
    stranger["payload"]["payment"]["entity"]["order_id"] = json!("order_NotOneOfOurs1");
    assert_eq!(post_signed(&app, &stranger, "evt_stranger").await.status(), StatusCode::OK);

    // An order paid by its retry's payment, then by its first payment, authorised late:
    // the second payment is refunded, and it is not the order's refund.
    let (placed, first_payment) = buy_and_pay(&app, &shop, "failure").await;
    let order = order_id(&placed);
    app.wait_for_order_status(&shop.customer, &order, "payment_failed").await;
    let retried = json_body(app.retry_payment(&shop.customer, &order, &new_key()).await, StatusCode::OK).await;
    let paying = app.pay(&retried, "success", "normal").await;
    app.wait_for_order_status(&shop.customer, &order, "paid").await;
    app.simulator.authorize_late(&first_payment).await;
    let refund_note = format!("refunded {} paise of payment {first_payment}", total(&placed));
    let twice_paid = app
        .wait_for_order(&shop.customer, &order, "the second payment refunded", |order| {
            order["history"].as_array().unwrap().iter().any(|h| h["note"] == refund_note.as_str())
        })
        .await;

    // A paid order cancelled while Razorpay refuses refunds.
    let (cancelled, refused_payment) = buy_and_pay(&app, &shop, "success").await;
    app.wait_for_order_status(&shop.customer, &order_id(&cancelled), "paid").await;
    app.simulator.set_fault("refunds_refused", None).await;
    json_body(app.cancel_order(&shop.customer, &order_id(&cancelled)).await, StatusCode::OK).await;

    let flagged = list(&app, token, "?flagged=true").await;

    let reasons: Vec<(&str, &str)> = flagged["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["razorpay_payment_id"].as_str().unwrap(), p["flagged_reason"].as_str().unwrap()))
        .collect();
    let reason_of = |payment: &str| {
        reasons
            .iter()
            .find(|(id, _)| *id == payment)
            .map(|(_, reason)| *reason)
            .unwrap_or_else(|| panic!("{payment} is not flagged: {reasons:?}"))
    };
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reason_of("pay_StrangerOrder1").contains("order_NotOneOfOurs1"), "{reasons:?}");
    let order_number = placed["order"]["order_number"].as_str().unwrap();
    assert!(reason_of(&first_payment).contains(order_number), "{reasons:?}");
    assert!(reason_of(&refused_payment).contains(REFUND_REFUSED), "{reasons:?}");
    let refused = flagged["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["razorpay_payment_id"] == refused_payment.as_str())
        .unwrap();
    assert_eq!(refused["refused_refunds"][0]["amount_paise"], total(&cancelled), "{refused}");
    assert_eq!(refused["refused_refunds"][0]["reason"], REFUND_REFUSED);
    assert_eq!(twice_paid["status"], "paid");
    assert_eq!(twice_paid["payment"]["razorpay_payment_id"], paying["razorpay_payment_id"]);
    assert_eq!(
        twice_paid["payment"]["refunded_paise"], 0,
        "the other payment's refund is not this order's: {twice_paid}"
    );
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
