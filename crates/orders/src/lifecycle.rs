//! Cancelling: by the customer before shipping, and by the expiry job when a
//! reservation runs out before payment.

use anyhow::Context as _;
use inventory::expiry::ExpiryListener;
use inventory::reservations::{SettleError, StockReserver};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::Order;
use crate::payments::{Note, refund_due};
use crate::ports::{PaymentProvider, ProductCatalog};
use crate::service::Orders;
use crate::status::{CancelReason, InvalidTransition, OrderStatus};
use crate::store::{self, LockedOrder, MoveError};

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

async fn set_cancel_reason(conn: &mut PgConnection, order: Uuid, reason: CancelReason) -> anyhow::Result<()> {
    sqlx::query("UPDATE orders.orders SET cancel_reason = $2, reservation_expires_at = NULL WHERE id = $1")
        .bind(order)
        .bind(reason.as_str())
        .execute(conn)
        .await
        .context("recording why an order was cancelled")?;
    Ok(())
}

impl<C: ProductCatalog, P: PaymentProvider, R: StockReserver> Orders<C, P, R> {
    /// The customer cancels before shipping: held stock is released, sold stock goes
    /// back on the shelf, and money taken online is refunded through the gateway.
    /// Errors: `NotFound` (also for another customer's order), `InvalidTransition`
    /// (shipped or later), `Unexpected`.
    #[tracing::instrument(name = "orders.cancel", skip(self))]
    pub async fn cancel(&self, user: Uuid, order_id: Uuid, reason: Option<&str>) -> Result<Order, CancelError> {
        let mut tx = self.pool.begin().await.context("starting a cancellation")?;
        self.reserver.lock_owner(&mut tx, order_id).await?;
        let order = store::lock(&mut tx, order_id).await?.filter(|o| o.user_id == user).ok_or(CancelError::NotFound)?;
        let state = order.state()?;
        crate::status::check_move(state, OrderStatus::Cancelled)?;
        let note = match reason {
            Some(reason) => format!("cancelled by the customer: {reason}"),
            None => "cancelled by the customer".to_owned(),
        };
        let mut refunds = Vec::new();
        match state.status {
            OrderStatus::PaymentPending | OrderStatus::PaymentFailed => {
                self.release_unpaid(&mut tx, &order, "cancelled").await?;
            }
            _ => {
                self.restock(&mut tx, &order).await?;
                if state.paid_online {
                    refunds.extend(self.refund_whole(&mut tx, &order).await?);
                }
            }
        }
        store::move_to(&mut tx, &order, OrderStatus::Cancelled, Some(&note)).await?;
        set_cancel_reason(&mut tx, order_id, CancelReason::Customer).await?;
        tx.commit().await.context("committing a cancellation")?;
        self.follow_up(crate::payments::FollowUp { capture: None, refunds }).await;
        Ok(self.load(order_id).await?)
    }

    async fn restock(&self, conn: &mut PgConnection, order: &LockedOrder) -> anyhow::Result<()> {
        match self.reserver.restock(conn, order.id, "order cancelled").await {
            Ok(_) | Err(SettleError::NotFound) => Ok(()),
            Err(SettleError::Unexpected(cause)) => Err(cause),
        }
    }

    async fn refund_whole(&self, conn: &mut PgConnection, order: &LockedOrder) -> anyhow::Result<Option<Uuid>> {
        let Some(payment_id) = order.razorpay_payment_id.as_deref() else { return Ok(None) };
        let left = order.total().checked_sub(kernel::Money::from_paise(order.refunded_paise))?;
        if left.paise() <= 0 {
            return Ok(None);
        }
        refund_due(conn, order, payment_id, left, "order cancelled", Note::Skip).await
    }
}

/// Cancels an order whose reservation expired before it was paid. The expiry job calls
/// it in the releasing transaction, holding the reservation owner's lock.
#[derive(Debug, Clone, Copy, Default)]
pub struct CancelExpiredOrders;

impl ExpiryListener for CancelExpiredOrders {
    async fn reservation_expired(&self, conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
        let Some(order) = store::lock(conn, owner).await? else { return Ok(()) };
        if order.status()? != OrderStatus::PaymentPending {
            return Ok(());
        }
        crate::coupons::set_use(conn, order.id, "released").await?;
        store::move_to(conn, &order, OrderStatus::Cancelled, Some("reservation expired before payment"))
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        set_cancel_reason(conn, order.id, CancelReason::Expired).await?;
        crate::service::set_payment_status(conn, order.id, "failed").await
    }
}
