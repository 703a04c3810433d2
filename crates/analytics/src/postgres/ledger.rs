//! Writes the sales figures: each order's entries ([`crate::sales::entries`]) against
//! what its read-model row last held, so a change applies only its difference to the
//! rollups. Runs in the caller's transaction, after everything else it locks: rollup rows
//! are taken last, under their days' locks (in day order), table by table and in key
//! order, so concurrent writers never wait on each other crosswise, even when one
//! transaction records an order twice; a customer's first-order day is recomputed under a lock of that
//! customer's, so two of their orders settling at once cannot both miss the other.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use chrono::NaiveDate;
use kernel::calendar::{ist_day, month_start};
use sqlx::PgConnection;
use uuid::Uuid;

use super::REBUILD_LOCK;
use crate::sales::{Entry, Ledger, OrderSales, entries};

/// The sales figures' writer.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgSalesLedger;

/// An order's read-model row as it was.
struct Recorded {
    user_id: Uuid,
    day: NaiveDate,
    status: String,
    counted: bool,
    entries: Vec<Entry>,
}

/// What a batch of orders changes.
#[derive(Default)]
struct Changes {
    ledger: Ledger,
    statuses: BTreeMap<(NaiveDate, String), i64>,
    customers: BTreeSet<Uuid>,
    rows: Vec<(Uuid, Uuid, NaiveDate, &'static str, bool, serde_json::Value)>,
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
        sqlx::query("SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))")
            .bind(REBUILD_LOCK)
            .execute(&mut *conn)
            .await
            .context("waiting for a rebuild of the figures")?;
        let recorded = recorded(conn, orders).await?;
        let changes = changes(orders, &recorded)?;
        lock_days(conn, &changes.days()).await?;
        lock_customers(conn, &changes.customers).await?;
        write_orders(conn, &changes.rows).await?;
        apply(conn, &changes.ledger, &changes.statuses).await?;
        refresh_customers(conn, &changes.customers).await
    }
}

impl Changes {
    /// Every day whose rollup rows these changes write.
    fn days(&self) -> BTreeSet<NaiveDate> {
        let entries = self.ledger.entries();
        entries.iter().map(|entry| entry.day).chain(self.statuses.keys().map(|(day, _)| *day)).collect()
    }
}

/// Takes each day's lock, in day order, for the rest of the transaction, before any of
/// the day's rows. A transaction may record one order twice (a move, then `refunded`
/// when all its money is back already) and come back for a row of a day after holding
/// others of it: its rows, each call's in key order, would cross another writer's (a
/// deadlock). Under the day's lock, which such a second call holds already, no other
/// writer holds any of that day's rows. It costs little concurrency: writers of one
/// day already queue on its rows (every change to its sales writes its one row of
/// `sales_days`; every checkout and payment, its `payment_pending` row of
/// `status_days`).
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

async fn recorded(conn: &mut PgConnection, orders: &[OrderSales]) -> anyhow::Result<BTreeMap<Uuid, Recorded>> {
    let ids: Vec<Uuid> = orders.iter().map(|order| order.order_id).collect();
    let rows: Vec<(Uuid, Uuid, NaiveDate, String, bool, serde_json::Value)> = sqlx::query_as(
        "SELECT order_id, user_id, day, status, counted, entries FROM analytics.order_sales
          WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("reading what the figures hold of some orders")?;
    rows.into_iter()
        .map(|(order_id, user_id, day, status, counted, entries)| {
            let entries = serde_json::from_value(entries).context("an order's entries in the figures")?;
            Ok((order_id, Recorded { user_id, day, status, counted, entries }))
        })
        .collect()
}

fn changes(orders: &[OrderSales], recorded: &BTreeMap<Uuid, Recorded>) -> anyhow::Result<Changes> {
    let mut changes = Changes::default();
    for order in orders {
        let day = ist_day(order.placed_at);
        let status = order.status.as_str();
        let counted = order.status.counts();
        let new_entries = entries(order);
        let before = recorded.get(&order.order_id);
        if let Some(before) = before {
            if before.status == status && before.day == day && before.entries == new_entries {
                continue;
            }
            changes.ledger.subtract_entries(&before.entries);
            *changes.statuses.entry((before.day, before.status.clone())).or_default() -= 1;
            if before.counted != counted || before.day != day || before.user_id != order.user_id {
                changes.customers.insert(before.user_id);
                changes.customers.insert(order.user_id);
            }
        } else if counted {
            changes.customers.insert(order.user_id);
        }
        changes.ledger.add_entries(&new_entries);
        *changes.statuses.entry((day, status.to_owned())).or_default() += 1;
        let json = serde_json::to_value(&new_entries).context("an order's entries as JSON")?;
        changes.rows.push((order.order_id, order.user_id, day, status, counted, json));
    }
    changes.statuses.retain(|_, delta| *delta != 0);
    Ok(changes)
}

async fn lock_customers(conn: &mut PgConnection, customers: &BTreeSet<Uuid>) -> anyhow::Result<()> {
    if customers.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = customers.iter().copied().collect();
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('analytics.customer:' || id::text, 0))
           FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, n) ORDER BY n",
    )
    .bind(&ids)
    .execute(&mut *conn)
    .await
    .context("locking customers' first orders")?;
    Ok(())
}

async fn write_orders(
    conn: &mut PgConnection,
    rows: &[(Uuid, Uuid, NaiveDate, &'static str, bool, serde_json::Value)],
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut users = Vec::with_capacity(rows.len());
    let mut days = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    let mut counted = Vec::with_capacity(rows.len());
    let mut entries = Vec::with_capacity(rows.len());
    for (id, user, day, status, counts, json) in rows {
        ids.push(*id);
        users.push(*user);
        days.push(*day);
        statuses.push(*status);
        counted.push(*counts);
        entries.push(json.clone());
    }
    sqlx::query(
        "INSERT INTO analytics.order_sales (order_id, user_id, day, status, counted, entries)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[], $5::bool[], $6::jsonb[])
         ON CONFLICT (order_id) DO UPDATE SET user_id = excluded.user_id, day = excluded.day,
             status = excluded.status, counted = excluded.counted, entries = excluded.entries",
    )
    .bind(&ids)
    .bind(&users)
    .bind(&days)
    .bind(&statuses)
    .bind(&counted)
    .bind(&entries)
    .execute(&mut *conn)
    .await
    .context("writing orders' rows of the figures")?;
    Ok(())
}

/// Adds a difference to the rollups, table by table, each in key order.
async fn apply(
    conn: &mut PgConnection,
    ledger: &Ledger,
    statuses: &BTreeMap<(NaiveDate, String), i64>,
) -> anyhow::Result<()> {
    let entries = ledger.entries();
    let (days, products): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.product_id.is_none());
    add_to_days(conn, &days).await?;
    add_to_products(conn, &products).await?;
    add_to_statuses(conn, statuses).await
}

async fn add_to_days(conn: &mut PgConnection, days: &[Entry]) -> anyhow::Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&Entry) -> i64| days.iter().map(f).collect::<Vec<i64>>();
    let dates: Vec<NaiveDate> = days.iter().map(|e| e.day).collect();
    sqlx::query(
        "INSERT INTO analytics.sales_days AS t (day, orders, units, revenue_paise, refunds_paise)
         SELECT * FROM unnest($1::date[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) ORDER BY 1
         ON CONFLICT (day) DO UPDATE SET orders = t.orders + excluded.orders, units = t.units + excluded.units,
             revenue_paise = t.revenue_paise + excluded.revenue_paise,
             refunds_paise = t.refunds_paise + excluded.refunds_paise",
    )
    .bind(&dates)
    .bind(column(|e| e.orders))
    .bind(column(|e| e.units))
    .bind(column(|e| e.revenue))
    .bind(column(|e| e.refunds))
    .execute(&mut *conn)
    .await
    .context("adding to the daily sales")?;
    Ok(())
}

async fn add_to_products(conn: &mut PgConnection, products: &[Entry]) -> anyhow::Result<()> {
    if products.is_empty() {
        return Ok(());
    }
    let mut months: BTreeMap<(NaiveDate, Uuid), (i64, i64)> = BTreeMap::new();
    for entry in products {
        let product = entry.product_id.unwrap_or_default();
        let month = months.entry((month_start(entry.day), product)).or_default();
        month.0 += entry.units;
        month.1 += entry.revenue;
    }
    months.retain(|_, (units, revenue)| *units != 0 || *revenue != 0);
    let by_day = products.iter().map(|e| ((e.day, e.product_id.unwrap_or_default()), (e.units, e.revenue)));
    add_to_product_table(conn, ProductTable::Days, by_day.collect()).await?;
    add_to_product_table(conn, ProductTable::Months, months.into_iter().collect()).await
}

#[derive(Debug, Clone, Copy)]
enum ProductTable {
    Days,
    Months,
}

impl ProductTable {
    fn upsert(self) -> &'static str {
        match self {
            ProductTable::Days => {
                "INSERT INTO analytics.product_days AS t (day, product_id, units, revenue_paise)
                 SELECT * FROM unnest($1::date[], $2::uuid[], $3::bigint[], $4::bigint[]) ORDER BY 1, 2
                 ON CONFLICT (day, product_id) DO UPDATE SET units = t.units + excluded.units,
                     revenue_paise = t.revenue_paise + excluded.revenue_paise"
            }
            ProductTable::Months => {
                "INSERT INTO analytics.product_months AS t (month, product_id, units, revenue_paise)
                 SELECT * FROM unnest($1::date[], $2::uuid[], $3::bigint[], $4::bigint[]) ORDER BY 1, 2
                 ON CONFLICT (month, product_id) DO UPDATE SET units = t.units + excluded.units,
                     revenue_paise = t.revenue_paise + excluded.revenue_paise"
            }
        }
    }
}

async fn add_to_product_table(
    conn: &mut PgConnection,
    table: ProductTable,
    rows: Vec<((NaiveDate, Uuid), (i64, i64))>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let dates: Vec<NaiveDate> = rows.iter().map(|((day, _), _)| *day).collect();
    let ids: Vec<Uuid> = rows.iter().map(|((_, id), _)| *id).collect();
    let units: Vec<i64> = rows.iter().map(|(_, (units, _))| *units).collect();
    let revenue: Vec<i64> = rows.iter().map(|(_, (_, revenue))| *revenue).collect();
    sqlx::query(table.upsert())
        .bind(&dates)
        .bind(&ids)
        .bind(&units)
        .bind(&revenue)
        .execute(&mut *conn)
        .await
        .with_context(|| format!("adding to the {table:?} of products' sales"))?;
    Ok(())
}

async fn add_to_statuses(conn: &mut PgConnection, statuses: &BTreeMap<(NaiveDate, String), i64>) -> anyhow::Result<()> {
    if statuses.is_empty() {
        return Ok(());
    }
    let days: Vec<NaiveDate> = statuses.keys().map(|(day, _)| *day).collect();
    let names: Vec<&str> = statuses.keys().map(|(_, status)| status.as_str()).collect();
    let deltas: Vec<i64> = statuses.values().copied().collect();
    sqlx::query(
        "INSERT INTO analytics.status_days AS t (day, status, orders)
         SELECT * FROM unnest($1::date[], $2::text[], $3::bigint[]) ORDER BY 1, 2
         ON CONFLICT (day, status) DO UPDATE SET orders = t.orders + excluded.orders",
    )
    .bind(&days)
    .bind(&names)
    .bind(&deltas)
    .execute(&mut *conn)
    .await
    .context("adding to the orders by status")?;
    Ok(())
}

/// Sets each customer's first counted day from their orders' rows (none: no row).
async fn refresh_customers(conn: &mut PgConnection, customers: &BTreeSet<Uuid>) -> anyhow::Result<()> {
    if customers.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = customers.iter().copied().collect();
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
    .context("refreshing customers' first orders")?;
    Ok(())
}
