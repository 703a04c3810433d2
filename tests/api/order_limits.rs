//! What one customer may hold at once, with the store's shipped `[limits]`: one line per
//! product and 20 units an order, 3 orders waiting for payment (however many checkouts
//! race, checkouts or retries), cash on delivery only to an address, up to ₹50,000 and 3
//! open COD orders, retries within their window for products still sold with coupons that
//! still apply, never waiting for a connection under their locks; a checkout that cannot
//! get a turn is a 503 with `Retry-After`; a payment of the wrong amount is never captured
//! by the verify call; a webhook replayed under a new event id is applied once. Nothing
//! refused holds any stock.

use std::sync::Arc;

use api_types::ErrorCode;
use api_types::orders::{OrderLine, OrderStatus, PaymentMethod, PaymentStatus, PlaceOrder, PlacedOrder};
use client::Error;
use reqwest::StatusCode;
use rigmaster_api::Settings;
use rigmaster_tests::app::{TestApp, TestUser, with_store_limits};
use rigmaster_tests::coupons::flat_coupon;
use rigmaster_tests::orders::{order_of, verify_body};
use rigmaster_tests::shop::{all_at_once, new_key, spawn_shop_with};
use rigmaster_tests::{assert_refused, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::addresses::home;
use crate::admin_payments::flagged_only;
use crate::webhooks::{payment_event, post_signed};

/// The store's shipped `[limits]`, adjusted by `customize`; rate limits stay raised, so
/// that only the limits under test refuse anything.
async fn spawn_store(customize: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_shop_with(|settings| {
        let raised = settings.rate_limit.clone();
        with_store_limits(settings);
        settings.rate_limit = raised;
        customize(settings);
    })
    .await
}

/// An admin, a customer and `count` products of ₹1,000 (18% GST) with 50 units each.
async fn shop(app: &TestApp, count: usize) -> (TestUser, TestUser, Vec<Uuid>) {
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let mut products = Vec::new();
    for _ in 0..count {
        products.push(app.create_stocked_product(&admin, 100_000, 50).await);
    }
    (admin, customer, products)
}

fn order_of_lines(lines: &[(Uuid, i64)]) -> PlaceOrder {
    let items = lines.iter().map(|&(product_id, quantity)| OrderLine { product_id, quantity }).collect();
    PlaceOrder { items: Some(items), ..order_of(Uuid::nil(), 1) }
}

fn fields(error: &api_types::ErrorBody) -> Vec<&str> {
    error.details.iter().map(|detail| detail.field.as_str()).collect()
}

/// Nothing of these products is held or sold, and the customer has no order.
async fn assert_nothing_held(app: &TestApp, customer: &TestUser, products: &[Uuid]) {
    for &product in products {
        assert_eq!(app.stock_levels(product).await, (50, 0), "product {product} untouched");
    }
    assert!(app.orders(customer).await.is_empty(), "no order was written");
}

#[tokio::test]
async fn an_order_naming_a_product_twice_is_refused_at_the_repeat_and_holds_nothing() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;

    let twice = order_of_lines(&[(products[0], 1), (products[0], 1)]);
    let refused = customer.api.place_order(&twice, &new_key()).await;

    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(fields(&error), ["items[1].product_id"]);
    assert_nothing_held(&app, &customer, &products).await;
}

#[tokio::test]
async fn twenty_one_units_in_one_order_are_refused_and_twenty_are_placed() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 3).await;

    let twenty_one = order_of_lines(&[(products[0], 10), (products[1], 10), (products[2], 1)]);
    let refused = customer.api.place_order(&twenty_one, &new_key()).await;

    let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(fields(&error), ["items"]);
    assert_nothing_held(&app, &customer, &products).await;
    let twenty = order_of_lines(&[(products[0], 10), (products[1], 10)]);
    app.checkout(&customer, &twenty).await;
    assert_eq!(app.stock_levels(products[0]).await, (50, 10));
}

#[tokio::test]
async fn a_fourth_order_waiting_for_payment_is_refused_and_holds_nothing() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;
    for _ in 0..3 {
        app.buy(&customer, products[0], 1).await;
    }

    let fourth = customer.api.place_order(&order_of(products[0], 1), &new_key()).await;

    assert_refused(fourth, StatusCode::CONFLICT, ErrorCode::PendingOrdersLimit);
    assert_eq!(app.stock_levels(products[0]).await, (50, 3), "the three orders' units only");
    assert_eq!(app.orders(&customer).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_checkouts_by_one_customer_never_leave_more_than_three_waiting_for_payment() {
    // A turn wait no slow machine reaches: every checkout is counted, none is 503.
    let app = spawn_store(|settings| settings.limits.checkout_turn_wait_ms = 600_000).await;
    let (_, customer, products) = shop(&app, 1).await;
    let product = products[0];

    let answers = all_at_once((0..12).map(|_| {
        let api = customer.api.clone();
        async move { api.place_order(&order_of(product, 1), &new_key()).await }
    }))
    .await;

    let (placed, refused): (Vec<_>, Vec<_>) = answers.into_iter().partition(Result::is_ok);
    assert_eq!(placed.len(), 3, "exactly the cap was placed");
    for answer in placed {
        assert_eq!(answer.unwrap().status, StatusCode::CREATED);
    }
    for answer in refused {
        assert_refused(answer, StatusCode::CONFLICT, ErrorCode::PendingOrdersLimit);
    }
    assert_eq!(pending_count(&app, &customer).await, 3);
    assert_eq!(app.stock_levels(product).await, (50, 3));
}

/// How many of the customer's orders wait for payment, read from the database.
async fn pending_count(app: &TestApp, customer: &TestUser) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM orders.orders WHERE user_id = $1 AND status = 'payment_pending'")
        .bind(customer.id)
        .fetch_one(&app.db.pool().await)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_checkout_racing_a_retry_at_one_below_the_cap_never_leaves_more_than_three_waiting_for_payment() {
    let app = spawn_store(|settings| settings.limits.checkout_turn_wait_ms = 600_000).await;
    let (_, customer, products) = shop(&app, 1).await;
    let product = products[0];
    app.buy(&customer, product, 1).await;
    app.buy(&customer, product, 1).await;

    for round in 0..10 {
        let failed = failed_order(&app, &customer, &order_of(product, 1)).await;
        let (checkout, retry) = {
            let (checkout_api, retry_api) = (customer.api.clone(), customer.api.clone());
            let checkout =
                tokio::spawn(async move { checkout_api.place_order(&order_of(product, 1), &new_key()).await });
            let retry = tokio::spawn(async move { retry_api.retry_payment(failed, &new_key()).await });
            (checkout.await.unwrap(), retry.await.unwrap())
        };

        assert_eq!(pending_count(&app, &customer).await, 3, "round {round}: the cap, never more");
        let winner = match (checkout, retry) {
            (Ok(placed), refused) => {
                assert_refused(refused, StatusCode::CONFLICT, ErrorCode::PendingOrdersLimit);
                placed.body.order.id
            }
            (refused, Ok(_)) => {
                assert_refused(refused, StatusCode::CONFLICT, ErrorCode::PendingOrdersLimit);
                failed
            }
            (checkout, retry) => panic!("round {round}: one of them is placed: {checkout:?}, {retry:?}"),
        };
        // Back to one below the cap for the next round.
        customer.api.cancel_order(winner, None).await.unwrap();
    }
}

#[tokio::test]
async fn cash_on_delivery_without_an_address_or_over_the_cap_is_refused_and_holds_nothing() {
    let app = spawn_store(|_| {}).await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let cheap = app.create_stocked_product(&admin, 100_000, 50).await;
    // ₹45,000 + 18% GST = ₹53,100, over the ₹50,000 cap.
    let dear = app.create_stocked_product(&admin, 4_500_000, 50).await;
    let cod = |product| PlaceOrder { payment_method: PaymentMethod::Cod, ..order_of(product, 1) };

    let without_address = customer.api.place_order(&cod(cheap), &new_key()).await;
    let over_the_cap =
        customer.api.place_order(&PlaceOrder { shipping_address: Some(home()), ..cod(dear) }, &new_key()).await;

    let error = assert_refused(without_address, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CodNotAvailable);
    assert_eq!(fields(&error), ["shipping_address"]);
    let error = assert_refused(over_the_cap, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CodNotAvailable);
    assert_eq!(fields(&error), ["payment_method"]);
    assert_nothing_held(&app, &customer, &[cheap, dear]).await;
    let delivered = app.checkout(&customer, &PlaceOrder { shipping_address: Some(home()), ..cod(cheap) }).await;
    assert_eq!(delivered.order.status, OrderStatus::Confirmed, "with an address and within the cap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fourth_open_cash_on_delivery_order_is_refused_however_many_race_and_a_cancelled_one_frees_its_place() {
    let app = spawn_store(|settings| settings.limits.checkout_turn_wait_ms = 600_000).await;
    let (_, customer, products) = shop(&app, 1).await;
    let product = products[0];
    let cod = PlaceOrder { payment_method: PaymentMethod::Cod, shipping_address: Some(home()), ..order_of(product, 1) };

    let answers = all_at_once((0..8).map(|_| {
        let (api, cod) = (customer.api.clone(), cod.clone());
        async move { api.place_order(&cod, &new_key()).await }
    }))
    .await;

    let (placed, refused): (Vec<_>, Vec<_>) = answers.into_iter().partition(Result::is_ok);
    let placed: Vec<_> = placed.into_iter().map(|answer| answer.unwrap().body.order).collect();
    assert_eq!(placed.len(), 3, "exactly the cap was confirmed");
    assert!(placed.iter().all(|order| order.status == OrderStatus::Confirmed));
    for answer in refused {
        let error = assert_refused(answer, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CodNotAvailable);
        assert_eq!(fields(&error), ["payment_method"]);
        assert!(error.message.contains("Too many cash-on-delivery orders are open"), "{error:?}");
    }
    assert_eq!(app.stock_levels(product).await, (47, 0), "the three orders' units only are sold");

    customer.api.cancel_order(placed[0].id, None).await.unwrap();
    let fourth = app.checkout(&customer, &cod).await;
    assert_eq!(fourth.order.status, OrderStatus::Confirmed, "a cancelled order is not open");
}

#[tokio::test]
async fn a_packed_or_shipped_cash_on_delivery_order_is_still_open_until_it_is_delivered() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;
    let cod =
        PlaceOrder { payment_method: PaymentMethod::Cod, shipping_address: Some(home()), ..order_of(products[0], 1) };
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(app.checkout(&customer, &cod).await.order.id);
    }
    let set_status = |order: Uuid, status: &'static str| {
        let app = &app;
        async move {
            sqlx::query("UPDATE orders.orders SET status = $2 WHERE id = $1")
                .bind(order)
                .bind(status)
                .execute(&app.db.pool().await)
                .await
                .unwrap();
        }
    };
    // Packed and shipped: not yet paid, so still open.
    set_status(open[0], "packed").await;
    set_status(open[1], "shipped").await;

    let refused = customer.api.place_order(&cod, &new_key()).await;

    assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CodNotAvailable);
    set_status(open[1], "delivered").await;
    let fourth = app.checkout(&customer, &cod).await;
    assert_eq!(fourth.order.status, OrderStatus::Confirmed, "a delivered order is paid, so no longer open");
}

/// A customer's Razorpay order of one unit whose payment failed (its stock released).
async fn failed_order(app: &TestApp, customer: &TestUser, order: &PlaceOrder) -> Uuid {
    let placed = app.checkout(customer, order).await;
    app.pay(&placed, "failure", "normal").await;
    app.wait_for_order_status(customer, placed.order.id, OrderStatus::PaymentFailed).await;
    placed.order.id
}

/// The retry is refused as `status` `code`; the order stays `payment_failed` and holds
/// nothing.
async fn assert_retry_refused(
    app: &TestApp,
    customer: &TestUser,
    order: Uuid,
    status: StatusCode,
    code: ErrorCode,
) -> api_types::ErrorBody {
    let refused = customer.api.retry_payment(order, &new_key()).await;
    let error = assert_refused(refused, status, code);
    let order = customer.api.order(order).await.unwrap();
    assert_eq!((order.status, order.payment.status), (OrderStatus::PaymentFailed, PaymentStatus::Failed));
    for item in &order.items {
        assert_eq!(app.stock_levels(item.product_id).await.1, 0, "nothing held again");
    }
    error
}

#[tokio::test]
async fn a_retry_after_the_window_is_refused_naming_the_order() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;
    let order = failed_order(&app, &customer, &order_of(products[0], 1)).await;
    // Placed a day and a minute ago; the window is the shipped 24 hours.
    sqlx::query("UPDATE orders.orders SET created_at = created_at - interval '1 day 1 minute' WHERE id = $1")
        .bind(order)
        .execute(&app.db.pool().await)
        .await
        .unwrap();

    let error =
        assert_retry_refused(&app, &customer, order, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed)
            .await;

    assert_eq!(fields(&error), ["id"]);
    assert!(error.details[0].message.contains("24 hours"), "{error:?}");
}

#[tokio::test]
async fn a_retry_of_a_retired_product_is_refused_naming_its_line() {
    let app = spawn_store(|_| {}).await;
    let (admin, customer, products) = shop(&app, 2).await;
    let order = failed_order(&app, &customer, &order_of_lines(&[(products[0], 1), (products[1], 1)])).await;
    admin.api.delete_product(products[1]).await.unwrap();

    let error =
        assert_retry_refused(&app, &customer, order, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed)
            .await;

    assert_eq!(fields(&error), ["items[1].product_id"]);
}

#[tokio::test]
async fn a_retry_with_an_expired_coupon_is_refused_and_its_use_stays_released() {
    let app = spawn_store(|_| {}).await;
    let (admin, customer, products) = shop(&app, 1).await;
    admin.api.create_coupon(&flat_coupon("LAPSED100", 10_000)).await.unwrap();
    let with_coupon = PlaceOrder { coupon_code: Some("LAPSED100".into()), ..order_of(products[0], 1) };
    let order = failed_order(&app, &customer, &with_coupon).await;
    let pool = app.db.pool().await;
    sqlx::query("UPDATE orders.coupons SET expires_at = now() - interval '1 minute' WHERE code = 'LAPSED100'")
        .execute(&pool)
        .await
        .unwrap();

    let error =
        assert_retry_refused(&app, &customer, order, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CouponExpired).await;

    assert_eq!(fields(&error), ["coupon_code"]);
    let use_status: String = sqlx::query_scalar("SELECT status FROM orders.coupon_uses WHERE order_id = $1")
        .bind(order)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(use_status, "released");
}

#[tokio::test]
async fn a_retry_counts_towards_the_orders_waiting_for_payment() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;
    let order = failed_order(&app, &customer, &order_of(products[0], 1)).await;
    for _ in 0..3 {
        app.buy(&customer, products[0], 1).await;
    }

    let refused = customer.api.retry_payment(order, &new_key()).await;

    assert_refused(refused, StatusCode::CONFLICT, ErrorCode::PendingOrdersLimit);
    assert_eq!(customer.api.order(order).await.unwrap().status, OrderStatus::PaymentFailed);
    assert_eq!(app.stock_levels(products[0]).await, (50, 3), "the failed order holds nothing again");
}

/// How many of the app's pool connections wait for a lock (the customer's advisory lock).
async fn app_connections_waiting_for_a_lock(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'rigmaster' AND wait_event_type = 'Lock'",
    )
    .fetch_one(&app.db.pool().await)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retry_of_an_order_that_failed_while_it_waited_needs_no_second_connection_under_its_locks() {
    // Two connections: the retry holds one while it waits for the customer's lock, a
    // checkout of the same customer the other.
    let app = spawn_store(|settings| settings.database.max_connections = 2).await;
    let (_, customer, products) = shop(&app, 1).await;
    let placed = app.checkout(&customer, &order_of(products[0], 1)).await;
    let order = placed.order.id;
    let pool = app.db.pool().await;
    let mut holding_the_customer = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 18))")
        .bind(customer.id)
        .execute(&mut *holding_the_customer)
        .await
        .unwrap();

    // The retry reads the order waiting for payment, then waits for the customer's lock;
    // meanwhile its payment fails, and a checkout queues behind it for the same lock.
    let retry_api = customer.api.clone();
    let retry = tokio::spawn(async move { retry_api.retry_payment(order, &new_key()).await });
    eventually("the retry waits for the customer", async || {
        (app_connections_waiting_for_a_lock(&app).await == 1).then_some(())
    })
    .await;
    app.pay(&placed, "failure", "normal").await;
    app.wait_for_order_status(&customer, order, OrderStatus::PaymentFailed).await;
    let checkout_api = customer.api.clone();
    let checkout = tokio::spawn(async move { checkout_api.place_order(&order_of(products[0], 1), &new_key()).await });
    eventually("both wait for the customer", async || {
        (app_connections_waiting_for_a_lock(&app).await == 2).then_some(())
    })
    .await;
    holding_the_customer.commit().await.unwrap();

    let retried = retry.await.unwrap().expect("the retry holds the order again without waiting for a connection");
    assert_eq!(retried.order.status, OrderStatus::PaymentPending);
    assert!(retried.payment.is_some(), "with a new payment");
    assert_eq!(checkout.await.unwrap().expect("the checkout is placed after it").status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_one_checkout_turn_held_up_the_others_get_503_with_retry_after_never_500() {
    let app = Arc::new(
        spawn_store(|settings| {
            settings.orders.checkout_concurrency = 1;
            settings.limits.checkout_turn_wait_ms = 200;
        })
        .await,
    );
    let (_, first, products) = shop(&app, 2).await;
    let (held, other) = (products[0], products[1]);
    // A transaction of our own locks the held product's stock row: the first checkout
    // takes the only turn and waits on that row.
    let pool = app.db.pool().await;
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM inventory.stock WHERE product_id = $1 FOR UPDATE")
        .bind(held)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let first_checkout = {
        let api = first.api.clone();
        tokio::spawn(async move { api.place_order(&order_of(held, 1), &new_key()).await })
    };
    eventually("the first checkout waits on the stock row", async || {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (waiting > 0).then_some(())
    })
    .await;

    let others = rigmaster_tests::shop::register_customers(&app, 3).await;
    let answers = all_at_once(
        others
            .into_iter()
            .map(|customer| async move { customer.api.place_order(&order_of(other, 1), &new_key()).await }),
    )
    .await;
    blocker.rollback().await.unwrap();

    for answer in answers {
        let Err(Error::Api { status, retry_after, error }) = answer else { panic!("expected a refusal: {answer:?}") };
        assert_eq!((status, error.code), (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::ServiceUnavailable));
        assert!(retry_after.is_some_and(|seconds| seconds >= 1), "Retry-After on {error:?}");
    }
    assert_eq!(app.stock_levels(other).await, (50, 0), "the busy checkouts hold nothing");
    let first_answer = first_checkout.await.unwrap().expect("the held-up checkout goes through once let go");
    assert_eq!(first_answer.status, StatusCode::CREATED);
    assert_eq!(app.stock_levels(held).await, (50, 1));
}

#[tokio::test]
async fn the_verify_call_never_captures_an_authorised_payment_of_another_amount() {
    let app = spawn_store(|_| {}).await;
    let (admin, customer, products) = shop(&app, 1).await;
    let placed = app.buy(&customer, products[0], 1).await;
    // The gateway's order (and so the payment) is for one paisa more than ours.
    sqlx::query("UPDATE orders.payment_attempts SET amount_paise = amount_paise - 1 WHERE order_id = $1")
        .bind(placed.order.id)
        .execute(&app.db.pool().await)
        .await
        .unwrap();
    let handler =
        app.simulator.pay(&razorpay_order_id(&placed), json!({"outcome": "authorize", "deliver": "none"})).await;

    let order = customer.api.verify_payment(placed.order.id, &verify_body(&handler)).await.unwrap();

    assert_eq!((order.status, order.payment.status), (OrderStatus::PaymentPending, PaymentStatus::Pending));
    let calls = app.simulator.requests().await;
    assert!(!calls.iter().any(|call| call.ends_with("/capture")), "never captured: {calls:?}");
    let flagged = admin.api.admin_payments(&flagged_only()).await.unwrap().items;
    let payment_id = handler["razorpay_payment_id"].as_str().unwrap();
    assert_eq!(flagged.iter().map(|p| p.razorpay_payment_id.as_str()).collect::<Vec<_>>(), [payment_id]);
    assert_eq!(app.ledger_entries(placed.order.id, "commit").await, 0);
}

fn razorpay_order_id(placed: &PlacedOrder) -> String {
    placed.payment.as_ref().expect("a Razorpay payment").razorpay_order_id.clone()
}

#[tokio::test]
async fn a_payment_event_replayed_under_a_new_event_id_is_acknowledged_and_applied_once() {
    let app = spawn_store(|_| {}).await;
    let (_, customer, products) = shop(&app, 1).await;
    let placed = app.buy(&customer, products[0], 1).await;
    let payment_id = "pay_ReplayedCapture1";
    let mut capture = payment_event("payment.captured", payment_id, "captured");
    capture["payload"]["payment"]["entity"]["order_id"] = json!(razorpay_order_id(&placed));
    capture["payload"]["payment"]["entity"]["amount"] = json!(placed.order.total_paise);

    let first = post_signed(&app, &capture, "evt_capture_first").await;
    let replayed = post_signed(&app, &capture, "evt_capture_replayed").await;

    assert_eq!((first.status(), replayed.status()), (StatusCode::OK, StatusCode::OK));
    let replayed: Value = replayed.json().await.unwrap();
    assert_eq!(replayed["outcome"], "already_seen");
    let pool = app.db.pool().await;
    let (events, history): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM payments.webhook_events WHERE razorpay_payment_id = $1),
                (SELECT count(*) FROM payments.payment_history WHERE razorpay_payment_id = $1)",
    )
    .bind(payment_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((events, history), (1, 1), "stored and recorded once");
    let order = customer.api.order(placed.order.id).await.unwrap();
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(app.ledger_entries(placed.order.id, "commit").await, 1, "sold once");
}
