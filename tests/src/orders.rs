//! Buying: filling the cart, checking out, paying in the simulator, and waiting for an
//! order to get somewhere.

use api_types::cart::AddCartItem;
use api_types::orders::{Order, OrderLine, OrderStatus, PaymentMethod, PlaceOrder, PlacedOrder, VerifyPayment};
use api_types::page::PageParams;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::app::{TestApp, TestUser};
use crate::polling::poll;
use crate::shop::new_key;

/// An order of `quantity` of one product, paid through Razorpay.
pub fn order_of(product_id: Uuid, quantity: i64) -> PlaceOrder {
    PlaceOrder {
        items: Some(vec![OrderLine { product_id, quantity }]),
        address_id: None,
        shipping_address: None,
        payment_method: PaymentMethod::Razorpay,
        coupon_code: None,
        billing: None,
    }
}

/// The cart checked out, paid through Razorpay.
pub fn cart_order() -> PlaceOrder {
    PlaceOrder {
        items: None,
        address_id: None,
        shipping_address: None,
        payment_method: PaymentMethod::Razorpay,
        coupon_code: None,
        billing: None,
    }
}

/// The checkout handler's three fields (what the simulator's pay answers) as the body of
/// `POST /orders/{id}/payment/verify`.
pub fn verify_body(handler: &Value) -> VerifyPayment {
    let field = |name: &str| handler[name].as_str().unwrap_or_else(|| panic!("{name} in {handler}")).to_owned();
    VerifyPayment {
        razorpay_order_id: field("razorpay_order_id"),
        razorpay_payment_id: field("razorpay_payment_id"),
        razorpay_signature: field("razorpay_signature"),
    }
}

/// The statuses in an order's history, oldest first.
pub fn history_statuses(order: &Order) -> Vec<OrderStatus> {
    order.history.iter().map(|event| event.status).collect()
}

impl TestApp {
    /// Adds each `(product_id, quantity)` to the user's cart.
    pub async fn fill_cart(&self, user: &TestUser, lines: &[(Uuid, i64)]) {
        for &(product_id, quantity) in lines {
            user.api.add_to_cart(&AddCartItem { product_id, quantity }).await.expect("added to the cart");
        }
    }

    /// Places `order` with a fresh `Idempotency-Key`, asserting 201.
    pub async fn checkout(&self, user: &TestUser, order: &PlaceOrder) -> PlacedOrder {
        let placed = user.api.place_order(order, &new_key()).await.expect("the order is placed");
        assert_eq!(placed.status, StatusCode::CREATED, "a new order: {:?}", placed.body);
        placed.body
    }

    /// Buys `quantity` of one product through Razorpay.
    pub async fn buy(&self, user: &TestUser, product_id: Uuid, quantity: i64) -> PlacedOrder {
        self.checkout(user, &order_of(product_id, quantity)).await
    }

    /// The user's orders (the first page), newest first.
    pub async fn orders(&self, user: &TestUser) -> Vec<Order> {
        user.api.orders(&PageParams::default()).await.expect("the customer's orders").items
    }

    /// Polls the order until its status is `status` (10 s at most); returns it.
    pub async fn wait_for_order_status(&self, user: &TestUser, order_id: Uuid, status: OrderStatus) -> Order {
        self.wait_for_order(user, order_id, &format!("status {status:?}"), |order| order.status == status).await
    }

    /// Polls the order until `done` holds for it (10 s at most); returns it.
    pub async fn wait_for_order(
        &self,
        user: &TestUser,
        order_id: Uuid,
        what: &str,
        done: impl Fn(&Order) -> bool,
    ) -> Order {
        let mut last = None;
        let found = poll(async || {
            let order = user.api.order(order_id).await.expect("the order");
            let reached = done(&order).then(|| order.clone());
            last = Some(order);
            reached
        })
        .await;
        found.unwrap_or_else(|| panic!("order {order_id} never reached {what} within 10 s; last seen: {last:#?}"))
    }

    /// The simulated customer pays the checkout's Razorpay order: `outcome` `success`,
    /// `failure` …, its webhooks delivered as `deliver` says. Returns what the checkout
    /// handler receives (for a success, the body of `POST /orders/{id}/payment/verify`).
    pub async fn pay(&self, placed: &PlacedOrder, outcome: &str, deliver: &str) -> Value {
        let payment = placed.payment.as_ref().expect("a Razorpay payment to pay");
        self.simulator.pay(&payment.razorpay_order_id, json!({"outcome": outcome, "deliver": deliver})).await
    }
}
