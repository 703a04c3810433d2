//! `POST /orders` and what a customer does with an order: no oversell however many buy at
//! once, Idempotency-Key, server-side prices, privacy, cancelling, cash on delivery.

use std::sync::Arc;

use api_types::ErrorCode;
use api_types::catalog::NewDiscount;
use api_types::orders::{Order, OrderStatus, PaymentMethod, PaymentStatus, PlaceOrder, PlacedOrder};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::catalog::product_body;
use rigmaster_tests::orders::{history_statuses, order_of};
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop};
use rigmaster_tests::{assert_error, assert_refused};
use serde_json::json;
use uuid::Uuid;

use crate::addresses::home;

/// An admin, a customer, and one product with this price and stock.
async fn shop_with_product(app: &TestApp, price_paise: i64, stock: i64) -> (TestUser, TestUser, Uuid) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, price_paise, stock).await;
    (admin, customer, product)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_customers_racing_for_five_units_get_exactly_five_orders() {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let customers = register_customers(&app, 40).await;

    let answers = all_at_once(customers.into_iter().map(|customer| async move {
        let placed = customer.api.place_order(&order_of(product, 1), &new_key()).await;
        (customer, placed)
    }))
    .await;

    let mut placed = Vec::new();
    let mut refused = 0;
    for (customer, answer) in answers {
        if let Ok(answer) = answer {
            assert_eq!(answer.status, StatusCode::CREATED);
            placed.push((customer, answer.body));
            continue;
        }
        let error = assert_refused(answer, StatusCode::CONFLICT, ErrorCode::OutOfStock);
        let shortages = error.shortages.as_ref().unwrap_or_else(|| panic!("shortages in {error:?}"));
        assert_eq!(shortages.len(), 1, "{error:?}");
        let shortage = &shortages[0];
        assert_eq!((shortage.product_id, shortage.requested, shortage.available), (product, 1, 0));
        assert_eq!(error.details[0].field, "items[0]");
        refused += 1;
    }
    assert_eq!((placed.len(), refused), (5, 35));
    assert_eq!(app.stock_levels(product).await, (5, 5), "all five held, none more");

    for (_, placed) in &placed {
        app.pay(placed, "success", "normal").await;
    }
    for (customer, placed) in &placed {
        app.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await;
    }
    assert_eq!(app.stock_levels(product).await, (0, 0), "all five sold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_sent_ten_times_at_once_makes_one_order_and_replays_its_answer() {
    let app = Arc::new(spawn_shop().await);
    let (_, customer, product) = shop_with_product(&app, 100_000, 10).await;
    let (key, order) = (new_key(), order_of(product, 1));

    let answers = all_at_once((0..10).map(|_| {
        let (api, key, order) = (customer.api.clone(), key.clone(), order.clone());
        async move { api.place_order(&order, &key).await }
    }))
    .await;

    let mut created = Vec::new();
    for answer in answers {
        match answer {
            Ok(answer) => {
                assert_eq!(answer.status, StatusCode::CREATED);
                created.push(answer.body);
            }
            refused => {
                assert_refused(refused, StatusCode::CONFLICT, ErrorCode::IdempotencyInProgress);
            }
        }
    }
    assert!(!created.is_empty(), "the first request was answered");
    assert!(created.iter().all(|body| body == &created[0]), "every 201 is the same answer: {created:?}");
    let orders = app.orders(&customer).await;
    assert_eq!(orders.len(), 1, "one order: {orders:?}");
    assert_eq!(orders[0].id, created[0].order.id);
    assert_eq!(app.stock_levels(product).await, (10, 1), "held once");
    let gateway_orders = app.simulator.requests().await.into_iter().filter(|r| r == "POST /v1/orders").count();
    assert_eq!(gateway_orders, 1, "one Razorpay order");

    let later = customer.api.place_order(&order, &key).await.unwrap();
    assert_eq!(later.status, StatusCode::CREATED);
    assert_eq!(later.body, created[0], "the same key later replays the first answer");
}

#[tokio::test]
async fn a_request_that_died_after_placing_its_order_is_answered_from_that_order() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let (key, order) = (new_key(), order_of(product, 1));
    let first = customer.api.place_order(&order, &key).await.unwrap();
    assert_eq!(first.status, StatusCode::CREATED);
    // As if the process died after the checkout committed, before the answer was stored.
    sqlx::query(
        "UPDATE idempotency.idempotency_keys
         SET response_status = NULL, response_body = NULL, created_at = now() - interval '10 minutes'",
    )
    .execute(&app.db.pool().await)
    .await
    .unwrap();

    let again = customer.api.place_order(&order, &key).await.unwrap();

    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body.order.id, first.body.order.id, "the same order, not a second one");
    assert_eq!(again.body.payment, first.body.payment);
    assert_eq!(app.orders(&customer).await.len(), 1);
    assert_eq!(app.stock_levels(product).await, (5, 1));
    let third = customer.api.place_order(&order, &key).await.unwrap();
    assert_eq!(third.status, StatusCode::CREATED);
    assert_eq!(third.body, again.body, "the recovered answer is kept for later repeats");
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_refused_and_a_missing_key_is_a_bad_request() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 10).await;
    let key = new_key();
    let first = customer.api.place_order(&order_of(product, 1), &key).await.unwrap();
    assert_eq!(first.status, StatusCode::CREATED);

    let reused = customer.api.place_order(&order_of(product, 2), &key).await;
    // The typed client always sends a key; without one is a raw request.
    let without_key = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&customer.access_token)
        .json(&order_of(product, 1))
        .send()
        .await
        .unwrap();

    assert_refused(reused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::IdempotencyKeyReused);
    assert_error(without_key, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(app.orders(&customer).await.len(), 1);
    assert_eq!(app.stock_levels(product).await, (10, 1));
}

#[tokio::test]
async fn prices_sent_by_the_client_are_ignored() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let mut body = product_body(150_000, 10);
    body.discount = Some(NewDiscount::percentage(1000));
    let product = admin.api.create_product(&body).await.unwrap().summary.id;
    let pricing = app.api.product(&product.to_string()).await.unwrap().summary.pricing;
    let (unit, tax) = (pricing.unit_price_paise, pricing.tax_paise);

    // Prices are no fields of the typed order: only a raw body can send them.
    let response = app
        .client
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&customer.access_token)
        .header("Idempotency-Key", new_key())
        .json(&json!({
            "items": [{"product_id": product, "quantity": 3, "unit_price_paise": 1, "tax_paise": 0,
                       "line_total_paise": 3}],
            "payment_method": "razorpay",
            "subtotal_paise": 3, "tax_paise": 0, "total_paise": 3, "amount_paise": 3,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: PlacedOrder = response.json().await.unwrap();

    let order = &placed.order;
    assert_eq!((unit, tax), (135_000, 24_300), "the catalog's price: 10% off ₹1,500, plus 18% GST");
    assert_eq!(order.items[0].unit_price_paise, unit);
    assert_eq!(order.items[0].quantity, 3);
    assert_eq!(order.subtotal_paise, 3 * unit);
    assert_eq!(order.tax_paise, 3 * tax);
    assert_eq!((order.discount_paise, order.shipping_paise), (0, 0));
    assert_eq!(order.total_paise, 3 * (unit + tax));
    let payment = placed.payment.expect("a Razorpay payment");
    assert_eq!(payment.amount_paise, 3 * (unit + tax), "Razorpay is asked for the server's total");
}

#[tokio::test]
async fn a_customer_never_sees_another_customers_order() {
    let app = spawn_shop().await;
    let (_, alice, product) = shop_with_product(&app, 100_000, 10).await;
    let bob = app.register_customer().await;
    let alices = app.buy(&alice, product, 1).await.order.id;
    let bobs = app.buy(&bob, product, 1).await.order.id;

    let peeked = bob.api.order(alices).await;
    let cancelled = bob.api.cancel_order(alices, Some("changed my mind")).await;

    assert_refused(peeked, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_refused(cancelled, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let ids = |orders: Vec<Order>| orders.iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(ids(app.orders(&bob).await), [bobs]);
    assert_eq!(ids(app.orders(&alice).await), [alices]);
    assert_eq!(alice.api.order(alices).await.unwrap().status, OrderStatus::PaymentPending, "Bob's cancel did nothing");
}

#[tokio::test]
async fn cancelling_an_order_awaiting_payment_releases_its_stock() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let id = app.buy(&customer, product, 2).await.order.id;

    let cancelled = customer.api.cancel_order(id, Some("changed my mind")).await.unwrap();

    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(history_statuses(&cancelled), [OrderStatus::PaymentPending, OrderStatus::Cancelled]);
    assert_eq!(app.stock_levels(product).await, (5, 0));
    assert_eq!(app.ledger_entries(id, "release").await, 1);
}

#[tokio::test]
async fn a_cancel_whose_body_is_json_null_is_a_cancel_without_a_reason() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let id = app.buy(&customer, product, 1).await.order.id;

    let path = format!("/api/v1/orders/{id}/cancel");
    let response = app
        .client
        .post(app.url(&path))
        .bearer_auth(&customer.access_token)
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let cancelled = customer.api.order(id).await.unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(app.stock_levels(product).await, (5, 0));
}

#[tokio::test]
async fn cancelling_a_paid_order_restocks_it_and_refunds_the_payment() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let placed = app.buy(&customer, product, 2).await;
    let (id, total) = (placed.order.id, placed.order.total_paise);
    app.pay(&placed, "success", "normal").await;
    app.simulator.settled_webhooks(3).await;
    app.wait_for_order_status(&customer, id, OrderStatus::Paid).await;
    assert_eq!(app.stock_levels(product).await, (3, 0));

    let cancelled = customer.api.cancel_order(id, Some("changed my mind")).await.unwrap();

    // The refund is sent before the answer when the gateway is up, so the order may
    // already be refunded.
    assert!([OrderStatus::Cancelled, OrderStatus::Refunded].contains(&cancelled.status), "{cancelled:?}");
    let refunded =
        app.wait_for_order(&customer, id, "a full refund", |order| order.payment.refunded_paise == total).await;
    // The contract's cancelled (paid) → refunded, once the gateway has taken the refund.
    assert_eq!(refunded.status, OrderStatus::Refunded);
    assert_eq!(
        history_statuses(&refunded),
        [OrderStatus::PaymentPending, OrderStatus::Paid, OrderStatus::Cancelled, OrderStatus::Refunded]
    );
    assert_eq!(app.stock_levels(product).await, (5, 0), "back on the shelf");
    let again = customer.api.cancel_order(id, Some("changed my mind")).await;
    assert_refused(again, StatusCode::CONFLICT, ErrorCode::InvalidTransition);
}

#[tokio::test]
async fn a_cash_on_delivery_order_is_confirmed_and_sells_its_stock_at_once() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;

    // Cash on delivery needs somewhere to deliver to.
    let cod = PlaceOrder { payment_method: PaymentMethod::Cod, shipping_address: Some(home()), ..order_of(product, 2) };
    let placed = app.checkout(&customer, &cod).await;

    let order = &placed.order;
    assert_eq!(placed.payment, None, "nothing to pay online");
    assert_eq!(order.status, OrderStatus::Confirmed);
    assert_eq!((order.payment.method, order.payment.status), (PaymentMethod::Cod, PaymentStatus::Cod));
    assert_eq!(history_statuses(order), [OrderStatus::Confirmed]);
    assert_eq!(app.stock_levels(product).await, (3, 0), "sold, nothing held");
    assert_eq!(app.ledger_entries(order.id, "commit").await, 1);
    let gateway_orders = app.simulator.requests().await.into_iter().filter(|r| r == "POST /v1/orders").count();
    assert_eq!(gateway_orders, 0, "no Razorpay order");
}
