//! What every orders use case works with: the domain's stores, the other domains' ports
//! and the settings. [`crate::service::Orders`] owns one; each use case borrows it, and
//! reaches another use case through it (`deps.payments()`, `deps.holds()` …).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::admin_operations::AdminOperations;
use crate::admin_queries::AdminQueries;
use crate::cancellation::Cancellation;
use crate::checkout::Checkout;
use crate::holds::Holds;
use crate::limits::OrderLimits;
use crate::model::Order;
use crate::payments::Payments;
use crate::ports::OrderRecords;
use crate::postgres::Tx;
use crate::queries::OrderQueries;
use crate::reconcile::Reconciliation;
use crate::recovery::PaymentOpening;
use crate::refunds::Refunds;
use crate::retry::Retry;
use crate::status::{InvalidTransition, OrderStatus, check_move};
use crate::stores::{LockedOrder, OrderStore as _, Stores};

#[derive(Debug, Clone)]
pub(crate) struct Deps<C, P, K, S, L> {
    pub(crate) stores: S,
    pub(crate) catalog: C,
    /// The payment provider (Razorpay).
    pub(crate) provider: P,
    pub(crate) stock: K,
    /// The sales figures and tax invoices, told of every change to an order that may move
    /// them.
    pub(crate) records: L,
    pub(crate) reservation_ttl: chrono::Duration,
    /// How long a refund that could not be sent waits before it is tried again.
    pub(crate) refund_retry_after: Duration,
    /// Turns at the checkout transaction (see [`crate::service::Orders::with_checkout_concurrency`]).
    pub(crate) checkout_turns: Arc<Semaphore>,
    /// How long creating an order's Razorpay order is left to whoever started it (see
    /// [`crate::recovery`]).
    pub(crate) payment_opening_lease: Duration,
    /// What one customer may hold at once (see [`crate::limits`]).
    pub(crate) limits: OrderLimits,
}

/// The use cases, each a view of the same dependencies.
impl<C, P, K, S, L> Deps<C, P, K, S, L> {
    pub(crate) fn checkout(&self) -> Checkout<'_, C, P, K, S, L> {
        Checkout { deps: self }
    }

    pub(crate) fn retry(&self) -> Retry<'_, C, P, K, S, L> {
        Retry { deps: self }
    }

    pub(crate) fn opening(&self) -> PaymentOpening<'_, C, P, K, S, L> {
        PaymentOpening { deps: self }
    }

    pub(crate) fn holds(&self) -> Holds<'_, C, P, K, S, L> {
        Holds { deps: self }
    }

    pub(crate) fn payments(&self) -> Payments<'_, C, P, K, S, L> {
        Payments { deps: self }
    }

    pub(crate) fn refunds(&self) -> Refunds<'_, C, P, K, S, L> {
        Refunds { deps: self }
    }

    pub(crate) fn cancellation(&self) -> Cancellation<'_, C, P, K, S, L> {
        Cancellation { deps: self }
    }

    pub(crate) fn reconciliation(&self) -> Reconciliation<'_, C, P, K, S, L> {
        Reconciliation { deps: self }
    }

    pub(crate) fn admin(&self) -> AdminOperations<'_, C, P, K, S, L> {
        AdminOperations { deps: self }
    }

    pub(crate) fn queries(&self) -> OrderQueries<'_, C, P, K, S, L> {
        OrderQueries { deps: self }
    }

    pub(crate) fn admin_queries(&self) -> AdminQueries<'_, C, P, K, S, L> {
        AdminQueries { deps: self }
    }
}

impl<C, P, K, S: Stores, L: OrderRecords> Deps<C, P, K, S, L> {
    /// Moves the order to `to` if the state machine allows it, with a history entry, in
    /// the caller's transaction.
    pub(crate) async fn move_order(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        to: OrderStatus,
        note: Option<&str>,
    ) -> Result<(), MoveError> {
        check_move(order.state(), to)?;
        self.stores.orders().set_status(tx, order.id, to).await?;
        self.stores.orders().add_history(tx, order.id, to, note).await?;
        self.record_change(tx, order.id).await?;
        crate::metrics::status_changed(to.as_str());
        Ok(())
    }

    /// An order just cancelled after payment, or returned, whose every captured paisa is
    /// back and processed already moves on to `refunded` (otherwise the refund that brings
    /// the last of it back moves it, see [`crate::refunds`]). Where the order ends.
    pub(crate) async fn refunded_if_all_back(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
    ) -> Result<OrderStatus, MoveError> {
        let all_back = order.state().paid_online && order.refunded.paise() >= order.total.paise();
        if !all_back || check_move(order.state(), OrderStatus::Refunded).is_err() {
            return Ok(order.status);
        }
        self.move_order(tx, order, OrderStatus::Refunded, Some("everything captured is back")).await?;
        Ok(OrderStatus::Refunded)
    }

    /// Tells the other domains' records how the order stands now, in the caller's
    /// transaction, which holds the order's lock (or has just written it): the tax
    /// invoices, then the sales figures. Called after every change to its status, refunds
    /// or returns, last, so that the invoice counters and then the figures' rows are the
    /// last locks the transaction takes. An order that was never paid or confirmed has no
    /// tax documents: for one waiting for payment (or failed) their facts are not read.
    pub(crate) async fn record_change(&self, tx: &mut Tx, order: Uuid) -> anyhow::Result<()> {
        let facts = self.stores.orders().sales_facts(tx, &[order]).await?;
        let unpaid = [OrderStatus::PaymentPending, OrderStatus::PaymentFailed];
        if facts.iter().any(|sale| !unpaid.contains(&sale.status)) {
            let invoice = self.stores.orders().invoice_facts(tx, order).await?.context("an order vanished")?;
            match self.records.issue_due(tx, &invoice).await {
                Ok(()) if invoice.documents_due => {
                    self.stores.orders().set_documents_due(tx, order, false).await?;
                    if invoice.attention.as_deref() == Some(TAX_DOCUMENT_PENDING) {
                        self.stores.orders().clear_attention(tx, order).await?;
                    }
                }
                Ok(()) => {}
                Err(cause) => {
                    // The change itself (a payment, a refund) stands; the order owes its
                    // documents until its next change issues them, whatever its status
                    // then, and an admin is told now (unless the order is flagged for
                    // something else already, such as a failed refund, which is not
                    // overwritten: the log and the metric still say).
                    tracing::error!(order = %order, error = ?cause, "a tax document could not be issued");
                    crate::metrics::tax_document_failed();
                    self.stores.orders().set_documents_due(tx, order, true).await?;
                    if invoice.attention.is_none() {
                        self.stores.orders().set_attention(tx, order, TAX_DOCUMENT_PENDING).await?;
                    }
                }
            }
        }
        self.records.order_changed(tx, &facts).await.context("keeping the sales figures")
    }

    /// Whether the customer may have one more order waiting for payment; takes their lock
    /// for the rest of the transaction first, so that concurrent checkouts and retries
    /// count one after another and never all see room.
    pub(crate) async fn room_for_pending(&self, tx: &mut Tx, user: Uuid) -> anyhow::Result<bool> {
        self.stores.orders().lock_customer(tx, user).await?;
        Ok(self.stores.orders().pending_count(tx, user).await? < self.limits.max_pending_orders)
    }

    /// How many cash-on-delivery orders the customer has open; takes their lock for the
    /// rest of the transaction first, as [`Self::room_for_pending`] does, so that
    /// concurrent COD checkouts count one after another.
    pub(crate) async fn open_cod_orders(&self, tx: &mut Tx, user: Uuid) -> anyhow::Result<i64> {
        self.stores.orders().lock_customer(tx, user).await?;
        self.stores.orders().open_cod_count(tx, user).await
    }

    /// An order that must exist (one this process just wrote or locked).
    pub(crate) async fn load(&self, order_id: Uuid) -> anyhow::Result<Order> {
        let mut conn = self.stores.connect().await.context("reading an order")?;
        self.stores.orders().load(&mut conn, order_id).await?.context("an order vanished")
    }
}

/// Why an order needs an admin when its tax invoice or credit note could not be issued.
pub const TAX_DOCUMENT_PENDING: &str =
    "tax invoice or credit note not issued (see the logs); it is retried at the order's next change";

#[derive(Debug, thiserror::Error)]
pub(crate) enum MoveError {
    #[error(transparent)]
    Invalid(#[from] InvalidTransition),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
