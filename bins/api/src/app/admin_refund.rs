//! An admin's refund, once per `Idempotency-Key`: it spans idempotency (the answer kept
//! for the key, the refund attached to the key in the refund's own transaction) and orders
//! (the refund, counted against the capture under the order's lock, then sent to
//! Razorpay). A repeat of the request is answered from the first; a request that died after
//! writing its refund is answered from that refund, never refunded twice.

use actix_web::http::StatusCode;
use api_types::admin_orders::NewRefund;
use idempotency::{Idempotency, IdempotencyKey};
use kernel::Money;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::adapters::AttachToIdempotencyKey;
use crate::app::idempotent::idempotent;
use crate::error::ApiError;
use crate::state::OrdersService;
use crate::views::ToWire;

/// The idempotency scope of an admin's refund.
pub const REFUND_SCOPE: &str = "admin.orders.refund";

/// Refunds what `body` asks of the order, once per (admin, `key`): 201 with the
/// `Refund`, or the answer kept for the key. Errors: every refusal (404, 422 …) as an
/// [`ApiError`]; the key is then released.
#[tracing::instrument(name = "app.admin_refund", skip_all, fields(order = %order_id))]
pub async fn refund_order(
    orders: &OrdersService,
    idempotency: &Idempotency,
    admin: &crate::http::auth::AuditedAdmin,
    order_id: Uuid,
    key: &IdempotencyKey,
    body: NewRefund,
) -> Result<(StatusCode, Value), ApiError> {
    let user = admin.admin.id;
    let request = json!({ "order_id": order_id, "amount_paise": body.amount_paise, "reason": body.reason });
    let claimed_key = key.clone();
    idempotent(idempotency, user, REFUND_SCOPE, key, &request, |resume| async move {
        let record = match resume {
            Some(refund) => orders.refund_record(refund).await?,
            None => {
                let attach = AttachToIdempotencyKey { user, scope: REFUND_SCOPE, key: &claimed_key };
                let amount = body.amount_paise.map(Money::from_paise);
                orders.refund(order_id, amount, body.reason.trim(), &attach, &admin.recorder).await?
            }
        };
        let answer = serde_json::to_value(record.to_wire()).map_err(anyhow::Error::from)?;
        Ok((StatusCode::CREATED, answer))
    })
    .await
}
