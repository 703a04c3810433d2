//! Reconciliation: asks Razorpay about orders that have waited too long for payment
//! (webhooks can be lost) and applies what happened; sends refunds still due. Orders
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
use inventory::reservations::StockReserver;
use uuid::Uuid;

use crate::payments::PaymentNews;
use crate::ports::{PaymentProvider, ProductCatalog, ProviderPaymentStatus};
use crate::recovery::WhileOpenedElsewhere;
use crate::service::{OpenPaymentError, Orders};

/// Orders one pass looks at, at most.
const BATCH: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReconcileReport {
    pub orders_checked: usize,
    pub refunds_sent: usize,
}

impl<C: ProductCatalog, P: PaymentProvider, R: StockReserver> Orders<C, P, R> {
    /// One pass over orders `payment_pending` for longer than `older_than` (or missing
    /// their Razorpay order), and over refunds still due.
    #[tracing::instrument(name = "orders.reconcile", skip(self))]
    pub async fn reconcile(&self, older_than: Duration) -> anyhow::Result<ReconcileReport> {
        let claimed: Vec<Uuid> = sqlx::query_scalar(
            "UPDATE orders.orders SET reconcile_after = CASE
                 WHEN status = 'payment_pending' THEN now() + interval '1 minute'
                 WHEN created_at < now() - interval '1 day' THEN 'infinity'
                 ELSE now() + interval '10 minutes' END
             WHERE id IN (
                 SELECT id FROM orders.orders
                 WHERE reconcile_after <= now() AND payment_method = 'razorpay'
                   AND status IN ('payment_pending', 'payment_failed', 'cancelled')
                   AND (status = 'payment_pending' AND created_at <= now() - make_interval(secs => $1)
                        OR (status = 'payment_pending' AND razorpay_order_id IS NULL
                            AND payment_opening_until <= now())
                        OR status = 'payment_failed'
                        OR (status = 'cancelled' AND cancel_reason = 'expired'))
                 ORDER BY reconcile_after LIMIT $2
                 FOR UPDATE SKIP LOCKED)
             RETURNING id",
        )
        .bind(older_than.as_secs_f64())
        .bind(BATCH)
        .fetch_all(&self.pool)
        .await
        .context("claiming orders to reconcile")?;
        let mut report = ReconcileReport { orders_checked: claimed.len(), refunds_sent: 0 };
        for order_id in claimed {
            if let Err(error) = self.reconcile_order(order_id).await {
                tracing::warn!(error = %format!("{error:#}"), %order_id, "reconciling an order failed; retried later");
            }
        }
        let due: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM orders.refunds WHERE status = 'due' AND updated_at < now() - make_interval(secs => $2)
             ORDER BY created_at LIMIT $1",
        )
        .bind(BATCH)
        .bind(self.refund_retry_after.as_secs_f64())
        .fetch_all(&self.pool)
        .await
        .context("finding refunds due")?;
        for refund in due {
            match self.send_refund(refund).await {
                Ok(()) => report.refunds_sent += 1,
                Err(error) => tracing::warn!(error = %format!("{error:#}"), %refund, "a due refund is still not sent"),
            }
        }
        Ok(report)
    }

    /// Every payment attempt of the order, oldest first; then its Razorpay order if it
    /// still waits for payment without one.
    async fn reconcile_order(&self, order_id: Uuid) -> anyhow::Result<()> {
        let attempts: Vec<String> = sqlx::query_scalar(
            "SELECT razorpay_order_id FROM orders.payment_attempts WHERE order_id = $1 ORDER BY created_at",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await
        .context("reading an order's payment attempts")?;
        for razorpay_order_id in attempts {
            self.reconcile_attempt(&razorpay_order_id).await?;
        }
        match self.open_missing_payment(order_id, WhileOpenedElsewhere::Skip).await {
            // The order is `payment_failed` now, its stock released: nothing is held for
            // a payment nobody can make.
            Ok(()) | Err(OpenPaymentError::Unavailable(_)) => Ok(()),
            Err(OpenPaymentError::Unexpected(cause)) => Err(cause),
        }
    }

    async fn reconcile_attempt(&self, razorpay_order_id: &str) -> anyhow::Result<()> {
        let payments = self.payments.order_payments(razorpay_order_id).await?;
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
            let mut tx = self.pool.begin().await.context("starting a reconciliation")?;
            let follow_up = self.apply_payment_news(&mut tx, &news).await?;
            tx.commit().await.context("committing a reconciliation")?;
            self.follow_up(follow_up).await;
        }
        Ok(())
    }
}
