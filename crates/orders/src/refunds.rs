//! Refunds the store owes: written as `due` in the transaction that decides them, sent to
//! the gateway after it commits, tried again by reconciliation until Razorpay takes them
//! (`sent`) or refuses them (`failed`, for a person to settle).

use anyhow::Context as _;
use kernel::Money;
use uuid::Uuid;

use crate::deps::Deps;
use crate::model::RefundKind;
use crate::ports::{OrderStock, PaymentProvider, ProductCatalog, ProviderError, ProviderPayment, Tx};
use crate::status::OrderStatus;
use crate::stores::{LockedOrder, OrderStore as _, RefundStore as _, Stores};

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

/// Whether writing a refund also notes it in the order's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Note {
    Add,
    /// The caller writes its own note (a cancellation).
    Skip,
}

/// Owing money back, and sending it.
pub(crate) struct Refunds<'a, C, P, K, S> {
    pub(crate) deps: &'a Deps<C, P, K, S>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores> Refunds<'_, C, P, K, S> {
    /// Writes a refund the store owes for `payment_id` (once per payment). A payment the
    /// order could not take also gets a history note (`Note::Add`); a cancellation writes
    /// its own. Returns its id when this call wrote it.
    pub(crate) async fn refund_due(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        payment_id: &str,
        amount: Money,
        reason: &str,
        kind: RefundKind,
        note: Note,
    ) -> anyhow::Result<Option<Uuid>> {
        let stores = &self.deps.stores;
        let id = stores.refunds().insert_due(tx, order.id, payment_id, amount, reason, kind).await?;
        if id.is_some() && note == Note::Add {
            let note = format!("refund of payment {payment_id} due: {reason}");
            stores.orders().add_history(tx, order.id, order.status, Some(&note)).await?;
        }
        Ok(id)
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
        let refund =
            self.refund_due(tx, order, &payment.id, payment.amount, reason, RefundKind::Unwanted, Note::Add).await?;
        self.deps.provider.flag(tx, &payment.id, &format!("refunded automatically: {reason}")).await?;
        Ok(refund)
    }

    /// Sends a due refund to the gateway (once: a refund being sent is leased for the
    /// retry pause). Before a second try it asks the gateway whether the first one went
    /// through after all (its answer may have been lost), so a refund is never sent
    /// twice. On success the order records the refunded amount and, if it was a
    /// cancelled paid order, becomes `refunded`.
    #[tracing::instrument(name = "orders.send_refund", skip(self))]
    pub(crate) async fn send(&self, refund: Uuid) -> anyhow::Result<()> {
        let deps = self.deps;
        let Some(claimed) = deps.stores.refunds().claim(refund, deps.refund_retry_after).await? else { return Ok(()) };
        let (order_id, payment_id, amount) = (claimed.order_id, claimed.payment_id.as_str(), claimed.amount);
        if claimed.attempts > 1 {
            match deps.provider.payment(payment_id).await {
                Ok(payment) if payment.refunded >= amount => {
                    tracing::info!(%refund, %payment_id, "an earlier try of this refund went through");
                    return self.sent(refund, order_id, payment_id, amount, None).await;
                }
                Ok(_) => {}
                Err(error) => return self.not_sent(refund, anyhow::Error::new(error)).await,
            }
        }
        match deps.provider.refund(payment_id, amount, &claimed.receipt).await {
            Ok(refund_id) => self.sent(refund, order_id, payment_id, amount, Some(&refund_id)).await,
            Err(ProviderError::Refused(reason)) => self.refused(refund, payment_id, amount, &reason).await,
            Err(ProviderError::Unavailable(cause)) => self.not_sent(refund, cause).await,
        }
    }

    /// The gateway said no: trying again would get the same answer, so the refund is
    /// `failed` and its payment flagged, together, for a person to settle.
    async fn refused(&self, refund: Uuid, payment_id: &str, amount: Money, reason: &str) -> anyhow::Result<()> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("recording a refused refund")?;
        deps.stores.refunds().mark_failed(&mut tx, refund, reason).await?;
        let flag = format!("Razorpay refused a refund of {} paise: {reason}", amount.paise());
        deps.provider.flag(&mut tx, payment_id, &flag).await?;
        tx.commit().await.context("recording a refused refund")?;
        tracing::error!(%refund, %payment_id, %reason, "the gateway refused a refund; an admin must look at it");
        Ok(())
    }

    /// The refund stays due; reconciliation tries again after the retry pause.
    async fn not_sent(&self, refund: Uuid, cause: anyhow::Error) -> anyhow::Result<()> {
        self.deps.stores.refunds().note_failure(refund, &format!("{cause:#}")).await?;
        Err(cause.context("the gateway is unavailable for a refund"))
    }

    async fn sent(
        &self,
        refund: Uuid,
        order_id: Uuid,
        payment_id: &str,
        amount: Money,
        refund_id: Option<&str>,
    ) -> anyhow::Result<()> {
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("recording a refund")?;
        // The order's stock lock first, as everywhere (mark_paid may be writing a refund row).
        deps.stock.lock_order(&mut tx, order_id).await?;
        deps.stores.refunds().mark_sent(&mut tx, refund, refund_id).await?;
        let order = deps.stores.orders().lock(&mut tx, order_id).await?.context("a refunded order vanished")?;
        // A refund of another payment (a second one, owed back) is money the order never
        // counted as paid, so it is not the order's refund either: only the history says it.
        let own_payment = order.razorpay_payment_id.as_deref().is_none_or(|id| id == payment_id);
        deps.stores.orders().record_refund(&mut tx, order_id, payment_id, amount, own_payment).await?;
        let note = format!("refunded {} paise of payment {payment_id}", amount.paise());
        if order.status == OrderStatus::Cancelled && order.state().paid_online && own_payment {
            deps.move_order(&mut tx, &order, OrderStatus::Refunded, Some(&note))
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
        } else {
            deps.stores.orders().add_history(&mut tx, order_id, order.status, Some(&note)).await?;
        }
        tx.commit().await.context("recording a refund")?;
        Ok(())
    }
}
