//! `POST /orders` and what a customer does with an order: no oversell however many buy at
//! once, Idempotency-Key, server-side prices, privacy, cancelling, cash on delivery.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use rigmaster_tests::app::{TestApp, TestUser, assert_error};
use rigmaster_tests::shop::{
    all_at_once, history_statuses, json_body, new_key, order_id, order_of, product_body, register_customers, spawn_shop,
};
use serde_json::{Value, json};

/// An admin, a customer, and one product with this price and stock.
async fn shop_with_product(app: &TestApp, price_paise: i64, stock: i64) -> (TestUser, TestUser, String) {
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

    let answers = all_at_once(customers.into_iter().map(|customer| {
        let (app, body) = (app.clone(), order_of(&product, 1));
        async move {
            let response = app.place_order(&customer, &new_key(), &body).await;
            (customer, response)
        }
    }))
    .await;

    let mut placed = Vec::new();
    let mut refused = 0;
    for (customer, response) in answers {
        if response.status() == StatusCode::CREATED {
            placed.push((customer, json_body(response, StatusCode::CREATED).await));
            continue;
        }
        let error = assert_error(response, StatusCode::CONFLICT, "out_of_stock").await;
        let shortages = error["shortages"].as_array().unwrap_or_else(|| panic!("shortages in {error}"));
        assert_eq!(shortages.len(), 1, "{error}");
        let shortage = &shortages[0];
        assert_eq!(
            (&shortage["product_id"], &shortage["requested"], &shortage["available"]),
            (&json!(product), &json!(1), &json!(0))
        );
        assert_eq!(error["details"][0]["field"], "items[0]");
        refused += 1;
    }
    assert_eq!((placed.len(), refused), (5, 35));
    assert_eq!(app.stock_levels(&product).await, (5, 5), "all five held, none more");

    for (_, order) in &placed {
        app.pay(order, "success", "normal").await;
    }
    for (customer, order) in &placed {
        app.wait_for_order_status(customer, &order_id(order), "paid").await;
    }
    assert_eq!(app.stock_levels(&product).await, (0, 0), "all five sold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_sent_ten_times_at_once_makes_one_order_and_replays_its_answer() {
    let app = Arc::new(spawn_shop().await);
    let (_, customer, product) = shop_with_product(&app, 100_000, 10).await;
    let (key, body) = (new_key(), order_of(&product, 1));

    let responses = all_at_once((0..10).map(|_| {
        let (app, customer, key, body) = (app.clone(), customer.clone(), key.clone(), body.clone());
        async move { app.place_order(&customer, &key, &body).await }
    }))
    .await;

    let mut created = Vec::new();
    for response in responses {
        if response.status() == StatusCode::CREATED {
            created.push(json_body(response, StatusCode::CREATED).await);
        } else {
            assert_error(response, StatusCode::CONFLICT, "idempotency_in_progress").await;
        }
    }
    assert!(!created.is_empty(), "the first request was answered");
    assert!(created.iter().all(|body| body == &created[0]), "every 201 is the same answer: {created:?}");
    let orders = app.orders(&customer).await;
    assert_eq!(orders.len(), 1, "one order: {orders:?}");
    assert_eq!(orders[0]["id"], created[0]["order"]["id"]);
    assert_eq!(app.stock_levels(&product).await, (10, 1), "held once");
    let gateway_orders = app.simulator.requests().await.into_iter().filter(|r| r == "POST /v1/orders").count();
    assert_eq!(gateway_orders, 1, "one Razorpay order");

    let later = json_body(app.place_order(&customer, &key, &body).await, StatusCode::CREATED).await;
    assert_eq!(later, created[0], "the same key later replays the first answer");
}

#[tokio::test]
async fn a_request_that_died_after_placing_its_order_is_answered_from_that_order() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let (key, body) = (new_key(), order_of(&product, 1));
    let first = json_body(app.place_order(&customer, &key, &body).await, StatusCode::CREATED).await;
    // As if the process died after the checkout committed, before the answer was stored.
    sqlx::query(
        "UPDATE idempotency.idempotency_keys
         SET response_status = NULL, response_body = NULL, created_at = now() - interval '10 minutes'",
    )
    .execute(&app.db.pool().await)
    .await
    .unwrap();

    let again = json_body(app.place_order(&customer, &key, &body).await, StatusCode::CREATED).await;

    assert_eq!(again["order"]["id"], first["order"]["id"], "the same order, not a second one");
    assert_eq!(again["payment"], first["payment"]);
    assert_eq!(app.orders(&customer).await.len(), 1);
    assert_eq!(app.stock_levels(&product).await, (5, 1));
    let third = json_body(app.place_order(&customer, &key, &body).await, StatusCode::CREATED).await;
    assert_eq!(third, again, "the recovered answer is kept for later repeats");
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_refused_and_a_missing_key_is_a_bad_request() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 10).await;
    let key = new_key();
    json_body(app.place_order(&customer, &key, &order_of(&product, 1)).await, StatusCode::CREATED).await;

    let reused = app.place_order(&customer, &key, &order_of(&product, 2)).await;
    let without_key =
        app.send_json_as(Method::POST, "/api/v1/orders", &customer.access_token, &order_of(&product, 1)).await;

    assert_error(reused, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert_error(without_key, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(app.orders(&customer).await.len(), 1);
    assert_eq!(app.stock_levels(&product).await, (10, 1));
}

#[tokio::test]
async fn prices_sent_by_the_client_are_ignored() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let mut body = product_body(150_000, 10);
    body["discount"] = json!({"type": "percentage", "value": 1000});
    let product = app.create_product(&admin, &body).await["id"].as_str().unwrap().to_owned();
    let pricing = app.pricing(&product).await;
    let (unit, tax) = (pricing["unit_price_paise"].as_i64().unwrap(), pricing["tax_paise"].as_i64().unwrap());

    let placed = app
        .checkout(
            &customer,
            &json!({
                "items": [{"product_id": product, "quantity": 3, "unit_price_paise": 1, "tax_paise": 0,
                           "line_total_paise": 3}],
                "payment_method": "razorpay",
                "subtotal_paise": 3, "tax_paise": 0, "total_paise": 3, "amount_paise": 3,
            }),
        )
        .await;

    let order = &placed["order"];
    assert_eq!((unit, tax), (135_000, 24_300), "the catalog's price: 10% off ₹1,500, plus 18% GST");
    assert_eq!(order["items"][0]["unit_price_paise"], unit);
    assert_eq!(order["items"][0]["quantity"], 3);
    assert_eq!(order["subtotal_paise"], 3 * unit);
    assert_eq!(order["tax_paise"], 3 * tax);
    assert_eq!((order["discount_paise"].as_i64(), order["shipping_paise"].as_i64()), (Some(0), Some(0)));
    assert_eq!(order["total_paise"], 3 * (unit + tax));
    assert_eq!(placed["payment"]["amount_paise"], 3 * (unit + tax), "Razorpay is asked for the server's total");
}

#[tokio::test]
async fn a_customer_never_sees_another_customers_order() {
    let app = spawn_shop().await;
    let (_, alice, product) = shop_with_product(&app, 100_000, 10).await;
    let bob = app.register_customer().await;
    let alices = order_id(&app.buy(&alice, &product, 1).await);
    let bobs = order_id(&app.buy(&bob, &product, 1).await);

    let peeked = app.get_as(&format!("/api/v1/orders/{alices}"), &bob.access_token).await;
    let cancelled = app.cancel_order(&bob, &alices).await;

    assert_error(peeked, StatusCode::NOT_FOUND, "not_found").await;
    assert_error(cancelled, StatusCode::NOT_FOUND, "not_found").await;
    let ids = |orders: Vec<Value>| orders.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(app.orders(&bob).await), [bobs.as_str()]);
    assert_eq!(ids(app.orders(&alice).await), [alices.as_str()]);
    assert_eq!(app.order(&alice, &alices).await["status"], "payment_pending", "Bob's cancel did nothing");
}

#[tokio::test]
async fn cancelling_an_order_awaiting_payment_releases_its_stock() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let id = order_id(&app.buy(&customer, &product, 2).await);

    let cancelled = json_body(app.cancel_order(&customer, &id).await, StatusCode::OK).await;

    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(history_statuses(&cancelled), ["payment_pending", "cancelled"]);
    assert_eq!(app.stock_levels(&product).await, (5, 0));
    assert_eq!(app.ledger_entries(&id, "release").await, 1);
}

#[tokio::test]
async fn cancelling_a_paid_order_restocks_it_and_refunds_the_payment() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;
    let placed = app.buy(&customer, &product, 2).await;
    let (id, total) = (order_id(&placed), placed["order"]["total_paise"].as_i64().unwrap());
    app.pay(&placed, "success", "normal").await;
    app.simulator.settled_webhooks(3).await;
    app.wait_for_order_status(&customer, &id, "paid").await;
    assert_eq!(app.stock_levels(&product).await, (3, 0));

    let cancelled = json_body(app.cancel_order(&customer, &id).await, StatusCode::OK).await;

    // The refund is sent before the answer when the gateway is up, so the order may
    // already be refunded.
    assert!(["cancelled", "refunded"].contains(&cancelled["status"].as_str().unwrap()), "{cancelled}");
    let refunded =
        app.wait_for_order(&customer, &id, "a full refund", |order| order["payment"]["refunded_paise"] == total).await;
    // The contract's cancelled (paid) → refunded, once the gateway has taken the refund.
    assert_eq!(refunded["status"], "refunded");
    let statuses: Vec<&str> =
        refunded["history"].as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["payment_pending", "paid", "cancelled", "refunded"]);
    assert_eq!(app.stock_levels(&product).await, (5, 0), "back on the shelf");
    let again = app.cancel_order(&customer, &id).await;
    assert_error(again, StatusCode::CONFLICT, "invalid_transition").await;
}

#[tokio::test]
async fn a_cash_on_delivery_order_is_confirmed_and_sells_its_stock_at_once() {
    let app = spawn_shop().await;
    let (_, customer, product) = shop_with_product(&app, 100_000, 5).await;

    let placed = app
        .checkout(&customer, &json!({"items": [{"product_id": product, "quantity": 2}], "payment_method": "cod"}))
        .await;

    let order = &placed["order"];
    assert_eq!(placed["payment"], Value::Null, "nothing to pay online");
    assert_eq!(order["status"], "confirmed");
    assert_eq!((order["payment"]["method"].as_str(), order["payment"]["status"].as_str()), (Some("cod"), Some("cod")));
    assert_eq!(history_statuses(order), ["confirmed"]);
    assert_eq!(app.stock_levels(&product).await, (3, 0), "sold, nothing held");
    assert_eq!(app.ledger_entries(&order_id(&placed), "commit").await, 1);
    let gateway_orders = app.simulator.requests().await.into_iter().filter(|r| r == "POST /v1/orders").count();
    assert_eq!(gateway_orders, 0, "no Razorpay order");
}
