//! The orders service: checkout, payment retries, and reading orders back.
//!
//! Lock order, everywhere: the coupon row (checkout only), then the reservation owner's
//! lock (the order id, see [`StockReserver::lock_owner`]), then the order row, then
//! stock rows (inside the reserver). The expiry job holds the owner's lock while it
//! cancels an order, so nothing here locks an order row before the owner's lock.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use inventory::reservations::{ReservationLine, ReserveError, Shortage, StockReserver};
use kernel::{Cursor, InvalidCursor, Limit, Money, Page, Quantity};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::cart;
use crate::coupons::{self, CouponCode, CouponRejection, HoldCouponError};
use crate::idempotency::{Idempotency, IdempotencyKey};
use crate::model::{Order, PaymentMethod, PaymentRequest, PlacedOrder, ShippingAddress};
use crate::ports::{CatalogProduct, PaymentProvider, ProductCatalog};
use crate::pricing::{PricedLine, Totals, price_basket};
use crate::recovery::{self, WhileOpenedElsewhere};
use crate::status::{InvalidTransition, OrderStatus};
use crate::store::{self, LockedOrder, MoveError};

/// Checkout transactions one process runs at once unless set otherwise.
pub const DEFAULT_CHECKOUT_CONCURRENCY: usize = 4;
/// The longest a checkout waits for its turn. The queue is deeper than the pool on
/// purpose (a burst of buyers waits here, not on the database), so this is longer than
/// the pool's acquire timeout, and well under the two minutes after which an unanswered
/// idempotency key counts as abandoned.
const CHECKOUT_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long whoever creates an order's Razorpay order holds it unless set otherwise (see
/// [`Orders::with_payment_opening_lease`]).
pub const DEFAULT_PAYMENT_OPENING_LEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// Razorpay takes no payment below ₹1.00.
pub const MIN_ONLINE_PAYMENT: Money = Money::from_paise(100);
pub const CURRENCY: &str = "INR";

/// One line the customer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest {
    pub product_id: Uuid,
    pub quantity: Quantity,
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub user: Uuid,
    /// `None` checks out the cart.
    pub items: Option<Vec<LineRequest>>,
    pub coupon: Option<CouponCode>,
    pub method: PaymentMethod,
    pub shipping_address: Option<ShippingAddress>,
    /// The `Idempotency-Key` claimed for this request (scope [`PLACE_SCOPE`]): the order
    /// is attached to it in the checkout transaction.
    pub idempotency_key: Option<IdempotencyKey>,
}

/// The idempotency scope of placing an order.
pub const PLACE_SCOPE: &str = "orders.place";

/// A line that cannot be held, with the index of the request line it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineShortage {
    pub index: usize,
    pub shortage: Shortage,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceOrderError {
    #[error("the cart is empty")]
    CartEmpty,
    /// A line names a product that does not exist or is no longer sold.
    #[error("line {index} is not for sale")]
    NotForSale { index: usize },
    #[error("not enough stock")]
    OutOfStock { shortages: Vec<LineShortage> },
    /// The stock moved while it was being held; nothing was written. Worth a retry.
    #[error("the stock changed while the order was placed")]
    StockChanged,
    #[error(transparent)]
    Coupon(CouponRejection),
    /// Online payment needs at least ₹1.
    #[error("the total is below what can be paid online")]
    BelowOnlineMinimum,
    /// The order was written, the gateway failed: the order is `payment_failed` and its
    /// stock released.
    #[error("the payment gateway is unavailable")]
    GatewayUnavailable { order: Box<Order> },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

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

#[derive(Debug, thiserror::Error)]
pub enum ListOrdersError {
    #[error(transparent)]
    InvalidCursor(#[from] InvalidCursor),
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

/// The orders service: catalog prices, stock held through `R`, payments through `P`.
#[derive(Debug, Clone)]
pub struct Orders<C, P, R> {
    pub(crate) pool: PgPool,
    pub(crate) catalog: C,
    pub(crate) payments: P,
    pub(crate) reserver: R,
    pub(crate) reservation_ttl: Duration,
    /// How long a refund that could not be sent waits before it is tried again.
    pub(crate) refund_retry_after: std::time::Duration,
    /// Turns at the checkout transaction (see [`Orders::with_checkout_concurrency`]).
    checkout_turns: Arc<Semaphore>,
    /// How long creating an order's Razorpay order is left to whoever started it (see
    /// [`crate::recovery`]).
    pub(crate) payment_opening_lease: std::time::Duration,
}

/// A line resolved against the catalog.
struct ResolvedLine<'a> {
    index: usize,
    product: &'a CatalogProduct,
    quantity: i64,
}

impl<C: ProductCatalog, P: PaymentProvider, R: StockReserver> Orders<C, P, R> {
    pub fn new(pool: PgPool, catalog: C, payments: P, reserver: R, reservation_ttl: std::time::Duration) -> Self {
        let reservation_ttl = Duration::from_std(reservation_ttl).unwrap_or(Duration::minutes(15));
        Orders {
            pool,
            catalog,
            payments,
            reserver,
            reservation_ttl,
            refund_retry_after: std::time::Duration::from_secs(60),
            checkout_turns: Arc::new(Semaphore::new(DEFAULT_CHECKOUT_CONCURRENCY)),
            payment_opening_lease: DEFAULT_PAYMENT_OPENING_LEASE,
        }
    }

    /// Sets how many checkout transactions this process runs at once (at least one);
    /// the others wait their turn in memory, holding no connection and no lock.
    ///
    /// Every checkout of a popular product locks its stock row. PostgreSQL hands a row
    /// lock from one waiter to the next one at a time, so beyond a few waiters each extra
    /// one only adds a process switch to every hand-over: a short queue here sells more
    /// per second than letting every request fight for the row.
    pub fn with_checkout_concurrency(mut self, turns: usize) -> Self {
        self.checkout_turns = Arc::new(Semaphore::new(turns.max(1)));
        self
    }

    /// Sets how long a refund that could not be sent waits before it is tried again
    /// (a minute unless set).
    pub fn with_refund_retry_after(mut self, pause: std::time::Duration) -> Self {
        self.refund_retry_after = pause;
        self
    }

    /// Sets how long a checkout, a retry or a recovery that is creating an order's
    /// Razorpay order holds it before anyone else may (30 s unless set). Longer than the
    /// gateway client's slowest call, so that only a claimer that died is ever taken over.
    pub fn with_payment_opening_lease(mut self, lease: std::time::Duration) -> Self {
        self.payment_opening_lease = lease;
        self
    }

    pub fn payments(&self) -> &P {
        &self.payments
    }

    /// Places an order: in one transaction re-prices it, holds the coupon, reserves all
    /// stock, and writes the order with its item snapshot and history; then (outside the
    /// transaction) opens the Razorpay order. Errors: every [`PlaceOrderError`].
    #[tracing::instrument(name = "orders.place", skip(self, request), fields(user = %request.user))]
    pub async fn place(&self, request: PlaceOrder) -> Result<PlacedOrder, PlaceOrderError> {
        let user = request.user;
        let (wanted, from_cart, coupon) = self.wanted_lines(&request).await?;
        let ids: Vec<Uuid> = wanted.iter().map(|line| line.0).collect();
        let products = self.catalog.products(&ids).await?;
        let lines = resolve(&wanted, &products)?;
        let prices: Vec<_> = lines.iter().map(|line| cart::line_price(line.product, line.quantity)).collect();
        let (_, undiscounted) = price_basket(&prices, Money::ZERO).context("pricing an order")?;

        let turn = self.checkout_turn().await?;
        // After the wait: the coupon's validity, the order's date and the hold's expiry
        // are those of the moment the order is written.
        let now = Utc::now();
        let order_id = Uuid::now_v7();
        let expires_at = now + self.reservation_ttl;
        let mut tx = self.pool.begin().await.context("starting a checkout")?;
        let (coupon_id, discount) = match &coupon {
            None => (None, Money::ZERO),
            Some(code) => match coupons::hold_use(&mut tx, code, order_id, user, undiscounted.subtotal, now).await {
                Ok((coupon, discount)) => (Some(coupon.id), discount),
                Err(HoldCouponError::Rejected(rejection)) => return Err(PlaceOrderError::Coupon(rejection)),
                Err(HoldCouponError::Unexpected(cause)) => return Err(cause.into()),
            },
        };
        let (priced, totals) = price_basket(&prices, discount).context("pricing an order")?;
        if request.method == PaymentMethod::Razorpay && totals.total < MIN_ONLINE_PAYMENT {
            return Err(PlaceOrderError::BelowOnlineMinimum);
        }
        let reservation = lines
            .iter()
            .map(|line| reservation_line(line.product.id, line.quantity))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let new = NewOrder {
            id: order_id,
            user,
            method: request.method,
            totals,
            coupon_id,
            coupon_code: coupon.as_ref().filter(|_| coupon_id.is_some()).map(|c| c.as_str().to_owned()),
            address: request.shipping_address.clone(),
            from_cart,
            expires_at,
            now,
            payment_opening_lease: self.payment_opening_lease,
        };
        let order_number = insert_order(&mut tx, &new, &lines, &priced).await?;
        if let Some(key) = &request.idempotency_key {
            Idempotency::attach(&mut tx, user, PLACE_SCOPE, key, order_id).await?;
        }
        // Stock last: a popular product's row stays locked only from here to the commit.
        match self.reserver.reserve(&mut tx, order_id, &reservation, expires_at).await {
            Ok(()) => {}
            Err(ReserveError::OutOfStock { shortages }) => return Err(out_of_stock(&lines, shortages)),
            Err(ReserveError::AlreadyReserved) => return Err(anyhow::anyhow!("a new order id was reserved").into()),
            Err(ReserveError::StockChanged) => return Err(PlaceOrderError::StockChanged),
            Err(ReserveError::Unexpected(cause)) => return Err(cause.into()),
        }
        if request.method == PaymentMethod::Cod {
            self.confirm_cash_on_delivery(&mut tx, &new, &ids).await?;
        }
        tx.commit().await.context("committing a checkout")?;
        drop(turn);
        crate::metrics::order_placed(request.method);

        if request.method == PaymentMethod::Cod {
            return Ok(PlacedOrder { order: self.load(order_id).await?, payment: None });
        }
        match self.open_payment(order_id, &order_number, totals.total).await {
            Ok(payment) => Ok(PlacedOrder { order: self.load(order_id).await?, payment }),
            Err(OpenPaymentError::Unavailable(order)) => Err(PlaceOrderError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause.into()),
        }
    }

    /// A turn at the checkout transaction, within [`CHECKOUT_TURN_WAIT`]: a stalled
    /// database fails checkouts instead of holding them until a client's retry takes over
    /// their idempotency key (after two minutes) and both place an order.
    async fn checkout_turn(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(CHECKOUT_TURN_WAIT, self.checkout_turns.acquire()).await {
            Ok(turn) => turn.context("the checkout queue is closed"),
            Err(_) => Err(anyhow::anyhow!("no checkout turn within {CHECKOUT_TURN_WAIT:?}: the database is stalled")),
        }
    }

    /// The lines asked for (merged per product, each with the index it was first named
    /// at), whether they came from the cart, and the coupon to use.
    async fn wanted_lines(
        &self,
        request: &PlaceOrder,
    ) -> Result<(Vec<(Uuid, i64, usize)>, bool, Option<CouponCode>), PlaceOrderError> {
        let (raw, from_cart, coupon): (Vec<(Uuid, i64)>, bool, Option<CouponCode>) = match &request.items {
            Some(items) => (
                items.iter().map(|line| (line.product_id, line.quantity.get())).collect(),
                false,
                request.coupon.clone(),
            ),
            None => {
                let mut conn = self.pool.acquire().await.context("reading the cart")?;
                let stored = cart::stored(&mut conn, request.user).await?;
                let coupon = match (&request.coupon, &stored.coupon) {
                    (Some(code), _) => Some(code.clone()),
                    (None, Some(code)) => Some(
                        CouponCode::parse(code, "coupon_code")
                            .map_err(|_| PlaceOrderError::Coupon(CouponRejection::Invalid))?,
                    ),
                    (None, None) => None,
                };
                (stored.lines, true, coupon)
            }
        };
        if raw.is_empty() {
            return Err(PlaceOrderError::CartEmpty);
        }
        let mut merged: Vec<(Uuid, i64, usize)> = Vec::new();
        for (index, (product_id, quantity)) in raw.into_iter().enumerate() {
            match merged.iter_mut().find(|line| line.0 == product_id) {
                Some(line) => line.1 += quantity,
                None => merged.push((product_id, quantity, index)),
            }
        }
        Ok((merged, from_cart, coupon))
    }

    async fn confirm_cash_on_delivery(
        &self,
        tx: &mut PgConnection,
        new: &NewOrder,
        products: &[Uuid],
    ) -> anyhow::Result<()> {
        self.reserver.commit(tx, new.id).await.map_err(|e| anyhow::anyhow!(e).context("committing COD stock"))?;
        coupons::set_use(tx, new.id, "used").await?;
        if new.from_cart {
            cart::remove_ordered(tx, new.user, products, new.coupon_code.as_deref()).await?;
        }
        sqlx::query("UPDATE orders.orders SET status = 'confirmed', reservation_expires_at = NULL WHERE id = $1")
            .bind(new.id)
            .execute(&mut *tx)
            .await
            .context("confirming a COD order")?;
        store::add_history(tx, new.id, OrderStatus::Confirmed, Some("cash on delivery")).await?;
        Ok(())
    }

    /// Creates the Razorpay order for an order that is waiting for payment. If the gateway
    /// cannot be reached, the order's stock and coupon are released at once and the order
    /// is `payment_failed`: stock is never held by an order nobody can pay.
    pub(crate) async fn open_payment(
        &self,
        order_id: Uuid,
        receipt: &str,
        amount: Money,
    ) -> Result<Option<PaymentRequest>, OpenPaymentError> {
        match self.payments.create_order(amount, CURRENCY, receipt).await {
            Ok(razorpay_order_id) => {
                // One statement, so atomic without a transaction of its own. The order is
                // pointed at the attempt only while it still waits for this payment (the
                // customer may have cancelled meanwhile); the attempt is kept either way,
                // so that a payment on it is recognised, and refunded.
                let attached: bool = sqlx::query_scalar(
                    "WITH attempt AS (
                         INSERT INTO orders.payment_attempts (razorpay_order_id, order_id, amount_paise, currency)
                         VALUES ($1, $2, $3, $4)
                     ),
                     attached AS (
                         UPDATE orders.orders SET razorpay_order_id = $1, payment_opening_until = NULL,
                             updated_at = now()
                         WHERE id = $2 AND status = 'payment_pending' AND razorpay_order_id IS NULL
                         RETURNING id
                     )
                     SELECT EXISTS (SELECT 1 FROM attached)",
                )
                .bind(&razorpay_order_id)
                .bind(order_id)
                .bind(amount.paise())
                .bind(CURRENCY)
                .fetch_one(&self.pool)
                .await
                .context("recording a payment attempt")?;
                if !attached {
                    return Ok(None);
                }
                Ok(Some(PaymentRequest {
                    key_id: self.payments.key_id().to_owned(),
                    razorpay_order_id,
                    amount,
                    currency: CURRENCY.to_owned(),
                }))
            }
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), %order_id, "the payment gateway failed at checkout");
                let mut tx = self.pool.begin().await.context("failing an order")?;
                self.reserver.lock_owner(&mut tx, order_id).await?;
                if let Some(order) = store::lock(&mut tx, order_id).await?
                    && order.status()? == OrderStatus::PaymentPending
                {
                    self.release_unpaid(&mut tx, &order, "payment gateway unavailable").await?;
                    store::move_to(
                        &mut tx,
                        &order,
                        OrderStatus::PaymentFailed,
                        Some("the payment gateway could not be reached"),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?;
                    set_payment_status(&mut tx, order_id, "failed").await?;
                }
                tx.commit().await.context("failing an order")?;
                Err(OpenPaymentError::Unavailable(Box::new(self.load(order_id).await?)))
            }
        }
    }

    /// Gives back what an unpaid order holds: its stock reservation and its coupon use.
    pub(crate) async fn release_unpaid(
        &self,
        conn: &mut PgConnection,
        order: &LockedOrder,
        reason: &str,
    ) -> anyhow::Result<()> {
        match self.reserver.release(conn, order.id, reason).await {
            Ok(_) | Err(inventory::reservations::SettleError::NotFound) => {}
            Err(inventory::reservations::SettleError::Unexpected(cause)) => return Err(cause),
        }
        coupons::set_use(conn, order.id, "released").await
    }

    /// A new payment attempt for a `payment_failed` order, or one cancelled because its
    /// reservation expired: holds its stock and coupon again, then opens a new Razorpay
    /// order. An order still waiting for payment is answered with its payment, opened
    /// first if its checkout died before making it. Errors: every [`RetryError`].
    #[tracing::instrument(name = "orders.retry_payment", skip(self))]
    pub async fn retry_payment(&self, user: Uuid, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        let mut tx = self.pool.begin().await.context("starting a payment retry")?;
        self.reserver.lock_owner(&mut tx, order_id).await?;
        let order = store::lock(&mut tx, order_id).await?.filter(|o| o.user_id == user).ok_or(RetryError::NotFound)?;
        if order.payment_method != PaymentMethod::Razorpay.as_str() {
            return Err(InvalidTransition { from: order.status()?, to: OrderStatus::PaymentPending }.into());
        }
        if order.status()? == OrderStatus::PaymentPending {
            // Nothing to hold again; the recovery takes its own locks.
            drop(tx);
            return self.pending_payment(order_id).await;
        }
        crate::status::check_move(order.state()?, OrderStatus::PaymentPending)?;
        let expires_at = Utc::now() + self.reservation_ttl;
        match self.hold_again(&mut tx, &order, expires_at).await? {
            Ok(()) => {}
            Err(HoldAgain::OutOfStock(shortages)) => {
                let lines = store::lines(&mut tx, order_id).await?;
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
        store::move_to(&mut tx, &order, OrderStatus::PaymentPending, Some("payment retried")).await?;
        sqlx::query(
            "UPDATE orders.orders SET payment_status = 'pending', reservation_expires_at = $2, cancel_reason = NULL,
                 razorpay_order_id = NULL, payment_opening_until = now() + make_interval(secs => $3)
             WHERE id = $1",
        )
        .bind(order_id)
        .bind(expires_at)
        .bind(self.payment_opening_lease.as_secs_f64())
        .execute(&mut *tx)
        .await
        .context("retrying a payment")?;
        tx.commit().await.context("committing a payment retry")?;
        match self.open_payment(order_id, &order.order_number, order.total()).await {
            Ok(payment) => Ok(PlacedOrder { order: self.load(order_id).await?, payment }),
            Err(OpenPaymentError::Unavailable(order)) => Err(RetryError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause.into()),
        }
    }

    /// The payment of an order waiting for it, opened first if it is missing.
    async fn pending_payment(&self, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        match self.open_missing_payment(order_id, WhileOpenedElsewhere::Wait).await {
            Ok(()) => {}
            Err(OpenPaymentError::Unavailable(order)) => return Err(RetryError::GatewayUnavailable { order }),
            Err(OpenPaymentError::Unexpected(cause)) => return Err(cause.into()),
        }
        let order = self.load(order_id).await?;
        match self.payment_request(&order) {
            Some(payment) => Ok(PlacedOrder { order, payment: Some(payment) }),
            // Cancelled or paid meanwhile, or another claimer still at it after a lease.
            None => Err(InvalidTransition { from: order.status, to: OrderStatus::PaymentPending }.into()),
        }
    }

    /// Holds an order's stock (and coupon use, if it has one) again after they were
    /// released. The outer error is a failure; the inner one says what is missing.
    pub(crate) async fn hold_again(
        &self,
        conn: &mut PgConnection,
        order: &LockedOrder,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<Result<(), HoldAgain>> {
        if let Some(coupon_id) = order.coupon_id
            && !coupons::hold_again(conn, coupon_id, order.id, order.user_id).await?
        {
            return Ok(Err(HoldAgain::Coupon(CouponRejection::UsageExhausted)));
        }
        let lines = store::lines(conn, order.id)
            .await?
            .into_iter()
            .map(|(product_id, quantity)| reservation_line(product_id, quantity))
            .collect::<anyhow::Result<Vec<_>>>()?;
        match self.reserver.reserve(conn, order.id, &lines, expires_at).await {
            Ok(()) => Ok(Ok(())),
            Err(ReserveError::OutOfStock { shortages }) => Ok(Err(HoldAgain::OutOfStock(shortages))),
            Err(ReserveError::AlreadyReserved) => Ok(Ok(())),
            Err(ReserveError::StockChanged) => Ok(Err(HoldAgain::StockChanged)),
            Err(ReserveError::Unexpected(cause)) => Err(cause),
        }
    }

    /// An order placed earlier, answered again as checkout answered it: with its current
    /// payment request while it still waits for payment, opened first if the checkout died
    /// before making it. `None` for another customer's. Errors: `GatewayUnavailable` (the
    /// order is `payment_failed` then, as at checkout), `Unexpected`.
    #[tracing::instrument(name = "orders.placed", skip(self))]
    pub async fn placed(&self, user: Uuid, order_id: Uuid) -> Result<Option<PlacedOrder>, PlaceOrderError> {
        let Some(mut order) = self.get_for(user, order_id).await? else { return Ok(None) };
        if recovery::payment_missing(&order) {
            match self.open_missing_payment(order_id, WhileOpenedElsewhere::Wait).await {
                Ok(()) => {}
                Err(OpenPaymentError::Unavailable(order)) => return Err(PlaceOrderError::GatewayUnavailable { order }),
                Err(OpenPaymentError::Unexpected(cause)) => return Err(cause.into()),
            }
            order = self.load(order_id).await?;
        }
        let payment = self.payment_request(&order);
        Ok(Some(PlacedOrder { order, payment }))
    }

    /// What the storefront needs to pay an order waiting for payment.
    fn payment_request(&self, order: &Order) -> Option<PaymentRequest> {
        match (&order.payment.razorpay_order_id, order.status) {
            (Some(razorpay_order_id), OrderStatus::PaymentPending) => Some(PaymentRequest {
                key_id: self.payments.key_id().to_owned(),
                razorpay_order_id: razorpay_order_id.clone(),
                amount: order.total,
                currency: order.currency.clone(),
            }),
            _ => None,
        }
    }

    /// The customer's own order; someone else's is `None`, as if it did not exist.
    #[tracing::instrument(name = "orders.get", skip(self))]
    pub async fn get_for(&self, user: Uuid, order_id: Uuid) -> anyhow::Result<Option<Order>> {
        let mut conn = self.pool.acquire().await.context("reading an order")?;
        Ok(store::load(&mut conn, order_id).await?.filter(|order| order.user_id == user))
    }

    /// The customer's orders, newest first.
    #[tracing::instrument(name = "orders.list", skip(self))]
    pub async fn list_for(
        &self,
        user: Uuid,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<Order>, ListOrdersError> {
        let after = after.map(store::decode_cursor).transpose()?;
        Ok(store::list_for_user(&self.pool, user, limit, after).await?)
    }

    pub(crate) async fn load(&self, order_id: Uuid) -> anyhow::Result<Order> {
        let mut conn = self.pool.acquire().await.context("reading an order")?;
        store::load(&mut conn, order_id).await?.context("an order vanished")
    }
}

pub(crate) enum HoldAgain {
    OutOfStock(Vec<Shortage>),
    Coupon(CouponRejection),
    /// See [`ReserveError::StockChanged`]: the transaction is aborted.
    StockChanged,
}

pub(crate) enum OpenPaymentError {
    Unavailable(Box<Order>),
    Unexpected(anyhow::Error),
}

impl From<anyhow::Error> for OpenPaymentError {
    fn from(cause: anyhow::Error) -> Self {
        OpenPaymentError::Unexpected(cause)
    }
}

pub(crate) async fn set_payment_status(conn: &mut PgConnection, order: Uuid, status: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE orders.orders SET payment_status = $2, updated_at = now() WHERE id = $1")
        .bind(order)
        .bind(status)
        .execute(conn)
        .await
        .context("setting an order's payment status")?;
    Ok(())
}

fn reservation_line(product_id: Uuid, quantity: i64) -> anyhow::Result<ReservationLine> {
    let quantity =
        Quantity::new(quantity, "quantity").map_err(|e| anyhow::anyhow!("an order line holds {quantity}: {e}"))?;
    Ok(ReservationLine { product_id, quantity })
}

fn resolve<'a>(
    wanted: &[(Uuid, i64, usize)],
    products: &'a HashMap<Uuid, CatalogProduct>,
) -> Result<Vec<ResolvedLine<'a>>, PlaceOrderError> {
    wanted
        .iter()
        .map(|&(product_id, quantity, index)| match products.get(&product_id) {
            Some(product) if product.is_active => Ok(ResolvedLine { index, product, quantity }),
            _ => Err(PlaceOrderError::NotForSale { index }),
        })
        .collect()
}

fn out_of_stock(lines: &[ResolvedLine<'_>], shortages: Vec<Shortage>) -> PlaceOrderError {
    let shortages = shortages
        .into_iter()
        .map(|shortage| LineShortage {
            index: lines.iter().find(|line| line.product.id == shortage.product_id).map_or(0, |line| line.index),
            shortage,
        })
        .collect();
    PlaceOrderError::OutOfStock { shortages }
}

struct NewOrder {
    id: Uuid,
    user: Uuid,
    method: PaymentMethod,
    totals: Totals,
    coupon_id: Option<Uuid>,
    coupon_code: Option<String>,
    address: Option<ShippingAddress>,
    from_cart: bool,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    /// Checkout holds the order's payment opening from the start (see [`crate::recovery`]).
    payment_opening_lease: std::time::Duration,
}

/// Writes the order, its item snapshot and (for an online payment) its first history
/// entry in one statement; returns its number, `RM-YYYYMMDD-NNNNNN`: the day and a
/// store-wide sequence of at least six digits (at most 40 characters, as Razorpay's
/// receipt allows). One round trip, because checkout's transaction is what a hot
/// product waits on.
async fn insert_order(
    conn: &mut PgConnection,
    new: &NewOrder,
    lines: &[ResolvedLine<'_>],
    priced: &[PricedLine],
) -> anyhow::Result<String> {
    let payment_status = match new.method {
        PaymentMethod::Razorpay => "pending",
        PaymentMethod::Cod => "cod",
    };
    let mut columns: ItemColumns = ItemColumns::default();
    for (line_no, (line, price)) in lines.iter().zip(priced).enumerate() {
        columns.push(line_no, line, price);
    }
    sqlx::query_scalar(
        "WITH numbered AS (SELECT nextval('orders.order_numbers')::text AS n),
         placed AS (
             INSERT INTO orders.orders (id, order_number, user_id, status, subtotal_paise, discount_paise, tax_paise,
                 shipping_paise, total_paise, currency, coupon_id, coupon_code, shipping_address, from_cart,
                 payment_method, payment_status, reservation_expires_at, created_at, updated_at,
                 payment_opening_until)
             SELECT $1, 'RM-' || $17 || '-' || repeat('0', greatest(0, 6 - length(n))) || n, $2, 'payment_pending',
                 $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16,
                 CASE WHEN $13 = 'razorpay' THEN now() + make_interval(secs => $31) END
             FROM numbered
             RETURNING id, order_number
         ),
         items AS (
             INSERT INTO orders.order_items (order_id, line_no, product_id, sku, name, brand, image,
                 unit_price_paise, tax_rate_bps, unit_tax_paise, quantity, discount_paise, tax_paise, line_total_paise)
             SELECT placed.id, l.* FROM placed, unnest($18::int[], $19::uuid[], $20::text[], $21::text[],
                 $22::text[], $23::text[], $24::bigint[], $25::int[], $26::bigint[], $27::bigint[], $28::bigint[],
                 $29::bigint[], $30::bigint[]) AS l
         ),
         history AS (
             INSERT INTO orders.order_history (order_id, status, note)
             SELECT id, 'payment_pending', 'order placed' FROM placed WHERE $13 = 'razorpay'
         )
         SELECT order_number FROM placed",
    )
    .bind(new.id)
    .bind(new.user)
    .bind(new.totals.subtotal.paise())
    .bind(new.totals.discount.paise())
    .bind(new.totals.tax.paise())
    .bind(new.totals.shipping.paise())
    .bind(new.totals.total.paise())
    .bind(CURRENCY)
    .bind(new.coupon_id)
    .bind(&new.coupon_code)
    .bind(new.address.as_ref().map(Json))
    .bind(new.from_cart)
    .bind(new.method.as_str())
    .bind(payment_status)
    .bind(new.expires_at)
    .bind(new.now)
    .bind(new.now.format("%Y%m%d").to_string())
    .bind(&columns.line_no)
    .bind(&columns.product_id)
    .bind(&columns.sku)
    .bind(&columns.name)
    .bind(&columns.brand)
    .bind(&columns.image)
    .bind(&columns.unit_price)
    .bind(&columns.tax_rate_bps)
    .bind(&columns.unit_tax)
    .bind(&columns.quantity)
    .bind(&columns.discount)
    .bind(&columns.tax)
    .bind(&columns.line_total)
    .bind(new.payment_opening_lease.as_secs_f64())
    .fetch_one(&mut *conn)
    .await
    .context("writing an order")
}

/// Order lines as columns, for one `unnest` insert.
#[derive(Default)]
struct ItemColumns {
    line_no: Vec<i32>,
    product_id: Vec<Uuid>,
    sku: Vec<String>,
    name: Vec<String>,
    brand: Vec<String>,
    image: Vec<Option<String>>,
    unit_price: Vec<i64>,
    tax_rate_bps: Vec<i32>,
    unit_tax: Vec<i64>,
    quantity: Vec<i64>,
    discount: Vec<i64>,
    tax: Vec<i64>,
    line_total: Vec<i64>,
}

impl ItemColumns {
    fn push(&mut self, line_no: usize, line: &ResolvedLine<'_>, price: &PricedLine) {
        let product = line.product;
        self.line_no.push(i32::try_from(line_no).unwrap_or(i32::MAX));
        self.product_id.push(product.id);
        self.sku.push(product.sku.clone());
        self.name.push(product.name.clone());
        self.brand.push(product.brand.clone());
        self.image.push(product.image.clone());
        self.unit_price.push(product.unit_price.paise());
        self.tax_rate_bps.push(i32::try_from(product.tax_rate_bps).unwrap_or(i32::MAX));
        self.unit_tax.push(product.unit_tax.paise());
        self.quantity.push(line.quantity);
        self.discount.push(price.discount.paise());
        self.tax.push(price.tax.paise());
        self.line_total.push(price.total.paise());
    }
}
