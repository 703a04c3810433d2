//! Recomputes the sales figures from the orders, set-based: the caller stages every order
//! as the figures should see it ([`PgSalesRebuild::stage`], a page at a time), the expected
//! rollups are summed from the staged entries in SQL, each table is compared with what it
//! holds by one FULL OUTER JOIN ([`PgSalesRebuild::compare`]), and
//! [`PgSalesRebuild::replace`] puts the expected contents in place. All in the caller's
//! transaction, which holds the rebuild lock alone, so no live change of the figures
//! slips between the reading of the orders and the replacing of the tables; a check
//! alone reads one snapshot instead, and holds no one off.

use anyhow::Context as _;
use chrono::NaiveDate;
use kernel::calendar::ist_day;
use sqlx::{AssertSqlSafe, PgConnection};

use super::REBUILD_LOCK;
use crate::rebuild::{RebuildReport, RowDifference, SHOWN_DIFFERENCES, TableDifferences};
use crate::sales::{OrderSales, entries};

/// A rebuild of the sales figures, in the caller's transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgSalesRebuild;

impl PgSalesRebuild {
    /// Begins a rebuild that may replace the figures: takes the rebuild lock alone
    /// (waiting for every live writer of the figures to commit, and holding new ones off
    /// until the transaction ends) and makes the table the orders are staged in (dropped
    /// at the end of the transaction). Errors: storage failures.
    #[tracing::instrument(name = "analytics.rebuild.begin", skip_all)]
    pub async fn begin(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(REBUILD_LOCK)
            .execute(&mut *conn)
            .await
            .context("taking the rebuild lock of the figures")?;
        stage_table(conn).await
    }

    /// Begins a rebuild that only compares, without holding anyone off: the transaction
    /// reads one snapshot (REPEATABLE READ), in which the orders and the figures always
    /// agree unless the figures are wrong, since every change writes both in one
    /// transaction. Call first in the transaction. Errors: storage failures.
    #[tracing::instrument(name = "analytics.rebuild.begin_check", skip_all)]
    pub async fn begin_check(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        sqlx::raw_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *conn)
            .await
            .context("reading the figures in one snapshot")?;
        stage_table(conn).await
    }

    /// Stages these orders as the figures should see them (each order once per rebuild).
    /// Errors: storage failures, an order staged twice.
    #[tracing::instrument(name = "analytics.rebuild.stage", skip_all, fields(orders = orders.len()))]
    pub async fn stage(&self, conn: &mut PgConnection, orders: &[OrderSales]) -> anyhow::Result<()> {
        if orders.is_empty() {
            return Ok(());
        }
        let mut ids = Vec::with_capacity(orders.len());
        let mut users = Vec::with_capacity(orders.len());
        let mut days: Vec<NaiveDate> = Vec::with_capacity(orders.len());
        let mut statuses = Vec::with_capacity(orders.len());
        let mut counted = Vec::with_capacity(orders.len());
        let mut expected = Vec::with_capacity(orders.len());
        for order in orders {
            ids.push(order.order_id);
            users.push(order.user_id);
            days.push(ist_day(order.placed_at));
            statuses.push(order.status.as_str());
            counted.push(order.status.counts());
            expected.push(serde_json::to_value(entries(order)).context("an order's entries as JSON")?);
        }
        sqlx::query(
            "INSERT INTO expected_order_sales (order_id, user_id, day, status, counted, entries)
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[], $5::bool[], $6::jsonb[])",
        )
        .bind(&ids)
        .bind(&users)
        .bind(&days)
        .bind(&statuses)
        .bind(&counted)
        .bind(&expected)
        .execute(&mut *conn)
        .await
        .context("staging orders' expected figures")?;
        Ok(())
    }

    /// Sums the expected rollups from the staged orders and compares every table of the
    /// figures with them. Call once, after the last [`stage`](Self::stage).
    /// Errors: storage failures.
    #[tracing::instrument(name = "analytics.rebuild.compare", skip_all)]
    pub async fn compare(&self, conn: &mut PgConnection) -> anyhow::Result<RebuildReport> {
        sqlx::raw_sql(EXPECTED_ROLLUPS).execute(&mut *conn).await.context("summing the expected rollups")?;
        let mut tables = Vec::with_capacity(DIFFERENCES.len());
        for (table, differences) in DIFFERENCES {
            tables.push(table_differences(conn, table, differences).await?);
        }
        Ok(RebuildReport { tables })
    }

    /// Replaces every table's contents with the expected ones (rollup rows of zeros left
    /// out). Call after [`compare`](Self::compare). Errors: storage failures.
    #[tracing::instrument(name = "analytics.rebuild.replace", skip_all)]
    pub async fn replace(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        sqlx::raw_sql(REPLACE).execute(&mut *conn).await.context("replacing the figures")?;
        Ok(())
    }
}

async fn stage_table(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "CREATE TEMP TABLE expected_order_sales (
             order_id uuid PRIMARY KEY,
             user_id  uuid NOT NULL,
             day      date NOT NULL,
             status   text NOT NULL,
             counted  boolean NOT NULL,
             entries  jsonb NOT NULL
         ) ON COMMIT DROP",
    )
    .execute(&mut *conn)
    .await
    .context("making the table of the expected figures")?;
    Ok(())
}

async fn table_differences(
    conn: &mut PgConnection,
    table: &'static str,
    differences: &'static str,
) -> anyhow::Result<TableDifferences> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT key, held, expected, count(*) OVER () FROM ({differences}) d ORDER BY key LIMIT $1"
    )))
    .bind(SHOWN_DIFFERENCES)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("comparing analytics.{table} with the orders"))?;
    let count = rows.first().map_or(0, |row| row.3);
    let first = rows.into_iter().map(|(key, held, expected, _)| RowDifference { key, held, expected }).collect();
    Ok(TableDifferences { table, rows: count, first })
}

/// The expected rollups, summed from the staged orders' entries as the ledger adds them:
/// the day's totals are the entries without a product, a product's month the sum of its
/// days in that month, a customer's first day the day of their first counted order.
const EXPECTED_ROLLUPS: &str = "
    ANALYZE expected_order_sales;
    CREATE TEMP TABLE expected_sales_days ON COMMIT DROP AS
    SELECT (e->>'d')::date AS day,
           sum(coalesce((e->>'o')::bigint, 0))::bigint AS orders,
           sum(coalesce((e->>'u')::bigint, 0))::bigint AS units,
           sum(coalesce((e->>'r')::bigint, 0))::bigint AS revenue_paise,
           sum(coalesce((e->>'f')::bigint, 0))::bigint AS refunds_paise
      FROM expected_order_sales s CROSS JOIN LATERAL jsonb_array_elements(s.entries) e
     WHERE e->>'p' IS NULL
     GROUP BY 1;
    CREATE TEMP TABLE expected_product_days ON COMMIT DROP AS
    SELECT (e->>'d')::date AS day, (e->>'p')::uuid AS product_id,
           sum(coalesce((e->>'u')::bigint, 0))::bigint AS units,
           sum(coalesce((e->>'r')::bigint, 0))::bigint AS revenue_paise
      FROM expected_order_sales s CROSS JOIN LATERAL jsonb_array_elements(s.entries) e
     WHERE e->>'p' IS NOT NULL
     GROUP BY 1, 2;
    CREATE TEMP TABLE expected_product_months ON COMMIT DROP AS
    SELECT date_trunc('month', day)::date AS month, product_id,
           sum(units)::bigint AS units, sum(revenue_paise)::bigint AS revenue_paise
      FROM expected_product_days
     GROUP BY 1, 2;
    CREATE TEMP TABLE expected_status_days ON COMMIT DROP AS
    SELECT day, status, count(*) AS orders FROM expected_order_sales
     WHERE status <> 'payment_pending' GROUP BY 1, 2;
    CREATE TEMP TABLE expected_customers ON COMMIT DROP AS
    SELECT user_id, min(day) AS first_day FROM expected_order_sales WHERE counted GROUP BY 1;
    ANALYZE expected_sales_days, expected_product_days, expected_product_months,
            expected_status_days, expected_customers;
";

/// Each table's rows that differ from the expected ones: `(key, held, expected)`, as
/// text for the report. A missing rollup row is a row of zeros; a missing order or
/// customer row is a difference of its own.
const DIFFERENCES: [(&str, &str); 6] = [
    (
        "order_sales",
        "SELECT coalesce(a.order_id, e.order_id)::text AS key,
                CASE WHEN a.order_id IS NULL THEN 'no row'
                     ELSE format('user %s, day %s, %s%s, entries %s', a.user_id, a.day, a.status,
                                 CASE WHEN a.counted THEN ' (counted)' ELSE '' END, a.entries) END AS held,
                CASE WHEN e.order_id IS NULL THEN 'no row'
                     ELSE format('user %s, day %s, %s%s, entries %s', e.user_id, e.day, e.status,
                                 CASE WHEN e.counted THEN ' (counted)' ELSE '' END, e.entries) END AS expected
           FROM analytics.order_sales a FULL JOIN expected_order_sales e ON e.order_id = a.order_id
          WHERE a.order_id IS NULL OR e.order_id IS NULL
             OR (a.user_id, a.day, a.status, a.counted, a.entries)
                IS DISTINCT FROM (e.user_id, e.day, e.status, e.counted, e.entries)",
    ),
    (
        "sales_days",
        "SELECT coalesce(a.day, e.day)::text AS key,
                format('orders %s, units %s, revenue %s paise, refunds %s paise', coalesce(a.orders, 0),
                       coalesce(a.units, 0), coalesce(a.revenue_paise, 0), coalesce(a.refunds_paise, 0)) AS held,
                format('orders %s, units %s, revenue %s paise, refunds %s paise', coalesce(e.orders, 0),
                       coalesce(e.units, 0), coalesce(e.revenue_paise, 0), coalesce(e.refunds_paise, 0)) AS expected
           FROM analytics.sales_days a FULL JOIN expected_sales_days e ON e.day = a.day
          WHERE (coalesce(a.orders, 0), coalesce(a.units, 0), coalesce(a.revenue_paise, 0), coalesce(a.refunds_paise, 0))
                IS DISTINCT FROM
                (coalesce(e.orders, 0), coalesce(e.units, 0), coalesce(e.revenue_paise, 0), coalesce(e.refunds_paise, 0))",
    ),
    (
        "product_days",
        "SELECT coalesce(a.day, e.day)::text || ' product ' || coalesce(a.product_id, e.product_id)::text AS key,
                format('units %s, revenue %s paise', coalesce(a.units, 0), coalesce(a.revenue_paise, 0)) AS held,
                format('units %s, revenue %s paise', coalesce(e.units, 0), coalesce(e.revenue_paise, 0)) AS expected
           FROM analytics.product_days a
           FULL JOIN expected_product_days e ON e.day = a.day AND e.product_id = a.product_id
          WHERE (coalesce(a.units, 0), coalesce(a.revenue_paise, 0))
                IS DISTINCT FROM (coalesce(e.units, 0), coalesce(e.revenue_paise, 0))",
    ),
    (
        "product_months",
        "SELECT coalesce(a.month, e.month)::text || ' product ' || coalesce(a.product_id, e.product_id)::text AS key,
                format('units %s, revenue %s paise', coalesce(a.units, 0), coalesce(a.revenue_paise, 0)) AS held,
                format('units %s, revenue %s paise', coalesce(e.units, 0), coalesce(e.revenue_paise, 0)) AS expected
           FROM analytics.product_months a
           FULL JOIN expected_product_months e ON e.month = a.month AND e.product_id = a.product_id
          WHERE (coalesce(a.units, 0), coalesce(a.revenue_paise, 0))
                IS DISTINCT FROM (coalesce(e.units, 0), coalesce(e.revenue_paise, 0))",
    ),
    (
        "status_days",
        "SELECT coalesce(a.day, e.day)::text || ' ' || coalesce(a.status, e.status) AS key,
                format('%s orders', coalesce(a.orders, 0)) AS held,
                format('%s orders', coalesce(e.orders, 0)) AS expected
           FROM analytics.status_days a
           FULL JOIN expected_status_days e ON e.day = a.day AND e.status = a.status
          WHERE coalesce(a.orders, 0) <> coalesce(e.orders, 0)",
    ),
    (
        "customers",
        "SELECT coalesce(a.user_id, e.user_id)::text AS key,
                coalesce('first order on ' || a.first_day::text, 'no row') AS held,
                coalesce('first order on ' || e.first_day::text, 'no row') AS expected
           FROM analytics.customers a FULL JOIN expected_customers e ON e.user_id = a.user_id
          WHERE a.first_day IS DISTINCT FROM e.first_day",
    ),
];

/// The expected contents in place of what the tables hold, each table in key order.
const REPLACE: &str = "
    DELETE FROM analytics.order_sales;
    INSERT INTO analytics.order_sales (order_id, user_id, day, status, counted, entries)
    SELECT order_id, user_id, day, status, counted, entries FROM expected_order_sales ORDER BY order_id;
    DELETE FROM analytics.sales_days;
    INSERT INTO analytics.sales_days (day, orders, units, revenue_paise, refunds_paise)
    SELECT day, orders, units, revenue_paise, refunds_paise FROM expected_sales_days
     WHERE (orders, units, revenue_paise, refunds_paise) <> (0, 0, 0, 0) ORDER BY day;
    DELETE FROM analytics.product_days;
    INSERT INTO analytics.product_days (day, product_id, units, revenue_paise)
    SELECT day, product_id, units, revenue_paise FROM expected_product_days
     WHERE (units, revenue_paise) <> (0, 0) ORDER BY day, product_id;
    DELETE FROM analytics.product_months;
    INSERT INTO analytics.product_months (month, product_id, units, revenue_paise)
    SELECT month, product_id, units, revenue_paise FROM expected_product_months
     WHERE (units, revenue_paise) <> (0, 0) ORDER BY month, product_id;
    DELETE FROM analytics.status_days;
    INSERT INTO analytics.status_days (day, status, orders)
    SELECT day, status, orders FROM expected_status_days WHERE orders <> 0 ORDER BY day, status;
    DELETE FROM analytics.customers;
    INSERT INTO analytics.customers (user_id, first_day)
    SELECT user_id, first_day FROM expected_customers ORDER BY user_id;
";
