//! [`OrderSearchStore`] on `orders.orders` and the tables beside it.
//!
//! The search is built for the filters given, one statement shape per combination, so
//! that PostgreSQL plans each with its own index (a generic plan of `($1 IS NULL OR
//! status = $1)` could use none): newest first through `orders_by_created`, a status
//! through `orders_by_status`, a payment method through `orders_by_method`, orders
//! needing an admin through the partial `orders_needing_attention`, customers through
//! `orders_by_user`, a number through `orders_number`. Combined filters use one of them
//! and check the rest on the rows it reads.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Limit, Page};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::orders::{OrderRow, complete, order_select};
use super::refunds::refunds_of_orders;
use super::returns::returns_of_orders;
use super::{Pool, order_status, payment_method_value};
use crate::model::{Order, RefundRecord, ReturnRecord};
use crate::search::{OrderFilter, OrderSearchStore};
use crate::status::OrderStatus;

#[derive(Debug, Clone)]
pub struct PgOrderSearch {
    pool: Pool,
}

impl PgOrderSearch {
    pub fn new(pool: Pool) -> Self {
        PgOrderSearch { pool }
    }

    /// The plan PostgreSQL picks for a search (`EXPLAIN` text, one line per row), so that
    /// tests and operators can check that each filter reads an index.
    pub async fn explain_search(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> anyhow::Result<Vec<String>> {
        let mut sql = QueryBuilder::new("EXPLAIN ");
        push_search(&mut sql, filter, limit, after);
        sql.build_query_scalar().fetch_all(&self.pool).await.context("explaining an order search")
    }
}

/// The search statement for `filter`, after `sql`'s start.
fn push_search(
    sql: &mut QueryBuilder<Postgres>,
    filter: &OrderFilter,
    limit: Limit,
    after: Option<(DateTime<Utc>, Uuid)>,
) {
    sql.push(order_select!("WHERE true"));
    if let Some(status) = filter.status {
        sql.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(method) = filter.method {
        sql.push(" AND payment_method = ").push_bind(payment_method_value(method));
    }
    match filter.needs_attention {
        // Spelled as the partial index `orders_needing_attention` is.
        Some(true) => {
            sql.push(" AND attention IS NOT NULL");
        }
        // Most orders: read newest first, skipping the few flagged.
        Some(false) => {
            sql.push(" AND attention IS NULL");
        }
        None => {}
    }
    match filter.customers.as_deref() {
        Some([one]) => {
            sql.push(" AND user_id = ").push_bind(*one);
        }
        Some(many) => {
            sql.push(" AND user_id = ANY(").push_bind(many.to_vec()).push(")");
        }
        None => {}
    }
    if let Some(number) = &filter.number {
        sql.push(" AND order_number = ").push_bind(number.clone());
    }
    if let Some(from) = filter.placed_from {
        sql.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(before) = filter.placed_before {
        sql.push(" AND created_at < ").push_bind(before);
    }
    if let Some((at, id)) = after {
        sql.push(" AND (created_at, id) < (").push_bind(at).push(", ").push_bind(id).push(")");
    }
    sql.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(limit.fetch_size());
}

/// Records grouped by their order, each group in the order given.
fn by_order<T>(records: Vec<T>, order_of: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for record in records {
        grouped.entry(order_of(&record)).or_default().push(record);
    }
    grouped
}

impl OrderSearchStore for PgOrderSearch {
    async fn search(
        &self,
        filter: &OrderFilter,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> anyhow::Result<Page<Order>> {
        if filter.matches_nothing() {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let mut conn = self.pool.acquire().await.context("searching orders")?;
        let mut sql = QueryBuilder::new("");
        push_search(&mut sql, filter, limit, after);
        let rows: Vec<OrderRow> = sql.build_query_as().fetch_all(&mut *conn).await.context("searching orders")?;
        let orders = complete(&mut conn, rows).await?;
        Ok(Page::from_rows(orders, limit, |order| (order.created_at, order.id)))
    }

    async fn id_of_number(&self, number: &str) -> anyhow::Result<Option<Uuid>> {
        sqlx::query_scalar("SELECT id FROM orders.orders WHERE order_number = $1")
            .bind(number)
            .fetch_optional(&self.pool)
            .await
            .context("finding an order by number")
    }

    async fn refunds_of(&self, orders: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<RefundRecord>>> {
        let mut conn = self.pool.acquire().await.context("reading orders' refunds")?;
        Ok(by_order(refunds_of_orders(&mut conn, orders).await?, |refund| refund.order_id))
    }

    async fn returns_of(&self, orders: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<ReturnRecord>>> {
        let mut conn = self.pool.acquire().await.context("reading orders' returns")?;
        Ok(by_order(returns_of_orders(&mut conn, orders).await?, |taken_back| taken_back.order_id))
    }

    async fn attempts_of(&self, orders: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<String>>> {
        // `payment_attempts_by_order`.
        let rows: Vec<(Uuid, String)> = sqlx::query_as(
            "SELECT order_id, razorpay_order_id FROM orders.payment_attempts
             WHERE order_id = ANY($1) ORDER BY order_id, created_at, razorpay_order_id",
        )
        .bind(orders)
        .fetch_all(&self.pool)
        .await
        .context("reading orders' payment attempts")?;
        let mut by_order: HashMap<Uuid, Vec<String>> = HashMap::new();
        for (order_id, razorpay_order_id) in rows {
            by_order.entry(order_id).or_default().push(razorpay_order_id);
        }
        Ok(by_order)
    }

    async fn count_by_status(&self) -> anyhow::Result<Vec<(OrderStatus, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT status, count(*) FROM orders.orders GROUP BY status")
            .fetch_all(&self.pool)
            .await
            .context("counting orders by status")?;
        rows.into_iter().map(|(status, count)| Ok((order_status(&status)?, count))).collect()
    }
}
