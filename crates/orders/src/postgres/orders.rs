//! [`OrderStore`] on `orders.orders`, `orders.order_items` and `orders.order_history`.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Limit, Money, Page};
use sqlx::types::Json;
use uuid::Uuid;

use super::{
    Pool, Tx, cancel_reason, order_status, payment_method, payment_method_value, payment_status, payment_status_value,
};
use crate::model::{Attention, HistoryEntry, Order, OrderItem, OrderPayment, PaymentStatus, Shipment, ShippingAddress};
use crate::ports::{InvoiceFacts, SalesFacts};
use crate::status::{CancelReason, OrderStatus};
use crate::stores::{LockedOrder, NewOrder, NewOrderItem, NewShipment, OrderStore};

#[derive(Debug, Clone)]
pub struct PgOrderStore {
    pool: Pool,
}

impl PgOrderStore {
    pub fn new(pool: Pool) -> Self {
        PgOrderStore { pool }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    id: Uuid,
    order_number: String,
    user_id: Uuid,
    status: String,
    cancel_reason: Option<String>,
    subtotal_paise: i64,
    discount_paise: i64,
    tax_paise: i64,
    shipping_paise: i64,
    total_paise: i64,
    currency: String,
    coupon_code: Option<String>,
    shipping_address: Option<Json<ShippingAddress>>,
    payment_method: String,
    payment_status: String,
    razorpay_order_id: Option<String>,
    razorpay_payment_id: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    refunded_paise: i64,
    reservation_expires_at: Option<DateTime<Utc>>,
    carrier: Option<String>,
    tracking_number: Option<String>,
    tracking_url: Option<String>,
    shipment_description: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    attention: Option<String>,
    attention_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An order's columns; completed with a `WHERE`.
macro_rules! order_select {
    ($rest:literal) => {
        concat!(
            "SELECT id, order_number, user_id, status, cancel_reason, subtotal_paise, discount_paise, tax_paise, ",
            "shipping_paise, total_paise, currency, coupon_code, shipping_address, payment_method, payment_status, ",
            "razorpay_order_id, razorpay_payment_id, paid_at, refunded_paise, reservation_expires_at, carrier, ",
            "tracking_number, tracking_url, shipment_description, shipped_at, delivered_at, attention, attention_at, ",
            "created_at, updated_at ",
            "FROM orders.orders ",
            $rest
        )
    };
}
pub(super) use order_select;

#[derive(sqlx::FromRow)]
struct ItemRow {
    order_id: Uuid,
    product_id: Uuid,
    sku: String,
    name: String,
    brand: String,
    image: Option<String>,
    unit_price_paise: i64,
    unit_tax_paise: i64,
    quantity: i64,
    discount_paise: i64,
    tax_paise: i64,
    line_total_paise: i64,
}

impl OrderRow {
    fn into_order(self, items: Vec<OrderItem>, history: Vec<HistoryEntry>) -> anyhow::Result<Order> {
        let shipment = match (self.carrier, self.tracking_number) {
            (Some(carrier), Some(tracking_number)) => Some(Shipment {
                carrier,
                tracking_number,
                tracking_url: self.tracking_url,
                description: self.shipment_description,
                shipped_at: self.shipped_at,
                delivered_at: self.delivered_at,
            }),
            _ => None,
        };
        Ok(Order {
            id: self.id,
            order_number: self.order_number,
            user_id: self.user_id,
            status: order_status(&self.status)?,
            cancel_reason: cancel_reason(self.cancel_reason.as_deref()),
            items,
            subtotal: Money::from_paise(self.subtotal_paise),
            discount: Money::from_paise(self.discount_paise),
            tax: Money::from_paise(self.tax_paise),
            shipping: Money::from_paise(self.shipping_paise),
            total: Money::from_paise(self.total_paise),
            currency: self.currency,
            coupon_code: self.coupon_code,
            shipping_address: self.shipping_address.map(|json| json.0),
            payment: OrderPayment {
                method: payment_method(&self.payment_method),
                status: payment_status(&self.payment_status)?,
                razorpay_order_id: self.razorpay_order_id,
                razorpay_payment_id: self.razorpay_payment_id,
                paid_at: self.paid_at,
                refunded: Money::from_paise(self.refunded_paise),
            },
            shipment,
            reservation_expires_at: self.reservation_expires_at,
            history,
            attention: match (self.attention, self.attention_at) {
                (Some(reason), Some(since)) => Some(Attention { reason, since }),
                _ => None,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Completes order rows with their items and history (two queries for any number).
pub(super) async fn complete(conn: &mut Tx, rows: Vec<OrderRow>) -> anyhow::Result<Vec<Order>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT order_id, product_id, sku, name, brand, image, unit_price_paise, unit_tax_paise, quantity, discount_paise, tax_paise,
                line_total_paise
         FROM orders.order_items WHERE order_id = ANY($1) ORDER BY order_id, line_no",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("loading order items")?;
    let history: Vec<(Uuid, String, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "SELECT order_id, status, at, note FROM orders.order_history WHERE order_id = ANY($1) ORDER BY order_id, id",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .context("loading order history")?;
    let mut items_by_order: HashMap<Uuid, Vec<OrderItem>> = HashMap::new();
    for item in items {
        items_by_order.entry(item.order_id).or_default().push(OrderItem {
            product_id: item.product_id,
            sku: item.sku,
            name: item.name,
            brand: item.brand,
            image: item.image,
            unit_price: Money::from_paise(item.unit_price_paise),
            unit_tax: Money::from_paise(item.unit_tax_paise),
            quantity: item.quantity,
            discount: Money::from_paise(item.discount_paise),
            tax: Money::from_paise(item.tax_paise),
            line_total: Money::from_paise(item.line_total_paise),
        });
    }
    let mut history_by_order: HashMap<Uuid, Vec<HistoryEntry>> = HashMap::new();
    for (order_id, status, at, note) in history {
        history_by_order.entry(order_id).or_default().push(HistoryEntry { status: order_status(&status)?, at, note });
    }
    rows.into_iter()
        .map(|row| {
            let items = items_by_order.remove(&row.id).unwrap_or_default();
            let history = history_by_order.remove(&row.id).unwrap_or_default();
            row.into_order(items, history)
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct LockedRow {
    id: Uuid,
    user_id: Uuid,
    order_number: String,
    status: String,
    cancel_reason: Option<String>,
    payment_method: String,
    payment_status: String,
    total_paise: i64,
    refunded_paise: i64,
    coupon_id: Option<Uuid>,
    coupon_code: Option<String>,
    from_cart: bool,
    cart_builds: Vec<Uuid>,
    razorpay_order_id: Option<String>,
    razorpay_payment_id: Option<String>,
}

impl LockedRow {
    fn into_locked(self) -> anyhow::Result<LockedOrder> {
        Ok(LockedOrder {
            id: self.id,
            user_id: self.user_id,
            order_number: self.order_number,
            status: order_status(&self.status)?,
            cancel_reason: cancel_reason(self.cancel_reason.as_deref()),
            payment_method: payment_method(&self.payment_method),
            payment_status: payment_status(&self.payment_status)?,
            total: Money::from_paise(self.total_paise),
            refunded: Money::from_paise(self.refunded_paise),
            coupon_id: self.coupon_id,
            coupon_code: self.coupon_code,
            from_cart: self.from_cart,
            cart_builds: self.cart_builds,
            razorpay_order_id: self.razorpay_order_id,
            razorpay_payment_id: self.razorpay_payment_id,
        })
    }
}

/// Order lines as columns, for one `unnest` insert.
#[derive(Default)]
struct ItemColumns {
    line_no: Vec<i32>,
    product_id: Vec<Uuid>,
    sku: Vec<String>,
    name: Vec<String>,
    brand: Vec<String>,
    image: Vec<Option<String>>,
    unit_price: Vec<i64>,
    tax_rate_bps: Vec<i32>,
    unit_tax: Vec<i64>,
    quantity: Vec<i64>,
    discount: Vec<i64>,
    tax: Vec<i64>,
    line_total: Vec<i64>,
    hsn_code: Vec<Option<String>>,
}

impl ItemColumns {
    fn of(items: &[NewOrderItem]) -> Self {
        let mut columns = ItemColumns::default();
        for (line_no, item) in items.iter().enumerate() {
            columns.line_no.push(i32::try_from(line_no).unwrap_or(i32::MAX));
            columns.product_id.push(item.product_id);
            columns.sku.push(item.sku.clone());
            columns.name.push(item.name.clone());
            columns.brand.push(item.brand.clone());
            columns.image.push(item.image.clone());
            columns.unit_price.push(item.unit_price.paise());
            columns.tax_rate_bps.push(i32::try_from(item.tax_rate_bps).unwrap_or(i32::MAX));
            columns.unit_tax.push(item.unit_tax.paise());
            columns.quantity.push(item.quantity);
            columns.discount.push(item.discount.paise());
            columns.tax.push(item.tax.paise());
            columns.line_total.push(item.line_total.paise());
            columns.hsn_code.push(item.hsn_code.clone());
        }
        columns
    }
}

/// The order, its items and (paid online) its first history entry, in one statement.
const INSERT_ORDER: &str = "WITH numbered AS (SELECT nextval('orders.order_numbers')::text AS n),
     placed AS (
         INSERT INTO orders.orders (id, order_number, user_id, status, subtotal_paise, discount_paise, tax_paise,
             shipping_paise, total_paise, currency, coupon_id, coupon_code, shipping_address, from_cart,
             payment_method, payment_status, reservation_expires_at, created_at, updated_at,
             payment_opening_until, cart_builds, billing_gstin, billing_legal_name)
         SELECT $1, 'RM-' || $17 || '-' || repeat('0', greatest(0, 6 - length(n))) || n, $2, 'payment_pending',
             $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16,
             CASE WHEN $13 = 'razorpay' THEN now() + make_interval(secs => $31) END, $32, $34, $35
         FROM numbered
         RETURNING id, order_number
     ),
     items AS (
         INSERT INTO orders.order_items (order_id, line_no, product_id, sku, name, brand, image,
             unit_price_paise, tax_rate_bps, unit_tax_paise, quantity, discount_paise, tax_paise, line_total_paise,
             hsn_code)
         SELECT placed.id, l.* FROM placed, unnest($18::int[], $19::uuid[], $20::text[], $21::text[],
             $22::text[], $23::text[], $24::bigint[], $25::int[], $26::bigint[], $27::bigint[], $28::bigint[],
             $29::bigint[], $30::bigint[], $33::text[]) AS l
     ),
     history AS (
         INSERT INTO orders.order_history (order_id, status, note)
         SELECT id, 'payment_pending', 'order placed' FROM placed WHERE $13 = 'razorpay'
     )
     SELECT order_number FROM placed";

impl OrderStore for PgOrderStore {
    async fn insert(&self, tx: &mut Tx, order: &NewOrder) -> anyhow::Result<String> {
        let items = ItemColumns::of(&order.items);
        sqlx::query_scalar(INSERT_ORDER)
            .bind(order.id)
            .bind(order.user)
            .bind(order.totals.subtotal.paise())
            .bind(order.totals.discount.paise())
            .bind(order.totals.tax.paise())
            .bind(order.totals.shipping.paise())
            .bind(order.totals.total.paise())
            .bind(order.currency)
            .bind(order.coupon_id)
            .bind(&order.coupon_code)
            .bind(order.address.as_ref().map(Json))
            .bind(order.from_cart)
            .bind(payment_method_value(order.method))
            .bind(payment_status_value(order.payment_status))
            .bind(order.expires_at)
            .bind(order.now)
            .bind(order.now.format("%Y%m%d").to_string())
            .bind(&items.line_no)
            .bind(&items.product_id)
            .bind(&items.sku)
            .bind(&items.name)
            .bind(&items.brand)
            .bind(&items.image)
            .bind(&items.unit_price)
            .bind(&items.tax_rate_bps)
            .bind(&items.unit_tax)
            .bind(&items.quantity)
            .bind(&items.discount)
            .bind(&items.tax)
            .bind(&items.line_total)
            .bind(order.payment_opening_lease.as_secs_f64())
            .bind(&order.cart_builds)
            .bind(&items.hsn_code)
            .bind(order.billing.gstin.as_ref().map(|gstin| gstin.as_str()))
            .bind(order.billing.legal_name.as_deref())
            .fetch_one(&mut *tx)
            .await
            .context("writing an order")
    }

    async fn load(&self, conn: &mut Tx, id: Uuid) -> anyhow::Result<Option<Order>> {
        let row: Option<OrderRow> = sqlx::query_as(order_select!("WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .context("loading an order")?;
        match row {
            Some(row) => Ok(complete(conn, vec![row]).await?.pop()),
            None => Ok(None),
        }
    }

    async fn list_for_user(
        &self,
        user: Uuid,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> anyhow::Result<Page<Order>> {
        let mut conn = self.pool.acquire().await.context("listing orders")?;
        let rows: Vec<OrderRow> = sqlx::query_as(order_select!(
            "WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(user)
        .bind(after.map(|(at, _)| at))
        .bind(after.map(|(_, id)| id))
        .bind(limit.fetch_size())
        .fetch_all(&mut *conn)
        .await
        .context("listing orders")?;
        let orders = complete(&mut conn, rows).await?;
        Ok(Page::from_rows(orders, limit, |order| (order.created_at, order.id)))
    }

    async fn lock(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<LockedOrder>> {
        let row: Option<LockedRow> = sqlx::query_as(
            "SELECT id, user_id, order_number, status, cancel_reason, payment_method, payment_status, total_paise,
                    refunded_paise, coupon_id, coupon_code, from_cart, cart_builds, razorpay_order_id,
                    razorpay_payment_id
             FROM orders.orders WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(tx)
        .await
        .context("locking an order")?;
        row.map(LockedRow::into_locked).transpose()
    }

    async fn lock_customer(&self, tx: &mut Tx, user: Uuid) -> anyhow::Result<()> {
        // Seed 18: a key space apart from inventory's per-order locks (seed 7).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 18))")
            .bind(user)
            .execute(tx)
            .await
            .context("locking a customer's checkouts")?;
        Ok(())
    }

    async fn pending_count(&self, conn: &mut Tx, user: Uuid) -> anyhow::Result<i64> {
        // The status is spelled, not bound: `orders_pending_by_user` is partial on it.
        sqlx::query_scalar("SELECT count(*) FROM orders.orders WHERE user_id = $1 AND status = 'payment_pending'")
            .bind(user)
            .fetch_one(conn)
            .await
            .context("counting a customer's orders waiting for payment")
    }

    async fn open_cod_count(&self, conn: &mut Tx, user: Uuid) -> anyhow::Result<i64> {
        // Spelled, not bound: `orders_open_cod_by_user` is partial on them.
        sqlx::query_scalar(
            "SELECT count(*) FROM orders.orders
             WHERE user_id = $1 AND payment_method = 'cod' AND status IN ('confirmed', 'packed', 'shipped')",
        )
        .bind(user)
        .fetch_one(conn)
        .await
        .context("counting a customer's open cash-on-delivery orders")
    }

    async fn sales_facts(&self, conn: &mut Tx, ids: &[Uuid]) -> anyhow::Result<Vec<SalesFacts>> {
        super::sales::sales_facts(conn, ids).await
    }

    async fn invoice_facts(&self, conn: &mut Tx, id: Uuid) -> anyhow::Result<Option<InvoiceFacts>> {
        super::invoices::invoice_facts(conn, id).await
    }

    async fn ids_after(&self, conn: &mut Tx, after: Option<Uuid>, limit: i64) -> anyhow::Result<Vec<Uuid>> {
        super::sales::order_ids_after(conn, after, limit).await
    }

    async fn lines(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<Vec<(Uuid, i64)>> {
        sqlx::query_as("SELECT product_id, quantity FROM orders.order_items WHERE order_id = $1 ORDER BY line_no")
            .bind(id)
            .fetch_all(tx)
            .await
            .context("reading an order's lines")
    }

    async fn set_status(&self, tx: &mut Tx, id: Uuid, to: OrderStatus) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET status = $2, updated_at = now(),
                 cancel_reason = CASE WHEN $2 = 'cancelled' THEN cancel_reason ELSE NULL END
             WHERE id = $1",
        )
        .bind(id)
        .bind(to.as_str())
        .execute(tx)
        .await
        .context("moving an order")?;
        Ok(())
    }

    async fn add_history(&self, tx: &mut Tx, id: Uuid, status: OrderStatus, note: Option<&str>) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO orders.order_history (order_id, status, note) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(status.as_str())
            .bind(note)
            .execute(tx)
            .await
            .context("writing order history")?;
        Ok(())
    }

    async fn set_payment_status(&self, tx: &mut Tx, id: Uuid, status: PaymentStatus) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET payment_status = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(payment_status_value(status))
            .execute(tx)
            .await
            .context("setting an order's payment status")?;
        Ok(())
    }

    async fn set_cancel_reason(&self, tx: &mut Tx, id: Uuid, reason: CancelReason) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET cancel_reason = $2, reservation_expires_at = NULL WHERE id = $1")
            .bind(id)
            .bind(reason.as_str())
            .execute(tx)
            .await
            .context("recording why an order was cancelled")?;
        Ok(())
    }

    async fn confirm_cash_on_delivery(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET status = 'confirmed', reservation_expires_at = NULL WHERE id = $1")
            .bind(id)
            .execute(tx)
            .await
            .context("confirming a COD order")?;
        Ok(())
    }

    async fn record_payment(&self, tx: &mut Tx, id: Uuid, payment_id: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET payment_status = $3, razorpay_payment_id = $2, paid_at = now(),
                 reservation_expires_at = NULL, cancel_reason = NULL, updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(payment_id)
        .bind(payment_status_value(PaymentStatus::Captured))
        .execute(tx)
        .await
        .context("marking an order paid")?;
        Ok(())
    }

    async fn reopen_payment(
        &self,
        tx: &mut Tx,
        id: Uuid,
        expires_at: DateTime<Utc>,
        lease: Duration,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET payment_status = $4, reservation_expires_at = $2, cancel_reason = NULL,
                 razorpay_order_id = NULL, payment_opening_until = now() + make_interval(secs => $3)
             WHERE id = $1",
        )
        .bind(id)
        .bind(expires_at)
        .bind(lease.as_secs_f64())
        .bind(payment_status_value(PaymentStatus::Pending))
        .execute(tx)
        .await
        .context("retrying a payment")?;
        Ok(())
    }

    async fn record_refund(
        &self,
        tx: &mut Tx,
        id: Uuid,
        payment_id: &str,
        amount: Money,
        own_payment: bool,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET updated_at = now(),
                 refunded_paise = refunded_paise + CASE WHEN $3 THEN $2 ELSE 0 END,
                 payment_status = CASE WHEN $3 AND refunded_paise + $2 >= total_paise THEN $5 ELSE payment_status END,
                 razorpay_payment_id = CASE WHEN $3 THEN $4 ELSE razorpay_payment_id END
             WHERE id = $1",
        )
        .bind(id)
        .bind(amount.paise())
        .bind(own_payment)
        .bind(payment_id)
        .bind(payment_status_value(PaymentStatus::Refunded))
        .execute(tx)
        .await
        .context("recording a refund on its order")?;
        Ok(())
    }

    async fn set_attention(&self, tx: &mut Tx, id: Uuid, reason: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET attention = $2, attention_at = now(), updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(reason)
            .execute(tx)
            .await
            .context("flagging an order for an admin")?;
        Ok(())
    }

    async fn set_documents_due(&self, tx: &mut Tx, id: Uuid, due: bool) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET tax_documents_due = $2 WHERE id = $1")
            .bind(id)
            .bind(due)
            .execute(tx)
            .await
            .context("marking an order's tax documents owed")?;
        Ok(())
    }

    async fn clear_attention(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET attention = NULL, attention_at = NULL, updated_at = now()
             WHERE id = $1 AND attention IS NOT NULL",
        )
        .bind(id)
        .execute(tx)
        .await
        .context("clearing an order's flag")?;
        Ok(())
    }

    async fn set_shipment(&self, tx: &mut Tx, id: Uuid, shipment: &NewShipment) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE orders.orders SET carrier = $2, tracking_number = $3, tracking_url = $4, shipment_description = $5,
                 shipped_at = now(), updated_at = now()
             WHERE id = $1",
        )
        .bind(id)
        .bind(&shipment.carrier)
        .bind(&shipment.tracking_number)
        .bind(&shipment.tracking_url)
        .bind(&shipment.description)
        .execute(tx)
        .await
        .context("recording a shipment")?;
        Ok(())
    }

    async fn set_delivered(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<()> {
        sqlx::query("UPDATE orders.orders SET delivered_at = now(), updated_at = now() WHERE id = $1")
            .bind(id)
            .execute(tx)
            .await
            .context("recording a delivery")?;
        Ok(())
    }

    async fn claim_for_reconciliation(&self, older_than: Duration, limit: i64) -> anyhow::Result<Vec<Uuid>> {
        sqlx::query_scalar(
            "UPDATE orders.orders SET reconcile_after = CASE
                 WHEN status = 'payment_pending' THEN now() + interval '1 minute'
                 WHEN created_at < now() - interval '1 day' THEN 'infinity'
                 ELSE now() + interval '10 minutes' END
             WHERE id IN (
                 SELECT id FROM orders.orders
                 WHERE reconcile_after <= now() AND payment_method = 'razorpay'
                   AND status IN ('payment_pending', 'payment_failed', 'cancelled')
                   AND (status = 'payment_pending' AND created_at <= now() - make_interval(secs => $1)
                        OR (status = 'payment_pending' AND razorpay_order_id IS NULL
                            AND payment_opening_until <= now())
                        OR status = 'payment_failed'
                        OR (status = 'cancelled' AND cancel_reason = 'expired'))
                 ORDER BY reconcile_after LIMIT $2
                 FOR UPDATE SKIP LOCKED)
             RETURNING id",
        )
        .bind(older_than.as_secs_f64())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("claiming orders to reconcile")
    }

    async fn claim_payment_opening(
        &self,
        tx: &mut Tx,
        id: Uuid,
        lease: Duration,
        hold_until: DateTime<Utc>,
    ) -> anyhow::Result<Option<(String, Money)>> {
        let claimed: Option<(String, i64)> = sqlx::query_as(
            "UPDATE orders.orders
             SET payment_opening_until = now() + make_interval(secs => $2),
                 reservation_expires_at = greatest(reservation_expires_at, $3), updated_at = now()
             WHERE id = $1 AND status = 'payment_pending' AND payment_method = 'razorpay'
               AND razorpay_order_id IS NULL
               AND (payment_opening_until IS NULL OR payment_opening_until <= now())
             RETURNING order_number, total_paise",
        )
        .bind(id)
        .bind(lease.as_secs_f64())
        .bind(hold_until)
        .fetch_optional(tx)
        .await
        .context("claiming an order's payment opening")?;
        Ok(claimed.map(|(number, total)| (number, Money::from_paise(total))))
    }

    async fn payment_opened_elsewhere(&self, tx: &mut Tx, id: Uuid) -> anyhow::Result<bool> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM orders.orders
                 WHERE id = $1 AND status = 'payment_pending' AND razorpay_order_id IS NULL
                   AND payment_opening_until > now())",
        )
        .bind(id)
        .fetch_one(tx)
        .await
        .context("reading an order's payment opening")
    }
}
