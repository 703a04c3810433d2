//! [`PaymentAttemptStore`] on `orders.payment_attempts`.

use anyhow::Context as _;
use kernel::Money;
use uuid::Uuid;

use super::{Pool, Tx};
use crate::stores::{Attempt, PaymentAttemptStore};

#[derive(Debug, Clone)]
pub struct PgPaymentAttempts {
    pool: Pool,
}

impl PgPaymentAttempts {
    pub fn new(pool: Pool) -> Self {
        PgPaymentAttempts { pool }
    }
}

impl PaymentAttemptStore for PgPaymentAttempts {
    async fn find(&self, conn: &mut Tx, razorpay_order_id: &str) -> anyhow::Result<Option<Attempt>> {
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
            razorpay_order_id: razorpay_order_id.to_owned(),
            order_id,
            order_number,
            amount: Money::from_paise(amount),
            currency,
        }))
    }

    async fn record(
        &self,
        razorpay_order_id: &str,
        order_id: Uuid,
        amount: Money,
        currency: &str,
    ) -> anyhow::Result<bool> {
        sqlx::query_scalar(
            "WITH attempt AS (
                 INSERT INTO orders.payment_attempts (razorpay_order_id, order_id, amount_paise, currency)
                 VALUES ($1, $2, $3, $4)
             ),
             attached AS (
                 UPDATE orders.orders SET razorpay_order_id = $1, payment_opening_until = NULL,
                     updated_at = now()
                 WHERE id = $2 AND status = 'payment_pending' AND razorpay_order_id IS NULL
                 RETURNING id
             )
             SELECT EXISTS (SELECT 1 FROM attached)",
        )
        .bind(razorpay_order_id)
        .bind(order_id)
        .bind(amount.paise())
        .bind(currency)
        .fetch_one(&self.pool)
        .await
        .context("recording a payment attempt")
    }

    async fn of_order(&self, order_id: Uuid) -> anyhow::Result<Vec<String>> {
        sqlx::query_scalar(
            "SELECT razorpay_order_id FROM orders.payment_attempts WHERE order_id = $1 ORDER BY created_at",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await
        .context("reading an order's payment attempts")
    }
}
