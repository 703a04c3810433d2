//! Payments: the one idempotent `mark_paid`, failures, late captures, the checkout
//! signature, and refunds the store owes.
//!
//! Everything that changes an order runs in the caller's transaction (a webhook's, the
//! verify call's, reconciliation's). Gateway calls (captures, refunds) are made only
//! after it commits, from a [`FollowUp`]; refunds are first written as `due`, so that a
//! crash between the two loses nothing: reconciliation sends what is still due.

use anyhow::Context as _;
use chrono::Utc;
use inventory::reservations::{Settlement, StockReserver};
use kernel::Money;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::cart;
use crate::coupons;
use crate::model::Order;
use crate::ports::{PaymentProvider, ProductCatalog, ProviderError, ProviderPayment, ProviderPaymentStatus};
use crate::service::{Orders, set_payment_status};
use crate::status::{CancelReason, OrderStatus};
use crate::store::{self, LockedOrder};

/// What the provider told us about a payment (from a webhook or an API answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentNews {
    Authorized(ProviderPayment),
    Captured(ProviderPayment),
    Failed(ProviderPayment),
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

struct Attempt {
    order_id: Uuid,
    order_number: String,
    amount: Money,
    currency: String,
}

impl Attempt {
    /// Why `payment` cannot pay this attempt's order, when its amount or currency is not
    /// the order's.
    fn mismatch(&self, payment: &ProviderPayment) -> Option<String> {
        let matches = payment.amount == self.amount && payment.currency == self.currency;
        (!matches).then(|| {
            format!(
                "paid {} {} but order {} is {} {}",
                payment.amount.paise(),
                payment.currency,
                self.order_number,
                self.amount.paise(),
                self.currency
            )
        })
    }
}

async fn attempt(conn: &mut PgConnection, razorpay_order_id: Option<&str>) -> anyhow::Result<Option<Attempt>> {
    let Some(razorpay_order_id) = razorpay_order_id else { return Ok(None) };
    let row: Option<(Uuid, String, i64, String)> = sqlx::query_as(
        "SELECT a.order_id, o.order_number, a.amount_paise, a.currency
         FROM orders.payment_attempts a JOIN orders.orders o ON o.id = a.order_id
         WHERE a.razorpay_order_id = $1",
    )
    .bind(razorpay_order_id)
    .fetch_optional(conn)
    .await
    .context("finding a payment attempt")?;
    Ok(row.map(|(order_id, order_number, amount, currency)| Attempt {
        order_id,
        order_number,
        amount: Money::from_paise(amount),
        currency,
    }))
}

/// Why a payment for no order of ours needs a person: money was taken, or is held, for
/// nothing the store sold. The same words for its authorisation and its capture, so that
/// the flag says it once.
fn no_order_of_ours(payment: &ProviderPayment) -> String {
    match &payment.razorpay_order_id {
        Some(razorpay_order_id) => format!("Razorpay order {razorpay_order_id} is not an order of this store"),
        None => "the payment names no Razorpay order, so no order of this store".to_owned(),
    }
}

impl<C: ProductCatalog, P: PaymentProvider, R: StockReserver> Orders<C, P, R> {
    /// Acts on what the provider said, in the caller's transaction.
    #[tracing::instrument(name = "orders.apply_payment_news", skip(self, conn))]
    pub async fn apply_payment_news(&self, conn: &mut PgConnection, news: &PaymentNews) -> anyhow::Result<FollowUp> {
        match news {
            PaymentNews::Captured(payment) => Ok(self.mark_paid(conn, payment).await?.1),
            PaymentNews::Failed(payment) => {
                self.mark_failed(conn, payment).await?;
                Ok(FollowUp::default())
            }
            PaymentNews::Authorized(payment) => {
                // Not captured unless it can pay its order; Razorpay gives an authorisation
                // nobody captures back to the customer.
                let Some(attempt) = attempt(conn, payment.razorpay_order_id.as_deref()).await? else {
                    self.payments.flag(conn, &payment.id, &no_order_of_ours(payment)).await?;
                    return Ok(FollowUp::default());
                };
                if let Some(reason) = attempt.mismatch(payment) {
                    self.payments.flag(conn, &payment.id, &reason).await?;
                    return Ok(FollowUp::default());
                }
                Ok(FollowUp { capture: Some(payment.clone()), refunds: Vec::new() })
            }
        }
    }

    /// The one way an order becomes paid. Checks the payment against the stored
    /// Razorpay order, amount and currency; commits the reservation; moves the order to
    /// `paid`; marks the coupon used; takes the bought lines out of the cart. Any number
    /// of calls, in any order, with verify and webhooks racing, give one `paid` move and
    /// one stock commit. A capture that comes after a failure or an expiry pays the
    /// order if its stock can be held again now, and is refunded otherwise.
    #[tracing::instrument(name = "orders.mark_paid", skip(self, conn, payment), fields(payment_id = %payment.id))]
    pub async fn mark_paid(
        &self,
        conn: &mut PgConnection,
        payment: &ProviderPayment,
    ) -> anyhow::Result<(PaidOutcome, FollowUp)> {
        let Some(attempt) = attempt(conn, payment.razorpay_order_id.as_deref()).await? else {
            let reason = no_order_of_ours(payment);
            tracing::warn!(payment_id = %payment.id, %reason, "a captured payment for no order of ours");
            self.payments.flag(conn, &payment.id, &reason).await?;
            return Ok((PaidOutcome::UnknownOrder, FollowUp::default()));
        };
        self.reserver.lock_owner(conn, attempt.order_id).await?;
        let order = store::lock(conn, attempt.order_id).await?.context("an order with a payment attempt vanished")?;
        if let Some(reason) = attempt.mismatch(payment) {
            tracing::warn!(payment_id = %payment.id, %reason, "payment amount does not match its order");
            self.payments.flag(conn, &payment.id, &reason).await?;
            return Ok((PaidOutcome::Mismatch, FollowUp::default()));
        }
        if order.razorpay_payment_id.as_deref() == Some(payment.id.as_str()) {
            return Ok((PaidOutcome::AlreadyPaid, FollowUp::default()));
        }
        if refund_exists(conn, &payment.id).await? {
            // Once a payment is owed back it never pays the order, whatever arrives after.
            return Ok((PaidOutcome::Refunding, FollowUp::default()));
        }
        let state = order.state()?;
        let late = match state.status {
            OrderStatus::PaymentPending => false,
            OrderStatus::PaymentFailed => true,
            OrderStatus::Cancelled if state.cancel_reason == Some(CancelReason::Expired) && !state.paid_online => true,
            _ => {
                let mut reason =
                    format!("order {} is {} and cannot take this payment", order.order_number, state.status);
                if let Some(paid_by) = &order.razorpay_payment_id {
                    reason.push_str(&format!(" (it was paid by {paid_by})"));
                }
                let refund = self.refund_unwanted(conn, &order, payment, &reason).await?;
                return Ok((PaidOutcome::Refunding, FollowUp::refund(refund)));
            }
        };
        if late {
            let held = self.hold_again(conn, &order, Utc::now() + self.reservation_ttl).await?;
            if let Err(crate::service::HoldAgain::StockChanged) = held {
                // The transaction is aborted: this news is applied again on the next
                // delivery or reconciliation pass.
                anyhow::bail!("the stock of order {} changed while it was held again", order.id);
            }
            if held.is_err() {
                coupons::set_use(conn, order.id, "released").await?;
                let reason = "the payment came after the order lapsed and its stock or coupon is gone";
                let refund = self.refund_unwanted(conn, &order, payment, reason).await?;
                return Ok((PaidOutcome::Refunding, FollowUp::refund(refund)));
            }
        }
        match self.reserver.commit(conn, order.id).await {
            Ok(Settlement::Done | Settlement::AlreadyCommitted) => {}
            Ok(other) => anyhow::bail!("order {} stock could not be committed: {other:?}", order.id),
            Err(error) => return Err(anyhow::anyhow!(error).context("committing an order's stock")),
        }
        let note = if late { "payment received late; stock held again" } else { "payment captured" };
        store::move_to(conn, &order, OrderStatus::Paid, Some(note)).await.map_err(|e| anyhow::anyhow!(e))?;
        sqlx::query(
            "UPDATE orders.orders SET payment_status = 'captured', razorpay_payment_id = $2, paid_at = now(),
                 reservation_expires_at = NULL, cancel_reason = NULL, updated_at = now()
             WHERE id = $1",
        )
        .bind(order.id)
        .bind(&payment.id)
        .execute(&mut *conn)
        .await
        .context("marking an order paid")?;
        coupons::set_use(conn, order.id, "used").await?;
        if order.from_cart {
            let products: Vec<Uuid> = store::lines(conn, order.id).await?.into_iter().map(|(id, _)| id).collect();
            cart::remove_ordered(conn, order.user_id, &products, order.coupon_code.as_deref()).await?;
        }
        crate::metrics::order_paid();
        Ok((PaidOutcome::Paid, FollowUp::default()))
    }

    /// Owes back a captured payment the order cannot take, and flags it: the customer was
    /// charged for nothing, and a person should see that the money went back.
    async fn refund_unwanted(
        &self,
        conn: &mut PgConnection,
        order: &LockedOrder,
        payment: &ProviderPayment,
        reason: &str,
    ) -> anyhow::Result<Option<Uuid>> {
        let refund = refund_due(conn, order, &payment.id, payment.amount, reason, Note::Add).await?;
        self.payments.flag(conn, &payment.id, &format!("refunded automatically: {reason}")).await?;
        Ok(refund)
    }

    /// A failed payment on the order's current attempt: the order is `payment_failed`
    /// and its stock and coupon go back. Failures of older attempts, or after payment,
    /// change nothing.
    #[tracing::instrument(name = "orders.mark_failed", skip(self, conn, payment), fields(payment_id = %payment.id))]
    async fn mark_failed(&self, conn: &mut PgConnection, payment: &ProviderPayment) -> anyhow::Result<()> {
        let Some(attempt) = attempt(conn, payment.razorpay_order_id.as_deref()).await? else { return Ok(()) };
        self.reserver.lock_owner(conn, attempt.order_id).await?;
        let Some(order) = store::lock(conn, attempt.order_id).await? else { return Ok(()) };
        let current = order.razorpay_order_id.is_some() && order.razorpay_order_id == payment.razorpay_order_id;
        if order.status()? != OrderStatus::PaymentPending || !current {
            return Ok(());
        }
        self.release_unpaid(conn, &order, "payment failed").await?;
        let note = match &payment.error {
            Some(error) => format!("payment failed: {error}"),
            None => "payment failed".to_owned(),
        };
        store::move_to(conn, &order, OrderStatus::PaymentFailed, Some(&note)).await.map_err(|e| anyhow::anyhow!(e))?;
        set_payment_status(conn, order.id, "failed").await
    }

    /// Does the gateway work a committed transaction decided. Failures are logged and
    /// left to reconciliation (refunds stay `due`; an authorised payment is captured
    /// when its order is reconciled).
    pub async fn follow_up(&self, follow_up: FollowUp) {
        if let Some(payment) = follow_up.capture
            && let Err(error) = self.capture_and_pay(&payment).await
        {
            tracing::warn!(error = %format!("{error:#}"), payment_id = %payment.id, "capturing a payment failed");
        }
        for refund in follow_up.refunds {
            if let Err(error) = self.send_refund(refund).await {
                tracing::warn!(error = %format!("{error:#}"), %refund, "sending a refund failed; it stays due");
            }
        }
    }

    /// Captures an authorised payment, then pays its order with the provider's answer.
    async fn capture_and_pay(&self, payment: &ProviderPayment) -> anyhow::Result<()> {
        let captured = match self.payments.capture(&payment.id, payment.amount, &payment.currency).await {
            Ok(captured) => captured,
            // Captured already (automatic capture, or another process): ask what it is now.
            Err(ProviderError::Refused(_)) => self.payments.payment(&payment.id).await?,
            Err(error) => return Err(error.into()),
        };
        if captured.status == ProviderPaymentStatus::Captured {
            self.pay_with(&captured).await?;
        }
        Ok(())
    }

    /// `mark_paid` in a transaction of its own, then its follow-up.
    async fn pay_with(&self, payment: &ProviderPayment) -> anyhow::Result<PaidOutcome> {
        let mut tx = self.pool.begin().await.context("starting a payment")?;
        let (outcome, follow_up) = self.mark_paid(&mut tx, payment).await?;
        tx.commit().await.context("committing a payment")?;
        Box::pin(self.follow_up(follow_up)).await;
        Ok(outcome)
    }

    /// `POST /orders/{id}/payment/verify`: the checkout handler's signature, checked with
    /// the API key secret, for a Razorpay order of this order; then the payment as the
    /// gateway reports it goes through `mark_paid`. Nothing changes on a bad signature.
    #[tracing::instrument(name = "orders.verify_payment", skip(self, signature))]
    pub async fn verify_payment(
        &self,
        user: Uuid,
        order_id: Uuid,
        razorpay_order_id: &str,
        payment_id: &str,
        signature: &str,
    ) -> Result<Order, VerifyError> {
        if !self.payments.verify_checkout(razorpay_order_id, payment_id, signature) {
            return Err(VerifyError::SignatureInvalid);
        }
        self.get_for(user, order_id).await?.ok_or(VerifyError::NotFound)?;
        let mut conn = self.pool.acquire().await.context("verifying a payment")?;
        let belongs = attempt(&mut conn, Some(razorpay_order_id)).await?.is_some_and(|a| a.order_id == order_id);
        drop(conn);
        if !belongs {
            return Err(VerifyError::SignatureInvalid);
        }
        let payment = match self.payments.payment(payment_id).await {
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
                if let Err(error) = self.capture_and_pay(&payment).await {
                    return Err(VerifyError::GatewayUnavailable(error));
                }
            }
            ProviderPaymentStatus::Created | ProviderPaymentStatus::Failed | ProviderPaymentStatus::Refunded => {}
        }
        Ok(self.load(order_id).await?)
    }

    /// Sends a due refund to the gateway (once: a refund being sent is leased for the
    /// retry pause). Before a second try it asks the gateway whether the first one went
    /// through after all (its answer may have been lost), so a refund is never sent
    /// twice. On success the order records the refunded amount and, if it was a
    /// cancelled paid order, becomes `refunded`.
    #[tracing::instrument(name = "orders.send_refund", skip(self))]
    pub async fn send_refund(&self, refund: Uuid) -> anyhow::Result<()> {
        let claimed: Option<(Uuid, String, i64, String, i32)> = sqlx::query_as(
            "UPDATE orders.refunds r SET attempts = attempts + 1, updated_at = now()
             FROM orders.orders o
             WHERE r.id = $1 AND r.status = 'due' AND o.id = r.order_id
               AND (r.attempts = 0 OR r.updated_at < now() - make_interval(secs => $2))
             RETURNING r.order_id, r.razorpay_payment_id, r.amount_paise, o.order_number, r.attempts",
        )
        .bind(refund)
        .bind(self.refund_retry_after.as_secs_f64())
        .fetch_optional(&self.pool)
        .await
        .context("claiming a refund")?;
        let Some((order_id, payment_id, amount, receipt, attempts)) = claimed else { return Ok(()) };
        let amount = Money::from_paise(amount);
        if attempts > 1 {
            match self.payments.payment(&payment_id).await {
                Ok(payment) if payment.refunded >= amount => {
                    tracing::info!(%refund, %payment_id, "an earlier try of this refund went through");
                    return self.refund_sent(refund, order_id, &payment_id, amount, None).await;
                }
                Ok(_) => {}
                Err(error) => return self.refund_not_sent(refund, anyhow::Error::new(error)).await,
            }
        }
        match self.payments.refund(&payment_id, amount, &receipt).await {
            Ok(refund_id) => self.refund_sent(refund, order_id, &payment_id, amount, Some(&refund_id)).await,
            Err(ProviderError::Refused(reason)) => self.refund_refused(refund, &payment_id, amount, &reason).await,
            Err(ProviderError::Unavailable(cause)) => self.refund_not_sent(refund, cause).await,
        }
    }

    /// The gateway said no: trying again would get the same answer, so the refund is
    /// `failed` and its payment flagged, together, for a person to settle.
    async fn refund_refused(&self, refund: Uuid, payment_id: &str, amount: Money, reason: &str) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("recording a refused refund")?;
        sqlx::query("UPDATE orders.refunds SET status = 'failed', last_error = $2, updated_at = now() WHERE id = $1")
            .bind(refund)
            .bind(reason)
            .execute(&mut *tx)
            .await
            .context("recording a refused refund")?;
        let flag = format!("Razorpay refused a refund of {} paise: {reason}", amount.paise());
        self.payments.flag(&mut tx, payment_id, &flag).await?;
        tx.commit().await.context("recording a refused refund")?;
        tracing::error!(%refund, %payment_id, %reason, "the gateway refused a refund; an admin must look at it");
        Ok(())
    }

    /// The refund stays due; reconciliation tries again after the retry pause.
    async fn refund_not_sent(&self, refund: Uuid, cause: anyhow::Error) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.refunds SET last_error = $2 WHERE id = $1")
            .bind(refund)
            .bind(format!("{cause:#}"))
            .execute(&self.pool)
            .await
            .context("recording a refund failure")?;
        Err(cause.context("the gateway is unavailable for a refund"))
    }

    async fn refund_sent(
        &self,
        refund: Uuid,
        order_id: Uuid,
        payment_id: &str,
        amount: Money,
        refund_id: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("recording a refund")?;
        // The owner's lock first, as everywhere (mark_paid may be writing a refund row).
        self.reserver.lock_owner(&mut tx, order_id).await?;
        sqlx::query(
            "UPDATE orders.refunds SET status = 'sent', razorpay_refund_id = $2, updated_at = now() WHERE id = $1",
        )
        .bind(refund)
        .bind(refund_id)
        .execute(&mut *tx)
        .await
        .context("recording a refund")?;
        let order = store::lock(&mut tx, order_id).await?.context("a refunded order vanished")?;
        // A refund of another payment (a second one, owed back) is money the order never
        // counted as paid, so it is not the order's refund either: only the history says it.
        let own_payment = order.razorpay_payment_id.as_deref().is_none_or(|id| id == payment_id);
        sqlx::query(
            "UPDATE orders.orders SET updated_at = now(),
                 refunded_paise = refunded_paise + CASE WHEN $3 THEN $2 ELSE 0 END,
                 payment_status = CASE WHEN $3 THEN 'refunded' ELSE payment_status END,
                 razorpay_payment_id = CASE WHEN $3 THEN $4 ELSE razorpay_payment_id END
             WHERE id = $1",
        )
        .bind(order_id)
        .bind(amount.paise())
        .bind(own_payment)
        .bind(payment_id)
        .execute(&mut *tx)
        .await
        .context("recording a refund on its order")?;
        let note = format!("refunded {} paise of payment {payment_id}", amount.paise());
        if order.status()? == OrderStatus::Cancelled && order.state()?.paid_online && own_payment {
            store::move_to(&mut tx, &order, OrderStatus::Refunded, Some(&note))
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
        } else {
            store::add_history(&mut tx, order_id, order.status()?, Some(&note)).await?;
        }
        tx.commit().await.context("recording a refund")?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Note {
    Add,
    Skip,
}

async fn refund_exists(conn: &mut PgConnection, payment_id: &str) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders.refunds WHERE razorpay_payment_id = $1)")
        .bind(payment_id)
        .fetch_one(conn)
        .await
        .context("looking for a refund")
}

/// Writes a refund the store owes for `payment_id` (once per payment). A payment the
/// order could not take also gets a history note (`Note::Add`); a cancellation writes
/// its own. Returns its id when this call wrote it.
pub(crate) async fn refund_due(
    conn: &mut PgConnection,
    order: &LockedOrder,
    payment_id: &str,
    amount: Money,
    reason: &str,
    note: Note,
) -> anyhow::Result<Option<Uuid>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO orders.refunds (id, order_id, razorpay_payment_id, amount_paise, reason, status)
         VALUES ($1, $2, $3, $4, $5, 'due')
         ON CONFLICT (razorpay_payment_id) DO NOTHING RETURNING id",
    )
    .bind(Uuid::now_v7())
    .bind(order.id)
    .bind(payment_id)
    .bind(amount.paise())
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await
    .context("writing a refund due")?;
    if id.is_some() && note == Note::Add {
        let note = format!("refund of payment {payment_id} due: {reason}");
        store::add_history(conn, order.id, order.status()?, Some(&note)).await?;
    }
    Ok(id)
}
