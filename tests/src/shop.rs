//! Shopping over HTTP: stocked products, the cart, coupons, orders and their payments,
//! and the stock levels behind them, as typed helpers on [`TestApp`].

use std::future::Future;
use std::sync::Arc;

use reqwest::{Method, Response, StatusCode};
use rigmaster_api::Settings;
use serde_json::{Value, json};

use crate::app::{TestApp, TestUser, spawn_app_with};
// The waiting helpers live in `polling`; shop tests import them from here too.
pub use crate::polling::{eventually, poll};

/// An app whose auth rate limit lets a test register as many customers as it needs.
pub async fn spawn_shop() -> TestApp {
    spawn_shop_with(|_| {}).await
}

/// [`spawn_shop`], after `customize` has adjusted the settings.
pub async fn spawn_shop_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_with(|settings| {
        settings.rate_limit.auth_per_minute = 10_000;
        customize(settings);
    })
    .await
}

/// A fresh `Idempotency-Key`.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Asserts `response` has `status` and returns its JSON body.
pub async fn json_body(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("a body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"))
}

/// The `items` of a list body.
pub fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().unwrap_or_else(|| panic!("no items in {page}")).clone()
}

/// The statuses in an order's history, oldest first.
pub fn history_statuses(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history in {order}"))
        .iter()
        .map(|entry| entry["status"].as_str().unwrap().to_owned())
        .collect()
}

/// Runs each future as its own task, all at once, and returns their outputs in order.
pub async fn all_at_once<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await.expect("a concurrent task"));
    }
    outputs
}

/// `count` new customers, registered concurrently.
pub async fn register_customers(app: &Arc<TestApp>, count: usize) -> Vec<TestUser> {
    all_at_once((0..count).map(|_| {
        let app = app.clone();
        async move { app.register_customer().await }
    }))
    .await
}

/// A product body in category `cpu` with this price (18% GST) and opening stock.
pub fn product_body(price_paise: i64, stock: i64) -> Value {
    let sku = format!("CPU-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]).to_uppercase();
    json!({
        "sku": sku, "name": format!("Test Processor {sku}"), "brand": "RigMaster", "category": "cpu",
        "base_price_paise": price_paise, "tax_rate_bps": 1800, "initial_stock": stock, "low_stock_threshold": 0,
        "short_description": "A processor for checkout tests.",
    })
}

impl TestApp {
    pub async fn delete_as(&self, path: &str, access_token: &str) -> Response {
        self.client.delete(self.url(path)).bearer_auth(access_token).send().await.expect("request sent")
    }

    // Catalog and stock.

    /// Creates an active product with this price and stock; returns its id.
    pub async fn create_stocked_product(&self, admin: &TestUser, price_paise: i64, stock: i64) -> String {
        let created = self.create_product(admin, &product_body(price_paise, stock)).await;
        created["id"].as_str().unwrap().to_owned()
    }

    /// `pricing` of a product as the storefront shows it.
    pub async fn pricing(&self, product_id: &str) -> Value {
        self.get_json(&format!("/api/v1/products/{product_id}")).await["pricing"].clone()
    }

    /// `(on_hand, reserved)` of a product, read from `inventory.stock`.
    pub async fn stock_levels(&self, product_id: &str) -> (i64, i64) {
        let pool = self.db.pool().await;
        let levels = sqlx::query_as("SELECT on_hand, reserved FROM inventory.stock WHERE product_id = $1::uuid")
            .bind(product_id)
            .fetch_one(&pool)
            .await
            .expect("a stock row");
        pool.close().await;
        levels
    }

    /// How many ledger entries of `kind` (`commit`, `release` …) name this order.
    pub async fn ledger_entries(&self, order_id: &str, kind: &str) -> i64 {
        let pool = self.db.pool().await;
        let count = sqlx::query_scalar("SELECT count(*) FROM inventory.ledger WHERE order_id = $1::uuid AND kind = $2")
            .bind(order_id)
            .bind(kind)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        count
    }

    /// `PUT /admin/inventory/{id}` `{on_hand}`, asserting 200.
    pub async fn set_on_hand(&self, admin: &TestUser, product_id: &str, on_hand: i64) {
        let path = format!("/api/v1/admin/inventory/{product_id}");
        let response = self.send_json_as(Method::PUT, &path, &admin.access_token, &json!({"on_hand": on_hand})).await;
        json_body(response, StatusCode::OK).await;
    }

    // Cart.

    pub async fn add_to_cart(&self, user: &TestUser, product_id: &str, quantity: i64) -> Response {
        let body = json!({"product_id": product_id, "quantity": quantity});
        self.send_json_as(Method::POST, "/api/v1/cart/items", &user.access_token, &body).await
    }

    /// Adds each `(product_id, quantity)` to the cart, asserting 200.
    pub async fn fill_cart(&self, user: &TestUser, lines: &[(String, i64)]) {
        for (product_id, quantity) in lines {
            json_body(self.add_to_cart(user, product_id, *quantity).await, StatusCode::OK).await;
        }
    }

    pub async fn set_cart_quantity(&self, user: &TestUser, product_id: &str, quantity: i64) -> Response {
        let path = format!("/api/v1/cart/items/{product_id}");
        self.send_json_as(Method::PATCH, &path, &user.access_token, &json!({"quantity": quantity})).await
    }

    pub async fn get_cart(&self, user: &TestUser) -> Value {
        json_body(self.get_as("/api/v1/cart", &user.access_token).await, StatusCode::OK).await
    }

    pub async fn apply_coupon(&self, user: &TestUser, code: &str) -> Response {
        self.send_json_as(Method::POST, "/api/v1/cart/coupon", &user.access_token, &json!({"code": code})).await
    }

    // Coupons.

    pub async fn post_coupon(&self, admin: &TestUser, body: &Value) -> Response {
        self.send_json_as(Method::POST, "/api/v1/admin/coupons", &admin.access_token, body).await
    }

    /// Creates a coupon, asserting 201; returns the Coupon.
    pub async fn create_coupon(&self, admin: &TestUser, body: &Value) -> Value {
        json_body(self.post_coupon(admin, body).await, StatusCode::CREATED).await
    }

    /// The coupon with this code (any case) from `GET /admin/coupons`.
    pub async fn coupon_by_code(&self, admin: &TestUser, code: &str) -> Value {
        let page =
            json_body(self.get_as("/api/v1/admin/coupons?limit=100", &admin.access_token).await, StatusCode::OK).await;
        items(&page)
            .into_iter()
            .find(|c| c["code"].as_str().is_some_and(|c| c.eq_ignore_ascii_case(code)))
            .unwrap_or_else(|| panic!("no coupon {code} in {page}"))
    }

    // Orders.

    /// `POST /orders` with this `Idempotency-Key`.
    pub async fn place_order(&self, user: &TestUser, key: &str, body: &Value) -> Response {
        self.client
            .post(self.url("/api/v1/orders"))
            .bearer_auth(&user.access_token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Places an order with a fresh key, asserting 201; returns `{order, payment}`.
    pub async fn checkout(&self, user: &TestUser, body: &Value) -> Value {
        json_body(self.place_order(user, &new_key(), body).await, StatusCode::CREATED).await
    }

    /// Buys `quantity` of one product through Razorpay; returns `{order, payment}`.
    pub async fn buy(&self, user: &TestUser, product_id: &str, quantity: i64) -> Value {
        self.checkout(user, &order_of(product_id, quantity)).await
    }

    pub async fn order(&self, user: &TestUser, order_id: &str) -> Value {
        json_body(self.get_as(&format!("/api/v1/orders/{order_id}"), &user.access_token).await, StatusCode::OK).await
    }

    /// The customer's own orders, newest first.
    pub async fn orders(&self, user: &TestUser) -> Vec<Value> {
        items(&json_body(self.get_as("/api/v1/orders", &user.access_token).await, StatusCode::OK).await)
    }

    /// `POST /orders/{id}/payment/verify` with the checkout handler's three fields.
    pub async fn verify_payment(&self, user: &TestUser, order_id: &str, handler: &Value) -> Response {
        let body = json!({
            "razorpay_order_id": handler["razorpay_order_id"],
            "razorpay_payment_id": handler["razorpay_payment_id"],
            "razorpay_signature": handler["razorpay_signature"],
        });
        let path = format!("/api/v1/orders/{order_id}/payment/verify");
        self.send_json_as(Method::POST, &path, &user.access_token, &body).await
    }

    pub async fn retry_payment(&self, user: &TestUser, order_id: &str, key: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/orders/{order_id}/payment/retry")))
            .bearer_auth(&user.access_token)
            .header("Idempotency-Key", key)
            .json(&json!({}))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn cancel_order(&self, user: &TestUser, order_id: &str) -> Response {
        let path = format!("/api/v1/orders/{order_id}/cancel");
        self.send_json_as(Method::POST, &path, &user.access_token, &json!({"reason": "changed my mind"})).await
    }

    /// Polls the order until its status is `status` (10 s at most); returns it.
    pub async fn wait_for_order_status(&self, user: &TestUser, order_id: &str, status: &str) -> Value {
        self.wait_for_order(user, order_id, &format!("status {status}"), |order| order["status"] == status).await
    }

    /// Polls the order until `done` holds for it (10 s at most); returns it.
    pub async fn wait_for_order(
        &self,
        user: &TestUser,
        order_id: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let mut last = Value::Null;
        let found = poll(async || {
            last = self.order(user, order_id).await;
            done(&last).then(|| last.clone())
        })
        .await;
        found.unwrap_or_else(|| panic!("order {order_id} never reached {what} within 10 s; last seen: {last}"))
    }

    /// The simulated customer pays the checkout's Razorpay order; returns the handler fields.
    pub async fn pay(&self, placed: &Value, outcome: &str, deliver: &str) -> Value {
        let razorpay_order_id = placed["payment"]["razorpay_order_id"].as_str().expect("a payment block");
        self.simulator.pay(razorpay_order_id, json!({"outcome": outcome, "deliver": deliver})).await
    }

    // Payments (admin).

    /// `GET /admin/payments{query}`, asserting 200; the items.
    pub async fn admin_payments(&self, admin: &TestUser, query: &str) -> Vec<Value> {
        let response = self.get_as(&format!("/api/v1/admin/payments{query}"), &admin.access_token).await;
        items(&json_body(response, StatusCode::OK).await)
    }
}

/// An order body for `quantity` of one product, paid through Razorpay.
pub fn order_of(product_id: &str, quantity: i64) -> Value {
    json!({"items": [{"product_id": product_id, "quantity": quantity}], "payment_method": "razorpay"})
}

/// The order id of a `{order, payment}` body.
pub fn order_id(placed: &Value) -> String {
    placed["order"]["id"].as_str().unwrap_or_else(|| panic!("no order id in {placed}")).to_owned()
}
