//! The orders domain's PostgreSQL adapters: one store per concept over the `orders`
//! schema ([`PgStores`] bundles them), and the one place where statuses meet the values
//! their columns hold.
//!
//! Work that spans domains shares the caller's transaction, so the handle every port
//! takes is PostgreSQL's connection; the rest of the crate names it only through the
//! aliases below ([`Tx`], [`Transaction`], [`Connection`]).
//!
//! Statuses are written through the mappings at the end of this module. A few filters
//! spell a status in their SQL instead of binding it, where a partial index names that
//! value (`coupon_uses_live`, `refunds_due`, `orders_to_reconcile`,
//! `orders_pending_by_user`): a bound value would
//! let a generic plan miss the index.

mod attempts;
pub mod bulk;
mod carts;
mod coupons;
mod invoices;
mod orders;
mod refunds;
mod returns;
mod sales;
mod search;

use anyhow::Context as _;

pub use attempts::PgPaymentAttempts;
pub use carts::PgCarts;
pub use coupons::PgCoupons;
pub use orders::PgOrderStore;
pub use refunds::PgRefunds;
pub use returns::PgReturns;
pub use search::PgOrderSearch;

use crate::coupons::CouponUseStatus;
use crate::model::{PaymentMethod, PaymentStatus};
use crate::refunds::RefundStatus;
use crate::status::{CancelReason, OrderStatus};
use crate::stores::Stores;

/// A connection to run statements on: the caller's open transaction, or a connection of
/// its own.
pub type Tx = sqlx::PgConnection;
/// An open transaction; commits with `commit()`, rolls back when dropped.
pub type Transaction = sqlx::Transaction<'static, sqlx::Postgres>;
/// A connection taken from the pool.
pub type Connection = sqlx::pool::PoolConnection<sqlx::Postgres>;
/// The connection pool the stores share.
pub type Pool = sqlx::PgPool;

kernel::domain_schema!("orders", "../../migrations/orders");

/// Every store of the domain over one pool.
#[derive(Debug, Clone)]
pub struct PgStores {
    pool: Pool,
    orders: PgOrderStore,
    attempts: PgPaymentAttempts,
    refunds: PgRefunds,
    returns: PgReturns,
    coupons: PgCoupons,
    carts: PgCarts,
    search: PgOrderSearch,
}

impl PgStores {
    pub fn new(pool: Pool) -> Self {
        PgStores {
            orders: PgOrderStore::new(pool.clone()),
            attempts: PgPaymentAttempts::new(pool.clone()),
            refunds: PgRefunds::new(pool.clone()),
            returns: PgReturns,
            coupons: PgCoupons::new(pool.clone()),
            carts: PgCarts::new(pool.clone()),
            search: PgOrderSearch::new(pool.clone()),
            pool,
        }
    }
}

impl Stores for PgStores {
    type Orders = PgOrderStore;
    type Attempts = PgPaymentAttempts;
    type Refunds = PgRefunds;
    type Returns = PgReturns;
    type Coupons = PgCoupons;
    type Carts = PgCarts;
    type Search = PgOrderSearch;

    fn orders(&self) -> &PgOrderStore {
        &self.orders
    }

    fn attempts(&self) -> &PgPaymentAttempts {
        &self.attempts
    }

    fn refunds(&self) -> &PgRefunds {
        &self.refunds
    }

    fn returns(&self) -> &PgReturns {
        &self.returns
    }

    fn coupons(&self) -> &PgCoupons {
        &self.coupons
    }

    fn carts(&self) -> &PgCarts {
        &self.carts
    }

    fn search(&self) -> &PgOrderSearch {
        &self.search
    }

    async fn begin(&self) -> anyhow::Result<Transaction> {
        Ok(self.pool.begin().await?)
    }

    async fn connect(&self) -> anyhow::Result<Connection> {
        Ok(self.pool.acquire().await?)
    }
}

fn order_status(raw: &str) -> anyhow::Result<OrderStatus> {
    OrderStatus::parse(raw).with_context(|| format!("a stored order has the unknown status {raw}"))
}

fn cancel_reason(raw: Option<&str>) -> Option<CancelReason> {
    raw.and_then(CancelReason::parse)
}

fn payment_method_value(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Razorpay => "razorpay",
        PaymentMethod::Cod => "cod",
    }
}

fn payment_method(raw: &str) -> PaymentMethod {
    if raw == "cod" { PaymentMethod::Cod } else { PaymentMethod::Razorpay }
}

const PAYMENT_STATUSES: [PaymentStatus; 5] = [
    PaymentStatus::Pending,
    PaymentStatus::Captured,
    PaymentStatus::Failed,
    PaymentStatus::Refunded,
    PaymentStatus::Cod,
];

fn payment_status_value(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Pending => "pending",
        PaymentStatus::Captured => "captured",
        PaymentStatus::Failed => "failed",
        PaymentStatus::Refunded => "refunded",
        PaymentStatus::Cod => "cod",
    }
}

fn payment_status(raw: &str) -> anyhow::Result<PaymentStatus> {
    PAYMENT_STATUSES
        .into_iter()
        .find(|status| payment_status_value(*status) == raw)
        .with_context(|| format!("a stored order has the unknown payment status {raw}"))
}

fn coupon_use_status_value(status: CouponUseStatus) -> &'static str {
    match status {
        CouponUseStatus::Held => "held",
        CouponUseStatus::Used => "used",
        CouponUseStatus::Released => "released",
    }
}

fn refund_status_value(status: RefundStatus) -> &'static str {
    status.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_statuses_read_back_from_their_column_values() {
        for status in PAYMENT_STATUSES {
            assert_eq!(payment_status(payment_status_value(status)).unwrap(), status);
        }
        assert!(payment_status("lost").is_err());
    }

    #[test]
    fn payment_methods_read_back_from_their_column_values() {
        for method in [PaymentMethod::Razorpay, PaymentMethod::Cod] {
            assert_eq!(payment_method(payment_method_value(method)), method);
        }
    }
}
