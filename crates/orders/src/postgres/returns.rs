//! [`ReturnStore`] on `orders.returns` and `orders.return_items`.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;
use crate::model::{ReturnRecord, ReturnedUnits};
use crate::stores::ReturnStore;

#[derive(Debug, Clone, Copy, Default)]
pub struct PgReturns;

type ReturnRow = (Uuid, Uuid, bool, String, Option<Uuid>, Uuid, DateTime<Utc>);

impl ReturnStore for PgReturns {
    async fn insert(&self, tx: &mut Tx, record: &ReturnRecord) -> anyhow::Result<()> {
        let (products, quantities): (Vec<Uuid>, Vec<i64>) =
            record.items.iter().map(|line| (line.product_id, line.quantity)).unzip();
        sqlx::query(
            "WITH written AS (
                 INSERT INTO orders.returns (id, order_id, restock, reason, refund_id, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
             )
             INSERT INTO orders.return_items (return_id, product_id, quantity)
             SELECT written.id, l.product_id, l.quantity
             FROM written, unnest($8::uuid[], $9::bigint[]) AS l (product_id, quantity)",
        )
        .bind(record.id)
        .bind(record.order_id)
        .bind(record.restock)
        .bind(&record.reason)
        .bind(record.refund_id)
        .bind(record.created_by)
        .bind(record.created_at)
        .bind(&products)
        .bind(&quantities)
        .execute(tx)
        .await
        .context("writing a return")?;
        Ok(())
    }

    async fn returned_units(&self, conn: &mut Tx, order_id: Uuid) -> anyhow::Result<Vec<ReturnedUnits>> {
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT i.product_id, sum(i.quantity)::bigint FROM orders.returns r
             JOIN orders.return_items i ON i.return_id = r.id
             WHERE r.order_id = $1 GROUP BY i.product_id ORDER BY i.product_id",
        )
        .bind(order_id)
        .fetch_all(conn)
        .await
        .context("counting an order's returned units")?;
        Ok(rows.into_iter().map(|(product_id, quantity)| ReturnedUnits { product_id, quantity }).collect())
    }

    async fn of_order(&self, conn: &mut Tx, order_id: Uuid) -> anyhow::Result<Vec<ReturnRecord>> {
        returns_of_orders(conn, &[order_id]).await
    }
}

/// The returns of these orders with their lines, by order, oldest first: two statements
/// for any number of orders (`returns_by_order`, then the lines by primary key).
pub(super) async fn returns_of_orders(conn: &mut Tx, orders: &[Uuid]) -> anyhow::Result<Vec<ReturnRecord>> {
    let returns: Vec<ReturnRow> = sqlx::query_as(
        "SELECT id, order_id, restock, reason, refund_id, created_by, created_at FROM orders.returns
         WHERE order_id = ANY($1) ORDER BY order_id, created_at, id",
    )
    .bind(orders)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders' returns")?;
    let ids: Vec<Uuid> = returns.iter().map(|row| row.0).collect();
    let lines: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "SELECT return_id, product_id, quantity FROM orders.return_items
         WHERE return_id = ANY($1) ORDER BY return_id, product_id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading orders' returned lines")?;
    let mut by_return: HashMap<Uuid, Vec<ReturnedUnits>> = HashMap::new();
    for (return_id, product_id, quantity) in lines {
        by_return.entry(return_id).or_default().push(ReturnedUnits { product_id, quantity });
    }
    Ok(returns
        .into_iter()
        .map(|(id, order_id, restock, reason, refund_id, created_by, created_at)| ReturnRecord {
            id,
            order_id,
            items: by_return.remove(&id).unwrap_or_default(),
            restock,
            reason,
            refund_id,
            created_by,
            created_at,
        })
        .collect())
}
