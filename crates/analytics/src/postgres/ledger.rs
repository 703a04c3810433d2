//! Writes the sales figures: each order's entries ([`crate::sales::entries`]) against
//! what its read-model row last held, so a change applies only its difference to the
//! rollups. Runs in the caller's transaction, after everything else it locks, in at most
//! six statements (the live path sits inside checkouts and payments):
//! 1. the rebuild gate (shared), then the orders' rows, locked, as they were;
//! 2. the locks of the days whose rollup rows change (see [`lock_days`]);
//! 3. the orders' rows and every rollup, in one statement — every writer runs this same
//!    statement, so tables are always taken in one order, and rows within each in key
//!    order: concurrent writers never wait on each other crosswise;
//! 4. customers' first-order days, when an order started or stopped counting.
//!
//! Orders waiting for payment are counted from their rows (`order_sales_pending`), not in
//! `status_days`: a checkout then writes only its own new row, and never waits on a
//! counter every other checkout is writing.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use chrono::NaiveDate;
use kernel::calendar::{ist_day, month_start};
use sqlx::PgConnection;
use sqlx::types::Json;
use uuid::Uuid;

use super::REBUILD_LOCK;
use crate::sales::{Entry, Ledger, OrderSales, OrderStatus, entries};

/// The sales figures' writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgSalesLedger;

/// An order's read-model row.
#[derive(Debug, Clone, PartialEq)]
struct OrderRow {
    order_id: Uuid,
    user_id: Uuid,
    day: NaiveDate,
    status: String,
    counted: bool,
    entries: Vec<Entry>,
}

/// What a batch of orders changes.
#[derive(Debug, Default)]
struct Changes {
    rows: Vec<OrderRow>,
    ledger: Ledger,
    statuses: BTreeMap<(NaiveDate, String), i64>,
    /// Customers with an order that now counts: their first day is at most its day.
    earliest: BTreeMap<Uuid, NaiveDate>,
    /// Customers with an order that stopped counting (or moved): recomputed.
    recount: BTreeSet<Uuid>,
}

impl PgSalesLedger {
    /// Brings the figures up to date with these orders as they now stand (each order once
    /// per call), in the caller's transaction. The caller holds each order's lock, so
    /// changes to one order reach here one at a time. Errors: storage failures.
    #[tracing::instrument(name = "analytics.record_sales", skip_all, fields(orders = orders.len()))]
    pub async fn record(&self, conn: &mut PgConnection, orders: &[OrderSales]) -> anyhow::Result<()> {
        if orders.is_empty() {
            return Ok(());
        }
        let before = recorded(conn, orders).await?;
        let changes = changes(orders, &before)?;
        if changes.rows.is_empty() {
            return Ok(());
        }
        let entries = changes.ledger.entries();
        lock_days(conn, &changes.days(&entries)).await?;
        write(conn, &changes, entries).await?;
        first_days(conn, &changes).await
    }
}

impl Changes {
    /// Every day whose rollup rows these changes (and their ledger's `entries`) write.
    fn days(&self, entries: &[Entry]) -> BTreeSet<NaiveDate> {
        entries.iter().map(|entry| entry.day).chain(self.statuses.keys().map(|(day, _)| *day)).collect()
    }
}

/// Takes each day's lock, in day order, for the rest of the transaction, before any of
/// the day's rows. A transaction may record one order twice (a move, then `refunded`
/// when all its money is back already), the second time writing rows of days it holds
/// rows of already, in another order than a single call would: without the day's lock
/// its rows could cross another writer's (a deadlock). Under the day's lock, which such a
/// second call holds already, no other writer holds any of that day's rows. (A second
/// call writes only days the first wrote: the first took the order out of the figures.)
/// It costs little concurrency: writers of one day's figures queue on its `sales_days`
/// row anyway. A checkout writes no rollup, so it takes none.
async fn lock_days(conn: &mut PgConnection, days: &BTreeSet<NaiveDate>) -> anyhow::Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let days: Vec<NaiveDate> = days.iter().copied().collect();
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('analytics.day:' || d::text, 0))
           FROM unnest($1::date[]) WITH ORDINALITY AS t(d, n) ORDER BY n",
    )
    .bind(&days)
    .execute(&mut *conn)
    .await
    .context("locking the days of the figures")?;
    Ok(())
}

/// An order's read-model row as stored.
type StoredRow = (Uuid, Uuid, NaiveDate, String, bool, Json<Vec<Entry>>);

/// Passes the rebuild gate, then reads (and locks) what the figures hold of the orders.
async fn recorded(conn: &mut PgConnection, orders: &[OrderSales]) -> anyhow::Result<BTreeMap<Uuid, OrderRow>> {
    let ids: Vec<Uuid> = orders.iter().map(|order| order.order_id).collect();
    // The gate in a statement of its own: a read waiting on it inside one statement would
    // keep the snapshot it started with, from before a rebuild it waited for replaced the
    // rows (and then find none of them).
    sqlx::query("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))")
        .bind(REBUILD_LOCK)
        .execute(&mut *conn)
        .await
        .context("waiting for a rebuild of the figures")?;
    let rows: Vec<StoredRow> = sqlx::query_as(
        "SELECT order_id, user_id, day, status, counted, entries FROM analytics.order_sales
          WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading what the figures hold of some orders")?;
    Ok(rows
        .into_iter()
        .map(|(order_id, user_id, day, status, counted, entries)| {
            (order_id, OrderRow { order_id, user_id, day, status, counted, entries: entries.0 })
        })
        .collect())
}

fn changes(orders: &[OrderSales], before: &BTreeMap<Uuid, OrderRow>) -> anyhow::Result<Changes> {
    let mut changes = Changes::default();
    for order in orders {
        let now = OrderRow {
            order_id: order.order_id,
            user_id: order.user_id,
            day: ist_day(order.placed_at),
            status: order.status.as_str().to_owned(),
            counted: order.status.counts(),
            entries: entries(order),
        };
        let was = before.get(&order.order_id);
        if was == Some(&now) {
            continue;
        }
        if let Some(was) = was {
            changes.ledger.subtract_entries(&was.entries);
            count_status(&mut changes.statuses, was, -1);
            if was.counted && (!now.counted || was.day != now.day || was.user_id != now.user_id) {
                changes.recount.insert(was.user_id);
            }
        }
        changes.ledger.add_entries(&now.entries);
        count_status(&mut changes.statuses, &now, 1);
        let counted_as_before = was.is_some_and(|was| was.counted && was.day == now.day && was.user_id == now.user_id);
        if now.counted && !counted_as_before {
            let earliest = changes.earliest.entry(now.user_id).or_insert(now.day);
            *earliest = (*earliest).min(now.day);
        }
        changes.rows.push(now);
    }
    changes.statuses.retain(|_, delta| *delta != 0);
    changes.earliest.retain(|user, _| !changes.recount.contains(user));
    Ok(changes)
}

fn count_status(statuses: &mut BTreeMap<(NaiveDate, String), i64>, row: &OrderRow, delta: i64) {
    if row.status != OrderStatus::PaymentPending.as_str() {
        *statuses.entry((row.day, row.status.clone())).or_default() += delta;
    }
}

/// The orders' rows and the rollups, in one statement (see the module's notes).
const WRITE: &str = "
WITH orders AS (
    INSERT INTO analytics.order_sales AS t (order_id, user_id, day, status, counted, entries)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[], $5::bool[], $6::jsonb[]) ORDER BY 1
    ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, day = excluded.day,
        status = excluded.status, counted = excluded.counted, entries = excluded.entries
), days AS (
    INSERT INTO analytics.sales_days AS t (day, orders, units, revenue_paise, refunds_paise)
    SELECT * FROM unnest($7::date[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) ORDER BY 1
    ON CONFLICT (day) DO UPDATE SET orders = t.orders + excluded.orders, units = t.units + excluded.units,
        revenue_paise = t.revenue_paise + excluded.revenue_paise,
        refunds_paise = t.refunds_paise + excluded.refunds_paise
), product_days AS (
    INSERT INTO analytics.product_days AS t (day, product_id, units, revenue_paise)
    SELECT * FROM unnest($12::date[], $13::uuid[], $14::bigint[], $15::bigint[]) ORDER BY 1, 2
    ON CONFLICT (day, product_id) DO UPDATE SET units = t.units + excluded.units,
        revenue_paise = t.revenue_paise + excluded.revenue_paise
), product_months AS (
    INSERT INTO analytics.product_months AS t (month, product_id, units, revenue_paise)
    SELECT * FROM unnest($16::date[], $17::uuid[], $18::bigint[], $19::bigint[]) ORDER BY 1, 2
    ON CONFLICT (month, product_id) DO UPDATE SET units = t.units + excluded.units,
        revenue_paise = t.revenue_paise + excluded.revenue_paise
), statuses AS (
    INSERT INTO analytics.status_days AS t (day, status, orders)
    SELECT * FROM unnest($20::date[], $21::text[], $22::bigint[]) ORDER BY 1, 2
    ON CONFLICT (day, status) DO UPDATE SET orders = t.orders + excluded.orders
)
SELECT 1";

/// Columns of (date, product, units, revenue) rows.
#[derive(Debug, Default)]
struct ProductColumns {
    dates: Vec<NaiveDate>,
    products: Vec<Uuid>,
    units: Vec<i64>,
    revenue: Vec<i64>,
}

impl ProductColumns {
    fn from_rows(rows: impl IntoIterator<Item = ((NaiveDate, Uuid), (i64, i64))>) -> Self {
        let mut columns = ProductColumns::default();
        for ((date, product), (units, revenue)) in rows {
            columns.dates.push(date);
            columns.products.push(product);
            columns.units.push(units);
            columns.revenue.push(revenue);
        }
        columns
    }
}

async fn write(conn: &mut PgConnection, changes: &Changes, difference: Vec<Entry>) -> anyhow::Result<()> {
    let rows = &changes.rows;
    let mut sorted: Vec<&OrderRow> = rows.iter().collect();
    sorted.sort_by_key(|row| row.order_id);
    let entries: Vec<serde_json::Value> =
        sorted.iter().map(|row| serde_json::to_value(&row.entries)).collect::<Result<_, _>>()?;
    let (days, products): (Vec<Entry>, Vec<Entry>) =
        difference.into_iter().partition(|entry| entry.product_id.is_none());
    let by_day = products.iter().map(|e| ((e.day, e.product_id.unwrap_or_default()), (e.units, e.revenue)));
    let product_days = ProductColumns::from_rows(by_day);
    let product_months = ProductColumns::from_rows(months(&products));
    let day_column = |f: fn(&Entry) -> i64| days.iter().map(f).collect::<Vec<i64>>();
    sqlx::query(WRITE)
        .bind(sorted.iter().map(|row| row.order_id).collect::<Vec<_>>())
        .bind(sorted.iter().map(|row| row.user_id).collect::<Vec<_>>())
        .bind(sorted.iter().map(|row| row.day).collect::<Vec<_>>())
        .bind(sorted.iter().map(|row| row.status.as_str()).collect::<Vec<_>>())
        .bind(sorted.iter().map(|row| row.counted).collect::<Vec<_>>())
        .bind(entries)
        .bind(days.iter().map(|e| e.day).collect::<Vec<_>>())
        .bind(day_column(|e| e.orders))
        .bind(day_column(|e| e.units))
        .bind(day_column(|e| e.revenue))
        .bind(day_column(|e| e.refunds))
        .bind(&product_days.dates)
        .bind(&product_days.products)
        .bind(&product_days.units)
        .bind(&product_days.revenue)
        .bind(&product_months.dates)
        .bind(&product_months.products)
        .bind(&product_months.units)
        .bind(&product_months.revenue)
        .bind(changes.statuses.keys().map(|(day, _)| *day).collect::<Vec<_>>())
        .bind(changes.statuses.keys().map(|(_, status)| status.as_str()).collect::<Vec<_>>())
        .bind(changes.statuses.values().copied().collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .context("writing the sales figures")?;
    Ok(())
}

/// Product entries summed by month, zero sums left out, in key order.
fn months(products: &[Entry]) -> Vec<((NaiveDate, Uuid), (i64, i64))> {
    let mut months: BTreeMap<(NaiveDate, Uuid), (i64, i64)> = BTreeMap::new();
    for entry in products {
        let month = months.entry((month_start(entry.day), entry.product_id.unwrap_or_default())).or_default();
        month.0 += entry.units;
        month.1 += entry.revenue;
    }
    months.into_iter().filter(|(_, (units, revenue))| *units != 0 || *revenue != 0).collect()
}

/// Customers' first counted days. An order that starts counting can only bring a
/// customer's first day earlier (`least`, which concurrent writers may apply in any
/// order); one that stops counting needs the customer's other orders, read after the
/// customer's row is locked, so that a concurrent writer has committed or waits.
async fn first_days(conn: &mut PgConnection, changes: &Changes) -> anyhow::Result<()> {
    if !changes.earliest.is_empty() {
        sqlx::query(
            "INSERT INTO analytics.customers AS t (user_id, first_day)
             SELECT * FROM unnest($1::uuid[], $2::date[]) ORDER BY 1
             ON CONFLICT (user_id) DO UPDATE SET first_day = least(t.first_day, excluded.first_day)
              WHERE excluded.first_day < t.first_day",
        )
        .bind(changes.earliest.keys().copied().collect::<Vec<_>>())
        .bind(changes.earliest.values().copied().collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .context("bringing customers' first orders earlier")?;
    }
    if changes.recount.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changes.recount.iter().copied().collect();
    sqlx::query("SELECT 1 FROM analytics.customers WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE")
        .bind(&ids)
        .execute(&mut *conn)
        .await
        .context("locking customers' first orders")?;
    sqlx::query(
        "WITH firsts AS (
             SELECT c.id AS user_id,
                    (SELECT min(s.day) FROM analytics.order_sales s WHERE s.user_id = c.id AND s.counted) AS first_day
               FROM unnest($1::uuid[]) AS c(id)
         ), gone AS (
             DELETE FROM analytics.customers t USING firsts f WHERE t.user_id = f.user_id AND f.first_day IS NULL
         )
         INSERT INTO analytics.customers AS t (user_id, first_day)
         SELECT user_id, first_day FROM firsts WHERE first_day IS NOT NULL ORDER BY user_id
         ON CONFLICT (user_id) DO UPDATE SET first_day = excluded.first_day
          WHERE t.first_day IS DISTINCT FROM excluded.first_day",
    )
    .bind(&ids)
    .execute(&mut *conn)
    .await
    .context("recounting customers' first orders")?;
    Ok(())
}
