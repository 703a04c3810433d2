//! A new payment attempt for an order whose payment failed or whose reservation expired:
//! its stock and coupon are held again, then a new Razorpay order is opened.

use anyhow::Context as _;
use chrono::Utc;
use uuid::Uuid;

use crate::checkout::LineShortage;
use crate::coupons::CouponRejection;
use crate::deps::{Deps, MoveError};
use crate::holds::HoldAgain;
use crate::model::{Order, PaymentMethod, PlacedOrder};
use crate::ports::{OrderStock, PaymentProvider, ProductCatalog};
use crate::recovery::{OpenPaymentError, WhileOpenedElsewhere};
use crate::status::{InvalidTransition, OrderStatus, check_move};
use crate::stores::{OrderStore as _, Stores};

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// Each short line with its index among the order's items.
    #[error("not enough stock")]
    OutOfStock { shortages: Vec<LineShortage> },
    /// The stock moved while it was being held again; nothing changed. Worth a retry.
    #[error("the stock changed while it was held again")]
    StockChanged,
    #[error(transparent)]
    Coupon(CouponRejection),
    #[error("the payment gateway is unavailable")]
    GatewayUnavailable { order: Box<Order> },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<MoveError> for RetryError {
    fn from(error: MoveError) -> Self {
        match error {
            MoveError::Invalid(invalid) => RetryError::InvalidTransition(invalid),
            MoveError::Unexpected(cause) => RetryError::Unexpected(cause),
        }
    }
}

/// Payment retries.
pub(crate) struct Retry<'a, C, P, K, S> {
    pub(crate) deps: &'a Deps<C, P, K, S>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores> Retry<'_, C, P, K, S> {
    /// A new payment attempt for a `payment_failed` order, or one cancelled because its
    /// reservation expired: holds its stock and coupon again, then opens a new Razorpay
    /// order. An order still waiting for payment is answered with its payment, opened
    /// first if its checkout died before making it. Errors: every [`RetryError`].
    #[tracing::instrument(name = "orders.retry_payment", skip(self))]
    pub(crate) async fn retry_payment(&self, user: Uuid, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("starting a payment retry")?;
        deps.stock.lock_order(&mut tx, order_id).await?;
        let order = deps
            .stores
            .orders()
            .lock(&mut tx, order_id)
            .await?
            .filter(|o| o.user_id == user)
            .ok_or(RetryError::NotFound)?;
        if order.payment_method != PaymentMethod::Razorpay {
            return Err(InvalidTransition { from: order.status, to: OrderStatus::PaymentPending }.into());
        }
        if order.status == OrderStatus::PaymentPending {
            // Nothing to hold again; the recovery takes its own locks.
            drop(tx);
            return self.pending_payment(order_id).await;
        }
        check_move(order.state(), OrderStatus::PaymentPending)?;
        let expires_at = Utc::now() + deps.reservation_ttl;
        match deps.holds().hold_again(&mut tx, &order, expires_at).await? {
            Ok(()) => {}
            Err(HoldAgain::OutOfStock(shortages)) => {
                let lines = deps.stores.orders().lines(&mut tx, order_id).await?;
                let shortages = shortages
                    .into_iter()
                    .map(|shortage| LineShortage {
                        index: lines.iter().position(|(id, _)| *id == shortage.product_id).unwrap_or(0),
                        shortage,
                    })
                    .collect();
                return Err(RetryError::OutOfStock { shortages });
            }
            Err(HoldAgain::Coupon(rejection)) => return Err(RetryError::Coupon(rejection)),
            Err(HoldAgain::StockChanged) => return Err(RetryError::StockChanged),
        }
        deps.move_order(&mut tx, &order, OrderStatus::PaymentPending, Some("payment retried")).await?;
        deps.stores.orders().reopen_payment(&mut tx, order_id, expires_at, deps.payment_opening_lease).await?;
        tx.commit().await.context("committing a payment retry")?;
        match deps.opening().open_payment(order_id, &order.order_number, order.total).await {
            Ok(payment) => Ok(PlacedOrder { order: deps.load(order_id).await?, payment }),
            Err(OpenPaymentError::Unavailable(order)) => Err(RetryError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause.into()),
        }
    }

    /// The payment of an order waiting for it, opened first if it is missing.
    async fn pending_payment(&self, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        let deps = self.deps;
        match deps.opening().open_missing_payment(order_id, WhileOpenedElsewhere::Wait).await {
            Ok(()) => {}
            Err(OpenPaymentError::Unavailable(order)) => return Err(RetryError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => return Err(cause.into()),
        }
        let order = deps.load(order_id).await?;
        match deps.opening().payment_request(&order) {
            Some(payment) => Ok(PlacedOrder { order, payment: Some(payment) }),
            // Cancelled or paid meanwhile, or another claimer still at it after a lease.
            None => Err(InvalidTransition { from: order.status, to: OrderStatus::PaymentPending }.into()),
        }
    }
}
