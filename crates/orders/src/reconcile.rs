//! Reconciliation: asks Razorpay about orders that have waited too long for payment
//! (webhooks can be lost) and applies what happened; sends refunds still due, and asks
//! after refunds Razorpay took but never reported processed or failed. Orders
//! whose payment failed or whose reservation expired are asked about too (every ten
//! minutes for a day), so that a capture whose webhook was lost is paid or refunded.
//! An order whose checkout died before its Razorpay order existed is taken as soon as the
//! dead checkout's lease runs out, and its Razorpay order is opened (`crate::recovery`).
//!
//! Any number of processes may run it: an order is claimed by moving its
//! `reconcile_after` lease forward under `FOR UPDATE SKIP LOCKED`, and no gateway call
//! is made while a transaction or row lock is open.

use std::time::Duration;

use anyhow::Context as _;
use uuid::Uuid;

use crate::deps::Deps;
use crate::payments::PaymentNews;
use crate::ports::{
    OrderRecords, OrderStock, PaymentProvider, ProductCatalog, ProviderPaymentStatus, ProviderRefundNews,
    ProviderRefundState,
};
use crate::recovery::{OpenPaymentError, WhileOpenedElsewhere};
use crate::stores::{OrderStore as _, PaymentAttemptStore as _, RefundStore as _, Stores};

/// Orders one pass looks at, at most.
const BATCH: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReconcileReport {
    pub orders_checked: usize,
    pub refunds_sent: usize,
    /// Refunds Razorpay took whose end (processed or failed) was learnt by asking.
    pub refunds_settled: usize,
}

/// Reconciliation passes.
pub(crate) struct Reconciliation<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords>
    Reconciliation<'_, C, P, K, S, L>
{
    /// One pass over orders `payment_pending` for longer than `older_than` (or missing
    /// their Razorpay order), over refunds still due, and over refunds Razorpay took and
    /// has said nothing about for `older_than` (asked after again every `older_than`).
    #[tracing::instrument(name = "orders.reconcile", skip(self))]
    pub(crate) async fn run(&self, older_than: Duration) -> anyhow::Result<ReconcileReport> {
        let deps = self.deps;
        let claimed = deps.stores.orders().claim_for_reconciliation(older_than, BATCH).await?;
        let mut report = ReconcileReport { orders_checked: claimed.len(), ..ReconcileReport::default() };
        for order_id in claimed {
            if let Err(error) = self.reconcile_order(order_id).await {
                tracing::warn!(error = %format!("{error:#}"), %order_id, "reconciling an order failed; retried later");
            }
        }
        let due = deps.stores.refunds().due(BATCH, deps.refund_retry_after).await?;
        for refund in due {
            match deps.refunds().send(refund).await {
                Ok(()) => report.refunds_sent += 1,
                Err(error) => tracing::warn!(error = %format!("{error:#}"), %refund, "a due refund is still not sent"),
            }
        }
        let unsettled = deps.stores.refunds().claim_unsettled(BATCH, older_than).await?;
        for (refund, razorpay_refund_id, payment_id, amount) in unsettled {
            let news = ProviderRefundNews { razorpay_refund_id, payment_id, amount, store_refund_id: Some(refund) };
            match self.settle_refund(&news).await {
                Ok(true) => report.refunds_settled += 1,
                Ok(false) => {}
                Err(error) => tracing::warn!(error = %format!("{error:#}"), %refund, "asking after a refund failed"),
            }
        }
        Ok(report)
    }

    /// Asks the gateway how a refund it took ended, and settles it if it has (as its lost
    /// webhook would have). Whether it had.
    async fn settle_refund(&self, news: &ProviderRefundNews) -> anyhow::Result<bool> {
        let deps = self.deps;
        let failed = match deps.provider.refund_state(&news.razorpay_refund_id).await? {
            ProviderRefundState::Pending => return Ok(false),
            ProviderRefundState::Processed => false,
            ProviderRefundState::Failed => true,
        };
        let mut tx = deps.stores.begin().await.context("settling a refund")?;
        deps.refunds().apply_news(&mut tx, news, failed).await?;
        tx.commit().await.context("settling a refund")?;
        Ok(true)
    }

    /// Every payment attempt of the order, oldest first; then its Razorpay order if it
    /// still waits for payment without one.
    async fn reconcile_order(&self, order_id: Uuid) -> anyhow::Result<()> {
        for razorpay_order_id in self.deps.stores.attempts().of_order(order_id).await? {
            self.reconcile_attempt(&razorpay_order_id).await?;
        }
        match self.deps.opening().open_missing_payment(order_id, WhileOpenedElsewhere::Skip).await {
            // The order is `payment_failed` now, its stock released: nothing is held for
            // a payment nobody can make.
            Ok(()) | Err(OpenPaymentError::Unavailable(_)) => Ok(()),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause),
        }
    }

    async fn reconcile_attempt(&self, razorpay_order_id: &str) -> anyhow::Result<()> {
        let deps = self.deps;
        let payments = deps.provider.order_payments(razorpay_order_id).await?;
        let settled = payments
            .iter()
            .any(|p| matches!(p.status, ProviderPaymentStatus::Captured | ProviderPaymentStatus::Authorized));
        for payment in payments {
            let news = match payment.status {
                ProviderPaymentStatus::Captured => PaymentNews::Captured(payment),
                ProviderPaymentStatus::Authorized => PaymentNews::Authorized(payment),
                ProviderPaymentStatus::Failed if !settled => PaymentNews::Failed(payment),
                _ => continue,
            };
            let mut tx = deps.stores.begin().await.context("starting a reconciliation")?;
            let follow_up = deps.payments().apply_news(&mut tx, &news).await?;
            tx.commit().await.context("committing a reconciliation")?;
            deps.payments().follow_up(follow_up).await;
        }
        Ok(())
    }
}
