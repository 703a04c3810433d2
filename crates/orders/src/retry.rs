//! A new payment attempt for an order whose payment failed or whose reservation expired:
//! within the retry window, for products still sold and a coupon that still applies, and
//! within the customer's cap on orders waiting for payment, its stock and coupon are held
//! again, then a new Razorpay order is opened.

use anyhow::Context as _;
use chrono::Utc;
use kernel::Money;
use uuid::Uuid;

use crate::checkout::LineShortage;
use crate::coupons::CouponRejection;
use crate::deps::{Deps, MoveError};
use crate::holds::HoldAgain;
use crate::limits::within_retry_window;
use crate::model::{Order, PaymentMethod, PaymentStatus, PlacedOrder};
use crate::ports::{OrderRecords, OrderStock, PaymentProvider, ProductCatalog, Tx};
use crate::recovery::{OpenPaymentError, WhileOpenedElsewhere};
use crate::status::{InvalidTransition, OrderState, OrderStatus, check_move};
use crate::stores::{CouponStore as _, OrderStore as _, Stores};

#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    /// The order was placed longer ago than a retry is allowed for.
    #[error("the order was placed more than {hours} hours ago")]
    WindowClosed { hours: u64 },
    /// Line `index` of the order is a product no longer sold.
    #[error("line {index} is not for sale any more")]
    NotForSale { index: usize },
    /// The customer has `max` orders waiting for payment already.
    #[error("at most {max} orders may wait for payment at once")]
    PendingOrdersLimit { max: i64 },
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
pub(crate) struct Retry<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Retry<'_, C, P, K, S, L> {
    /// A new payment attempt for a `payment_failed` order, or one cancelled because its
    /// reservation expired: within the retry window, for products still sold, with a coupon
    /// that still applies and room among the customer's orders waiting for payment, holds
    /// its stock and coupon again, then opens a new Razorpay order. An order still waiting for payment is answered with its payment, opened
    /// first if its checkout died before making it. Errors: every [`RetryError`].
    #[tracing::instrument(name = "orders.retry_payment", skip(self))]
    pub(crate) async fn retry_payment(&self, user: Uuid, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        let deps = self.deps;
        // What a retry re-checks never changes under it (the order's date, lines and
        // coupon) or is the catalog's: read before any lock. The catalog is read on a
        // connection of its own, never waited for while this transaction holds its locks.
        let placed = deps.queries().get_for(user, order_id).await?.ok_or(RetryError::NotFound)?;
        let retired = self.retired_line(&placed).await?;
        let checked = is_lapsed(&placed);
        if checked {
            self.check_retry_rules(&placed, retired)?;
        }
        let mut tx = deps.stores.begin().await.context("starting a payment retry")?;
        // The customer's lock first (see the lock order in `crate::service`): a retry
        // counts towards the orders waiting for payment.
        let room_for_pending = deps.room_for_pending(&mut tx, user).await?;
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
        if !checked {
            // It lapsed since it was read (rare): check it now, under its locks, against
            // the catalog as read before them.
            self.check_retry_rules(&placed, retired)?;
        }
        if let Some(coupon_id) = order.coupon_id {
            coupon_still_applies(&deps.stores, &mut tx, coupon_id, placed.subtotal).await?;
        }
        if !room_for_pending {
            return Err(RetryError::PendingOrdersLimit { max: deps.limits.max_pending_orders });
        }
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

    /// The first line of the order whose product is no longer sold, read from the catalog
    /// for an order a retry may hold again: one that has lapsed, or that waits for payment
    /// and may lapse before its locks are taken.
    async fn retired_line(&self, order: &Order) -> Result<Option<usize>, RetryError> {
        let may_lapse = order.status == OrderStatus::PaymentPending || is_lapsed(order);
        if order.payment.method != PaymentMethod::Razorpay || !may_lapse {
            return Ok(None);
        }
        let ids: Vec<Uuid> = order.items.iter().map(|item| item.product_id).collect();
        let products = self.deps.catalog.products(&ids).await?;
        Ok(ids.iter().position(|id| !products.get(id).is_some_and(|p| p.is_active)))
    }

    /// Whether a lapsed order may be paid again now: placed within the retry window, and
    /// no line `retired` (as [`Self::retired_line`] read it).
    fn check_retry_rules(&self, order: &Order, retired: Option<usize>) -> Result<(), RetryError> {
        let window = self.deps.limits.retry_window;
        if !within_retry_window(order.created_at, Utc::now(), window) {
            return Err(RetryError::WindowClosed { hours: window.as_secs() / 3600 });
        }
        match retired {
            Some(index) => Err(RetryError::NotForSale { index }),
            None => Ok(()),
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

/// Whether an order as read is one a retry holds again: paid online, and failed or
/// expired, not waiting for payment. One that cannot be retried at all is refused by the
/// state machine under its locks instead.
fn is_lapsed(order: &Order) -> bool {
    let state = OrderState {
        status: order.status,
        cancel_reason: order.cancel_reason,
        paid_online: matches!(order.payment.status, PaymentStatus::Captured | PaymentStatus::Refunded),
    };
    order.payment.method == PaymentMethod::Razorpay
        && order.status != OrderStatus::PaymentPending
        && check_move(state, OrderStatus::PaymentPending).is_ok()
}

/// Whether the order's coupon still applies to its subtotal: active, started, unexpired
/// and its minimum met (its uses are counted when it is held again), read under the
/// coupon's lock in the retry's transaction.
async fn coupon_still_applies<S: Stores>(
    stores: &S,
    tx: &mut Tx,
    coupon_id: Uuid,
    subtotal: Money,
) -> Result<(), RetryError> {
    let Some(code) = stores.coupons().lock_id(tx, coupon_id).await? else {
        return Err(RetryError::Coupon(CouponRejection::Invalid));
    };
    let coupon = stores.coupons().find_by_code(tx, &code).await?.context("a locked coupon vanished")?;
    coupon.rules.discount(subtotal, Utc::now()).map_err(RetryError::Coupon)?;
    Ok(())
}
