//! An oracle for the sales read model: what every analytics table should hold, computed
//! by plain SQL over the orders domain's own tables straight from the rules (see
//! `analytics::sales`), and a check that the read model holds exactly that.
//!
//! The rules, as the oracle applies them:
//! - an order counts when its status is paid, confirmed, packed, shipped or delivered;
//! - a counted order adds, on the IST day it was placed, one order, its units and its
//!   total (each product: its units and its line totals);
//! - each processed refund of the order's own payment comes off revenue (and onto refunds)
//!   on the IST day it was processed; each product bears `⌊amount × its line totals ÷
//!   total⌋` of it;
//! - each return's units come off on the IST day it was recorded;
//! - orders by status count every order, counted or not, on the day it was placed;
//! - a customer's first day is the IST day of their first counted order.

use std::collections::{BTreeMap, BTreeSet};

// The queries are this file's own constants: no input reaches them.
use sqlx::{AssertSqlSafe, PgPool, Postgres, Transaction};

/// A table's rows: a key (the row's identity, as text) and its figures.
pub type Rows = BTreeMap<String, Vec<i64>>;

const COUNTED: &str = "('paid', 'confirmed', 'packed', 'shipped', 'delivered')";

/// What the orders say, in shared pieces: counted orders with their IST day, each
/// order's units and line totals per product, its own processed refunds and its returns.
fn facts() -> String {
    format!(
        "counted AS (
             SELECT id, user_id, total_paise AS total, (created_at AT TIME ZONE 'Asia/Kolkata')::date AS day
               FROM orders.orders WHERE status IN {COUNTED}
         ), sold AS (
             SELECT order_id, product_id, sum(quantity)::bigint AS units, sum(line_total_paise)::bigint AS totals
               FROM orders.order_items GROUP BY order_id, product_id
         ), refunded AS (
             SELECT r.order_id, r.amount_paise AS amount, (r.processed_at AT TIME ZONE 'Asia/Kolkata')::date AS day
               FROM orders.refunds r JOIN orders.orders o ON o.id = r.order_id
              WHERE r.status = 'processed'
                AND (o.razorpay_payment_id IS NULL OR r.razorpay_payment_id = o.razorpay_payment_id)
         ), returned AS (
             SELECT rt.order_id, ri.product_id, ri.quantity, (rt.created_at AT TIME ZONE 'Asia/Kolkata')::date AS day
               FROM orders.returns rt JOIN orders.return_items ri ON ri.return_id = rt.id
         ), product_entries AS (
             SELECT c.day, s.product_id, s.units, s.totals AS revenue
               FROM counted c JOIN sold s ON s.order_id = c.id
             UNION ALL
             SELECT r.day, s.product_id, 0,
                    -(CASE WHEN c.total > 0 THEN div(r.amount::numeric * s.totals, c.total) ELSE 0 END)::bigint
               FROM counted c JOIN refunded r ON r.order_id = c.id JOIN sold s ON s.order_id = c.id
             UNION ALL
             SELECT t.day, t.product_id, -t.quantity, 0
               FROM counted c JOIN returned t ON t.order_id = c.id
         )"
    )
}

/// Each table as the oracle computes it from the orders.
fn expected_queries() -> Vec<(&'static str, String)> {
    let facts = facts();
    vec![
        (
            "sales_days",
            format!(
                "WITH {facts}, day_entries AS (
                     SELECT c.day, 1 AS orders, (SELECT COALESCE(sum(s.units), 0) FROM sold s WHERE s.order_id = c.id)
                            AS units, c.total AS revenue, 0 AS refunds
                       FROM counted c
                     UNION ALL
                     SELECT r.day, 0, 0, -r.amount, r.amount FROM counted c JOIN refunded r ON r.order_id = c.id
                     UNION ALL
                     SELECT t.day, 0, -t.quantity, 0, 0 FROM counted c JOIN returned t ON t.order_id = c.id
                 )
                 SELECT day::text, ARRAY[sum(orders), sum(units), sum(revenue), sum(refunds)]::bigint[]
                   FROM day_entries GROUP BY day"
            ),
        ),
        (
            "product_days",
            format!(
                "WITH {facts}
                 SELECT day::text || ' ' || product_id::text, ARRAY[sum(units), sum(revenue)]::bigint[]
                   FROM product_entries GROUP BY day, product_id"
            ),
        ),
        (
            "product_months",
            format!(
                "WITH {facts}
                 SELECT date_trunc('month', day)::date::text || ' ' || product_id::text,
                        ARRAY[sum(units), sum(revenue)]::bigint[]
                   FROM product_entries GROUP BY date_trunc('month', day)::date, product_id"
            ),
        ),
        (
            "status_days",
            "SELECT (created_at AT TIME ZONE 'Asia/Kolkata')::date::text || ' ' || status, ARRAY[count(*)]::bigint[]
               FROM orders.orders GROUP BY 1"
                .to_owned(),
        ),
        (
            "customers",
            format!(
                "WITH {facts}
                 SELECT user_id::text || ' ' || min(day)::text, ARRAY[1]::bigint[] FROM counted GROUP BY user_id"
            ),
        ),
        (
            "order_sales",
            format!(
                "SELECT id::text || ' ' || user_id::text || ' ' || (created_at AT TIME ZONE 'Asia/Kolkata')::date::text
                        || ' ' || status || ' ' || (status IN {COUNTED})::text,
                        ARRAY[1]::bigint[]
                   FROM orders.orders"
            ),
        ),
    ]
}

/// Each table as the read model holds it, keyed as [`expected_queries`] keys it.
fn actual_queries() -> Vec<(&'static str, String)> {
    [
        (
            "sales_days",
            "SELECT day::text, ARRAY[orders, units, revenue_paise, refunds_paise] FROM analytics.sales_days",
        ),
        (
            "product_days",
            "SELECT day::text || ' ' || product_id::text, ARRAY[units, revenue_paise] FROM analytics.product_days",
        ),
        (
            "product_months",
            "SELECT month::text || ' ' || product_id::text, ARRAY[units, revenue_paise] FROM analytics.product_months",
        ),
        // Orders waiting for payment are counted from their own rows, the rest in status_days.
        (
            "status_days",
            "SELECT day::text || ' ' || status, ARRAY[sum(orders)]::bigint[] FROM (
                 SELECT day, status, orders FROM analytics.status_days
                 UNION ALL
                 SELECT day, status, count(*) FROM analytics.order_sales WHERE status = 'payment_pending'
                  GROUP BY day, status
             ) t GROUP BY day, status",
        ),
        ("customers", "SELECT user_id::text || ' ' || first_day::text, ARRAY[1::bigint] FROM analytics.customers"),
        (
            "order_sales",
            "SELECT order_id::text || ' ' || user_id::text || ' ' || day::text || ' ' || status || ' ' || counted::text,
                    ARRAY[1::bigint]
               FROM analytics.order_sales",
        ),
    ]
    .into_iter()
    .map(|(table, sql)| (table, sql.to_owned()))
    .collect()
}

async fn rows(tx: &mut Transaction<'_, Postgres>, sql: &str) -> Rows {
    let rows: Vec<(String, Vec<i64>)> = sqlx::query_as(AssertSqlSafe(sql.to_owned()))
        .fetch_all(&mut **tx)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    // A row of zeros is no row: the read model may keep one after a change is undone.
    rows.into_iter().filter(|(_, figures)| figures.iter().any(|&f| f != 0)).collect()
}

/// Each table's differing rows, as `key: read model vs oracle` (a missing row is zeros);
/// empty when the read model holds exactly what the orders say.
pub type Differences = BTreeMap<&'static str, Vec<String>>;

/// The read model against the oracle, both read in one snapshot (so the comparison holds
/// at any moment, the figures being written in the transaction of each order change).
pub async fn read_model_differences(pool: &PgPool) -> Differences {
    let mut tx = pool.begin().await.expect("a transaction");
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .expect("one snapshot");
    let mut differences = Differences::new();
    for ((table, expected), (_, actual)) in expected_queries().into_iter().zip(actual_queries()) {
        let expected = rows(&mut tx, &expected).await;
        let actual = rows(&mut tx, &actual).await;
        let keys: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        let differing: Vec<String> = keys
            .into_iter()
            .filter(|key| expected.get(*key) != actual.get(*key))
            .map(|key| format!("{key}: read model {:?} vs oracle {:?}", actual.get(key), expected.get(key)))
            .collect();
        if !differing.is_empty() {
            differences.insert(table, differing);
        }
    }
    tx.rollback().await.expect("the snapshot ends");
    differences
}

/// Asserts that every analytics table holds exactly what the orders say; prints the
/// differing rows, table by table, when not.
pub async fn assert_read_model_matches_orders(pool: &PgPool, context: &str) {
    let differences = read_model_differences(pool).await;
    assert!(
        differences.is_empty(),
        "the read model differs from the orders ({context}):\n{}",
        differences
            .iter()
            .map(|(table, rows)| format!("{table}:\n  {}", rows.join("\n  ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// What a history exercised, by kind: orders by status, refunds by status (processed
/// ones of another payment apart), returns (a property test that compared empty tables
/// would prove nothing).
pub async fn coverage(pool: &PgPool) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT 'order ' || status, count(*) FROM orders.orders GROUP BY status
         UNION ALL
         SELECT 'refund ' || r.status || CASE WHEN r.razorpay_payment_id IS DISTINCT FROM o.razorpay_payment_id
                THEN ' (another payment)' ELSE '' END, count(*)
           FROM orders.refunds r JOIN orders.orders o ON o.id = r.order_id GROUP BY 1
         UNION ALL
         SELECT 'returns', count(*) FROM orders.returns
         UNION ALL
         SELECT 'expired', count(*) FROM orders.orders WHERE cancel_reason = 'expired'
         UNION ALL
         SELECT 'retried', count(DISTINCT order_id) FROM orders.order_history h
          WHERE status = 'payment_pending'
            AND EXISTS (SELECT 1 FROM orders.order_history f WHERE f.order_id = h.order_id
                         AND f.status = 'payment_failed' AND f.id < h.id)
         UNION ALL
         SELECT 'cash on delivery', count(*) FROM orders.orders WHERE payment_method = 'cod'",
    )
    .fetch_all(pool)
    .await
    .expect("what a history exercised");
    rows.into_iter().collect()
}

/// How many orders count as sales.
pub async fn counted_orders(pool: &PgPool) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM orders.orders WHERE status IN {COUNTED}")))
        .fetch_one(pool)
        .await
        .expect("counted orders")
}
