//! The reports' queries: each reads one rollup by its primary key's leading column (a day
//! or month range), never `analytics.order_sales` nor any order table.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use crate::reports::{DayRange, DaySales, ProductSales, Ranking, Summary};
use crate::sales::OrderStatus;

/// Sums of the daily rollup, and the new customers (index `customers_by_first_day`).
#[tracing::instrument(name = "analytics.sql.summary", skip(pool))]
pub(crate) async fn summary(pool: &PgPool, range: DayRange) -> anyhow::Result<Summary> {
    let (orders, units, revenue, refunds, new_customers): (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT coalesce(sum(orders), 0)::bigint, coalesce(sum(units), 0)::bigint,
                coalesce(sum(revenue_paise), 0)::bigint, coalesce(sum(refunds_paise), 0)::bigint,
                (SELECT count(*) FROM analytics.customers WHERE first_day BETWEEN $1 AND $2)
           FROM analytics.sales_days WHERE day BETWEEN $1 AND $2",
    )
    .bind(range.from())
    .bind(range.to())
    .fetch_one(pool)
    .await
    .context("summing the daily sales")?;
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        // Orders waiting for payment are counted from their own rows (order_sales_pending):
        // a checkout never writes a shared counter (see postgres/ledger.rs).
        "SELECT status, sum(orders)::bigint FROM analytics.status_days
          WHERE day BETWEEN $1 AND $2 GROUP BY status
         UNION ALL
         SELECT 'payment_pending', count(*) FROM analytics.order_sales
          WHERE status = 'payment_pending' AND day BETWEEN $1 AND $2",
    )
    .bind(range.from())
    .bind(range.to())
    .fetch_all(pool)
    .await
    .context("counting orders by status")?;
    let mut by_status = BTreeMap::new();
    for (status, count) in statuses {
        let status =
            OrderStatus::parse(&status).with_context(|| format!("an order status {status:?} in the figures"))?;
        *by_status.entry(status).or_default() += count;
    }
    Ok(Summary { orders, units, revenue, refunds, new_customers, by_status })
}

/// The daily rollup's rows in the range, by day.
#[tracing::instrument(name = "analytics.sql.sales_days", skip(pool))]
pub(crate) async fn sales_days(pool: &PgPool, range: DayRange) -> anyhow::Result<Vec<DaySales>> {
    let rows: Vec<(NaiveDate, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT day, orders, units, revenue_paise, refunds_paise FROM analytics.sales_days
          WHERE day BETWEEN $1 AND $2 ORDER BY day",
    )
    .bind(range.from())
    .bind(range.to())
    .fetch_all(pool)
    .await
    .context("reading the daily sales")?;
    Ok(rows
        .into_iter()
        .map(|(day, orders, units, revenue, refunds)| DaySales { day, orders, units, revenue, refunds })
        .collect())
}

/// The products' sums over whole months ($1..$2) and two runs of days ($3..$4, $5..$6),
/// followed by its ordering (which binds `$7`).
macro_rules! product_sales_sql {
    ($order:literal) => {
        concat!(
            "SELECT product_id, sum(units)::bigint AS units, sum(revenue_paise)::bigint AS revenue FROM (
                 SELECT product_id, units, revenue_paise FROM analytics.product_months
                  WHERE month BETWEEN $1 AND $2
                 UNION ALL
                 SELECT product_id, units, revenue_paise FROM analytics.product_days WHERE day BETWEEN $3 AND $4
                 UNION ALL
                 SELECT product_id, units, revenue_paise FROM analytics.product_days WHERE day BETWEEN $5 AND $6
             ) AS sold
             GROUP BY product_id HAVING (sum(units) <> 0 OR sum(revenue_paise) <> 0)",
            $order
        )
    };
}

/// Each product's sales in the range: the monthly rollup for the whole months inside it,
/// the daily one for the days at its edges. Ranked and cut to `top` when given.
#[tracing::instrument(name = "analytics.sql.product_sales", skip(pool))]
pub(crate) async fn product_sales(
    pool: &PgPool,
    range: DayRange,
    top: Option<(Ranking, u32)>,
) -> anyhow::Result<Vec<ProductSales>> {
    let split = range.split_by_months();
    // An empty part is a reversed range, which selects nothing.
    let nothing = (range.to(), range.from().pred_opt().unwrap_or(NaiveDate::MIN));
    let nothing = if nothing.0 > nothing.1 { nothing } else { (NaiveDate::MAX, NaiveDate::MIN) };
    let months = split.months.unwrap_or(nothing);
    let head = split.head.unwrap_or(nothing);
    let tail = split.tail.unwrap_or(nothing);
    let sql = match top {
        Some((Ranking::Revenue, _)) => {
            product_sales_sql!(" ORDER BY revenue DESC, units DESC, product_id LIMIT $7")
        }
        Some((Ranking::Units, _)) => product_sales_sql!(" ORDER BY units DESC, revenue DESC, product_id LIMIT $7"),
        None => product_sales_sql!(" AND $7::bigint IS NOT NULL"),
    };
    let limit = top.map_or(0, |(_, limit)| i64::from(limit));
    let rows: Vec<(Uuid, i64, i64)> = sqlx::query_as(sql)
        .bind(months.0)
        .bind(months.1)
        .bind(head.0)
        .bind(head.1)
        .bind(tail.0)
        .bind(tail.1)
        .bind(limit)
        .fetch_all(pool)
        .await
        .context("summing products' sales")?;
    Ok(rows.into_iter().map(|(product_id, units, revenue)| ProductSales { product_id, units, revenue }).collect())
}

/// Units sold of some products in the range.
#[tracing::instrument(name = "analytics.sql.units_sold", skip(pool, products))]
pub(crate) async fn units_sold(
    pool: &PgPool,
    range: DayRange,
    products: &[Uuid],
) -> anyhow::Result<HashMap<Uuid, i64>> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT product_id, sum(units)::bigint FROM analytics.product_days
          WHERE day BETWEEN $1 AND $2 AND product_id = ANY($3) GROUP BY product_id",
    )
    .bind(range.from())
    .bind(range.to())
    .bind(products)
    .fetch_all(pool)
    .await
    .context("summing products' units sold")?;
    Ok(rows.into_iter().collect())
}
