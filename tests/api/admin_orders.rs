//! `GET /api/v1/admin/orders` and `GET /api/v1/admin/orders/{id}`: every order of the
//! store found by status, payment method, attention, customer (e-mail or phone), number
//! and India Standard Time days, in stable keyset pages, each with its customer,
//! payments, refunds and returns; and `orders_by_status` on `/metrics`.

use std::collections::HashSet;
use std::sync::Arc;

use api_types::ErrorCode;
use api_types::admin_orders::{AdminOrder, AdminOrderQuery, RefundStatus};
use api_types::orders::{OrderStatus, PaymentMethod, PlaceOrder, PlacedOrder};
use api_types::payments::RazorpayPaymentStatus;
use api_types::users::UpdateMe;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::Limit;
use orders::model::PaymentMethod as DomainPaymentMethod;
use orders::postgres::PgOrderSearch;
use orders::search::OrderFilter;
use orders::status::OrderStatus as DomainOrderStatus;
use reqwest::StatusCode;
use rigmaster_tests::app::TestUser;
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::{all_at_once, spawn_shop};
use rigmaster_tests::{TestApp, assert_refused};
use uuid::Uuid;

use crate::addresses::home;

/// An admin, two customers (Asha with a phone) and a product they buy.
struct Store {
    app: Arc<TestApp>,
    admin: TestUser,
    asha: TestUser,
    ravi: TestUser,
    product: Uuid,
}

const ASHA_PHONE: &str = "+919876543210";

async fn open_store() -> Store {
    let app = Arc::new(spawn_shop().await);
    let admin = app.register_admin().await;
    let asha = app.register_customer().await;
    let ravi = app.register_customer().await;
    asha.api.update_me(&UpdateMe { name: None, phone: Some("98765 43210".into()) }).await.unwrap();
    let product = app.create_stocked_product(&admin, 100_000, 1_000).await;
    Store { app, admin, asha, ravi, product }
}

impl Store {
    /// One unit bought online (waiting for payment).
    async fn online(&self, customer: &TestUser) -> PlacedOrder {
        self.app.buy(customer, self.product, 1).await
    }

    /// One unit bought cash on delivery (confirmed).
    async fn cash_on_delivery(&self, customer: &TestUser) -> PlacedOrder {
        let cod = PlaceOrder {
            payment_method: PaymentMethod::Cod,
            shipping_address: Some(home()),
            ..order_of(self.product, 1)
        };
        self.app.checkout(customer, &cod).await
    }

    /// The numbers of the orders the admin finds (one page of up to 100), in order.
    async fn found(&self, query: AdminOrderQuery) -> Vec<String> {
        let query = AdminOrderQuery { limit: Some(100), ..query };
        let page = self.admin.api.admin_orders(&query).await.unwrap();
        page.items.into_iter().map(|order| order.order.order_number).collect()
    }

    async fn set_created_at(&self, order: &PlacedOrder, at: &str) {
        let at: DateTime<Utc> = at.parse().unwrap();
        sqlx::query("UPDATE orders.orders SET created_at = $2 WHERE id = $1")
            .bind(order.order.id)
            .bind(at)
            .execute(&self.app.db.pool().await)
            .await
            .unwrap();
    }

    /// Flags the order for an admin, as a failed refund does.
    async fn flag(&self, order: &PlacedOrder, reason: &str) {
        sqlx::query("UPDATE orders.orders SET attention = $2, attention_at = now() WHERE id = $1")
            .bind(order.order.id)
            .bind(reason)
            .execute(&self.app.db.pool().await)
            .await
            .unwrap();
    }
}

fn number(order: &PlacedOrder) -> String {
    order.order.order_number.clone()
}

fn numbers(orders: &[&PlacedOrder]) -> Vec<String> {
    orders.iter().map(|order| number(order)).collect()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[tokio::test]
async fn each_filter_finds_only_its_orders_alone_and_combined() {
    let store = open_store().await;
    let asha_online = store.online(&store.asha).await;
    let asha_cod = store.cash_on_delivery(&store.asha).await;
    let ravi_paid = store.online(&store.ravi).await;
    store.app.pay(&ravi_paid, "success", "normal").await;
    store.app.wait_for_order_status(&store.ravi, ravi_paid.order.id, OrderStatus::Paid).await;
    let ravi_flagged = store.online(&store.ravi).await;
    store.flag(&ravi_flagged, "refund failed at Razorpay").await;
    let query = AdminOrderQuery::default;

    let everything = store.found(query()).await;
    let pending = store.found(AdminOrderQuery { status: Some(OrderStatus::PaymentPending), ..query() }).await;
    let cod = store.found(AdminOrderQuery { payment_method: Some(PaymentMethod::Cod), ..query() }).await;
    let flagged = store.found(AdminOrderQuery { attention: Some(true), ..query() }).await;
    let unflagged = store.found(AdminOrderQuery { attention: Some(false), ..query() }).await;
    let asha_pending = store
        .found(AdminOrderQuery {
            status: Some(OrderStatus::PaymentPending),
            q: Some(store.asha.email.clone()),
            ..query()
        })
        .await;
    let paid_online = store
        .found(AdminOrderQuery {
            status: Some(OrderStatus::Paid),
            payment_method: Some(PaymentMethod::Razorpay),
            attention: Some(false),
            ..query()
        })
        .await;
    let paid_cod = store
        .found(AdminOrderQuery { status: Some(OrderStatus::Paid), payment_method: Some(PaymentMethod::Cod), ..query() })
        .await;

    assert_eq!(everything, numbers(&[&ravi_flagged, &ravi_paid, &asha_cod, &asha_online]), "newest first");
    assert_eq!(pending, numbers(&[&ravi_flagged, &asha_online]));
    assert_eq!(cod, numbers(&[&asha_cod]));
    assert_eq!(flagged, numbers(&[&ravi_flagged]));
    assert_eq!(unflagged, numbers(&[&ravi_paid, &asha_cod, &asha_online]));
    assert_eq!(asha_pending, numbers(&[&asha_online]));
    assert_eq!(paid_online, numbers(&[&ravi_paid]));
    assert!(paid_cod.is_empty());
}

#[tokio::test]
async fn an_admin_order_shows_its_customer_payments_refunds_returns_and_attention() {
    let store = open_store().await;
    let placed = store.online(&store.asha).await;
    let paid = store.app.pay(&placed, "success", "normal").await;
    store.app.wait_for_order_status(&store.asha, placed.order.id, OrderStatus::Paid).await;
    store.asha.api.cancel_order(placed.order.id, Some("changed my mind")).await.unwrap();
    let returned = Uuid::new_v4();
    let pool = store.app.db.pool().await;
    sqlx::query(
        "WITH r AS (INSERT INTO orders.returns (id, order_id, restock, reason, created_by)
                    VALUES ($1, $2, true, 'damaged box', $3) RETURNING id)
         INSERT INTO orders.return_items (return_id, product_id, quantity) SELECT id, $4, 1 FROM r",
    )
    .bind(returned)
    .bind(placed.order.id)
    .bind(store.admin.id)
    .bind(store.product)
    .execute(&pool)
    .await
    .unwrap();
    store.flag(&placed, "refund failed at Razorpay").await;

    let order = store.admin.api.admin_order(&placed.order.id.to_string()).await.unwrap();

    assert_eq!(order.order.id, placed.order.id);
    assert!(matches!(order.order.status, OrderStatus::Cancelled | OrderStatus::Refunded), "{:?}", order.order.status);
    assert_eq!(order.customer.id, store.asha.id);
    assert_eq!(order.customer.email, store.asha.email);
    assert_eq!(order.customer.phone.as_deref(), Some(ASHA_PHONE));
    assert_eq!(order.customer.name, "Test Customer");
    let payment_id = paid["razorpay_payment_id"].as_str().unwrap();
    assert_eq!(order.payments.len(), 1, "{:?}", order.payments);
    assert_eq!(order.payments[0].razorpay_payment_id, payment_id);
    assert_eq!(order.payments[0].amount_paise, placed.order.total_paise);
    assert!(matches!(order.payments[0].status, RazorpayPaymentStatus::Captured | RazorpayPaymentStatus::Refunded));
    assert_eq!(order.refunds.len(), 1, "the cancellation's refund: {:?}", order.refunds);
    assert_eq!(order.refunds[0].amount_paise, placed.order.total_paise);
    assert_eq!(order.refunds[0].razorpay_payment_id, payment_id);
    assert_ne!(order.refunds[0].status, RefundStatus::Failed);
    assert_eq!(order.returns.len(), 1);
    assert_eq!((order.returns[0].id, order.returns[0].items[0].quantity), (returned, 1));
    assert_eq!(order.attention.map(|a| a.reason).as_deref(), Some("refund failed at Razorpay"));
    // Paid, so invoiced: the first invoice of the financial year, RM/yy-yy/000001.
    let number = order.invoice_number.expect("a paid order's invoice number");
    assert!(number.starts_with("RM/") && number.ends_with("/000001") && number.len() == 15, "{number}");
}

#[tokio::test]
async fn search_finds_an_order_by_number_by_email_in_any_case_and_by_phone() {
    let store = open_store().await;
    let asha_order = store.online(&store.asha).await;
    let ravi_order = store.online(&store.ravi).await;
    let q = |text: &str| AdminOrderQuery { q: Some(text.to_owned()), ..AdminOrderQuery::default() };
    let only_asha = numbers(&[&asha_order]);

    assert_eq!(store.found(q(&number(&ravi_order).to_lowercase())).await, numbers(&[&ravi_order]));
    assert_eq!(store.found(q(&store.asha.email.to_uppercase())).await, only_asha);
    assert_eq!(store.found(q(&format!("  {}  ", store.asha.email))).await, only_asha);
    assert_eq!(store.found(q("9876543210")).await, only_asha);
    assert_eq!(store.found(q("+91 98765-43210")).await, only_asha);
    for nobody in ["nobody@example.in", "9123456789", "RM-20990101-999999", "graphics card", "@"] {
        assert!(store.found(q(nobody)).await.is_empty(), "{nobody}");
    }
}

#[tokio::test]
async fn india_standard_time_days_split_orders_at_midnight_in_india() {
    let store = open_store().await;
    // 23:59 IST on 21 November, and 00:01 IST on 22 November.
    let late = store.online(&store.asha).await;
    store.set_created_at(&late, "2026-11-21T18:29:00Z").await;
    let early = store.online(&store.ravi).await;
    store.set_created_at(&early, "2026-11-21T18:31:00Z").await;
    let days = |from: Option<&str>, to: Option<&str>| AdminOrderQuery {
        from: from.map(day),
        to: to.map(day),
        ..AdminOrderQuery::default()
    };

    assert_eq!(store.found(days(Some("2026-11-21"), Some("2026-11-21"))).await, numbers(&[&late]));
    assert_eq!(store.found(days(Some("2026-11-22"), Some("2026-11-22"))).await, numbers(&[&early]));
    assert_eq!(store.found(days(Some("2026-11-21"), Some("2026-11-22"))).await, numbers(&[&early, &late]));
    assert_eq!(store.found(days(Some("2026-11-22"), None)).await, numbers(&[&early]));
    assert_eq!(store.found(days(None, Some("2026-11-21"))).await, numbers(&[&late]));
    assert!(store.found(days(Some("2026-11-20"), Some("2026-11-20"))).await.is_empty());
    let backwards = store.admin.api.admin_orders(&days(Some("2026-11-22"), Some("2026-11-21"))).await;
    let refused = assert_refused(backwards, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert_eq!(refused.details[0].field, "from");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_stay_stable_while_orders_are_placed() {
    let store = Arc::new(open_store().await);
    let mut earlier = Vec::new();
    for _ in 0..9 {
        earlier.push(store.online(&store.asha).await.order.id);
    }

    // New orders are placed while the admin pages, three at a time, through the list.
    let placing = {
        let store = store.clone();
        tokio::spawn(async move {
            all_at_once((0..8).map(|_| {
                let store = store.clone();
                async move { store.app.checkout(&store.ravi, &order_of(store.product, 1)).await.order.id }
            }))
            .await
        })
    };
    let mut seen: Vec<AdminOrder> = Vec::new();
    let mut cursor = None;
    for _ in 0..20 {
        let query = AdminOrderQuery { limit: Some(3), cursor: cursor.take(), ..AdminOrderQuery::default() };
        let page = store.admin.api.admin_orders(&query).await.unwrap();
        seen.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let placed = placing.await.unwrap();

    assert!(cursor.is_none(), "the pages came to an end");
    let keys: Vec<(DateTime<Utc>, Uuid)> = seen.iter().map(|o| (o.order.created_at, o.order.id)).collect();
    assert!(keys.windows(2).all(|pair| pair[0] > pair[1]), "strictly newest first, no order twice: {keys:?}");
    let seen_ids: HashSet<Uuid> = keys.iter().map(|(_, id)| *id).collect();
    assert!(earlier.iter().all(|id| seen_ids.contains(id)), "every order there before the paging is on a page");
    let placed: HashSet<Uuid> = placed.into_iter().collect();
    assert!(seen_ids.iter().all(|id| earlier.contains(id) || placed.contains(id)));
}

#[tokio::test]
async fn one_order_is_read_by_id_or_by_number() {
    let store = open_store().await;
    let placed = store.online(&store.asha).await;

    let by_id = store.admin.api.admin_order(&placed.order.id.to_string()).await.unwrap();
    let by_number = store.admin.api.admin_order(&number(&placed)).await.unwrap();
    let by_lower_case_number = store.admin.api.admin_order(&number(&placed).to_lowercase()).await.unwrap();

    assert_eq!(by_id.order.order_number, number(&placed));
    assert_eq!(by_id.customer.id, store.asha.id);
    assert_eq!(by_number, by_id);
    assert_eq!(by_lower_case_number, by_id);
    for unknown in [Uuid::new_v4().to_string(), "RM-20990101-999999".into(), "not-an-order".into()] {
        assert_refused(store.admin.api.admin_order(&unknown).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    }
}

#[tokio::test]
async fn a_customer_may_not_read_the_admin_order_list_or_an_order_there() {
    let store = open_store().await;
    let placed = store.online(&store.asha).await;

    let list = store.asha.api.admin_orders(&AdminOrderQuery::default()).await;
    let one = store.asha.api.admin_order(&placed.order.id.to_string()).await;

    assert_refused(list, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    assert_refused(one, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
}

#[tokio::test]
async fn metrics_count_the_orders_in_every_status_zeros_included() {
    let store = open_store().await;
    store.online(&store.asha).await;
    store.online(&store.ravi).await;
    store.cash_on_delivery(&store.asha).await;

    let metrics = store.app.metrics().await;

    let count = |status: &str| metrics.value("orders_by_status", &[("status", status)]);
    assert_eq!(count("payment_pending"), 2.0, "{metrics}");
    assert_eq!(count("confirmed"), 1.0);
    for status in ["paid", "packed", "shipped", "delivered", "payment_failed", "cancelled", "returned", "refunded"] {
        assert!(metrics.has(&format!("orders_by_status{{status=\"{status}\"}} 0")), "{status} listed at 0");
    }
}

#[tokio::test]
async fn every_admin_search_shape_reads_an_index_not_the_whole_table() {
    let store = open_store().await;
    let pool = store.app.db.pool().await;
    // 20,000 orders of 500 customers, as a store has them: most delivered or on their way,
    // one in a hundred failed, one in fifty cash on delivery, one in a thousand flagged.
    // Enough that PostgreSQL prefers an index when one fits.
    sqlx::query(
        "INSERT INTO orders.orders (id, order_number, user_id, status, subtotal_paise, discount_paise, tax_paise,
                                    shipping_paise, total_paise, from_cart, payment_method, payment_status,
                                    attention, attention_at, created_at)
         SELECT gen_random_uuid(), 'RM-20261101-' || lpad(g::text, 7, '0'), md5((g % 500)::text)::uuid,
                CASE WHEN g % 100 = 0 THEN 'payment_failed'
                     ELSE (ARRAY['payment_pending', 'confirmed', 'paid', 'packed', 'shipped', 'delivered',
                                 'delivered', 'delivered', 'cancelled'])[1 + g % 9] END,
                1000, 0, 0, 0, 1000, false, CASE WHEN g % 50 = 0 THEN 'cod' ELSE 'razorpay' END, 'pending',
                CASE WHEN g % 997 = 0 THEN 'refund failed' END, CASE WHEN g % 997 = 0 THEN now() END,
                now() - make_interval(mins => g)
         FROM generate_series(1, 20000) g",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE orders.orders").execute(&pool).await.unwrap();
    let search = PgOrderSearch::new(pool.clone());
    let customer: Uuid = sqlx::query_scalar("SELECT md5('7')::uuid").fetch_one(&pool).await.unwrap();
    let now = Utc::now();
    let week_ago = now - chrono::Duration::days(7);
    let after = Some((now - chrono::Duration::days(3), Uuid::nil()));
    let all = OrderFilter::default;
    let shapes: Vec<(&str, OrderFilter, Option<&str>)> = vec![
        ("everything", all(), Some("orders_by_created")),
        ("a status", OrderFilter { status: Some(DomainOrderStatus::PaymentFailed), ..all() }, Some("orders_by_status")),
        ("a common status", OrderFilter { status: Some(DomainOrderStatus::Delivered), ..all() }, None),
        ("a payment method", OrderFilter { method: Some(DomainPaymentMethod::Cod), ..all() }, Some("orders_by_method")),
        ("the common method", OrderFilter { method: Some(DomainPaymentMethod::Razorpay), ..all() }, None),
        ("needing an admin", OrderFilter { needs_attention: Some(true), ..all() }, Some("orders_needing_attention")),
        ("not needing an admin", OrderFilter { needs_attention: Some(false), ..all() }, None),
        ("a customer", OrderFilter { customers: Some(vec![customer]), ..all() }, Some("orders_by_user")),
        ("customers", OrderFilter { customers: Some(vec![customer, Uuid::new_v4()]), ..all() }, Some("orders_by_user")),
        ("a number", OrderFilter { number: Some("RM-20261101-0000042".into()), ..all() }, Some("orders_number")),
        ("days", OrderFilter { placed_from: Some(week_ago), placed_before: Some(now), ..all() }, None),
        (
            "everything at once",
            OrderFilter {
                status: Some(DomainOrderStatus::Paid),
                method: Some(DomainPaymentMethod::Razorpay),
                needs_attention: Some(false),
                customers: Some(vec![customer]),
                placed_from: Some(week_ago),
                placed_before: Some(now),
                ..all()
            },
            None,
        ),
    ];

    for (shape, filter, index) in shapes {
        for after in [None, after] {
            let plan = search.explain_search(&filter, Limit::default(), after).await.unwrap().join("\n");
            assert!(!plan.contains("Seq Scan"), "{shape}, after {after:?}:\n{plan}");
            assert!(plan.contains("Index"), "{shape}, after {after:?}:\n{plan}");
            if let Some(index) = index {
                assert!(plan.contains(index), "{shape} through {index}, after {after:?}:\n{plan}");
            }
        }
    }
}
