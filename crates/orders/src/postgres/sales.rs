//! Orders as the sales figures see them ([`SalesFacts`]): one statement for any number of
//! orders, so the live path (one order, inside a payment's transaction) costs one round
//! trip and a rebuild (thousands a page) the same.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::Money;
use sqlx::types::Json;
use uuid::Uuid;

use super::{Tx, order_status};
use crate::ports::SalesFacts;

type FactsRow = (
    Uuid,
    Uuid,
    DateTime<Utc>,
    String,
    i64,
    Json<Vec<(Uuid, i64, i64)>>,
    Json<Vec<(i64, DateTime<Utc>)>>,
    Json<Vec<(Uuid, i64, DateTime<Utc>)>>,
);

/// These orders (unknown ids left out), in id order. A refund counts when processed and
/// of the order's own payment (a refund of a second, unwanted payment is not the
/// order's): the rule the refund's settling counts by.
pub(super) async fn sales_facts(conn: &mut Tx, ids: &[Uuid]) -> anyhow::Result<Vec<SalesFacts>> {
    let rows: Vec<FactsRow> = sqlx::query_as(
        "SELECT o.id, o.user_id, o.created_at, o.status, o.total_paise,
                coalesce((SELECT json_agg(json_build_array(i.product_id, i.quantity, i.line_total_paise)
                                          ORDER BY i.line_no)
                            FROM orders.order_items i WHERE i.order_id = o.id), '[]'),
                coalesce((SELECT json_agg(json_build_array(r.amount_paise, r.processed_at)
                                          ORDER BY r.processed_at, r.id)
                            FROM orders.refunds r
                           WHERE r.order_id = o.id AND r.status = 'processed' AND r.processed_at IS NOT NULL
                             AND (o.razorpay_payment_id IS NULL OR o.razorpay_payment_id = r.razorpay_payment_id)),
                         '[]'),
                coalesce((SELECT json_agg(json_build_array(ri.product_id, ri.quantity, rt.created_at)
                                          ORDER BY rt.created_at, rt.id, ri.product_id)
                            FROM orders.returns rt JOIN orders.return_items ri ON ri.return_id = rt.id
                           WHERE rt.order_id = o.id), '[]')
           FROM orders.orders o WHERE o.id = ANY($1) ORDER BY o.id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders for the sales figures")?;
    rows.into_iter()
        .map(|(order_id, user_id, placed_at, status, total, lines, refunds, returns)| {
            Ok(SalesFacts {
                order_id,
                user_id,
                placed_at,
                status: order_status(&status)?,
                total: Money::from_paise(total),
                lines: lines
                    .0
                    .into_iter()
                    .map(|(product, units, total)| (product, units, Money::from_paise(total)))
                    .collect(),
                refunds: refunds.0.into_iter().map(|(amount, at)| (Money::from_paise(amount), at)).collect(),
                returns: returns.0,
            })
        })
        .collect()
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
