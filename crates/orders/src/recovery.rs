//! Opening an order's Razorpay order (`PaymentOpening::open_payment`, once checkout or
//! a retry has committed), and recovering an order whose checkout died after its
//! transaction committed and before its Razorpay order existed (the process was killed
//! while the gateway was slow): the order waits for a payment nobody can make. The
//! idempotent replay of the checkout, a payment retry and the reconciliation job each open
//! the missing Razorpay order, so the customer can pay at once.
//!
//! Once, however they race: a Razorpay order is only ever created by whoever holds the
//! order's `payment_opening_until` lease. Checkout and a retry write it with the order;
//! a recoverer claims it with one `UPDATE` (under the order's stock lock) and calls
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
use kernel::Money;
use uuid::Uuid;

use crate::checkout::CURRENCY;
use crate::deps::Deps;
use crate::model::{Order, PaymentMethod, PaymentRequest, PaymentStatus};
use crate::ports::{OrderRecords, OrderStock, PaymentProvider, ProductCatalog};
use crate::status::OrderStatus;
use crate::stores::{OrderStore as _, PaymentAttemptStore as _, Stores};

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

pub(crate) enum OpenPaymentError {
    /// The gateway could not be reached: the order is `payment_failed` now, its stock
    /// and coupon released.
    Unavailable(Box<Order>),
    Unexpected(anyhow::Error),
}

impl From<anyhow::Error> for OpenPaymentError {
    fn from(cause: anyhow::Error) -> Self {
        OpenPaymentError::Unexpected(cause)
    }
}

/// An online order waiting for payment without a Razorpay order to pay.
pub(crate) fn payment_missing(order: &Order) -> bool {
    order.status == OrderStatus::PaymentPending
        && order.payment.method == PaymentMethod::Razorpay
        && order.payment.razorpay_order_id.is_none()
}

/// Making an order payable: its Razorpay order, opened once.
pub(crate) struct PaymentOpening<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords>
    PaymentOpening<'_, C, P, K, S, L>
{
    /// Creates the Razorpay order for an order that is waiting for payment. If the gateway
    /// cannot be reached, the order's stock and coupon are released at once and the order
    /// is `payment_failed`: stock is never held by an order nobody can pay.
    pub(crate) async fn open_payment(
        &self,
        order_id: Uuid,
        receipt: &str,
        amount: Money,
    ) -> Result<Option<PaymentRequest>, OpenPaymentError> {
        let deps = self.deps;
        match deps.provider.create_order(amount, CURRENCY, receipt).await {
            Ok(razorpay_order_id) => {
                // One statement, so atomic without a transaction of its own. The order is
                // pointed at the attempt only while it still waits for this payment (the
                // customer may have cancelled meanwhile); the attempt is kept either way,
                // so that a payment on it is recognised, and refunded.
                let attached = deps.stores.attempts().record(&razorpay_order_id, order_id, amount, CURRENCY).await?;
                if !attached {
                    return Ok(None);
                }
                Ok(Some(PaymentRequest {
                    key_id: deps.provider.key_id().to_owned(),
                    razorpay_order_id,
                    amount,
                    currency: CURRENCY.to_owned(),
                }))
            }
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), %order_id, "the payment gateway failed at checkout");
                let mut tx = deps.stores.begin().await.context("failing an order")?;
                deps.stock.lock_order(&mut tx, order_id).await?;
                if let Some(order) = deps.stores.orders().lock(&mut tx, order_id).await?
                    && order.status == OrderStatus::PaymentPending
                {
                    deps.holds().release_unpaid(&mut tx, &order, "payment gateway unavailable").await?;
                    deps.move_order(
                        &mut tx,
                        &order,
                        OrderStatus::PaymentFailed,
                        Some("the payment gateway could not be reached"),
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?;
                    deps.stores.orders().set_payment_status(&mut tx, order_id, PaymentStatus::Failed).await?;
                }
                tx.commit().await.context("failing an order")?;
                Err(OpenPaymentError::Unavailable(Box::new(deps.load(order_id).await?)))
            }
        }
    }

    /// What the storefront needs to pay an order waiting for payment.
    pub(crate) fn payment_request(&self, order: &Order) -> Option<PaymentRequest> {
        match (&order.payment.razorpay_order_id, order.status) {
            (Some(razorpay_order_id), OrderStatus::PaymentPending) => Some(PaymentRequest {
                key_id: self.deps.provider.key_id().to_owned(),
                razorpay_order_id: razorpay_order_id.clone(),
                amount: order.total,
                currency: order.currency.clone(),
            }),
            _ => None,
        }
    }

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
        let give_up_at = Instant::now() + 2 * self.deps.payment_opening_lease + LOOK_AGAIN_AFTER;
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
        let deps = self.deps;
        let mut tx = deps.stores.begin().await.context("claiming an order's payment opening")?;
        // The expiry job releases and cancels under this lock: it cannot do so halfway
        // through the claim, and finds the hold extended afterwards.
        deps.stock.lock_order(&mut tx, order_id).await?;
        let hold_until = Utc::now() + deps.reservation_ttl;
        let claimed = deps
            .stores
            .orders()
            .claim_payment_opening(&mut tx, order_id, deps.payment_opening_lease, hold_until)
            .await?;
        let Some((receipt, amount)) = claimed else {
            let opened_elsewhere = deps.stores.orders().payment_opened_elsewhere(&mut tx, order_id).await?;
            return Ok(if opened_elsewhere { Claim::OpenedElsewhere } else { Claim::NothingMissing });
        };
        if !deps.stock.extend_hold(&mut tx, order_id, hold_until).await? {
            // Unreachable while releases and the order's status change together; an
            // order without stock must not become payable.
            tracing::warn!(%order_id, "an order waiting for payment holds no stock; its payment is not opened");
            return Ok(Claim::NothingMissing);
        }
        tx.commit().await.context("claiming an order's payment opening")?;
        Ok(Claim::Claimed { receipt, amount })
    }
}
