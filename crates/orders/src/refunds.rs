//! Refunds the store owes: written as `due` in the transaction that decides them (under
//! the order's row lock, never more than the payment captured), sent to the gateway after
//! it commits, tried again by reconciliation until Razorpay takes them (`sent`) or refuses
//! them (`failed`). Razorpay's word settles them: `processed` (from its answer or the
//! `refund.processed` webhook) counts the money on the order, exactly once; `failed`
//! (refused, or `refund.failed`) frees the amount again and flags the order for an admin.
//! An order cancelled after payment, or returned, becomes `refunded` once everything it
//! captured is back and processed.

use anyhow::Context as _;
use kernel::Money;
use uuid::Uuid;

use crate::deps::Deps;
use crate::model::{PaymentMethod, PaymentStatus, RefundKind};
use crate::ports::{
    OrderRecords, OrderStock, PaymentProvider, ProductCatalog, ProviderError, ProviderPayment, ProviderRefundNews,
    ProviderRefundState, Tx,
};
use crate::status::OrderStatus;
use crate::stores::{LockedOrder, OrderStore as _, RefundStore as _, SettledRefund, Stores};

/// Where a refund the store owes stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// Owed, not yet taken by the gateway.
    Due,
    /// Taken by the gateway, not yet reported processed.
    Sent,
    /// The gateway reports the money back with the customer.
    Processed,
    /// Refused by the gateway, or reported failed: it no longer counts against the
    /// capture, and its payment (and order) are flagged for a person.
    Failed,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Due => "due",
            RefundStatus::Sent => "sent",
            RefundStatus::Processed => "processed",
            RefundStatus::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [RefundStatus::Due, RefundStatus::Sent, RefundStatus::Processed, RefundStatus::Failed]
            .into_iter()
            .find(|status| status.as_str() == raw)
    }
}

/// Why a refund an admin asked for cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    /// Nothing was paid online for the order (unpaid, or cash on delivery).
    NothingCaptured,
    /// More than the capture less every refund not failed; `left` is what may still go back.
    ExceedsCaptured { left: Money },
}

/// Owing money back, and sending it.
pub(crate) struct Refunds<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Refunds<'_, C, P, K, S, L> {
    /// Writes a refund the store owes for `payment_id` (an unwanted payment's once per
    /// payment). Returns its id when this call wrote it; the caller notes it in the
    /// order's history.
    pub(crate) async fn refund_due(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        payment_id: &str,
        amount: Money,
        reason: &str,
        kind: RefundKind,
    ) -> anyhow::Result<Option<Uuid>> {
        self.deps.stores.refunds().insert_due(tx, order.id, payment_id, amount, reason, kind).await
    }

    /// Owes back a captured payment the order cannot take, and flags it: the customer was
    /// charged for nothing, and a person should see that the money went back.
    pub(crate) async fn refund_unwanted(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        payment: &ProviderPayment,
        reason: &str,
    ) -> anyhow::Result<Option<Uuid>> {
        let refund = self.refund_due(tx, order, &payment.id, payment.amount, reason, RefundKind::Unwanted).await?;
        if refund.is_some() {
            let note = format!("refund of payment {} due: {reason}", payment.id);
            self.deps.stores.orders().add_history(tx, order.id, order.status, Some(&note)).await?;
        }
        self.deps.provider.flag(tx, &payment.id, &format!("refunded automatically: {reason}")).await?;
        Ok(refund)
    }

    /// Owes back `amount` (or, when `None`, everything left) of the order's own online
    /// payment, for an admin or a return; the caller holds the order's locks. Its id, or
    /// why not: nothing captured online, or more than the capture less every refund not
    /// failed (which, under the order's row lock, no concurrent refund can get past).
    pub(crate) async fn owe(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        amount: Option<Money>,
        reason: &str,
        kind: RefundKind,
    ) -> anyhow::Result<Result<Uuid, RefundRefusal>> {
        let captured = order.payment_method == PaymentMethod::Razorpay
            && matches!(order.payment_status, PaymentStatus::Captured | PaymentStatus::Refunded);
        let Some(payment_id) = order.razorpay_payment_id.as_deref().filter(|_| captured) else {
            return Ok(Err(RefundRefusal::NothingCaptured));
        };
        let counted = self.deps.stores.refunds().counted_for(tx, payment_id).await?;
        let left = Money::from_paise(order.total.paise().saturating_sub(counted.paise()).max(0));
        let amount = amount.unwrap_or(left);
        if left.paise() == 0 || amount.paise() > left.paise() || amount.paise() <= 0 {
            return Ok(Err(RefundRefusal::ExceedsCaptured { left }));
        }
        let id = self.refund_due(tx, order, payment_id, amount, reason, kind).await?;
        let id = id.context("a refund that is not once per payment was not written")?;
        let note = format!("refund of {} paise requested: {reason}", amount.paise());
        self.deps.stores.orders().add_history(tx, order.id, order.status, Some(&note)).await?;
        Ok(Ok(id))
    }

    /// Sends a due refund to the gateway (once: a refund being sent is leased for the
    /// retry pause), tagged with its own id. Before a second try it asks the gateway
    /// whether the first one went through after all (its answer may have been lost), so a
    /// refund is never sent twice. The gateway's answer is recorded: taken (`sent`),
    /// processed already (settled on its order), or refused (`failed`, flagged).
    #[tracing::instrument(name = "orders.send_refund", skip(self))]
    pub(crate) async fn send(&self, refund: Uuid) -> anyhow::Result<()> {
        let deps = self.deps;
        let Some(claimed) = deps.stores.refunds().claim(refund, deps.refund_retry_after).await? else { return Ok(()) };
        let (order_id, payment_id, amount) = (claimed.order_id, claimed.payment_id.as_str(), claimed.amount);
        if claimed.attempts > 1 {
            // An earlier try's answer may have been lost: the refund it made carries this
            // refund's id, so it is found, never made twice.
            match deps.provider.find_refund(payment_id, refund).await {
                Ok(Some((refund_id, state))) => {
                    tracing::info!(%refund, %payment_id, "an earlier try of this refund went through");
                    return match state {
                        ProviderRefundState::Failed => {
                            let reason = "Razorpay reported the refund failed";
                            self.refused(refund, order_id, payment_id, amount, reason).await
                        }
                        state => {
                            self.taken(refund, order_id, Some(&refund_id), state == ProviderRefundState::Processed)
                                .await
                        }
                    };
                }
                Ok(None) => {}
                Err(error) => return self.not_sent(refund, anyhow::Error::new(error)).await,
            }
        }
        match deps.provider.refund(payment_id, amount, &claimed.receipt, refund).await {
            Ok(taken) => self.taken(refund, order_id, Some(&taken.id), taken.processed).await,
            Err(ProviderError::Refused(reason)) => self.refused(refund, order_id, payment_id, amount, &reason).await,
            Err(ProviderError::Unavailable(cause)) => self.not_sent(refund, cause).await,
        }
    }

    /// The gateway said no: trying again would get the same answer, so the refund is
    /// `failed`, and its payment and order flagged, together, for a person to settle.
    async fn refused(
        &self,
        refund: Uuid,
        order_id: Uuid,
        payment_id: &str,
        amount: Money,
        reason: &str,
    ) -> anyhow::Result<()> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("recording a refused refund")?;
        // The payment's row before the order's locks, as a webhook takes them (its intake
        // writes the payment first), so the two never wait on each other in a circle.
        let flag = format!("Razorpay refused a refund of {} paise: {reason}", amount.paise());
        deps.provider.flag(&mut tx, payment_id, &flag).await?;
        deps.stock.lock_order(&mut tx, order_id).await?;
        let order = deps.stores.orders().lock(&mut tx, order_id).await?.context("a refunded order vanished")?;
        if let Some(settled) = deps.stores.refunds().mark_failed(&mut tx, refund, reason).await? {
            self.flag_order(&mut tx, &order, &settled, &flag).await?;
        }
        tx.commit().await.context("recording a refused refund")?;
        tracing::error!(%refund, %payment_id, %reason, "the gateway refused a refund; an admin must look at it");
        Ok(())
    }

    /// The refund stays due; reconciliation tries again after the retry pause.
    async fn not_sent(&self, refund: Uuid, cause: anyhow::Error) -> anyhow::Result<()> {
        self.deps.stores.refunds().note_failure(refund, &format!("{cause:#}")).await?;
        Err(cause.context("the gateway is unavailable for a refund"))
    }

    /// The gateway took the refund: `sent`, and settled at once when it reports it
    /// processed already.
    async fn taken(
        &self,
        refund: Uuid,
        order_id: Uuid,
        refund_id: Option<&str>,
        processed: bool,
    ) -> anyhow::Result<()> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("recording a refund")?;
        // The order's stock lock first, as everywhere (mark_paid may be writing a refund row).
        deps.stock.lock_order(&mut tx, order_id).await?;
        let order = deps.stores.orders().lock(&mut tx, order_id).await?.context("a refunded order vanished")?;
        if processed {
            self.settle_processed(&mut tx, &order, refund, refund_id).await?;
        } else {
            deps.stores.refunds().mark_sent(&mut tx, refund, refund_id).await?;
        }
        tx.commit().await.context("recording a refund")?;
        Ok(())
    }

    /// Razorpay reports one of its refunds processed or failed (a webhook): the store's
    /// refund it is settles, under its order's locks, in the caller's transaction. A
    /// refund the store never asked for (made on Razorpay's dashboard) is left to the
    /// payment's own record.
    pub(crate) async fn apply_news(&self, tx: &mut Tx, news: &ProviderRefundNews, failed: bool) -> anyhow::Result<()> {
        let deps = self.deps;
        let found = deps.stores.refunds().find_for_news(tx, &news.razorpay_refund_id, news.store_refund_id).await?;
        let Some((refund, order_id)) = found else {
            tracing::info!(refund_id = %news.razorpay_refund_id, "news of a refund the store did not ask for");
            return Ok(());
        };
        let flag =
            format!("a refund of {} paise failed at Razorpay ({})", news.amount.paise(), news.razorpay_refund_id);
        if failed {
            // The payment's row before the order's locks, as the webhook's intake takes them.
            deps.provider.flag(tx, &news.payment_id, &flag).await?;
        }
        deps.stock.lock_order(tx, order_id).await?;
        let order = deps.stores.orders().lock(tx, order_id).await?.context("a refunded order vanished")?;
        if !failed {
            return self.settle_processed(tx, &order, refund, Some(&news.razorpay_refund_id)).await;
        }
        let reason = "Razorpay reported the refund failed";
        if let Some(settled) = deps.stores.refunds().mark_failed(tx, refund, reason).await? {
            self.flag_order(tx, &order, &settled, &flag).await?;
            tracing::error!(%refund, order = %order_id, "a refund failed; an admin must look at it");
        }
        Ok(())
    }

    /// A failed refund flags its order and notes it in the history (not for an unwanted
    /// payment's refund, which is the payment's business, flagged on the payment).
    async fn flag_order(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        refund: &SettledRefund,
        flag: &str,
    ) -> anyhow::Result<()> {
        let orders = self.deps.stores.orders();
        orders.add_history(tx, order.id, order.status, Some(flag)).await?;
        if refund.kind != RefundKind::Unwanted {
            orders.set_attention(tx, order.id, flag).await?;
        }
        Ok(())
    }

    /// The refund is processed: counted on its order (once: only the call that moves it
    /// to `processed` counts it), and an order cancelled after payment or returned whose
    /// every captured paisa is back becomes `refunded`. The caller holds the order's locks.
    async fn settle_processed(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        refund: Uuid,
        refund_id: Option<&str>,
    ) -> anyhow::Result<()> {
        let deps = self.deps;
        let Some(settled) = deps.stores.refunds().mark_processed(tx, refund, refund_id).await? else {
            return Ok(());
        };
        let payment_id = settled.payment_id.as_str();
        // A refund of another payment (a second one, owed back) is money the order never
        // counted as paid, so it is not the order's refund either: only the history says it.
        let own_payment = order.razorpay_payment_id.as_deref().is_none_or(|id| id == payment_id);
        let orders = deps.stores.orders();
        orders.record_refund(tx, order.id, payment_id, settled.amount, own_payment).await?;
        let note = format!("refunded {} paise of payment {payment_id}", settled.amount.paise());
        let refunded = order.refunded.paise().saturating_add(if own_payment { settled.amount.paise() } else { 0 });
        // The retry of a failed refund settles the flag; a refund asked for before the
        // failure does not.
        if own_payment
            && settled.kind != RefundKind::Unwanted
            && !deps.stores.refunds().failed_since(tx, order.id, refund).await?
        {
            orders.clear_attention(tx, order.id).await?;
        }
        let all_back = own_payment && refunded >= order.total.paise();
        let settles_order = match order.status {
            OrderStatus::Cancelled => order.state().paid_online,
            OrderStatus::Returned => true,
            _ => false,
        };
        if all_back && settles_order {
            deps.move_order(tx, order, OrderStatus::Refunded, Some(&note)).await.map_err(|e| anyhow::anyhow!(e))?;
        } else {
            orders.add_history(tx, order.id, order.status, Some(&note)).await?;
            deps.record_change(tx, order.id).await?;
        }
        Ok(())
    }
}
