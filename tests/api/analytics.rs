//! The admin sales dashboard, against figures computed by hand: products at round prices
//! without GST (an order's total is its lines'), orders placed on chosen IST instants, a
//! partial refund and a partial return (both today), a cancelled paid order, and the IST
//! midnight between a Sunday and a Monday.

use api_types::ErrorCode;
use api_types::admin_orders::{NewRefund, NewReturn, ReturnLine, ShipOrder, StatusChange};
use api_types::analytics::{
    AnalyticsRange, CategorySales, OrdersByStatus, SalesInterval, SalesPeriod, SalesQuery, StockAlertsQuery,
    TopProductsQuery, TopProductsSort,
};
use api_types::orders::OrderStatus;
use chrono::NaiveDate;
use kernel::calendar::ist_day;
use reqwest::StatusCode;
use rigmaster_tests::analytics::{day, ist};
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::assert_refused;
use rigmaster_tests::shop::{new_key, spawn_shop, spawn_shop_with};
use uuid::Uuid;

const P1_PRICE: i64 = 100_000; // ₹1,000
const P2_PRICE: i64 = 50_000; // ₹500
const P3_PRICE: i64 = 20_000; // ₹200

/// The history every figure below is computed from.
struct History {
    admin: TestUser,
    p1: Uuid,
    p2: Uuid,
    p3: Uuid,
    /// Categories: `parent` holds P2 and `child` (P1); `other`, top level, holds P3.
    parent: Uuid,
    child: Uuid,
    other: Uuid,
}

/// - A: 2026-03-29 (Sunday) 23:59 IST, customer 1: P1 × 1 = 100,000.
/// - B: 2026-03-30 (Monday) 00:01 IST, customer 2: P2 × 2 = 100,000.
/// - C: 2026-03-31 12:00 IST, customer 1: P1 × 1 + P3 × 1 = 120,000; 30,000 refunded today.
/// - D: 2026-04-01 10:00 IST, customer 3: P2 × 1 + P3 × 2 = 90,000; delivered, one P3
///   returned today (no refund).
/// - E: 2026-04-01 11:00 IST, customer 3: P1 × 1 = 100,000, paid then cancelled (refunded
///   in full, so `refunded` now): no sale.
/// - F: today, customer 4: P3 × 1, never paid.
async fn history(app: &TestApp) -> History {
    let admin = app.register_admin().await;
    let parent = app.create_category(&admin, "Analytics Parent", None, 0).await;
    let child = app.create_category(&admin, "Analytics Child", Some(parent), 0).await;
    let other = app.create_category(&admin, "Analytics Other", None, 1).await;
    let p1 = app.create_untaxed_product(&admin, child, P1_PRICE, 50, 0).await;
    let p2 = app.create_untaxed_product(&admin, parent, P2_PRICE, 50, 0).await;
    let p3 = app.create_untaxed_product(&admin, other, P3_PRICE, 50, 0).await;
    let [first, second, third, fourth] = [
        app.register_customer().await,
        app.register_customer().await,
        app.register_customer().await,
        app.register_customer().await,
    ];

    app.paid_order_placed_at(&first, &[(p1, 1)], ist(2026, 3, 29, 23, 59)).await;
    app.paid_order_placed_at(&second, &[(p2, 2)], ist(2026, 3, 30, 0, 1)).await;
    let c = app.paid_order_placed_at(&first, &[(p1, 1), (p3, 1)], ist(2026, 3, 31, 12, 0)).await;
    let d = app.paid_order_placed_at(&third, &[(p2, 1), (p3, 2)], ist(2026, 4, 1, 10, 0)).await;
    let e = app.paid_order_placed_at(&third, &[(p1, 1)], ist(2026, 4, 1, 11, 0)).await;
    app.buy(&fourth, p3, 1).await;

    let refund = NewRefund { amount_paise: Some(30_000), reason: "goodwill".into() };
    admin.api.refund_order(c.id, &refund, &new_key()).await.expect("a partial refund");
    app.wait_for_order(&first, c.id, "its refund processed", |o| o.payment.refunded_paise == 30_000).await;

    let packed = StatusChange { status: OrderStatus::Packed, note: None };
    admin.api.change_order_status(d.id, &packed).await.expect("packed");
    let shipment = ShipOrder {
        carrier: "Delhivery".into(),
        tracking_number: "DL123456789IN".into(),
        tracking_url: None,
        description: None,
    };
    admin.api.ship_order(d.id, &shipment).await.expect("shipped");
    let delivered = StatusChange { status: OrderStatus::Delivered, note: None };
    admin.api.change_order_status(d.id, &delivered).await.expect("delivered");
    let one_back = NewReturn {
        items: vec![ReturnLine { product_id: p3, quantity: 1 }],
        restock: false,
        reason: "Bent pins".into(),
        refund_paise: None,
    };
    admin.api.record_return(d.id, &one_back).await.expect("a partial return");

    third.api.cancel_order(e.id, Some("changed my mind")).await.expect("cancelled");
    app.wait_for_order(&third, e.id, "its refund processed", |o| o.payment.refunded_paise == P1_PRICE).await;

    History { admin, p1, p2, p3, parent, child, other }
}

fn range(from: &str, to: NaiveDate) -> AnalyticsRange {
    AnalyticsRange { from: Some(day(from)), to: Some(to) }
}

/// Asserts a 422 `validation_failed` whose details name `field`.
fn refused_naming<T: std::fmt::Debug>(answer: Result<T, client::Error>, field: &str) {
    let error = assert_refused(answer, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    assert!(error.details.iter().any(|d| d.field == field), "{field} named in {error:?}");
}

fn today() -> NaiveDate {
    ist_day(chrono::Utc::now())
}

fn period(start: &str, revenue_paise: i64, orders: i64, units_sold: i64, refunds_paise: i64) -> SalesPeriod {
    SalesPeriod { period_start: day(start), revenue_paise, orders, units_sold, refunds_paise }
}

fn sales(from: &str, to: &str, interval: SalesInterval) -> SalesQuery {
    SalesQuery { from: Some(day(from)), to: Some(day(to)), interval: Some(interval) }
}

#[tokio::test]
async fn the_dashboard_adds_up_a_history_computed_by_hand() {
    let app = spawn_shop().await;
    let History { admin, p1, p2, p3, parent, child, other, .. } = history(&app).await;
    let api = &admin.api;

    // Summary up to today: A, B, C, D count (E was cancelled and refunded, F never paid).
    // Revenue 100,000 + 100,000 + 120,000 + 90,000 − 30,000 refunded = 380,000;
    // units 1 + 2 + 2 + 3 − 1 returned = 7; average 380,000 ÷ 4 = 95,000.
    let summary = api.analytics_summary(&range("2026-03-29", today())).await.unwrap();
    assert_eq!(
        (summary.revenue_paise, summary.orders, summary.units_sold, summary.average_order_value_paise),
        (380_000, 4, 7, 95_000)
    );
    assert_eq!((summary.refunds_paise, summary.new_customers), (30_000, 3));
    let statuses = OrdersByStatus { paid: 3, delivered: 1, refunded: 1, payment_pending: 1, ..Default::default() };
    assert_eq!(summary.orders_by_status, statuses);

    // Before today: no refund nor return yet. 410,000 over 4 orders = 102,500; F is today's.
    let before = api.analytics_summary(&range("2026-03-29", day("2026-04-01"))).await.unwrap();
    assert_eq!(
        (
            before.revenue_paise,
            before.orders,
            before.units_sold,
            before.average_order_value_paise,
            before.refunds_paise
        ),
        (410_000, 4, 8, 102_500, 0)
    );
    assert_eq!(before.orders_by_status, OrdersByStatus { payment_pending: 0, ..statuses });

    // The IST midnight: A (23:59 Sunday) and B (00:01 Monday) fall on different days.
    let days = api.analytics_sales(&sales("2026-03-28", "2026-04-02", SalesInterval::Day)).await.unwrap();
    assert_eq!(
        days.items,
        [
            period("2026-03-28", 0, 0, 0, 0),
            period("2026-03-29", 100_000, 1, 1, 0),
            period("2026-03-30", 100_000, 1, 2, 0),
            period("2026-03-31", 120_000, 1, 2, 0),
            period("2026-04-01", 90_000, 1, 3, 0),
            period("2026-04-02", 0, 0, 0, 0),
        ]
    );
    // Weeks start on Monday: A is the week of the 23rd's; B, C, D (100,000 + 120,000 +
    // 90,000) the week of the 30th's.
    let weeks = api.analytics_sales(&sales("2026-03-28", "2026-04-02", SalesInterval::Week)).await.unwrap();
    assert_eq!(weeks.items, [period("2026-03-23", 100_000, 1, 1, 0), period("2026-03-30", 310_000, 3, 7, 0)]);
    // Months: February empty; March A + B + C; April D.
    let months = api.analytics_sales(&sales("2026-02-15", "2026-04-02", SalesInterval::Month)).await.unwrap();
    assert_eq!(
        months.items,
        [
            period("2026-02-01", 0, 0, 0, 0),
            period("2026-03-01", 320_000, 3, 5, 0),
            period("2026-04-01", 90_000, 1, 3, 0)
        ]
    );
    // Today: the refund off revenue and onto refunds, the returned unit off.
    let today_sales =
        api.analytics_sales(&SalesQuery { from: Some(today()), to: Some(today()), interval: None }).await.unwrap();
    assert_eq!(
        today_sales.items,
        [SalesPeriod {
            period_start: today(),
            revenue_paise: -30_000,
            orders: 0,
            units_sold: -1,
            refunds_paise: 30_000
        }]
    );

    // Products up to today. C's refund is shared by line totals: P1 bears
    // ⌊30,000 × 100,000 ÷ 120,000⌋ = 25,000, P3 ⌊30,000 × 20,000 ÷ 120,000⌋ = 5,000.
    // P1: 2 units, 100,000 + 100,000 − 25,000 = 175,000. P2: 3 units, 100,000 + 50,000.
    // P3: 1 + 2 − 1 = 2 units, 20,000 + 40,000 − 5,000 = 55,000.
    let top =
        |sort| TopProductsQuery { from: Some(day("2026-03-29")), to: Some(today()), limit: None, sort: Some(sort) };
    let by_revenue = api.analytics_top_products(&top(TopProductsSort::Revenue)).await.unwrap();
    let figures: Vec<(Uuid, i64, i64)> =
        by_revenue.items.iter().map(|p| (p.product_id, p.units_sold, p.revenue_paise)).collect();
    assert_eq!(figures, [(p1, 2, 175_000), (p2, 3, 150_000), (p3, 2, 55_000)]);
    assert!(by_revenue.items.iter().all(|p| p.name.as_deref().is_some_and(|n| n.starts_with("Test Processor"))));
    // By units: P2 (3), then P1 and P3 (2 each) by revenue.
    let by_units = api.analytics_top_products(&top(TopProductsSort::Units)).await.unwrap();
    let order: Vec<Uuid> = by_units.items.iter().map(|p| p.product_id).collect();
    assert_eq!(order, [p2, p1, p3]);
    let first_only = TopProductsQuery { limit: Some(1), ..top(TopProductsSort::Revenue) };
    assert_eq!(api.analytics_top_products(&first_only).await.unwrap().items.len(), 1);

    // Categories roll up: the parent holds P2 and its child's P1 (3 + 2 units,
    // 150,000 + 175,000); parents first; categories without sales left out.
    let categories = api.analytics_categories(&range("2026-03-29", today())).await.unwrap();
    let figures: Vec<(Uuid, Option<Uuid>, i64, i64)> = categories
        .items
        .iter()
        .map(|c: &CategorySales| (c.category_id, c.parent_id, c.units_sold, c.revenue_paise))
        .collect();
    assert_eq!(figures, [(parent, None, 5, 325_000), (child, Some(parent), 2, 175_000), (other, None, 2, 55_000)]);
}

#[tokio::test]
async fn sales_and_top_products_answer_csv_when_asked() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let category = app.create_category(&admin, "Analytics CSV", None, 0).await;
    let product = app.create_untaxed_product(&admin, category, P2_PRICE, 10, 0).await;
    let mut body = rigmaster_tests::catalog::product_body(P3_PRICE, 10);
    // A name a spreadsheet would run as a formula, with a comma to quote.
    body.name = "=HYPERLINK(\"x\"), a trap".into();
    body.tax_rate_bps = 0;
    let trap = admin.api.create_product(&body).await.unwrap().summary.id;
    app.paid_order_placed_at(&customer, &[(product, 2), (trap, 1)], ist(2026, 5, 4, 9, 30)).await;

    let csv = admin.api.analytics_sales_csv(&sales("2026-05-03", "2026-05-04", SalesInterval::Day)).await.unwrap();
    assert_eq!(
        csv,
        "period_start,revenue_paise,orders,units_sold,refunds_paise\n2026-05-03,0,0,0,0\n2026-05-04,120000,1,3,0\n"
    );
    let query =
        TopProductsQuery { from: Some(day("2026-05-01")), to: Some(day("2026-05-31")), limit: None, sort: None };
    let csv = admin.api.analytics_top_products_csv(&query).await.unwrap();
    // The same rows as the JSON answer: 2 × 50,000 first, then 1 × 20,000.
    let json = admin.api.analytics_top_products(&query).await.unwrap();
    let (name, product_sku) = (json.items[0].name.clone().unwrap(), json.items[0].sku.clone().unwrap());
    let trap_sku = body.sku;
    let expected = format!(
        "product_id,name,sku,units_sold,revenue_paise\n\
         {product},{name},{product_sku},2,100000\n\
         {trap},\"'=HYPERLINK(\"\"x\"\"), a trap\",{trap_sku},1,20000\n"
    );
    assert_eq!(csv, expected);

    let response = admin
        .api
        .request(reqwest::Method::GET, "/admin/analytics/sales")
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
}

#[tokio::test]
async fn the_document_describes_both_representations_of_sales_and_top_products() {
    let app = spawn_shop().await;
    let document = app.get_json("/api/v1/openapi.json").await;
    for path in ["/api/v1/admin/analytics/sales", "/api/v1/admin/analytics/top-products"] {
        let content = &document["paths"][path]["get"]["responses"]["200"]["content"];
        assert!(content["application/json"]["schema"].is_object(), "{path}: {content}");
        assert!(content["text/csv"]["schema"].is_object(), "{path}: {content}");
    }
    let summary = &document["paths"]["/api/v1/admin/analytics/summary"]["get"];
    assert_eq!(summary["tags"][0], "admin-analytics");
    assert!(summary["responses"]["422"].is_object());
}

#[tokio::test]
async fn stock_alerts_list_products_low_on_stock_with_what_sold_lately() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let category = app.create_category(&admin, "Analytics Stock", None, 0).await;
    // Threshold 5: 8 on hand, 4 sold today leaves 4, at or below it.
    let low = app.create_untaxed_product(&admin, category, P3_PRICE, 8, 5).await;
    let plenty = app.create_untaxed_product(&admin, category, P3_PRICE, 100, 5).await;
    for quantity in [3, 1] {
        let placed = app.buy(&customer, low, quantity).await;
        app.pay(&placed, "success", "normal").await;
        app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;
    }
    let placed = app.buy(&customer, plenty, 1).await;
    app.pay(&placed, "success", "normal").await;

    let alerts = admin.api.analytics_stock_alerts(&StockAlertsQuery::default()).await.unwrap();
    let ours: Vec<_> = alerts.items.iter().filter(|a| a.product_id == low || a.product_id == plenty).collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    let alert = ours[0];
    assert_eq!(alert.product_id, low);
    assert_eq!((alert.on_hand, alert.reserved, alert.available, alert.low_stock_threshold), (4, 0, 4, 5));
    assert_eq!(alert.units_sold_last_30_days, 4);
}

#[tokio::test]
async fn a_bad_range_or_parameter_is_refused_naming_it() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let api = &admin.api;
    let reversed = AnalyticsRange { from: Some(day("2026-04-02")), to: Some(day("2026-04-01")) };
    refused_naming(api.analytics_summary(&reversed).await, "from");
    let too_long = AnalyticsRange { from: Some(day("2016-01-01")), to: Some(day("2026-04-01")) };
    refused_naming(api.analytics_categories(&too_long).await, "to");
    let ancient = AnalyticsRange { from: Some(day("1899-12-31")), to: None };
    refused_naming(api.analytics_summary(&ancient).await, "from");
    let no_top = TopProductsQuery { limit: Some(0), ..Default::default() };
    refused_naming(api.analytics_top_products(&no_top).await, "limit");
    let too_many = TopProductsQuery { limit: Some(101), ..Default::default() };
    refused_naming(api.analytics_top_products(&too_many).await, "limit");

    for (path, field) in [
        ("/admin/analytics/sales?interval=year", "interval"),
        ("/admin/analytics/top-products?sort=price", "sort"),
        ("/admin/analytics/summary?from=2026-02-30", "from"),
        ("/admin/analytics/sales?to=yesterday", "to"),
        ("/admin/analytics/stock-alerts?limit=0", "limit"),
    ] {
        let answer: Result<serde_json::Value, _> = api.send(api.request(reqwest::Method::GET, path)).await;
        refused_naming(answer, field);
    }
}

#[tokio::test]
async fn the_default_range_is_the_thirty_ist_days_up_to_today() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let summary = admin.api.analytics_summary(&AnalyticsRange::default()).await.unwrap();
    assert_eq!(summary.to, today());
    assert_eq!((summary.to - summary.from).num_days(), 29);
    let days = admin.api.analytics_sales(&SalesQuery::default()).await.unwrap();
    assert_eq!(days.items.len(), 30, "every day, as zeros");
    assert!(days.items.iter().all(|p| p.orders == 0 && p.revenue_paise == 0));
}

#[tokio::test]
async fn answers_are_kept_for_a_while_unless_the_request_says_no_cache() {
    let app = spawn_shop_with(|settings| settings.analytics.cache_seconds = 600).await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let category = app.create_category(&admin, "Analytics Cache", None, 0).await;
    let product = app.create_untaxed_product(&admin, category, P2_PRICE, 10, 0).await;
    let cached = admin.api.analytics_summary(&AnalyticsRange::default()).await.unwrap();
    assert_eq!(cached.orders, 0);

    let placed = app.buy(&customer, product, 1).await;
    app.pay(&placed, "success", "normal").await;
    app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Paid).await;

    let again = admin.api.analytics_summary(&AnalyticsRange::default()).await.unwrap();
    assert_eq!(again, cached, "the kept answer");
    let request =
        admin.api.request(reqwest::Method::GET, "/admin/analytics/summary").header("Cache-Control", "no-cache");
    let fresh: api_types::analytics::SalesSummary = admin.api.send(request).await.unwrap();
    assert_eq!((fresh.orders, fresh.revenue_paise), (1, P2_PRICE));
    // The fresh answer is kept in turn.
    let after = admin.api.analytics_summary(&AnalyticsRange::default()).await.unwrap();
    assert_eq!(after, fresh);
}

#[tokio::test]
async fn customers_may_not_read_the_dashboard() {
    let app = spawn_shop().await;
    let customer = app.register_customer().await;
    let answer = customer.api.analytics_summary(&AnalyticsRange::default()).await;
    assert_refused(answer, StatusCode::FORBIDDEN, ErrorCode::Forbidden);
    let answer = customer.api.anonymous().analytics_sales(&SalesQuery::default()).await;
    assert_eq!(answer.unwrap_err().status(), Some(StatusCode::UNAUTHORIZED));
}
