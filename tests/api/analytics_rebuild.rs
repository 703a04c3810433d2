//! `rigmaster analytics rebuild`: the sales figures recomputed from the orders, compared
//! table by table, and put right; and `rigmaster seed-demo --orders`, whose bulk history
//! the rebuild finds consistent.

use api_types::admin_orders::{NewRefund, NewReturn, ReturnLine, ShipOrder, StatusChange};
use api_types::orders::OrderStatus;
use api_types::page::PageParams;
use rigmaster_api::app::analytics_rebuild::{RebuildMode, RebuildOutcome, rebuild_sales};
use rigmaster_api::app::demo_orders::DemoHistory;
use rigmaster_api::seed::seed_demo_history;
use rigmaster_tests::app::{TestApp, TestUser, test_settings};
use rigmaster_tests::shop::{new_key, spawn_shop};
use uuid::Uuid;

const TABLES: [&str; 6] = ["order_sales", "sales_days", "product_days", "product_months", "status_days", "customers"];

/// Runs the rebuild as `rigmaster analytics rebuild [--check]` does.
async fn rebuild(app: &TestApp, mode: RebuildMode) -> RebuildOutcome {
    let pool = app.db.pool().await;
    let orders = rigmaster_api::state::orders_service(pool.clone(), &test_settings(app.db.url())).unwrap();
    let outcome = rebuild_sales(&pool, &orders, mode).await.expect("a rebuild");
    pool.close().await;
    outcome
}

fn rows_differing(outcome: &RebuildOutcome) -> Vec<(&'static str, i64)> {
    TABLES.iter().map(|&table| (table, outcome.report.rows_differing(table))).collect()
}

async fn paid(app: &TestApp, customer: &TestUser, product: Uuid, quantity: i64) -> Uuid {
    let placed = app.buy(customer, product, quantity).await;
    app.pay(&placed, "success", "normal").await;
    app.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await.id
}

async fn refund(app: &TestApp, admin: &TestUser, customer: &TestUser, order: Uuid, amount_paise: i64) {
    let asked = NewRefund { amount_paise: Some(amount_paise), reason: "goodwill".into() };
    admin.api.refund_order(order, &asked, &new_key()).await.expect("a refund");
    app.wait_for_order(customer, order, "the refund", |o| o.payment.refunded_paise >= amount_paise).await;
}

async fn delivered(admin: &TestUser, order: Uuid) {
    let packed = StatusChange { status: OrderStatus::Packed, note: None };
    admin.api.change_order_status(order, &packed).await.expect("packed");
    let shipment = ShipOrder {
        carrier: "Delhivery".into(),
        tracking_number: "DL123456789IN".into(),
        tracking_url: None,
        description: None,
    };
    admin.api.ship_order(order, &shipment).await.expect("shipped");
    let delivered = StatusChange { status: OrderStatus::Delivered, note: None };
    admin.api.change_order_status(order, &delivered).await.expect("delivered");
}

/// Purchases, a partial refund, a partial return with its refund, and a cancellation.
async fn a_store_with_history() -> (TestApp, Uuid, Uuid) {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let (asha, ravi) = (app.register_customer().await, app.register_customer().await);
    let gpu = app.create_stocked_product(&admin, 3_000_000, 20).await;
    let ram = app.create_stocked_product(&admin, 450_000, 20).await;

    let first = paid(&app, &asha, gpu, 1).await;
    let refunded = paid(&app, &ravi, ram, 2).await;
    refund(&app, &admin, &ravi, refunded, 100_000).await;
    let cancelled = app.buy(&asha, ram, 1).await.order.id;
    asha.api.cancel_order(cancelled, None).await.expect("cancelled");
    let returned = paid(&app, &ravi, ram, 3).await;
    delivered(&admin, returned).await;
    let back = NewReturn {
        items: vec![ReturnLine { product_id: ram, quantity: 1 }],
        restock: true,
        reason: "Customer changed their mind".into(),
        refund_paise: Some(450_000),
    };
    admin.api.record_return(returned, &back).await.expect("a return");
    app.wait_for_order(&ravi, returned, "the return's refund", |o| o.payment.refunded_paise == 450_000).await;
    (app, first, ram)
}

async fn execute(app: &TestApp, sql: &str, id: Uuid) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).bind(id).execute(&app.db.pool().await).await.expect(sql);
}

#[tokio::test]
async fn the_figures_kept_by_every_order_change_equal_the_rebuilt_ones() {
    let (app, _, _) = a_store_with_history().await;

    let checked = rebuild(&app, RebuildMode::Check).await;

    assert!(checked.report.is_clean(), "{}", checked.report);
    assert_eq!(checked.orders, 4);
    assert!(!checked.fixed);
}

#[tokio::test]
async fn a_rebuild_reports_exactly_the_corrupted_rows_and_puts_them_right() {
    let (app, first, ram) = a_store_with_history().await;
    execute(&app, "UPDATE analytics.sales_days SET orders = orders + 1 WHERE day = (SELECT day FROM analytics.order_sales WHERE order_id = $1)", first).await;
    execute(&app, "DELETE FROM analytics.order_sales WHERE order_id = $1", first).await;
    execute(&app, "INSERT INTO analytics.product_days (day, product_id, units, revenue_paise) VALUES (DATE '2020-01-01', $1, 1, 100)", ram).await;

    let checked = rebuild(&app, RebuildMode::Check).await;
    assert_eq!(
        rows_differing(&checked),
        [
            ("order_sales", 1),
            ("sales_days", 1),
            ("product_days", 1),
            ("product_months", 0),
            ("status_days", 0),
            ("customers", 0)
        ],
        "{}",
        checked.report
    );
    let report = checked.report.to_string();
    assert!(report.contains(&first.to_string()) && report.contains("2020-01-01"), "{report}");

    let fixed = rebuild(&app, RebuildMode::Fix).await;
    assert!(fixed.fixed);
    assert_eq!(rows_differing(&fixed), rows_differing(&checked), "the fix reports what it put right");

    let after = rebuild(&app, RebuildMode::Check).await;
    assert!(after.report.is_clean(), "{}", after.report);
}

#[tokio::test]
async fn a_demo_history_leaves_orders_stock_and_figures_consistent_and_is_added_once() {
    let app = spawn_shop().await;
    app.seed_demo().await;
    let pool = app.db.pool().await;
    let settings = test_settings(app.db.url());
    let stock = "SELECT product_id, on_hand, reserved FROM inventory.stock ORDER BY product_id";
    let stock_before: Vec<(Uuid, i64, i64)> = sqlx::query_as(stock).fetch_all(&pool).await.unwrap();

    let added = seed_demo_history(&pool, &settings, 300, 7).await.expect("a demo history");

    let DemoHistory::Added { orders: 300, lines, customers } = added else { panic!("{added:?}") };
    assert!((600..=1_500).contains(&lines) && customers >= 20, "{added:?}");
    let statuses: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM orders.orders GROUP BY 1 ORDER BY 2 DESC")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(statuses.iter().map(|(_, n)| n).sum::<i64>(), 300);
    assert_eq!(statuses[0].0, "delivered", "most of a year's orders are delivered: {statuses:?}");
    let stock_after: Vec<(Uuid, i64, i64)> = sqlx::query_as(stock).fetch_all(&pool).await.unwrap();
    assert_eq!(stock_after, stock_before, "the store's stock is what it was");
    let unbalanced: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT product_id FROM inventory.ledger WHERE reason LIKE 'demo history%'
          GROUP BY product_id HAVING sum(delta) <> 0) p",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unbalanced, 0, "every unit sold was received first");
    let (committed, sold): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT coalesce(sum(quantity), 0)::bigint FROM inventory.reservations WHERE status = 'committed'),
                (SELECT coalesce(sum(i.quantity), 0)::bigint FROM orders.order_items i
                   JOIN orders.orders o ON o.id = i.order_id WHERE o.status <> 'cancelled')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(committed, sold, "every sold line has its committed reservation");
    let checked = rebuild(&app, RebuildMode::Check).await;
    assert!(checked.report.is_clean(), "{}", checked.report);
    admin_views_a_refunded_demo_order_and_a_ledger(&app, &pool).await;

    let again = seed_demo_history(&pool, &settings, 300, 7).await.expect("a second run");
    assert_eq!(again, DemoHistory::AlreadyPresent);
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders.orders").fetch_one(&pool).await.unwrap();
    assert_eq!(orders, 300);
}

/// The admin's views read the bulk history as they read live orders.
async fn admin_views_a_refunded_demo_order_and_a_ledger(app: &TestApp, pool: &sqlx::PgPool) {
    let admin = app.register_admin().await;
    let (order, refunds): (Uuid, i64) = sqlx::query_as(
        "SELECT o.id, count(r.id) FROM orders.orders o JOIN orders.refunds r ON r.order_id = o.id
          GROUP BY o.id ORDER BY o.id LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .expect("a refunded demo order");
    let seen = admin.api.admin_order(&order.to_string()).await.expect("the admin's view of a demo order");
    assert_eq!(seen.refunds.len() as i64, refunds);
    assert!(seen.order.order_number.starts_with("RM-DEMO-") && seen.customer.email.ends_with("@demo.rigmaster.in"));
    let best_seller: Uuid = sqlx::query_scalar(
        "SELECT product_id FROM orders.order_items GROUP BY 1 ORDER BY sum(quantity) DESC, 1 LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let ledger = admin.api.stock_ledger(best_seller, &PageParams::default()).await.expect("the stock ledger");
    let (on_hand, _) = app.stock_levels(best_seller).await;
    let history: Vec<(i64, i64)> = ledger
        .items
        .iter()
        .filter(|entry| entry.reason.as_deref().is_some_and(|reason| reason.starts_with("demo history")))
        .map(|entry| (entry.delta, entry.on_hand_after))
        .collect();
    let sold = history.iter().find(|(delta, _)| *delta < 0).expect("the sales in the ledger").0;
    assert_eq!(history.len(), 2, "one batch: units received, then sold: {history:?}");
    assert!(history.contains(&(-sold, on_hand - sold)) && history.contains(&(sold, on_hand)), "{history:?}");
}

#[tokio::test]
async fn a_check_waits_for_no_change_in_flight() {
    let (app, _, _) = a_store_with_history().await;
    let pool = app.db.pool().await;
    let mut writer = pool.begin().await.unwrap();
    // What every change to the figures holds until it commits.
    sqlx::query("SELECT pg_advisory_xact_lock_shared(hashtextextended('analytics.rebuild', 0))")
        .execute(&mut *writer)
        .await
        .unwrap();

    let checked = rebuild(&app, RebuildMode::Check).await;

    assert!(checked.report.is_clean(), "{}", checked.report);
    writer.rollback().await.unwrap();
}

#[tokio::test]
async fn a_change_that_waited_for_a_rebuild_applies_its_difference_to_the_rebuilt_figures() {
    let (app, first, _) = a_store_with_history().await;
    let admin = app.register_admin().await;
    let pool = app.db.pool().await;
    let mut rebuilding = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('analytics.rebuild', 0))")
        .execute(&mut *rebuilding)
        .await
        .unwrap();
    // What a rebuild's replace does to every row: deletes it and writes it again.
    sqlx::query(
        "WITH gone AS (DELETE FROM analytics.order_sales WHERE order_id = $1 RETURNING *)
         INSERT INTO analytics.order_sales SELECT * FROM gone",
    )
    .bind(first)
    .execute(&mut *rebuilding)
    .await
    .unwrap();

    // The admin packs the order meanwhile: its change waits for the rebuild.
    let packing = tokio::spawn(async move {
        let packed = StatusChange { status: OrderStatus::Packed, note: None };
        admin.api.change_order_status(first, &packed).await
    });
    let mut waiting = false;
    for _ in 0..400 {
        let waiters: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                .fetch_one(&pool)
                .await
                .unwrap();
        if waiters > 0 {
            waiting = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(waiting, "the change never waited for the rebuild");
    rebuilding.commit().await.unwrap();
    packing.await.unwrap().expect("packed");

    let checked = rebuild(&app, RebuildMode::Check).await;
    assert!(checked.report.is_clean(), "{}", checked.report);
}
