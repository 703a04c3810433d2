//! `GET /api/v1/admin/payments`: what Razorpay reported, per payment, for admins, and
//! the payments a person must look at, flagged with the reason.

use api_types::ErrorCode;
use api_types::Page;
use api_types::orders::{OrderStatus, PlacedOrder};
use api_types::payments::{
    PaymentQuery, PaymentRecord, RazorpayPaymentStatus, RazorpayRefundStatus, RefundExtent, StatusSource,
};
use kernel::Money;
use payments_razorpay::{NewRefund, PaymentGateway as _};
use reqwest::StatusCode;
use rigmaster_tests::app::TestUser;
use rigmaster_tests::shop::{new_key, spawn_shop};
use rigmaster_tests::{TestApp, assert_error, assert_refused, spawn_app};
use serde_json::json;
use uuid::Uuid;

use crate::webhooks::{payment_event, post_signed};

/// Only the payments flagged for an admin.
pub(crate) fn flagged_only() -> PaymentQuery {
    PaymentQuery { flagged: Some(true), ..PaymentQuery::default() }
}

/// An admin, a customer, and a product the customer buys one unit of at a time.
struct Shop {
    admin: TestUser,
    customer: TestUser,
    product: Uuid,
}

async fn open_shop(app: &TestApp) -> Shop {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 10).await;
    Shop { admin, customer, product }
}

/// One unit bought and paid in the simulator with `outcome`: the checkout's answer and
/// the payment's id.
async fn buy_and_pay(app: &TestApp, shop: &Shop, outcome: &str) -> (PlacedOrder, String) {
    let placed = app.buy(&shop.customer, shop.product, 1).await;
    let paid = app.pay(&placed, outcome, "normal").await;
    (placed, paid["razorpay_payment_id"].as_str().unwrap().to_owned())
}

async fn list(admin: &TestUser, query: PaymentQuery) -> Page<PaymentRecord> {
    admin.api.admin_payments(&query).await.unwrap()
}

fn ids(page: &Page<PaymentRecord>) -> Vec<&str> {
    page.items.iter().map(|p| p.razorpay_payment_id.as_str()).collect()
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

    let page = list(&shop.admin, PaymentQuery::default()).await;

    assert_eq!(ids(&page), [failed.as_str(), captured.as_str()], "newest first");
    let failure = &page.items[0];
    assert_eq!(failure.status, RazorpayPaymentStatus::Failed);
    assert_eq!(failure.error.as_ref().and_then(|e| e.reason.as_deref()), Some("incorrect_otp"));
    assert_eq!(failure.history.len(), 1);
    assert_eq!(failure.history[0].event_type.as_deref(), Some("payment.failed"));
    let success = &page.items[1];
    assert_eq!((success.status, success.amount_paise), (RazorpayPaymentStatus::Captured, placed.order.total_paise));
    assert_eq!(success.amount_refunded_paise, 10_000);
    assert_eq!(success.refund_status, Some(RefundExtent::Partial));
    let events: Vec<&str> = success
        .history
        .iter()
        .filter(|h| h.source == StatusSource::Webhook)
        .map(|h| h.event_type.as_deref().unwrap())
        .collect();
    assert_eq!(events, ["payment.authorized", "payment.captured", "order.paid", "refund.created", "refund.processed"]);
    assert_eq!(success.refunds[0].amount_paise, 10_000);
    assert_eq!(success.refunds[0].status, RazorpayRefundStatus::Processed);
    assert_eq!(success.error, None);
    assert!(!success.flagged);
}

#[tokio::test]
async fn payments_filter_by_status_and_flag_and_page_by_cursor() {
    let app = spawn_shop().await;
    let shop = open_shop(&app).await;
    let admin = &shop.admin;
    // One payment at a time, so that the store hears of them in this order.
    let (_, first) = buy_and_pay(&app, &shop, "success").await;
    app.simulator.settled_webhooks(3).await;
    let (_, second) = buy_and_pay(&app, &shop, "failure").await;
    app.simulator.settled_webhooks(4).await;
    let (_, third) = buy_and_pay(&app, &shop, "success").await;
    app.simulator.settled_webhooks(7).await;
    let mut conn = app.db.pool().await.acquire().await.unwrap();
    payments_razorpay::records::flag_payment(&mut conn, &first, "amount does not match the order").await.unwrap();

    let failed =
        list(admin, PaymentQuery { status: Some(RazorpayPaymentStatus::Failed), ..PaymentQuery::default() }).await;
    let flagged = list(admin, flagged_only()).await;
    let unflagged = list(admin, PaymentQuery { flagged: Some(false), ..PaymentQuery::default() }).await;
    let first_page = list(admin, PaymentQuery { limit: Some(2), ..PaymentQuery::default() }).await;
    let cursor = first_page.next_cursor.clone().expect("a second page");
    let second_page =
        list(admin, PaymentQuery { limit: Some(2), cursor: Some(cursor), ..PaymentQuery::default() }).await;

    assert_eq!(ids(&failed), [second.as_str()]);
    assert_eq!(ids(&flagged), [first.as_str()]);
    assert_eq!(flagged.items[0].flagged_reason.as_deref(), Some("amount does not match the order"));
    assert_eq!(ids(&unflagged), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&first_page), [third.as_str(), second.as_str()]);
    assert_eq!(ids(&second_page), [first.as_str()]);
    assert_eq!(second_page.next_cursor, None);
}

/// Razorpay's answer to a refund when the merchant's balance cannot cover it.
const REFUND_REFUSED: &str = "Your account does not have enough balance to carry out the refund operation.";

#[tokio::test]
async fn unknown_order_captures_refused_refunds_and_second_payments_are_flagged_and_counted_right() {
    let app = spawn_shop().await;
    let shop = open_shop(&app).await;

    // A capture for a Razorpay order that is none of this store's.
    let mut stranger = payment_event("payment.captured", "pay_StrangerOrder1", "captured");
    stranger["payload"]["payment"]["entity"]["order_id"] = json!("order_NotOneOfOurs1");
    assert_eq!(post_signed(&app, &stranger, "evt_stranger").await.status(), StatusCode::OK);

    // An order paid by its retry's payment, then by its first payment, authorised late:
    // the second payment is refunded, and it is not the order's refund.
    let (placed, first_payment) = buy_and_pay(&app, &shop, "failure").await;
    let order = placed.order.id;
    app.wait_for_order_status(&shop.customer, order, OrderStatus::PaymentFailed).await;
    let retried = shop.customer.api.retry_payment(order, &new_key()).await.unwrap();
    let paying = app.pay(&retried, "success", "normal").await;
    app.wait_for_order_status(&shop.customer, order, OrderStatus::Paid).await;
    app.simulator.authorize_late(&first_payment).await;
    let refund_note = format!("refunded {} paise of payment {first_payment}", placed.order.total_paise);
    let twice_paid = app
        .wait_for_order(&shop.customer, order, "the second payment refunded", |order| {
            order.history.iter().any(|h| h.note.as_deref() == Some(refund_note.as_str()))
        })
        .await;

    // A paid order cancelled while Razorpay refuses refunds.
    let (cancelled, refused_payment) = buy_and_pay(&app, &shop, "success").await;
    app.wait_for_order_status(&shop.customer, cancelled.order.id, OrderStatus::Paid).await;
    app.simulator.set_fault("refunds_refused", None).await;
    shop.customer.api.cancel_order(cancelled.order.id, Some("changed my mind")).await.unwrap();

    let flagged = list(&shop.admin, flagged_only()).await;

    let reasons: Vec<(&str, &str)> =
        flagged.items.iter().map(|p| (p.razorpay_payment_id.as_str(), p.flagged_reason.as_deref().unwrap())).collect();
    let reason_of = |payment: &str| {
        reasons
            .iter()
            .find(|(id, _)| *id == payment)
            .map(|(_, reason)| *reason)
            .unwrap_or_else(|| panic!("{payment} is not flagged: {reasons:?}"))
    };
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reason_of("pay_StrangerOrder1").contains("order_NotOneOfOurs1"), "{reasons:?}");
    assert!(reason_of(&first_payment).contains(&placed.order.order_number), "{reasons:?}");
    assert!(reason_of(&refused_payment).contains(REFUND_REFUSED), "{reasons:?}");
    let refused = flagged.items.iter().find(|p| p.razorpay_payment_id == refused_payment).unwrap();
    assert_eq!(refused.refused_refunds[0].amount_paise, cancelled.order.total_paise, "{refused:?}");
    assert_eq!(refused.refused_refunds[0].reason, REFUND_REFUSED);
    assert_eq!(twice_paid.status, OrderStatus::Paid);
    assert_eq!(twice_paid.payment.razorpay_payment_id.as_deref(), paying["razorpay_payment_id"].as_str());
    assert_eq!(twice_paid.payment.refunded_paise, 0, "the other payment's refund is not this order's: {twice_paid:?}");
}

#[tokio::test]
async fn a_bad_filter_is_named_in_the_error() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;

    // Values the typed query cannot hold: a raw query string.
    let response = app.get_as("/api/v1/admin/payments?status=paid&flagged=maybe", &admin.access_token).await;

    let error = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = error["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["status", "flagged"]);
}

#[tokio::test]
async fn only_admins_see_payments() {
    let app = spawn_app().await;
    let customer = app.register_customer().await;

    let anonymous = app.api.admin_payments(&PaymentQuery::default()).await;
    let as_customer = customer.api.admin_payments(&PaymentQuery::default()).await;

    assert_refused(anonymous, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    assert_refused(as_customer, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
}
