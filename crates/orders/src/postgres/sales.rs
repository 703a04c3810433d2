//! Orders as the sales figures see them ([`SalesFacts`]): three statements for any number
//! of orders, so the live path (one order) and a rebuild (thousands a page) share them.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::Money;
use uuid::Uuid;

use super::{Tx, order_status};
use crate::ports::SalesFacts;

/// These orders (unknown ids left out), in id order.
pub(super) async fn sales_facts(conn: &mut Tx, ids: &[Uuid]) -> anyhow::Result<Vec<SalesFacts>> {
    let orders: Vec<(Uuid, Uuid, DateTime<Utc>, String, i64)> = sqlx::query_as(
        "SELECT id, user_id, created_at, status, total_paise FROM orders.orders WHERE id = ANY($1) ORDER BY id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders for the sales figures")?;
    let mut facts = BTreeMap::new();
    for (order_id, user_id, placed_at, status, total) in orders {
        let status = order_status(&status)?;
        let total = Money::from_paise(total);
        let order = SalesFacts {
            order_id,
            user_id,
            placed_at,
            status,
            total,
            lines: Vec::new(),
            refunds: Vec::new(),
            returns: Vec::new(),
        };
        facts.insert(order_id, order);
    }
    let lines: Vec<(Uuid, Uuid, i64, i64)> = sqlx::query_as(
        "SELECT order_id, product_id, quantity, line_total_paise FROM orders.order_items
          WHERE order_id = ANY($1) ORDER BY order_id, line_no",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders' lines for the sales figures")?;
    for (order_id, product, quantity, line_total) in lines {
        if let Some(order) = facts.get_mut(&order_id) {
            order.lines.push((product, quantity, Money::from_paise(line_total)));
        }
    }
    // A refund of another payment than the order's (a second one, owed back) is not the
    // order's: the same rule the refund's settling counts by.
    let refunds: Vec<(Uuid, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT r.order_id, r.amount_paise, r.processed_at FROM orders.refunds r
           JOIN orders.orders o ON o.id = r.order_id
          WHERE r.order_id = ANY($1) AND r.status = 'processed' AND r.processed_at IS NOT NULL
            AND (o.razorpay_payment_id IS NULL OR o.razorpay_payment_id = r.razorpay_payment_id)
          ORDER BY r.order_id, r.processed_at, r.id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders' refunds for the sales figures")?;
    for (order_id, amount, at) in refunds {
        if let Some(order) = facts.get_mut(&order_id) {
            order.refunds.push((Money::from_paise(amount), at));
        }
    }
    let returns: Vec<(Uuid, Uuid, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT r.order_id, i.product_id, i.quantity, r.created_at FROM orders.returns r
           JOIN orders.return_items i ON i.return_id = r.id
          WHERE r.order_id = ANY($1) ORDER BY r.order_id, r.created_at, r.id, i.product_id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders' returns for the sales figures")?;
    for (order_id, product, quantity, at) in returns {
        if let Some(order) = facts.get_mut(&order_id) {
            order.returns.push((product, quantity, at));
        }
    }
    Ok(facts.into_values().collect())
}

/// Up to `limit` order ids after `after`, in id order.
pub(super) async fn order_ids_after(conn: &mut Tx, after: Option<Uuid>, limit: i64) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM orders.orders WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await
        .context("listing orders for the sales figures")
}
