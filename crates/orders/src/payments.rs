//! Payments: the one idempotent `mark_paid`, failures, late captures, and the checkout
//! signature. Refunds the store owes are [`crate::refunds`]'.
//!
//! Everything that changes an order runs in the caller's transaction (a webhook's, the
//! verify call's, reconciliation's). Gateway calls (captures, refunds) are made only
//! after it commits, from a [`FollowUp`]; refunds are first written as `due`, so that a
//! crash between the two loses nothing: reconciliation sends what is still due.

use anyhow::Context as _;
use chrono::Utc;
use uuid::Uuid;

use crate::coupons::CouponUseStatus;
use crate::deps::Deps;
use crate::holds::HoldAgain;
use crate::model::{Order, PaymentStatus};
use crate::payment_decision::{PaymentDecision, PaymentFacts, StockAgain, decide, mismatch, no_order_of_ours};
use crate::ports::{
    OrderRecords, OrderStock, PaymentProvider, ProductCatalog, ProviderError, ProviderPayment, ProviderPaymentStatus,
    ProviderRefundNews, Sale, Tx,
};
use crate::status::OrderStatus;
use crate::stores::{
    Attempt, CartStore as _, CouponStore as _, LockedOrder, OrderStore as _, PaymentAttemptStore as _,
    RefundStore as _, Stores,
};

/// What the provider told us about a payment (from a webhook or an API answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentNews {
    Authorized(ProviderPayment),
    Captured(ProviderPayment),
    Failed(ProviderPayment),
    /// One of the provider's refunds is processed: the money is back with the customer.
    RefundProcessed(ProviderRefundNews),
    /// One of the provider's refunds failed: the money stayed with the store.
    RefundFailed(ProviderRefundNews),
}

/// Gateway work to do once the transaction that decided it has committed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct FollowUp {
    /// An authorised payment to capture.
    pub capture: Option<ProviderPayment>,
    /// Refunds written as due.
    pub refunds: Vec<Uuid>,
}

impl FollowUp {
    fn refund(id: Option<Uuid>) -> Self {
        FollowUp { capture: None, refunds: id.into_iter().collect() }
    }
}

/// What `mark_paid` found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidOutcome {
    /// The order moved to `paid` now.
    Paid,
    /// This payment had already paid the order; nothing changed.
    AlreadyPaid,
    /// No order of ours has this Razorpay order.
    UnknownOrder,
    /// The amount or currency is not the order's: not paid, the payment is flagged.
    Mismatch,
    /// The order cannot take this payment (cancelled, paid by another payment, or its
    /// stock is gone): the payment is refunded.
    Refunding,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The signature does not sign these ids, or the ids are not this order's.
    #[error("the payment signature is not valid for this order")]
    SignatureInvalid,
    #[error("no such order")]
    NotFound,
    #[error("the payment gateway is unavailable")]
    GatewayUnavailable(#[source] anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What the provider says about payments, applied to orders.
pub(crate) struct Payments<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Payments<'_, C, P, K, S, L> {
    /// Acts on what the provider said, in the caller's transaction.
    #[tracing::instrument(name = "orders.apply_payment_news", skip(self, tx))]
    pub(crate) async fn apply_news(&self, tx: &mut Tx, news: &PaymentNews) -> anyhow::Result<FollowUp> {
        match news {
            PaymentNews::Captured(payment) => Ok(self.mark_paid(tx, payment).await?.1),
            PaymentNews::Failed(payment) => {
                self.mark_failed(tx, payment).await?;
                Ok(FollowUp::default())
            }
            PaymentNews::RefundProcessed(refund) => {
                self.deps.refunds().apply_news(tx, refund, false).await?;
                Ok(FollowUp::default())
            }
            PaymentNews::RefundFailed(refund) => {
                self.deps.refunds().apply_news(tx, refund, true).await?;
                Ok(FollowUp::default())
            }
            PaymentNews::Authorized(payment) => {
                // Not captured unless it can pay its order; Razorpay gives an authorisation
                // nobody captures back to the customer.
                let Some(attempt) = self.attempt(tx, payment.razorpay_order_id.as_deref()).await? else {
                    self.deps.provider.flag(tx, &payment.id, &no_order_of_ours(payment)).await?;
                    return Ok(FollowUp::default());
                };
                if let Some(reason) = mismatch(&attempt, payment) {
                    self.deps.provider.flag(tx, &payment.id, &reason).await?;
                    return Ok(FollowUp::default());
                }
                Ok(FollowUp { capture: Some(payment.clone()), refunds: Vec::new() })
            }
        }
    }

    /// The payment attempt with this Razorpay order, if any.
    async fn attempt(&self, conn: &mut Tx, razorpay_order_id: Option<&str>) -> anyhow::Result<Option<Attempt>> {
        match razorpay_order_id {
            Some(razorpay_order_id) => self.deps.stores.attempts().find(conn, razorpay_order_id).await,
            None => Ok(None),
        }
    }

    /// The one way an order becomes paid. Gathers what [`decide`] needs under the
    /// order's locks (its stock lock, then its row) and applies the decision: commits the
    /// stock, moves the order to `paid`, marks the coupon used and takes the bought lines
    /// out of the cart; or flags, or refunds. Any number of calls, in any order, with
    /// verify and webhooks racing, give one `paid` move and one stock commit.
    #[tracing::instrument(name = "orders.mark_paid", skip(self, tx, payment), fields(payment_id = %payment.id))]
    pub(crate) async fn mark_paid(
        &self,
        tx: &mut Tx,
        payment: &ProviderPayment,
    ) -> anyhow::Result<(PaidOutcome, FollowUp)> {
        let deps = self.deps;
        let Some(attempt) = self.attempt(tx, payment.razorpay_order_id.as_deref()).await? else {
            let facts = PaymentFacts { payment, order: None, owed_back: false, stock_again: StockAgain::NotTried };
            return self.apply(tx, payment, None, decide(&facts)).await;
        };
        deps.stock.lock_order(tx, attempt.order_id).await?;
        let order = deps
            .stores
            .orders()
            .lock(tx, attempt.order_id)
            .await?
            .context("an order with a payment attempt vanished")?;
        let owed_back = deps.stores.refunds().exists_for(tx, &payment.id).await?;
        let facts = |stock_again| PaymentFacts { payment, order: Some((&attempt, &order)), owed_back, stock_again };
        let decision = match decide(&facts(StockAgain::NotTried)) {
            PaymentDecision::HoldStockAgain => {
                let stock_again = self.hold_stock_again(tx, &order).await?;
                decide(&facts(stock_again))
            }
            decision => decision,
        };
        self.apply(tx, payment, Some(&order), decision).await
    }

    /// Holds a lapsed order's stock and coupon again for a late payment. Stock that
    /// changed under the hold aborts the transaction: the news is applied again on the
    /// next delivery or reconciliation pass.
    async fn hold_stock_again(&self, tx: &mut Tx, order: &LockedOrder) -> anyhow::Result<StockAgain> {
        let until = Utc::now() + self.deps.reservation_ttl;
        match self.deps.holds().hold_again(tx, order, until).await? {
            Ok(()) => Ok(StockAgain::Held),
            Err(HoldAgain::StockChanged) => {
                anyhow::bail!("the stock of order {} changed while it was held again", order.id)
            }
            Err(HoldAgain::OutOfStock(_) | HoldAgain::Coupon(_)) => Ok(StockAgain::Gone),
        }
    }

    /// Does what [`decide`] decided, in the caller's transaction.
    async fn apply(
        &self,
        tx: &mut Tx,
        payment: &ProviderPayment,
        order: Option<&LockedOrder>,
        decision: PaymentDecision,
    ) -> anyhow::Result<(PaidOutcome, FollowUp)> {
        let deps = self.deps;
        match (decision, order) {
            (PaymentDecision::FlagUnknownOrder { reason }, _) => {
                tracing::warn!(payment_id = %payment.id, %reason, "a captured payment for no order of ours");
                deps.provider.flag(tx, &payment.id, &reason).await?;
                Ok((PaidOutcome::UnknownOrder, FollowUp::default()))
            }
            (PaymentDecision::FlagMismatch { reason }, _) => {
                tracing::warn!(payment_id = %payment.id, %reason, "payment amount does not match its order");
                deps.provider.flag(tx, &payment.id, &reason).await?;
                Ok((PaidOutcome::Mismatch, FollowUp::default()))
            }
            (PaymentDecision::AlreadyPaid, _) => Ok((PaidOutcome::AlreadyPaid, FollowUp::default())),
            (PaymentDecision::AlreadyOwedBack, _) => Ok((PaidOutcome::Refunding, FollowUp::default())),
            (PaymentDecision::Refund { reason, release_coupon }, Some(order)) => {
                if release_coupon {
                    deps.stores.coupons().set_use(tx, order.id, CouponUseStatus::Released).await?;
                }
                let refund = deps.refunds().refund_unwanted(tx, order, payment, &reason).await?;
                Ok((PaidOutcome::Refunding, FollowUp::refund(refund)))
            }
            (PaymentDecision::Pay { late }, Some(order)) => {
                self.pay(tx, order, payment, late).await?;
                Ok((PaidOutcome::Paid, FollowUp::default()))
            }
            (decision, _) => anyhow::bail!("payment {} got a decision it cannot act on: {decision:?}", payment.id),
        }
    }

    /// Pays the order: commits its stock, moves it to `paid`, marks its coupon used and
    /// takes the bought lines out of the cart it came from.
    async fn pay(&self, tx: &mut Tx, order: &LockedOrder, payment: &ProviderPayment, late: bool) -> anyhow::Result<()> {
        let deps = self.deps;
        match deps.stock.sell(tx, order.id).await.context("committing an order's stock")? {
            Sale::Sold => {}
            Sale::NotSold(how) => anyhow::bail!("order {} stock could not be committed: {how}", order.id),
        }
        deps.stores.orders().record_payment(tx, order.id, &payment.id).await?;
        deps.stores.coupons().set_use(tx, order.id, CouponUseStatus::Used).await?;
        if order.from_cart {
            let products: Vec<Uuid> =
                deps.stores.orders().lines(tx, order.id).await?.into_iter().map(|(id, _)| id).collect();
            let coupon = order.coupon_code.as_deref();
            deps.stores.carts().remove_ordered(tx, order.user_id, &products, &order.cart_builds, coupon).await?;
        }
        // The move last: it writes the sales figures, whose rows are the last locks taken.
        let note = if late { "payment received late; stock held again" } else { "payment captured" };
        deps.move_order(tx, order, OrderStatus::Paid, Some(note)).await.map_err(|e| anyhow::anyhow!(e))?;
        crate::metrics::order_paid();
        Ok(())
    }

    /// A failed payment on the order's current attempt: the order is `payment_failed`
    /// and its stock and coupon go back. Failures of older attempts, or after payment,
    /// change nothing.
    #[tracing::instrument(name = "orders.mark_failed", skip(self, tx, payment), fields(payment_id = %payment.id))]
    async fn mark_failed(&self, tx: &mut Tx, payment: &ProviderPayment) -> anyhow::Result<()> {
        let deps = self.deps;
        let Some(attempt) = self.attempt(tx, payment.razorpay_order_id.as_deref()).await? else { return Ok(()) };
        deps.stock.lock_order(tx, attempt.order_id).await?;
        let Some(order) = deps.stores.orders().lock(tx, attempt.order_id).await? else { return Ok(()) };
        let current = order.razorpay_order_id.is_some() && order.razorpay_order_id == payment.razorpay_order_id;
        if order.status != OrderStatus::PaymentPending || !current {
            return Ok(());
        }
        deps.holds().release_unpaid(tx, &order, "payment failed").await?;
        let note = match &payment.error {
            Some(error) => format!("payment failed: {error}"),
            None => "payment failed".to_owned(),
        };
        deps.move_order(tx, &order, OrderStatus::PaymentFailed, Some(&note)).await.map_err(|e| anyhow::anyhow!(e))?;
        deps.stores.orders().set_payment_status(tx, order.id, PaymentStatus::Failed).await
    }

    /// Does the gateway work a committed transaction decided. Failures are logged and
    /// left to reconciliation (refunds stay `due`; an authorised payment is captured
    /// when its order is reconciled).
    pub(crate) async fn follow_up(&self, follow_up: FollowUp) {
        if let Some(payment) = follow_up.capture
            && let Err(error) = self.capture_and_pay(&payment).await
        {
            tracing::warn!(error = %format!("{error:#}"), payment_id = %payment.id, "capturing a payment failed");
        }
        for refund in follow_up.refunds {
            if let Err(error) = self.deps.refunds().send(refund).await {
                tracing::warn!(error = %format!("{error:#}"), %refund, "sending a refund failed; it stays due");
            }
        }
    }

    /// Captures an authorised payment, then pays its order with the provider's answer.
    async fn capture_and_pay(&self, payment: &ProviderPayment) -> anyhow::Result<()> {
        let provider = &self.deps.provider;
        let captured = match provider.capture(&payment.id, payment.amount, &payment.currency).await {
            Ok(captured) => captured,
            // Captured already (automatic capture, or another process): ask what it is now.
            Err(ProviderError::Refused(_)) => provider.payment(&payment.id).await?,
            Err(error) => return Err(error.into()),
        };
        if captured.status == ProviderPaymentStatus::Captured {
            self.pay_with(&captured).await?;
        }
        Ok(())
    }

    /// `mark_paid` in a transaction of its own, then its follow-up.
    async fn pay_with(&self, payment: &ProviderPayment) -> anyhow::Result<PaidOutcome> {
        let mut tx = self.deps.stores.begin().await.context("starting a payment")?;
        let (outcome, follow_up) = self.mark_paid(&mut tx, payment).await?;
        tx.commit().await.context("committing a payment")?;
        Box::pin(self.follow_up(follow_up)).await;
        Ok(outcome)
    }

    /// Flags a payment whose amount or currency is not its order's, in a transaction of
    /// its own.
    async fn flag_mismatch(&self, payment: &ProviderPayment, reason: &str) -> anyhow::Result<()> {
        tracing::warn!(payment_id = %payment.id, %reason, "payment amount does not match its order");
        let mut tx = self.deps.stores.begin().await.context("flagging a payment")?;
        self.deps.provider.flag(&mut tx, &payment.id, reason).await?;
        tx.commit().await.context("committing a payment's flag")
    }

    /// `POST /orders/{id}/payment/verify`: the checkout handler's signature, checked with
    /// the API key secret, for a Razorpay order of this order; then the payment as the
    /// gateway reports it goes through `mark_paid`; an authorised payment is captured only
    /// when its amount and currency are the order's (otherwise it is flagged, and the order
    /// answered unpaid, as `mark_paid` answers a captured mismatch). Nothing changes on a
    /// bad signature.
    #[tracing::instrument(name = "orders.verify_payment", skip(self, signature))]
    pub(crate) async fn verify(
        &self,
        user: Uuid,
        order_id: Uuid,
        razorpay_order_id: &str,
        payment_id: &str,
        signature: &str,
    ) -> Result<Order, VerifyError> {
        let deps = self.deps;
        if !deps.provider.verify_checkout(razorpay_order_id, payment_id, signature) {
            return Err(VerifyError::SignatureInvalid);
        }
        deps.queries().get_for(user, order_id).await?.ok_or(VerifyError::NotFound)?;
        let mut conn = deps.stores.connect().await.context("verifying a payment")?;
        let attempt = self.attempt(&mut conn, Some(razorpay_order_id)).await?.filter(|a| a.order_id == order_id);
        drop(conn);
        let Some(attempt) = attempt else { return Err(VerifyError::SignatureInvalid) };
        let payment = match deps.provider.payment(payment_id).await {
            Ok(payment) => payment,
            Err(ProviderError::Refused(_)) => return Err(VerifyError::SignatureInvalid),
            Err(ProviderError::Unavailable(cause)) => return Err(VerifyError::GatewayUnavailable(cause)),
        };
        if payment.razorpay_order_id.as_deref() != Some(razorpay_order_id) {
            return Err(VerifyError::SignatureInvalid);
        }
        match payment.status {
            ProviderPaymentStatus::Captured => {
                self.pay_with(&payment).await?;
            }
            ProviderPaymentStatus::Authorized => {
                // As the webhook's authorisation: a payment for another amount or currency
                // is flagged for a person and never captured; the order stays unpaid.
                if let Some(reason) = mismatch(&attempt, &payment) {
                    self.flag_mismatch(&payment, &reason).await?;
                    return Ok(deps.load(order_id).await?);
                }
                if let Err(error) = self.capture_and_pay(&payment).await {
                    return Err(VerifyError::GatewayUnavailable(error));
                }
            }
            ProviderPaymentStatus::Created | ProviderPaymentStatus::Failed | ProviderPaymentStatus::Refunded => {}
        }
        Ok(deps.load(order_id).await?)
    }
}
