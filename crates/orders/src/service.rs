//! The orders service: the entry points the application calls, each handled by its use
//! case ([`crate::checkout`], [`crate::retry`], [`crate::payments`],
//! [`crate::cancellation`], [`crate::reconcile`], [`crate::queries`]) over one set of
//! dependencies.
//!
//! Lock order, everywhere: the customer's lock (checkout and retry, see
//! [`crate::stores::OrderStore::lock_customer`]), then the coupon row, then the order's
//! stock lock ([`OrderStock::lock_order`]), then the order row, then refund rows, then
//! stock rows (inside the stock port), then the tax invoices' counter rows, and last the
//! sales figures' rows (a status move writes both through [`crate::ports::OrderRecords`],
//! so a move comes after every other lock its transaction takes; a transaction that moves
//! an order twice issues its documents at the first move, since only a payment, a COD
//! confirmation, a refund's settling or a return calls for one). The expiry job holds the order's stock lock while it
//! cancels an order, so nothing here locks an order row before that lock. Refunds are
//! written and settled only under the order's row lock: what a payment has given back (or
//! owes back) is summed there, so concurrent refunds of one order run one after another
//! and never pass what it captured. Admin operations ([`crate::admin_operations`]) take the
//! same two locks, in the same order, and nothing else.

use std::sync::Arc;
use std::time::Duration;

use kernel::audit::AuditLog;
use kernel::{Cursor, Limit, Money, Page};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::admin_operations::{AdminOrderError, AuditConn, BulkCancelOutcome, RefundError, ReturnError, ReturnRequest};
use crate::admin_queries::{AdminOrderView, OrderKey, SearchOrdersError};
use crate::cancellation::CancelError;
use crate::checkout::{PlaceOrder, PlaceOrderError};
use crate::deps::Deps;
use crate::limits::OrderLimits;
use crate::model::{Order, PlacedOrder, RefundRecord, ReturnRecord};
use crate::payments::{FollowUp, PaymentNews, VerifyError};
use crate::ports::{OrderPlacedHook, OrderRecords, OrderStock, PaymentProvider, ProductCatalog, RefundRequestedHook};
use crate::postgres::{PgStores, Tx};
use crate::queries::ListOrdersError;
use crate::reconcile::ReconcileReport;
use crate::retry::RetryError;
use crate::search::OrderFilter;
use crate::status::OrderStatus;
use crate::stores::{NewShipment, OrderStore as _, Stores};

/// Checkout transactions one process runs at once unless set otherwise.
pub const DEFAULT_CHECKOUT_CONCURRENCY: usize = 4;

/// How long whoever creates an order's Razorpay order holds it unless set otherwise (see
/// [`Orders::with_payment_opening_lease`]).
pub const DEFAULT_PAYMENT_OPENING_LEASE: Duration = Duration::from_secs(30);

/// The orders service: catalog prices through `C`, payments through `P`, stock held
/// through `K`, the sales figures and tax invoices kept through `L`, the domain's own rows in `S`.
#[derive(Debug, Clone)]
pub struct Orders<C, P, K, L, S = PgStores> {
    deps: Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Orders<C, P, K, L, S> {
    pub fn new(stores: S, catalog: C, payments: P, stock: K, records: L, reservation_ttl: Duration) -> Self {
        let reservation_ttl = chrono::Duration::from_std(reservation_ttl).unwrap_or(chrono::Duration::minutes(15));
        Orders {
            deps: Deps {
                stores,
                catalog,
                provider: payments,
                stock,
                records,
                reservation_ttl,
                refund_retry_after: Duration::from_secs(60),
                checkout_turns: Arc::new(Semaphore::new(DEFAULT_CHECKOUT_CONCURRENCY)),
                payment_opening_lease: DEFAULT_PAYMENT_OPENING_LEASE,
                limits: OrderLimits::default(),
            },
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
        self.deps.checkout_turns = Arc::new(Semaphore::new(turns.max(1)));
        self
    }

    /// Sets what one customer may hold at once, and how long a checkout waits for its
    /// turn ([`OrderLimits::default`] unless set).
    pub fn with_limits(mut self, limits: OrderLimits) -> Self {
        self.deps.limits = limits;
        self
    }

    /// Sets how long a refund that could not be sent waits before it is tried again
    /// (a minute unless set).
    pub fn with_refund_retry_after(mut self, pause: Duration) -> Self {
        self.deps.refund_retry_after = pause;
        self
    }

    /// Sets how long a checkout, a retry or a recovery that is creating an order's
    /// Razorpay order holds it before anyone else may (30 s unless set). Longer than the
    /// gateway client's slowest call, so that only a claimer that died is ever taken over.
    pub fn with_payment_opening_lease(mut self, lease: Duration) -> Self {
        self.deps.payment_opening_lease = lease;
        self
    }

    /// Places an order ([`crate::checkout`]); `placed` is told of it inside the checkout
    /// transaction (`&()` when nobody needs to know). Errors: every [`PlaceOrderError`].
    pub async fn place(
        &self,
        request: PlaceOrder,
        placed: &impl OrderPlacedHook,
    ) -> Result<PlacedOrder, PlaceOrderError> {
        self.deps.checkout().place(request, placed).await
    }

    /// An order placed earlier, answered again as checkout answered it; `None` for
    /// another customer's. Errors: `GatewayUnavailable`, `Unexpected`.
    pub async fn placed(&self, user: Uuid, order_id: Uuid) -> Result<Option<PlacedOrder>, PlaceOrderError> {
        self.deps.checkout().placed(user, order_id).await
    }

    /// A new payment attempt ([`crate::retry`]). Errors: every [`RetryError`].
    pub async fn retry_payment(&self, user: Uuid, order_id: Uuid) -> Result<PlacedOrder, RetryError> {
        self.deps.retry().retry_payment(user, order_id).await
    }

    /// The checkout handler's signature, then the payment as the gateway reports it
    /// ([`crate::payments`]). Errors: every [`VerifyError`].
    pub async fn verify_payment(
        &self,
        user: Uuid,
        order_id: Uuid,
        razorpay_order_id: &str,
        payment_id: &str,
        signature: &str,
    ) -> Result<Order, VerifyError> {
        self.deps.payments().verify(user, order_id, razorpay_order_id, payment_id, signature).await
    }

    /// Acts on what the provider said, in the caller's transaction; the gateway work it
    /// calls for is returned, for [`Self::follow_up`] once that transaction commits.
    /// Errors: storage failures.
    pub async fn apply_payment_news(&self, tx: &mut Tx, news: &PaymentNews) -> anyhow::Result<FollowUp> {
        self.deps.payments().apply_news(tx, news).await
    }

    /// Does the gateway work a committed transaction decided; failures are logged and
    /// left to reconciliation.
    pub async fn follow_up(&self, follow_up: FollowUp) {
        self.deps.payments().follow_up(follow_up).await;
    }

    /// The customer cancels ([`crate::cancellation`]). Errors: every [`CancelError`].
    pub async fn cancel(&self, user: Uuid, order_id: Uuid, reason: Option<&str>) -> Result<Order, CancelError> {
        self.deps.cancellation().cancel(user, order_id, reason).await
    }

    /// The order's stock hold expired before payment: the order is cancelled, in the
    /// expiry job's transaction, which holds the order's stock lock. Errors: storage
    /// failures (the release rolls back and is retried).
    pub async fn cancel_expired(&self, tx: &mut Tx, order_id: Uuid) -> anyhow::Result<()> {
        self.deps.cancellation().cancel_expired(tx, order_id).await
    }

    /// One reconciliation pass ([`crate::reconcile`]). Errors: storage failures.
    pub async fn reconcile(&self, older_than: Duration) -> anyhow::Result<ReconcileReport> {
        self.deps.reconciliation().run(older_than).await
    }

    /// An admin moves an order ([`crate::admin_operations`]). Errors: every
    /// [`AdminOrderError`].
    pub async fn change_status(
        &self,
        order_id: Uuid,
        to: OrderStatus,
        note: Option<&str>,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<(), AdminOrderError> {
        self.deps.admin().change_status(order_id, to, note, audit).await
    }

    /// An admin ships a packed order. Errors: `NotFound`, `InvalidTransition`, `Unexpected`.
    pub async fn ship(
        &self,
        order_id: Uuid,
        shipment: &NewShipment,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<(), AdminOrderError> {
        self.deps.admin().ship(order_id, shipment, audit).await
    }

    /// An admin refunds part or all of an order's online payment. Errors: every
    /// [`RefundError`].
    pub async fn refund(
        &self,
        order_id: Uuid,
        amount: Option<Money>,
        reason: &str,
        requested: &impl RefundRequestedHook,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<RefundRecord, RefundError> {
        self.deps.admin().refund(order_id, amount, reason, requested, audit).await
    }

    /// One refund as it stands now (a refund request answered again). Errors: storage
    /// failures, and a refund that does not exist.
    pub async fn refund_record(&self, refund: Uuid) -> anyhow::Result<RefundRecord> {
        self.deps.admin().refund_record(refund).await
    }

    /// An admin records units sent back. Errors: every [`ReturnError`].
    pub async fn record_return(
        &self,
        order_id: Uuid,
        request: &ReturnRequest,
        actor: Uuid,
        audit: &impl AuditLog<AuditConn>,
    ) -> Result<ReturnRecord, ReturnError> {
        self.deps.admin().record_return(order_id, request, actor, audit).await
    }

    /// An admin cancels several orders, each on its own.
    pub async fn bulk_cancel(
        &self,
        orders: &[Uuid],
        reason: &str,
        audit: &impl AuditLog<AuditConn>,
    ) -> Vec<(Uuid, BulkCancelOutcome)> {
        self.deps.admin().bulk_cancel(orders, reason, audit).await
    }

    /// The customer's own order; someone else's is `None`, as if it did not exist.
    pub async fn get_for(&self, user: Uuid, order_id: Uuid) -> anyhow::Result<Option<Order>> {
        self.deps.queries().get_for(user, order_id).await
    }

    /// The customer's orders, newest first. Errors: `InvalidCursor`, `Unexpected`.
    pub async fn list_for(
        &self,
        user: Uuid,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<Order>, ListOrdersError> {
        self.deps.queries().list_for(user, limit, after).await
    }

    /// Any order matching `filter`, newest first, for an admin ([`crate::admin_queries`]).
    /// Errors: `InvalidCursor`, `Unexpected`.
    pub async fn search(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        after: Option<&Cursor>,
    ) -> Result<Page<AdminOrderView>, SearchOrdersError> {
        self.deps.admin_queries().search(filter, limit, after).await
    }

    /// One order, by id or number, with its refunds, returns and Razorpay orders, for an
    /// admin. Errors: storage failures.
    pub async fn admin_view(&self, key: &OrderKey) -> anyhow::Result<Option<AdminOrderView>> {
        self.deps.admin_queries().view(key).await
    }

    /// How many orders are in each status, every status listed. Errors: storage failures.
    pub async fn count_by_status(&self) -> anyhow::Result<Vec<(crate::status::OrderStatus, i64)>> {
        self.deps.admin_queries().count_by_status().await
    }

    /// Up to `limit` orders after the order id `after` (every order, a page at a time, in
    /// id order), as the sales figures see them, read on the caller's connection (a
    /// rebuild reads them in its own transaction). Errors: storage failures.
    pub async fn sales_facts_after(
        &self,
        conn: &mut Tx,
        after: Option<Uuid>,
        limit: i64,
    ) -> anyhow::Result<Vec<crate::ports::SalesFacts>> {
        let orders = self.deps.stores.orders();
        let ids = orders.ids_after(conn, after, limit).await?;
        orders.sales_facts(conn, &ids).await
    }

    /// Whether historical demo orders (`rigmaster seed-demo --orders`) are in the store.
    /// Errors: storage failures.
    pub async fn has_demo_history(&self, conn: &mut Tx) -> anyhow::Result<bool> {
        crate::postgres::bulk::has_demo_history(conn).await
    }

    /// Writes historical orders as they stand after their history, in bulk, in the
    /// caller's transaction (the demo history: no reservation, payment or figure is
    /// touched here; the caller has each domain write its own). Errors: storage failures.
    pub async fn insert_history(
        &self,
        conn: &mut Tx,
        orders: &[crate::postgres::bulk::HistoricalOrder],
    ) -> anyhow::Result<()> {
        crate::postgres::bulk::insert_history(conn, orders).await
    }
}
