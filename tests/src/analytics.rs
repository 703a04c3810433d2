//! Sales history for the analytics tests: products at round prices without GST (so a
//! line's total is price × units), orders placed on chosen IST instants, and the days of
//! the store's calendar.

use api_types::catalog::NewCategory;
use api_types::orders::{Order, OrderLine, OrderStatus, PaymentMethod, PlaceOrder};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use kernel::calendar::IST;
use uuid::Uuid;

use crate::app::{TestApp, TestUser};
use crate::catalog::product_body;

/// An IST wall-clock instant, `2026-03-29 23:59` given as `(2026, 3, 29, 23, 59)`.
pub fn ist(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    IST.with_ymd_and_hms(year, month, day, hour, minute, 0).single().expect("an IST instant").with_timezone(&Utc)
}

/// A calendar day, `YYYY-MM-DD`.
pub fn day(raw: &str) -> NaiveDate {
    raw.parse().expect("a YYYY-MM-DD day")
}

impl TestApp {
    /// A category named `name` under `parent` (top level without one), at `position`
    /// among its siblings; returns its id.
    pub async fn create_category(&self, admin: &TestUser, name: &str, parent: Option<Uuid>, position: i32) -> Uuid {
        let category = NewCategory { slug: None, name: name.into(), parent_id: parent, position: Some(position) };
        admin.api.create_category(&category).await.expect("a category").id
    }

    /// An active product in `category` priced `price_paise` with no GST, `stock` on hand
    /// and a low-stock threshold of `low_stock_threshold`; returns its id.
    pub async fn create_untaxed_product(
        &self,
        admin: &TestUser,
        category: Uuid,
        price_paise: i64,
        stock: i64,
        low_stock_threshold: i64,
    ) -> Uuid {
        let mut body = product_body(price_paise, stock);
        body.tax_rate_bps = 0;
        body.category = None;
        body.category_id = Some(category);
        body.low_stock_threshold = Some(low_stock_threshold);
        admin.api.create_product(&body).await.expect("a product").summary.id
    }

    /// An order of `lines` placed at `placed_at` and paid. The server stamps an order
    /// with the time it was placed; this moves the still-unpaid order's
    /// `orders.orders.created_at` by SQL before paying it, so the payment records it in
    /// the sales figures on the chosen IST day (the figures take the day from the order
    /// row each time they record it, and move its status count along).
    pub async fn paid_order_placed_at(
        &self,
        customer: &TestUser,
        lines: &[(Uuid, i64)],
        placed_at: DateTime<Utc>,
    ) -> Order {
        let order = PlaceOrder {
            items: Some(lines.iter().map(|&(product_id, quantity)| OrderLine { product_id, quantity }).collect()),
            address_id: None,
            shipping_address: None,
            payment_method: PaymentMethod::Razorpay,
            coupon_code: None,
            billing: None,
        };
        let placed = self.checkout(customer, &order).await;
        self.backdate_order(placed.order.id, placed_at).await;
        self.pay(&placed, "success", "normal").await;
        self.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await
    }

    /// Sets an order's `created_at` (see [`TestApp::paid_order_placed_at`]: only before
    /// anything else records it).
    pub async fn backdate_order(&self, order_id: Uuid, placed_at: DateTime<Utc>) {
        let pool = self.db.pool().await;
        let moved = sqlx::query("UPDATE orders.orders SET created_at = $2 WHERE id = $1")
            .bind(order_id)
            .bind(placed_at)
            .execute(&pool)
            .await
            .expect("the order is backdated");
        assert_eq!(moved.rows_affected(), 1);
        pool.close().await;
    }
}
