//! Cancelling: by the customer before shipping, and by the expiry job when a
//! reservation runs out before payment.

use anyhow::Context as _;
use kernel::Money;
use uuid::Uuid;

use crate::coupons::CouponUseStatus;
use crate::deps::{Deps, MoveError};
use crate::model::{Order, PaymentStatus, RefundKind};
use crate::payments::FollowUp;
use crate::ports::{OrderRecords, OrderStock, PaymentProvider, ProductCatalog, Tx};
use crate::status::{CancelReason, InvalidTransition, OrderStatus, check_move};
use crate::stores::{CouponStore as _, LockedOrder, OrderStore as _, RefundStore as _, Stores};

#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<MoveError> for CancelError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Invalid(invalid) => CancelError::InvalidTransition(invalid),
            MoveError::Unexpected(cause) => CancelError::Unexpected(cause),
        }
    }
}

/// Cancelling orders.
pub(crate) struct Cancellation<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Cancellation<'_, C, P, K, S, L> {
    /// The customer cancels before shipping: held stock is released, sold stock goes
    /// back on the shelf, and money taken online is refunded through the gateway.
    /// Errors: `NotFound` (also for another customer's order), `InvalidTransition`
    /// (shipped or later), `Unexpected`.
    #[tracing::instrument(name = "orders.cancel", skip(self))]
    pub(crate) async fn cancel(&self, user: Uuid, order_id: Uuid, reason: Option<&str>) -> Result<Order, CancelError> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("starting a cancellation")?;
        deps.stock.lock_order(&mut tx, order_id).await?;
        let order = deps
            .stores
            .orders()
            .lock(&mut tx, order_id)
            .await?
            .filter(|o| o.user_id == user)
            .ok_or(CancelError::NotFound)?;
        let note = match reason {
            Some(reason) => format!("cancelled by the customer: {reason}"),
            None => "cancelled by the customer".to_owned(),
        };
        let refunds = self.cancel_locked(&mut tx, &order, CancelReason::Customer, &note).await?;
        tx.commit().await.context("committing a cancellation")?;
        deps.payments().follow_up(FollowUp { capture: None, refunds }).await;
        Ok(deps.load(order_id).await?)
    }

    /// Cancels a locked order (the caller holds its stock lock and row lock): held stock
    /// is released, sold stock restocked, and what is left of an online payment owed
    /// back. The refunds to send once the caller commits.
    pub(crate) async fn cancel_locked(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        reason: CancelReason,
        note: &str,
    ) -> Result<Vec<Uuid>, CancelError> {
        let deps = self.deps;
        let state = order.state();
        check_move(state, OrderStatus::Cancelled)?;
        let mut refunds = Vec::new();
        match state.status {
            OrderStatus::PaymentPending | OrderStatus::PaymentFailed => {
                deps.holds().release_unpaid(tx, order, "cancelled").await?;
            }
            _ => {
                deps.stock.restock(tx, order.id, "order cancelled").await?;
                if state.paid_online {
                    refunds.extend(self.refund_whole(tx, order).await?);
                }
            }
        }
        deps.move_order(tx, order, OrderStatus::Cancelled, Some(note)).await?;
        deps.stores.orders().set_cancel_reason(tx, order.id, reason).await?;
        // Refunded in full before it was cancelled: nothing is left to bring it there later.
        let cancelled = LockedOrder { status: OrderStatus::Cancelled, cancel_reason: Some(reason), ..order.clone() };
        deps.refunded_if_all_back(tx, &cancelled).await?;
        Ok(refunds)
    }

    /// Owes back what is left of the order's payment: what it captured less every refund
    /// of it not failed (an admin may have refunded part already).
    async fn refund_whole(&self, tx: &mut Tx, order: &LockedOrder) -> anyhow::Result<Option<Uuid>> {
        let Some(payment_id) = order.razorpay_payment_id.as_deref() else { return Ok(None) };
        let counted = self.deps.stores.refunds().counted_for(tx, payment_id).await?;
        let left = order.total.paise().saturating_sub(counted.paise());
        if left <= 0 {
            return Ok(None);
        }
        let left = Money::from_paise(left);
        let kind = RefundKind::Cancellation;
        self.deps.refunds().refund_due(tx, order, payment_id, left, "order cancelled", kind).await
    }

    /// Cancels an order whose reservation expired before it was paid. The expiry job
    /// calls it in the releasing transaction, holding the order's stock lock.
    pub(crate) async fn cancel_expired(&self, tx: &mut Tx, order_id: Uuid) -> anyhow::Result<()> {
        let deps = self.deps;
        let Some(order) = deps.stores.orders().lock(tx, order_id).await? else { return Ok(()) };
        if order.status != OrderStatus::PaymentPending {
            return Ok(());
        }
        deps.stores.coupons().set_use(tx, order.id, CouponUseStatus::Released).await?;
        deps.move_order(tx, &order, OrderStatus::Cancelled, Some("reservation expired before payment"))
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        deps.stores.orders().set_cancel_reason(tx, order.id, CancelReason::Expired).await?;
        deps.stores.orders().set_payment_status(tx, order.id, PaymentStatus::Failed).await
    }
}
