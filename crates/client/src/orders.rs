//! `/orders`: checkout, paying with Razorpay, cancelling, and the customer's orders.

use api_types::Page;
use api_types::orders::{CancelOrder, Order, PlaceOrder, PlacedOrder, VerifyPayment};
use api_types::page::PageParams;
use reqwest::Method;
use uuid::Uuid;

use crate::{Answer, Client, Result};

/// The header `POST /orders` and the payment retry need.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

impl Client {
    /// `POST /orders`: places an order (the `items` given, or the cart). `idempotency_key`
    /// (1 to 255 visible characters) is new for each order and sent again unchanged when
    /// the call is retried: the server then answers with the first answer (201 and the same
    /// body) instead of placing another order. An order names each product once, holds at
    /// most 20 units (`max_units_per_order`), and a customer may have at most 3 orders
    /// waiting for payment (409 `pending_orders_limit`); cash on delivery needs an address
    /// and a total within `cod_max_paise`, and a customer may have at most 3 COD orders open
    /// (`max_open_cod_orders`; 422 `cod_not_available`). A busy checkout is
    /// 503 `service_unavailable`: send the same call again after [`Error::retry_after`].
    ///
    /// [`Error::retry_after`]: crate::Error::retry_after
    pub async fn place_order(&self, order: &PlaceOrder, idempotency_key: &str) -> Result<Answer<PlacedOrder>> {
        let request = self.request(Method::POST, "/orders").header(IDEMPOTENCY_KEY, idempotency_key).json(order);
        self.send_answer(request).await
    }

    /// `GET /orders`: a page of the customer's orders, newest first.
    pub async fn orders(&self, page: &PageParams) -> Result<Page<Order>> {
        self.get_with("/orders", page).await
    }

    /// `GET /orders/{id}`: one of the customer's orders.
    pub async fn order(&self, id: Uuid) -> Result<Order> {
        self.get(&format!("/orders/{id}")).await
    }

    /// `POST /orders/{id}/payment/verify`: confirms the online payment with what
    /// Razorpay's checkout handed its `handler`; the order is then `paid`.
    pub async fn verify_payment(&self, id: Uuid, payment: &VerifyPayment) -> Result<Order> {
        self.with_body(Method::POST, &format!("/orders/{id}/payment/verify"), payment).await
    }

    /// `POST /orders/{id}/payment/retry`: opens a new payment for a `payment_failed` (or
    /// lapsed) order, holding its stock again: within `retry_window_hours` of placing it,
    /// for products still sold and a coupon that still applies (422 otherwise), and
    /// counting towards the orders waiting for payment. `idempotency_key` as for
    /// [`Client::place_order`].
    pub async fn retry_payment(&self, id: Uuid, idempotency_key: &str) -> Result<PlacedOrder> {
        let request =
            self.request(Method::POST, &format!("/orders/{id}/payment/retry")).header(IDEMPOTENCY_KEY, idempotency_key);
        self.send(request).await
    }

    /// `POST /orders/{id}/cancel`: cancels the order (before it ships), refunding it when
    /// paid.
    pub async fn cancel_order(&self, id: Uuid, reason: Option<&str>) -> Result<Order> {
        let body = CancelOrder { reason: reason.map(str::to_owned) };
        self.with_body(Method::POST, &format!("/orders/{id}/cancel"), &body).await
    }
}
