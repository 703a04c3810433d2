//! Historical orders written in bulk (`rigmaster seed-demo --orders`): a batch of orders
//! with their lines, history, refunds and returns, each table by one INSERT … SELECT FROM
//! UNNEST, in the caller's transaction. The live paths are not used: they reserve, charge
//! and settle one order at a time, which is the point of them and far too slow here.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Tx;

/// The prefix of every historical demo order's number.
pub const DEMO_NUMBER_PREFIX: &str = "RM-DEMO-";

/// An order as it stands after its history, written as it would have been.
#[derive(Debug, Clone)]
pub struct HistoricalOrder {
    pub id: Uuid,
    pub user_id: Uuid,
    pub placed_at: DateTime<Utc>,
    /// The status's value as stored (`delivered`, `cancelled` …).
    pub status: &'static str,
    pub cancel_reason: Option<&'static str>,
    pub payment_method: &'static str,
    pub payment_status: &'static str,
    /// Razorpay's ids, for an order paid online.
    pub razorpay: Option<(String, String)>,
    pub paid_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub subtotal_paise: i64,
    pub tax_paise: i64,
    pub shipping_paise: i64,
    pub total_paise: i64,
    pub refunded_paise: i64,
    pub lines: Vec<HistoricalLine>,
    /// Each status the order went through, and when.
    pub history: Vec<(&'static str, DateTime<Utc>)>,
    pub refunds: Vec<HistoricalRefund>,
    pub returns: Vec<HistoricalReturn>,
}

#[derive(Debug, Clone)]
pub struct HistoricalLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub image: Option<String>,
    pub unit_price_paise: i64,
    pub tax_rate_bps: i32,
    pub unit_tax_paise: i64,
    pub quantity: i64,
    pub tax_paise: i64,
    pub line_total_paise: i64,
}

/// A processed refund of the order's payment.
#[derive(Debug, Clone)]
pub struct HistoricalRefund {
    pub id: Uuid,
    pub amount_paise: i64,
    /// `admin` (a goodwill refund) or `return`.
    pub kind: &'static str,
    pub reason: &'static str,
    pub processed_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct HistoricalReturn {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub refund_id: Option<Uuid>,
    pub created_by: Uuid,
    pub items: Vec<(Uuid, i64)>,
}

/// Whether any historical demo order is in the store.
#[tracing::instrument(name = "orders.bulk.has_demo_history", skip_all)]
pub async fn has_demo_history(conn: &mut Tx) -> anyhow::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders.orders WHERE order_number LIKE 'RM-DEMO-%')")
        .fetch_one(conn)
        .await
        .context("looking for historical demo orders")
}

/// Writes these orders and everything of theirs, numbered from the order numbers'
/// sequence (`RM-DEMO-<IST date>-<n>`). History is settled: the reconciliation job never
/// looks at it (`reconcile_after` infinity), so an order cancelled unpaid asks Razorpay
/// nothing. Errors: storage failures (an id taken).
#[tracing::instrument(name = "orders.bulk.insert_history", skip_all, fields(orders = orders.len()))]
pub async fn insert_history(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    if orders.is_empty() {
        return Ok(());
    }
    insert_orders(conn, orders).await?;
    insert_lines(conn, orders).await?;
    insert_history_rows(conn, orders).await?;
    insert_refunds(conn, orders).await?;
    insert_returns(conn, orders).await
}

async fn insert_orders(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    let col = |f: fn(&HistoricalOrder) -> i64| orders.iter().map(f).collect::<Vec<i64>>();
    let at = |f: fn(&HistoricalOrder) -> Option<DateTime<Utc>>| orders.iter().map(f).collect::<Vec<_>>();
    let text = |f: fn(&HistoricalOrder) -> Option<&str>| orders.iter().map(f).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO orders.orders (id, order_number, user_id, status, cancel_reason, subtotal_paise, discount_paise,
             tax_paise, shipping_paise, total_paise, from_cart, payment_method, payment_status, razorpay_order_id,
             razorpay_payment_id, paid_at, refunded_paise, shipped_at, delivered_at, carrier, tracking_number,
             created_at, updated_at, reconcile_after)
         SELECT o.id, 'RM-DEMO-' || to_char(o.placed AT TIME ZONE 'Asia/Kolkata', 'YYYYMMDD') || '-'
                    || nextval('orders.order_numbers'),
                o.user_id, o.status, o.cancel_reason, o.subtotal, 0, o.tax, o.shipping, o.total, true, o.method,
                o.payment_status, o.rzp_order, o.rzp_payment, o.paid_at, o.refunded, o.shipped_at, o.delivered_at,
                CASE WHEN o.shipped_at IS NOT NULL THEN 'Delhivery' END,
                CASE WHEN o.shipped_at IS NOT NULL THEN 'DL' || upper(substr(replace(o.id::text, '-', ''), 1, 12)) END,
                o.placed, greatest(o.placed, o.paid_at, o.shipped_at, o.delivered_at), 'infinity'
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
                       $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[],
                       $14::bigint[], $15::timestamptz[], $16::timestamptz[], $17::timestamptz[])
                AS o(id, user_id, status, cancel_reason, subtotal, tax, shipping, total, method, payment_status,
                     rzp_order, rzp_payment, paid_at, refunded, shipped_at, delivered_at, placed)
          ORDER BY o.placed",
    )
    .bind(orders.iter().map(|o| o.id).collect::<Vec<_>>())
    .bind(orders.iter().map(|o| o.user_id).collect::<Vec<_>>())
    .bind(orders.iter().map(|o| o.status).collect::<Vec<_>>())
    .bind(text(|o| o.cancel_reason))
    .bind(col(|o| o.subtotal_paise))
    .bind(col(|o| o.tax_paise))
    .bind(col(|o| o.shipping_paise))
    .bind(col(|o| o.total_paise))
    .bind(orders.iter().map(|o| o.payment_method).collect::<Vec<_>>())
    .bind(orders.iter().map(|o| o.payment_status).collect::<Vec<_>>())
    .bind(text(|o| o.razorpay.as_ref().map(|(order, _)| order.as_str())))
    .bind(text(|o| o.razorpay.as_ref().map(|(_, payment)| payment.as_str())))
    .bind(at(|o| o.paid_at))
    .bind(col(|o| o.refunded_paise))
    .bind(at(|o| o.shipped_at))
    .bind(at(|o| o.delivered_at))
    .bind(at(|o| Some(o.placed_at)))
    .execute(&mut *conn)
    .await
    .context("writing historical orders")?;
    Ok(())
}

async fn insert_lines(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    let lines: Vec<(Uuid, i32, &HistoricalLine)> =
        orders.iter().flat_map(|o| o.lines.iter().zip(1..).map(move |(line, no)| (o.id, no, line))).collect();
    let col = |f: fn(&HistoricalLine) -> i64| lines.iter().map(|(_, _, l)| f(l)).collect::<Vec<i64>>();
    sqlx::query(
        "INSERT INTO orders.order_items (order_id, line_no, product_id, sku, name, brand, image, unit_price_paise,
             tax_rate_bps, unit_tax_paise, quantity, discount_paise, tax_paise, line_total_paise)
         SELECT order_id, line_no, product_id, sku, name, brand, image, unit_price, tax_rate, unit_tax, quantity, 0,
                tax, line_total
           FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::bigint[], $9::int[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[])
                AS l(order_id, line_no, product_id, sku, name, brand, image, unit_price, tax_rate, unit_tax,
                     quantity, tax, line_total)",
    )
    .bind(lines.iter().map(|(id, _, _)| *id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, no, _)| *no).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, _, l)| l.product_id).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, _, l)| l.sku.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, _, l)| l.name.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, _, l)| l.brand.as_str()).collect::<Vec<_>>())
    .bind(lines.iter().map(|(_, _, l)| l.image.as_deref()).collect::<Vec<_>>())
    .bind(col(|l| l.unit_price_paise))
    .bind(lines.iter().map(|(_, _, l)| l.tax_rate_bps).collect::<Vec<_>>())
    .bind(col(|l| l.unit_tax_paise))
    .bind(col(|l| l.quantity))
    .bind(col(|l| l.tax_paise))
    .bind(col(|l| l.line_total_paise))
    .execute(&mut *conn)
    .await
    .context("writing historical orders' lines")?;
    Ok(())
}

async fn insert_history_rows(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    let rows: Vec<(Uuid, &str, DateTime<Utc>)> =
        orders.iter().flat_map(|o| o.history.iter().map(move |&(status, at)| (o.id, status, at))).collect();
    sqlx::query(
        "INSERT INTO orders.order_history (order_id, status, at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) ORDER BY 3",
    )
    .bind(rows.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.1).collect::<Vec<_>>())
    .bind(rows.iter().map(|r| r.2).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .context("writing historical orders' history")?;
    Ok(())
}

async fn insert_refunds(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    let rows: Vec<(&HistoricalOrder, &HistoricalRefund)> =
        orders.iter().flat_map(|o| o.refunds.iter().map(move |r| (o, r))).collect();
    if rows.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO orders.refunds (id, order_id, razorpay_payment_id, amount_paise, reason, status,
             razorpay_refund_id, attempts, kind, processed_at, created_at, updated_at)
         SELECT id, order_id, payment_id, amount, reason, 'processed',
                'rfnd_demo' || substr(replace(id::text, '-', ''), 1, 14), 1, kind, at, at, at
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[])
                AS r(id, order_id, payment_id, amount, reason, kind, at)",
    )
    .bind(rows.iter().map(|(_, r)| r.id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(o, _)| o.id).collect::<Vec<_>>())
    .bind(rows.iter().map(|(o, _)| o.razorpay.as_ref().map_or("", |(_, p)| p.as_str())).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.amount_paise).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.reason).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.kind).collect::<Vec<_>>())
    .bind(rows.iter().map(|(_, r)| r.processed_at).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .context("writing historical refunds")?;
    Ok(())
}

async fn insert_returns(conn: &mut Tx, orders: &[HistoricalOrder]) -> anyhow::Result<()> {
    let returns: Vec<(Uuid, &HistoricalReturn)> =
        orders.iter().flat_map(|o| o.returns.iter().map(move |r| (o.id, r))).collect();
    if returns.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO orders.returns (id, order_id, restock, reason, refund_id, created_by, created_at)
         SELECT id, order_id, false, 'Customer returned the goods', refund_id, created_by, at
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[])
                AS r(id, order_id, refund_id, created_by, at)",
    )
    .bind(returns.iter().map(|(_, r)| r.id).collect::<Vec<_>>())
    .bind(returns.iter().map(|(o, _)| *o).collect::<Vec<_>>())
    .bind(returns.iter().map(|(_, r)| r.refund_id).collect::<Vec<_>>())
    .bind(returns.iter().map(|(_, r)| r.created_by).collect::<Vec<_>>())
    .bind(returns.iter().map(|(_, r)| r.at).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .context("writing historical returns")?;
    let items: Vec<(Uuid, Uuid, i64)> = returns
        .iter()
        .flat_map(|(_, r)| r.items.iter().map(move |&(product, quantity)| (r.id, product, quantity)))
        .collect();
    sqlx::query(
        "INSERT INTO orders.return_items (return_id, product_id, quantity)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[])",
    )
    .bind(items.iter().map(|i| i.0).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.1).collect::<Vec<_>>())
    .bind(items.iter().map(|i| i.2).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await
    .context("writing historical returns' lines")?;
    Ok(())
}
