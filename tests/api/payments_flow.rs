//! Paying for an order through Razorpay, end to end: the checkout's payment block, the
//! simulator's payments and webhooks (normal, twice, reversed, none, tampered), the verify
//! call, reconciliation, failures and retries, expiry and late captures, gateway outages.
//! Whatever the path, an order is paid once and its stock committed once.

use api_types::ErrorCode;
use api_types::orders::{
    Order, OrderStatus, PaymentProvider, PaymentStatus, PlacedOrder, RazorpayCheckout, VerifyPayment,
};
use api_types::payments::PaymentQuery;
use payments_razorpay::signature::sign_checkout;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::coupons::flat_coupon;
use rigmaster_tests::orders::{cart_order, history_statuses, order_of};
use rigmaster_tests::shop::{new_key, spawn_shop, spawn_shop_with};
use rigmaster_tests::{assert_refused, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::admin_payments::flagged_only;
use crate::webhooks::{payment_event, post_signed};

const STOCK: i64 = 10;
const COUPON: &str = "WELCOME100";

/// A customer's cart of two products (2 × ₹1,000 and 1 × ₹500, 18% GST) with a flat
/// ₹100 coupon, checked out through Razorpay (and checked to be awaiting payment).
struct CartCheckout {
    admin: TestUser,
    customer: TestUser,
    /// `(product_id, quantity)`; each product started with `STOCK` units.
    lines: Vec<(Uuid, i64)>,
    /// The `201` body: `{order, payment}`.
    placed: PlacedOrder,
}

impl CartCheckout {
    fn order_id(&self) -> Uuid {
        self.placed.order.id
    }
}

async fn checkout_cart_with_coupon(app: &TestApp) -> CartCheckout {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let lines = vec![
        (app.create_stocked_product(&admin, 100_000, STOCK).await, 2),
        (app.create_stocked_product(&admin, 50_000, STOCK).await, 1),
    ];
    admin.api.create_coupon(&flat_coupon(COUPON, 10_000)).await.unwrap();
    app.fill_cart(&customer, &lines).await;
    customer.api.apply_coupon(COUPON).await.unwrap();

    let placed = app.checkout(&customer, &cart_order()).await;

    let checkout = CartCheckout { admin, customer, lines, placed };
    assert_awaiting_payment(app, &checkout).await;
    checkout
}

/// The Razorpay checkout of a placed order.
fn payment_of(placed: &PlacedOrder) -> &RazorpayCheckout {
    placed.payment.as_ref().unwrap_or_else(|| panic!("no Razorpay payment in {placed:?}"))
}

/// The order waits for payment, priced by the server, with its stock held.
async fn assert_awaiting_payment(app: &TestApp, checkout: &CartCheckout) {
    let (order, payment) = (&checkout.placed.order, payment_of(&checkout.placed));
    assert_eq!(order.status, OrderStatus::PaymentPending, "{order:?}");
    assert_eq!(payment.provider, PaymentProvider::Razorpay);
    assert_eq!(payment.key_id, app.simulator.settings.key_id);
    assert_eq!(payment.currency, "INR");
    assert!(payment.razorpay_order_id.starts_with("order_"), "{payment:?}");
    assert_eq!(payment.amount_paise, order.total_paise);
    assert_eq!(order.coupon_code.as_deref(), Some(COUPON));
    assert_eq!((order.subtotal_paise, order.discount_paise, order.shipping_paise), (250_000, 10_000, 0));
    assert_eq!(order.total_paise, order.subtotal_paise - order.discount_paise + order.tax_paise);
    assert_eq!(order.payment.status, PaymentStatus::Pending);
    for &(product, quantity) in &checkout.lines {
        assert_eq!(app.stock_levels(product).await, (STOCK, quantity), "held, not yet sold");
    }
}

/// The order is paid exactly once: one `paid` in its history, one commit per line, the
/// stock sold, the cart emptied and the coupon used once.
async fn assert_paid_once(app: &TestApp, checkout: &CartCheckout, handler: &Value) {
    let id = checkout.order_id();
    let order = app.wait_for_order_status(&checkout.customer, id, OrderStatus::Paid).await;

    assert_eq!(history_statuses(&order), [OrderStatus::PaymentPending, OrderStatus::Paid]);
    assert_eq!(order.payment.status, PaymentStatus::Captured);
    assert_eq!(order.payment.razorpay_payment_id.as_deref(), handler["razorpay_payment_id"].as_str());
    assert!(order.payment.paid_at.is_some(), "{order:?}");
    for &(product, quantity) in &checkout.lines {
        assert_eq!(app.stock_levels(product).await, (STOCK - quantity, 0), "sold, nothing held");
    }
    assert_eq!(app.ledger_entries(id, "commit").await, checkout.lines.len() as i64, "one commit per line");
    assert!(checkout.customer.api.cart().await.unwrap().items.is_empty(), "the cart was checked out");
    assert_eq!(app.coupon_by_code(&checkout.admin, COUPON).await.used_count, 1);
}

/// Checks out, pays in the simulator with this delivery mode, waits for its `deliveries`
/// to finish, and checks the order was paid once.
async fn paid_through_webhooks(deliver: &str, deliveries: usize) {
    let app = spawn_shop().await;
    let checkout = checkout_cart_with_coupon(&app).await;

    let handler = app.pay(&checkout.placed, "success", deliver).await;
    app.simulator.settled_webhooks(deliveries).await;

    assert_paid_once(&app, &checkout, &handler).await;
}

#[tokio::test]
async fn a_cart_checked_out_with_a_coupon_is_paid_by_webhook_and_sells_its_stock_once() {
    paid_through_webhooks("normal", 3).await;
}

#[tokio::test]
async fn webhooks_delivered_twice_pay_the_order_once() {
    paid_through_webhooks("twice", 6).await;
}

#[tokio::test]
async fn webhooks_delivered_in_reverse_pay_the_order_once() {
    paid_through_webhooks("reversed", 3).await;
}

#[tokio::test]
async fn the_verify_call_pays_the_order_and_the_webhooks_after_it_change_nothing() {
    let app = spawn_shop().await;
    let checkout = checkout_cart_with_coupon(&app).await;
    let razorpay_order_id = &payment_of(&checkout.placed).razorpay_order_id;
    // The webhooks leave a moment later, so the browser's verify call usually comes first.
    let handler =
        app.simulator.pay(razorpay_order_id, json!({"outcome": "success", "deliver": "normal", "delay_ms": 300})).await;

    // What the checkout's handler receives is what the verify call sends.
    let verification: VerifyPayment = serde_json::from_value(handler.clone()).unwrap();
    let verified = checkout.customer.api.verify_payment(checkout.order_id(), &verification).await.unwrap();
    app.simulator.settled_webhooks(3).await;

    assert_eq!((verified.id, verified.status), (checkout.order_id(), OrderStatus::Paid));
    assert_paid_once(&app, &checkout, &handler).await;
}

#[tokio::test]
async fn an_order_whose_webhooks_never_arrive_is_paid_by_reconciliation() {
    let app = spawn_shop_with(|settings| {
        settings.orders.reconcile_interval_seconds = 1;
        settings.orders.reconcile_after_seconds = 0;
    })
    .await;
    let checkout = checkout_cart_with_coupon(&app).await;

    let handler = app.pay(&checkout.placed, "success", "none").await;
    // A pass may have looked at the order before it was paid and leased it for a minute;
    // the lease runs out now, as it would a minute later.
    let pool = app.db.pool().await;
    sqlx::query("UPDATE orders.orders SET reconcile_after = now() WHERE id = $1")
        .bind(checkout.order_id())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    assert_paid_once(&app, &checkout, &handler).await;
    assert!(app.simulator.webhooks().await.is_empty(), "paid without any webhook");
}

/// One product with 5 units, of which a customer's Razorpay order holds 2.
struct SingleOrder {
    admin: TestUser,
    customer: TestUser,
    product: Uuid,
    placed: PlacedOrder,
}

async fn order_two_of_five(app: &TestApp) -> SingleOrder {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let placed = app.buy(&customer, product, 2).await;
    SingleOrder { admin, customer, product, placed }
}

impl SingleOrder {
    fn order_id(&self) -> Uuid {
        self.placed.order.id
    }

    fn razorpay_order_id(&self) -> &str {
        &payment_of(&self.placed).razorpay_order_id
    }

    fn total(&self) -> i64 {
        self.placed.order.total_paise
    }

    /// Still waiting for payment, its 2 units held and none sold.
    async fn assert_untouched(&self, app: &TestApp) {
        let order = self.customer.api.order(self.order_id()).await.unwrap();
        assert_eq!(order.status, OrderStatus::PaymentPending, "{order:?}");
        assert_eq!(order.payment.status, PaymentStatus::Pending);
        assert_eq!(history_statuses(&order), [OrderStatus::PaymentPending]);
        assert_eq!(app.stock_levels(self.product).await, (5, 2));
        assert_eq!(app.ledger_entries(self.order_id(), "commit").await, 0);
    }
}

#[tokio::test]
async fn a_bad_checkout_signature_is_refused_and_changes_nothing() {
    let app = spawn_shop().await;
    let bought = order_two_of_five(&app).await;
    let key_secret = app.simulator.settings.key_secret.as_bytes();
    let real_order = bought.razorpay_order_id();
    let payment_id = "pay_IH4NVgf4Dreq1l";
    let handler = |order: &str, signature: String| VerifyPayment {
        razorpay_order_id: order.to_owned(),
        razorpay_payment_id: payment_id.to_owned(),
        razorpay_signature: signature,
    };
    let other_order = "order_IEIaMR65cu6nz3";
    let attempts = [
        handler(real_order, sign_checkout(b"not the key secret", real_order, payment_id)),
        // Validly signed, but for another Razorpay order than the one the store keeps.
        handler(other_order, sign_checkout(key_secret, other_order, payment_id)),
        handler(real_order, sign_checkout(key_secret, real_order, payment_id).to_uppercase()),
        handler(real_order, "not even hex".into()),
    ];

    for attempt in &attempts {
        let verified = bought.customer.api.verify_payment(bought.order_id(), attempt).await;
        assert_refused(verified, StatusCode::BAD_REQUEST, ErrorCode::PaymentSignatureInvalid);
    }

    bought.assert_untouched(&app).await;
}

#[tokio::test]
async fn tampered_webhooks_are_refused_and_change_nothing() {
    let app = spawn_shop().await;
    let bought = order_two_of_five(&app).await;

    app.pay(&bought.placed, "success", "tamper").await;
    let attempts = app.simulator.settings.delivery_attempts as usize;
    let webhooks = eventually("every tampered delivery runs out of attempts", async || {
        let webhooks = app.simulator.webhooks().await;
        let exhausted = webhooks.len() == 3
            && webhooks.iter().all(|w| w["attempts"].as_array().is_some_and(|a| a.len() == attempts));
        exhausted.then_some(webhooks)
    })
    .await;

    assert!(webhooks.iter().all(|w| w["tampered"] == true && w["delivered"] == false), "{webhooks:?}");
    bought.assert_untouched(&app).await;
}

#[tokio::test]
async fn a_signed_capture_for_the_wrong_amount_is_flagged_and_never_pays_the_order() {
    let app = spawn_shop().await;
    let bought = order_two_of_five(&app).await;
    let payment_id = "pay_IH4NVgf4Dreq1l";
    let mut event = payment_event("payment.captured", payment_id, "captured");
    event["payload"]["payment"]["entity"]["order_id"] = json!(bought.razorpay_order_id());
    event["payload"]["payment"]["entity"]["amount"] = json!(bought.total() - 1);

    let response = post_signed(&app, &event, "evt_short_by_one_paisa").await;

    assert_eq!(response.status(), StatusCode::OK);
    let flagged = eventually("the payment is flagged", async || {
        let flagged = bought.admin.api.admin_payments(&flagged_only()).await.unwrap().items;
        flagged.into_iter().find(|p| p.razorpay_payment_id == payment_id)
    })
    .await;
    assert_eq!(flagged.amount_paise, bought.total() - 1);
    bought.assert_untouched(&app).await;
}

#[tokio::test]
async fn a_failed_payment_releases_the_stock_and_a_retry_holds_it_again_and_can_be_paid() {
    let app = spawn_shop().await;
    let bought = order_two_of_five(&app).await;
    let id = bought.order_id();

    app.pay(&bought.placed, "failure", "normal").await;
    let failed = app.wait_for_order_status(&bought.customer, id, OrderStatus::PaymentFailed).await;
    assert_eq!(failed.payment.status, PaymentStatus::Failed);
    assert_eq!(app.stock_levels(bought.product).await, (5, 0), "released");

    let key = new_key();
    let retried = bought.customer.api.retry_payment(id, &key).await.unwrap();
    let replayed = bought.customer.api.retry_payment(id, &key).await.unwrap();

    let payment = payment_of(&retried);
    assert_ne!(payment.razorpay_order_id, bought.razorpay_order_id(), "a new Razorpay order");
    assert_eq!(payment.amount_paise, bought.total());
    assert_eq!(replayed, retried, "the same key replays the first answer");
    assert_eq!(bought.customer.api.order(id).await.unwrap().status, OrderStatus::PaymentPending);
    assert_eq!(app.stock_levels(bought.product).await, (5, 2), "held again");

    app.pay(&retried, "success", "normal").await;
    let paid = app.wait_for_order_status(&bought.customer, id, OrderStatus::Paid).await;

    assert_eq!(
        history_statuses(&paid),
        [OrderStatus::PaymentPending, OrderStatus::PaymentFailed, OrderStatus::PaymentPending, OrderStatus::Paid]
    );
    assert_eq!(app.stock_levels(bought.product).await, (3, 0));
    assert_eq!(app.ledger_entries(id, "commit").await, 1);
}

/// An app whose reservations last 2 s, with the expiry job looking every second.
async fn spawn_with_short_reservations() -> TestApp {
    spawn_shop_with(|settings| {
        settings.inventory.reservation_ttl_seconds = 2;
        settings.inventory.expiry_interval_seconds = 1;
    })
    .await
}

/// Waits for the order's reservation to expire; checks it was cancelled with a note and
/// its stock released.
async fn expired(app: &TestApp, bought: &SingleOrder) {
    let cancelled = app.wait_for_order_status(&bought.customer, bought.order_id(), OrderStatus::Cancelled).await;
    let last = cancelled.history.last().unwrap();
    assert_eq!(last.status, OrderStatus::Cancelled);
    assert!(last.note.as_deref().is_some_and(|note| !note.is_empty()), "a note says why: {cancelled:?}");
    assert_eq!(app.stock_levels(bought.product).await, (5, 0), "released");
}

#[tokio::test]
async fn an_expired_order_is_cancelled_and_a_late_capture_still_pays_it_while_stock_lasts() {
    let app = spawn_with_short_reservations().await;
    let bought = order_two_of_five(&app).await;
    expired(&app, &bought).await;

    app.pay(&bought.placed, "success", "normal").await;
    let paid = app.wait_for_order_status(&bought.customer, bought.order_id(), OrderStatus::Paid).await;

    assert_eq!(history_statuses(&paid), [OrderStatus::PaymentPending, OrderStatus::Cancelled, OrderStatus::Paid]);
    assert_eq!(app.stock_levels(bought.product).await, (3, 0));
    assert_eq!(app.ledger_entries(bought.order_id(), "commit").await, 1);
}

#[tokio::test]
async fn a_late_capture_after_the_stock_is_gone_is_refunded_and_the_order_stays_cancelled() {
    let app = spawn_with_short_reservations().await;
    let bought = order_two_of_five(&app).await;
    expired(&app, &bought).await;
    app.set_on_hand(&bought.admin, bought.product, 0).await;

    let handler = app.pay(&bought.placed, "success", "normal").await;
    let refunded = app
        .wait_for_order(&bought.customer, bought.order_id(), "a full refund", |order| {
            order.payment.refunded_paise == bought.total()
        })
        .await;

    assert_eq!(refunded.status, OrderStatus::Cancelled);
    assert_eq!(app.stock_levels(bought.product).await, (0, 0));
    assert_eq!(app.ledger_entries(bought.order_id(), "commit").await, 0);
    let payment_id = handler["razorpay_payment_id"].as_str().unwrap();
    let payment = eventually("the refund shows in the admin's payments", async || {
        let payments = bought.admin.api.admin_payments(&PaymentQuery::default()).await.unwrap().items;
        payments.into_iter().find(|p| p.razorpay_payment_id == payment_id && p.amount_refunded_paise == bought.total())
    })
    .await;
    assert_eq!(payment.refunds[0].amount_paise, bought.total());
}

#[tokio::test]
async fn a_gateway_outage_at_checkout_is_a_502_and_leaves_no_stock_held() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    app.simulator.set_fault("error_500", None).await;

    let placed = customer.api.place_order(&order_of(product, 2), &new_key()).await;

    assert_refused(placed, StatusCode::BAD_GATEWAY, ErrorCode::PaymentGatewayUnavailable);
    let orders = app.orders(&customer).await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0].status, OrderStatus::PaymentFailed);
    assert_eq!(app.stock_levels(product).await, (5, 0), "nothing held");
}

/// An app whose reconciliation job runs every second (for lapsed orders and refunds,
/// not for orders still waiting), retrying refunds after a second.
async fn spawn_with_quick_refund_retries(reservation_ttl_seconds: u64) -> TestApp {
    spawn_shop_with(|settings| {
        settings.inventory.reservation_ttl_seconds = reservation_ttl_seconds;
        settings.inventory.expiry_interval_seconds = 1;
        settings.orders.reconcile_interval_seconds = 1;
        settings.orders.reconcile_after_seconds = 3600;
        settings.orders.refund_retry_seconds = 1;
    })
    .await
}

/// Whether a note in the order's history speaks of a refund.
fn notes_a_refund(order: &Order) -> bool {
    order.history.iter().any(|h| h.note.as_deref().is_some_and(|n| n.contains("refund")))
}

#[tokio::test]
async fn a_payment_owed_back_never_pays_the_order_even_when_stock_returns() {
    let app = spawn_with_quick_refund_retries(2).await;
    let bought = order_two_of_five(&app).await;
    expired(&app, &bought).await;
    app.set_on_hand(&bought.admin, bought.product, 0).await;
    app.simulator.set_fault("refunds_500", None).await;
    let handler = app.pay(&bought.placed, "success", "normal").await;
    app.wait_for_order(&bought.customer, bought.order_id(), "a refund due", notes_a_refund).await;

    // Stock comes back while the refund still waits; the same capture is reported again.
    app.set_on_hand(&bought.admin, bought.product, 5).await;
    let payment_id = handler["razorpay_payment_id"].as_str().unwrap();
    let mut event = payment_event("payment.captured", payment_id, "captured");
    event["payload"]["payment"]["entity"]["order_id"] = json!(bought.razorpay_order_id());
    event["payload"]["payment"]["entity"]["amount"] = json!(bought.total());
    let response = post_signed(&app, &event, "evt_captured_once_more").await;

    assert_eq!(response.status(), StatusCode::OK);
    let order = bought.customer.api.order(bought.order_id()).await.unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled, "{order:?}");
    assert_eq!(app.ledger_entries(bought.order_id(), "commit").await, 0);
    assert_eq!(app.stock_levels(bought.product).await, (5, 0), "nothing held for an order being refunded");

    app.simulator.set_fault("none", None).await;
    let refunded = app
        .wait_for_order(&bought.customer, bought.order_id(), "the refund sent", |order| {
            order.payment.refunded_paise == bought.total()
        })
        .await;
    assert_eq!(refunded.status, OrderStatus::Cancelled);
    assert_eq!(app.ledger_entries(bought.order_id(), "commit").await, 0);
}

#[tokio::test]
async fn a_refund_whose_answer_was_lost_is_found_and_never_sent_twice() {
    let app = spawn_with_quick_refund_retries(900).await;
    let bought = order_two_of_five(&app).await;
    let handler = app.pay(&bought.placed, "success", "normal").await;
    app.wait_for_order_status(&bought.customer, bought.order_id(), OrderStatus::Paid).await;
    app.simulator.set_fault("refunds_lost", None).await;

    let cancelled = bought.customer.api.cancel_order(bought.order_id(), Some("changed my mind")).await.unwrap();

    assert_eq!(cancelled.status, OrderStatus::Cancelled, "the refund's answer was lost: {cancelled:?}");
    assert_eq!(cancelled.payment.refunded_paise, 0);
    app.simulator.set_fault("none", None).await;
    let refunded = app.wait_for_order_status(&bought.customer, bought.order_id(), OrderStatus::Refunded).await;
    assert_eq!(refunded.payment.refunded_paise, bought.total());
    let payment_id = handler["razorpay_payment_id"].as_str().unwrap();
    let refund_calls = app.simulator.requests().await;
    let refund_calls = refund_calls.iter().filter(|r| **r == format!("POST /v1/payments/{payment_id}/refund")).count();
    assert_eq!(refund_calls, 1, "the lost refund was found, not sent again");
    assert_eq!(app.stock_levels(bought.product).await, (5, 0), "restocked once");
}
