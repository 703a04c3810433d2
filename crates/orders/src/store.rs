//! The orders schema: reading orders back, locking one, and moving its status with a
//! history entry in the same transaction.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Cursor, Limit, Money, Page};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{HistoryEntry, Order, OrderItem, OrderPayment, PaymentMethod, Shipment, ShippingAddress};
use crate::status::{CancelReason, InvalidTransition, OrderState, OrderStatus, check_move};

#[derive(sqlx::FromRow)]
struct OrderRow {
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
    shipment_description: Option<String>,
    shipped_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
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
            "tracking_number, shipment_description, shipped_at, delivered_at, created_at, updated_at ",
            "FROM orders.orders ",
            $rest
        )
    };
}

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

fn status_of(raw: &str) -> anyhow::Result<OrderStatus> {
    OrderStatus::parse(raw).with_context(|| format!("a stored order has the unknown status {raw}"))
}

impl OrderRow {
    fn into_order(self, items: Vec<OrderItem>, history: Vec<HistoryEntry>) -> anyhow::Result<Order> {
        let shipment = match (self.carrier, self.tracking_number) {
            (Some(carrier), Some(tracking_number)) => Some(Shipment {
                carrier,
                tracking_number,
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
            status: status_of(&self.status)?,
            cancel_reason: self.cancel_reason.as_deref().and_then(CancelReason::parse),
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
                method: if self.payment_method == "cod" { PaymentMethod::Cod } else { PaymentMethod::Razorpay },
                status: self.payment_status,
                razorpay_order_id: self.razorpay_order_id,
                razorpay_payment_id: self.razorpay_payment_id,
                paid_at: self.paid_at,
                refunded: Money::from_paise(self.refunded_paise),
            },
            shipment,
            reservation_expires_at: self.reservation_expires_at,
            history,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Completes order rows with their items and history (two queries for any number).
async fn complete(conn: &mut PgConnection, rows: Vec<OrderRow>) -> anyhow::Result<Vec<Order>> {
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
        history_by_order.entry(order_id).or_default().push(HistoryEntry { status: status_of(&status)?, at, note });
    }
    rows.into_iter()
        .map(|row| {
            let items = items_by_order.remove(&row.id).unwrap_or_default();
            let history = history_by_order.remove(&row.id).unwrap_or_default();
            row.into_order(items, history)
        })
        .collect()
}

/// One order with everything it shows.
pub(crate) async fn load(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<Order>> {
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

/// A customer's orders, newest first, by keyset.
pub(crate) async fn list_for_user(
    pool: &PgPool,
    user: Uuid,
    limit: Limit,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> anyhow::Result<Page<Order>> {
    let mut conn = pool.acquire().await.context("listing orders")?;
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

/// The cursor of a customer's order list.
pub(crate) fn decode_cursor(cursor: &Cursor) -> Result<(DateTime<Utc>, Uuid), kernel::InvalidCursor> {
    Cursor::decode(cursor.as_str())
}

/// The parts of an order its payment and lifecycle rules look at, read under its row lock.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LockedOrder {
    pub id: Uuid,
    pub user_id: Uuid,
    pub order_number: String,
    pub status: String,
    pub cancel_reason: Option<String>,
    pub payment_method: String,
    pub payment_status: String,
    pub total_paise: i64,
    pub refunded_paise: i64,
    pub coupon_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    pub from_cart: bool,
    pub razorpay_order_id: Option<String>,
    pub razorpay_payment_id: Option<String>,
}

impl LockedOrder {
    pub fn status(&self) -> anyhow::Result<OrderStatus> {
        status_of(&self.status)
    }

    pub fn state(&self) -> anyhow::Result<OrderState> {
        Ok(OrderState {
            status: self.status()?,
            cancel_reason: self.cancel_reason.as_deref().and_then(CancelReason::parse),
            paid_online: self.payment_method == "razorpay"
                && matches!(self.payment_status.as_str(), "captured" | "refunded"),
        })
    }

    pub fn total(&self) -> Money {
        Money::from_paise(self.total_paise)
    }
}

/// Locks the order row. Callers take the reservation owner's lock first (see
/// [`crate::service`]), so that the expiry job and payments never wait on each other in
/// opposite orders.
pub(crate) async fn lock(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<LockedOrder>> {
    sqlx::query_as(
        "SELECT id, user_id, order_number, status, cancel_reason, payment_method, payment_status, total_paise,
                refunded_paise, coupon_id, coupon_code, from_cart, razorpay_order_id, razorpay_payment_id
         FROM orders.orders WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
    .context("locking an order")
}

/// Moves the order to `to` if the state machine allows it, with a history entry, in
/// the caller's transaction.
pub(crate) async fn move_to(
    conn: &mut PgConnection,
    order: &LockedOrder,
    to: OrderStatus,
    note: Option<&str>,
) -> Result<(), MoveError> {
    check_move(order.state()?, to)?;
    sqlx::query(
        "UPDATE orders.orders SET status = $2, updated_at = now(),
             cancel_reason = CASE WHEN $2 = 'cancelled' THEN cancel_reason ELSE NULL END
         WHERE id = $1",
    )
    .bind(order.id)
    .bind(to.as_str())
    .execute(&mut *conn)
    .await
    .context("moving an order")?;
    add_history(conn, order.id, to, note).await?;
    crate::metrics::status_changed(to.as_str());
    Ok(())
}

pub(crate) async fn add_history(
    conn: &mut PgConnection,
    order: Uuid,
    status: OrderStatus,
    note: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO orders.order_history (order_id, status, note) VALUES ($1, $2, $3)")
        .bind(order)
        .bind(status.as_str())
        .bind(note)
        .execute(conn)
        .await
        .context("writing order history")?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum MoveError {
    #[error(transparent)]
    Invalid(#[from] InvalidTransition),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The order's lines as reservation lines.
pub(crate) async fn lines(conn: &mut PgConnection, order: Uuid) -> anyhow::Result<Vec<(Uuid, i64)>> {
    sqlx::query_as("SELECT product_id, quantity FROM orders.order_items WHERE order_id = $1 ORDER BY line_no")
        .bind(order)
        .fetch_all(conn)
        .await
        .context("reading an order's lines")
}
