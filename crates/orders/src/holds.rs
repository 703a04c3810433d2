//! What an unpaid order holds, its stock and its coupon use, given back or held again
//! together.

use chrono::{DateTime, Utc};
use kernel::Quantity;
use uuid::Uuid;

use crate::coupons::{self, CouponRejection, CouponUseStatus};
use crate::deps::Deps;
use crate::ports::{HoldError, OrderRecords, OrderStock, PaymentProvider, ProductCatalog, Shortage, StockLine, Tx};
use crate::stores::{CouponStore as _, LockedOrder, OrderStore as _, Stores};

/// What is missing when an order's stock and coupon cannot be held again.
pub(crate) enum HoldAgain {
    OutOfStock(Vec<Shortage>),
    Coupon(CouponRejection),
    /// See [`HoldError::StockChanged`]: the transaction is aborted.
    StockChanged,
}

/// An order's holds.
pub(crate) struct Holds<'a, C, P, K, S, L> {
    pub(crate) deps: &'a Deps<C, P, K, S, L>,
}

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> Holds<'_, C, P, K, S, L> {
    /// Holds an order's stock (and coupon use, if it has one) again after they were
    /// released. The outer error is a failure; the inner one says what is missing.
    pub(crate) async fn hold_again(
        &self,
        tx: &mut Tx,
        order: &LockedOrder,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<Result<(), HoldAgain>> {
        let deps = self.deps;
        if let Some(coupon_id) = order.coupon_id
            && !coupons::hold_again(&deps.stores, tx, coupon_id, order.id, order.user_id).await?
        {
            return Ok(Err(HoldAgain::Coupon(CouponRejection::UsageExhausted)));
        }
        let lines = deps
            .stores
            .orders()
            .lines(tx, order.id)
            .await?
            .into_iter()
            .map(|(product_id, quantity)| stock_line(product_id, quantity))
            .collect::<anyhow::Result<Vec<_>>>()?;
        match deps.stock.hold(tx, order.id, &lines, expires_at).await {
            Ok(()) => Ok(Ok(())),
            Err(HoldError::OutOfStock { shortages }) => Ok(Err(HoldAgain::OutOfStock(shortages))),
            Err(HoldError::AlreadyHeld) => Ok(Ok(())),
            Err(HoldError::StockChanged) => Ok(Err(HoldAgain::StockChanged)),
            Err(HoldError::Unexpected(cause)) => Err(cause),
        }
    }

    /// Gives back what an unpaid order holds: its stock and its coupon use.
    pub(crate) async fn release_unpaid(&self, tx: &mut Tx, order: &LockedOrder, reason: &str) -> anyhow::Result<()> {
        self.deps.stock.release(tx, order.id, reason).await?;
        self.deps.stores.coupons().set_use(tx, order.id, CouponUseStatus::Released).await
    }
}

/// An order line as stock to hold.
pub(crate) fn stock_line(product_id: Uuid, quantity: i64) -> anyhow::Result<StockLine> {
    let quantity =
        Quantity::new(quantity, "quantity").map_err(|e| anyhow::anyhow!("an order line holds {quantity}: {e}"))?;
    Ok(StockLine { product_id, quantity })
}
