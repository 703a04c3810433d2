//! `/admin/orders/…` writes: status moves, shipping, returns, refunds, bulk cancellation.

use api_types::admin_orders::{
    AdminOrder, BulkCancel, BulkCancelResult, NewRefund, NewReturn, Refund, Return, ShipOrder, StatusChange,
};
use reqwest::Method;
use uuid::Uuid;

use crate::{Answer, Client, Result};

/// The header an admin's refund needs.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

impl Client {
    /// `POST /admin/orders/{id}/status`: moves the order (packed, delivered, cancelled —
    /// a paid order is then refunded in full —, or a cash-on-delivery order refunded in
    /// cash). An illegal move is 409 `invalid_transition` and changes nothing.
    pub async fn change_order_status(&self, id: Uuid, change: &StatusChange) -> Result<AdminOrder> {
        self.with_body(Method::POST, &format!("/admin/orders/{id}/status"), change).await
    }

    /// `POST /admin/orders/{id}/ship`: ships a packed order with its courier's tracking.
    pub async fn ship_order(&self, id: Uuid, shipment: &ShipOrder) -> Result<AdminOrder> {
        self.with_body(Method::POST, &format!("/admin/orders/{id}/ship"), shipment).await
    }

    /// `POST /admin/orders/{id}/returns`: records units sent back (restocked when asked,
    /// refunded in part when `refund_paise` says so); never more than are still out.
    pub async fn record_return(&self, id: Uuid, request: &NewReturn) -> Result<Return> {
        self.with_body(Method::POST, &format!("/admin/orders/{id}/returns"), request).await
    }

    /// `POST /admin/orders/{id}/refund`: refunds part (or, without an amount, all that
    /// is left) of the order's online payment; 422 `refund_exceeds_captured` past what was
    /// captured. `idempotency_key` is new for each refund and sent again unchanged when
    /// the call is retried: the first answer then comes back, and nothing is refunded twice.
    pub async fn refund_order(&self, id: Uuid, refund: &NewRefund, idempotency_key: &str) -> Result<Answer<Refund>> {
        let request = self
            .request(Method::POST, &format!("/admin/orders/{id}/refund"))
            .header(IDEMPOTENCY_KEY, idempotency_key)
            .json(refund);
        self.send_answer(request).await
    }

    /// `POST /admin/orders/bulk-cancel`: cancels up to 100 orders, each on its own; says
    /// what became of each.
    pub async fn bulk_cancel_orders(&self, request: &BulkCancel) -> Result<BulkCancelResult> {
        self.with_body(Method::POST, "/admin/orders/bulk-cancel", request).await
    }
}
