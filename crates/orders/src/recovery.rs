//! Recovering an order whose checkout died after its transaction committed and before
//! its Razorpay order existed (the process was killed while the gateway was slow): the
//! order waits for a payment nobody can make. The idempotent replay of the checkout, a
//! payment retry and the reconciliation job each open the missing Razorpay order, so the
//! customer can pay at once.
//!
//! Once, however they race: a Razorpay order is only ever created by whoever holds the
//! order's `payment_opening_until` lease. Checkout and a retry write it with the order;
//! a recoverer claims it with one `UPDATE` (under the reservation owner's lock) and calls
//! the gateway with no transaction open; attaching the Razorpay order ends the lease.
//! The others wait for that, or skip the order (the reconciliation job). A claimer that
//! died is taken over when its lease runs out: the lease outlasts the gateway client's
//! slowest call, so a live claimer always attaches first.
//!
//! The hold: the claim moves the reservation's deadline to a full reservation TTL from
//! now (never earlier), so the customer gets the payment window checkout promises,
//! counted from the moment the order became payable, and the expiry job cannot cancel the
//! order while its payment is being opened. Stock already released is never held again
//! here (that is a retry's job, with its stock check).

use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::Utc;
use inventory::reservations::StockReserver;
use kernel::Money;
use uuid::Uuid;

use crate::model::{Order, PaymentMethod};
use crate::ports::{PaymentProvider, ProductCatalog};
use crate::service::{OpenPaymentError, Orders};
use crate::status::OrderStatus;

/// How often a recoverer looks again while another one opens the payment.
const LOOK_AGAIN_AFTER: Duration = Duration::from_millis(100);

/// Whether to wait while someone else opens the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhileOpenedElsewhere {
    /// A customer's request: answer with the payment once it exists.
    Wait,
    /// A background job: the order is looked at again on a later pass.
    Skip,
}

/// What a claim found.
enum Claim {
    /// This caller holds the lease now and must open the payment.
    Claimed { receipt: String, amount: Money },
    /// Another request or process holds the lease.
    OpenedElsewhere,
    /// Nothing to open: the order has its Razorpay order, or no longer waits for payment.
    NothingMissing,
}

/// An online order waiting for payment without a Razorpay order to pay.
pub(crate) fn payment_missing(order: &Order) -> bool {
    order.status == OrderStatus::PaymentPending
        && order.payment.method == PaymentMethod::Razorpay
        && order.payment.razorpay_order_id.is_none()
}

impl<C: ProductCatalog, P: PaymentProvider, R: StockReserver> Orders<C, P, R> {
    /// Opens the missing Razorpay order of an order waiting for payment, unless someone
    /// else is (then waits for them, or skips). Does nothing when nothing is missing. A
    /// gateway failure fails the order and releases its stock, as at checkout. Errors:
    /// `Unavailable`, `Unexpected`.
    #[tracing::instrument(name = "orders.open_missing_payment", skip(self))]
    pub(crate) async fn open_missing_payment(
        &self,
        order_id: Uuid,
        others: WhileOpenedElsewhere,
    ) -> Result<(), OpenPaymentError> {
        // Long enough for a dead holder's lease to run out and a live one to finish.
        let give_up_at = Instant::now() + 2 * self.payment_opening_lease + LOOK_AGAIN_AFTER;
        loop {
            match self.claim_payment_opening(order_id).await? {
                Claim::Claimed { receipt, amount } => {
                    tracing::info!(%order_id, "opening the Razorpay order its checkout never made");
                    self.open_payment(order_id, &receipt, amount).await?;
                    return Ok(());
                }
                Claim::NothingMissing => return Ok(()),
                Claim::OpenedElsewhere if others == WhileOpenedElsewhere::Skip || Instant::now() >= give_up_at => {
                    return Ok(());
                }
                Claim::OpenedElsewhere => tokio::time::sleep(LOOK_AGAIN_AFTER).await,
            }
        }
    }

    /// Takes the order's lease if its payment is missing and nobody holds the lease, and
    /// extends its hold, in one short transaction.
    async fn claim_payment_opening(&self, order_id: Uuid) -> anyhow::Result<Claim> {
        let mut tx = self.pool.begin().await.context("claiming an order's payment opening")?;
        // The expiry job releases and cancels under this lock: it cannot do so halfway
        // through the claim, and finds the hold extended afterwards.
        self.reserver.lock_owner(&mut tx, order_id).await?;
        let hold_until = Utc::now() + self.reservation_ttl;
        let claimed: Option<(String, i64)> = sqlx::query_as(
            "UPDATE orders.orders
             SET payment_opening_until = now() + make_interval(secs => $2),
                 reservation_expires_at = greatest(reservation_expires_at, $3), updated_at = now()
             WHERE id = $1 AND status = 'payment_pending' AND payment_method = 'razorpay'
               AND razorpay_order_id IS NULL
               AND (payment_opening_until IS NULL OR payment_opening_until <= now())
             RETURNING order_number, total_paise",
        )
        .bind(order_id)
        .bind(self.payment_opening_lease.as_secs_f64())
        .bind(hold_until)
        .fetch_optional(&mut *tx)
        .await
        .context("claiming an order's payment opening")?;
        let Some((receipt, total)) = claimed else {
            let opened_elsewhere: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM orders.orders
                     WHERE id = $1 AND status = 'payment_pending' AND razorpay_order_id IS NULL
                       AND payment_opening_until > now())",
            )
            .bind(order_id)
            .fetch_one(&mut *tx)
            .await
            .context("reading an order's payment opening")?;
            return Ok(if opened_elsewhere { Claim::OpenedElsewhere } else { Claim::NothingMissing });
        };
        if !self.reserver.extend(&mut tx, order_id, hold_until).await? {
            // Unreachable while releases and the order's status change together; an
            // order without stock must not become payable.
            tracing::warn!(%order_id, "an order waiting for payment holds no stock; its payment is not opened");
            return Ok(Claim::NothingMissing);
        }
        tx.commit().await.context("claiming an order's payment opening")?;
        Ok(Claim::Claimed { receipt, amount: Money::from_paise(total) })
    }
}
