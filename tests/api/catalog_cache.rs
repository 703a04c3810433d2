//! The in-process catalog cache: admin changes reach every process at once through
//! PostgreSQL notifications, availability changed by orders within the TTL, errors are
//! never cached, and a cached answer is the uncached one byte for byte.
//!
//! To show that a page really is served from memory, these tests change a product in the
//! database *silently* (triggers off, so no notification) and see the old page still
//! served; a cache that never cached would show the change at once.

use std::time::{Duration, Instant};

use api_types::ErrorCode;
use api_types::catalog::{Availability, NewProduct, Product, ProductChanges, ProductQuery, ProductSummary};
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::catalog::product_body;
use rigmaster_tests::shop::spawn_shop_with;
use rigmaster_tests::{Patience, assert_error, assert_refused, eventually_with, spawn_app_with};
use uuid::Uuid;

/// Long enough that only a notification can make a change visible during a test.
const LONG_TTL_MS: u64 = 60_000;
/// How late a notified change may show in another process.
const NOTIFIED_WITHIN: Duration = Duration::from_secs(1);
/// Scheduling slack on top of the TTL for changes that are not notified.
const SLACK: Duration = Duration::from_millis(250);

async fn spawn_long_ttl() -> TestApp {
    spawn_app_with(|settings| settings.catalog_cache.ttl_ms = LONG_TTL_MS).await
}

/// A second process on `app`'s database, with the long TTL.
async fn beside_long_ttl(app: &TestApp) -> TestApp {
    app.spawn_beside(|settings| settings.catalog_cache.ttl_ms = LONG_TTL_MS).await
}

/// An active product in `cpu` with stock 5 and a brand of its own (so `?brand=` lists it
/// alone); returns its id.
async fn new_product(admin: &TestUser, brand: &str) -> Uuid {
    let body = NewProduct { brand: brand.to_owned(), ..product_body(100_000, 5) };
    admin.api.create_product(&body).await.unwrap().summary.id
}

/// The path of a product's page, for raw reads of the bytes the cache keeps.
fn detail(id: Uuid) -> String {
    format!("/api/v1/products/{id}")
}

/// The path of the list of `brand`'s products, for raw reads; [`listed`] reads the same
/// URL through the typed client.
fn list(brand: &str) -> String {
    format!("/api/v1/products?brand={brand}&limit=10")
}

/// The status and raw body of a GET.
async fn fetch(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.get(path).await;
    (response.status(), response.text().await.unwrap())
}

/// Changes the product's rating count without any trigger firing, so no process hears of
/// it: only an uncached read shows it.
async fn change_silently(app: &TestApp, id: Uuid) {
    let pool = app.db.pool().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE catalog.products SET rating_count = rating_count + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
}

/// Waits until `app` serves `path` (which shows product `id`) from its cache, i.e. its
/// change listener is connected: after a silent change, a second read still shows the
/// first read's body.
async fn until_cached(app: &TestApp, path: &str, id: Uuid) {
    let patience = Patience::within(Duration::from_secs(10)).every(Duration::from_millis(50));
    eventually_with(&format!("{path} is served from the cache"), patience, async || {
        let first = fetch(app, path).await;
        assert_eq!(first.0, StatusCode::OK, "GET {path}: {}", first.1);
        change_silently(app, id).await;
        (fetch(app, path).await == first).then_some(())
    })
    .await;
}

/// Calls `probe` every 20 ms until it holds, for at most `limit` from `since`; returns how
/// long it took from `since`, or fails naming `what`.
async fn within(what: &str, since: Instant, limit: Duration, mut probe: impl AsyncFnMut() -> bool) -> Duration {
    let patience = Patience::within(limit).since(since).every(Duration::from_millis(20));
    eventually_with(what, patience, async || probe().await.then_some(())).await;
    since.elapsed()
}

/// The product's page, as the storefront reads it.
async fn shown(app: &TestApp, id: Uuid) -> Product {
    app.api.product(&id.to_string()).await.unwrap()
}

/// The product as the list of `brand`'s products shows it, if it does.
async fn listed(app: &TestApp, brand: &str, id: Uuid) -> Option<ProductSummary> {
    let query = ProductQuery { brand: Some(brand.to_owned()), limit: Some(10), ..ProductQuery::default() };
    app.api.products(&query).await.unwrap().items.into_iter().find(|p| p.id == id)
}

#[tokio::test]
async fn an_admin_price_change_is_served_by_every_process_within_a_second() {
    let a = spawn_long_ttl().await;
    let b = beside_long_ttl(&a).await;
    let admin = a.register_admin().await;
    let id = new_product(&admin, "PriceProbe").await;
    for app in [&a, &b] {
        until_cached(app, &detail(id), id).await;
        until_cached(app, &list("PriceProbe"), id).await;
    }

    let repriced = ProductChanges { base_price_paise: Some(250_000), ..ProductChanges::default() };
    admin.api.change_product(id, &repriced).await.unwrap();
    let changed = Instant::now();

    let price_of = |product: &ProductSummary| product.pricing.base_price_paise;
    assert_eq!(price_of(&shown(&a, id).await.summary), 250_000, "the admin's own process shows it at once");
    let elapsed = within("B's product page shows the new price", changed, NOTIFIED_WITHIN, async || {
        price_of(&shown(&b, id).await.summary) == 250_000
    })
    .await;
    let elapsed_list = within("B's list shows the new price", changed, NOTIFIED_WITHIN, async || {
        listed(&b, "PriceProbe", id).await.is_some_and(|p| price_of(&p) == 250_000)
    })
    .await;
    assert!(elapsed.max(elapsed_list) <= NOTIFIED_WITHIN, "{elapsed:?} / {elapsed_list:?}");
}

#[tokio::test]
async fn a_deactivated_product_leaves_every_process_within_a_second() {
    let a = spawn_long_ttl().await;
    let b = beside_long_ttl(&a).await;
    let admin = a.register_admin().await;
    let id = new_product(&admin, "GoneProbe").await;
    until_cached(&b, &detail(id), id).await;
    until_cached(&b, &list("GoneProbe"), id).await;

    admin.api.delete_product(id).await.unwrap();
    let changed = Instant::now();

    within("B's list drops it", changed, NOTIFIED_WITHIN, async || listed(&b, "GoneProbe", id).await.is_none()).await;
    within("B's product page is gone", changed, NOTIFIED_WITHIN, async || {
        b.api.product(&id.to_string()).await.is_err_and(|error| error.status() == Some(StatusCode::NOT_FOUND))
    })
    .await;
    assert_refused(b.api.product(&id.to_string()).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
}

#[tokio::test]
async fn an_admin_stock_change_reaches_every_process_within_a_second() {
    let a = spawn_long_ttl().await;
    let b = beside_long_ttl(&a).await;
    let admin = a.register_admin().await;
    let id = new_product(&admin, "StockProbe").await;
    until_cached(&b, &detail(id), id).await;
    until_cached(&b, &list("StockProbe"), id).await;
    assert_eq!(shown(&b, id).await.summary.availability, Availability::InStock);

    a.set_on_hand(&admin, id, 0).await;
    let changed = Instant::now();

    within("B's product page shows it out of stock", changed, NOTIFIED_WITHIN, async || {
        let shown = shown(&b, id).await;
        shown.summary.availability == Availability::OutOfStock && shown.stock_available == 0
    })
    .await;
    within("B's list shows it out of stock", changed, NOTIFIED_WITHIN, async || {
        listed(&b, "StockProbe", id).await.is_some_and(|p| p.availability == Availability::OutOfStock)
    })
    .await;
}

#[tokio::test]
async fn availability_changed_by_orders_is_seen_within_the_ttl() {
    let app = spawn_shop_with(|_| {}).await;
    let ttl = Duration::from_millis(1000);
    let admin = app.register_admin().await;
    let id = new_product(&admin, "OrderProbe").await;
    until_cached(&app, &detail(id), id).await;

    // Stock changed without a notification (as reservations change it) is not visible at
    // once: the page is served from memory…
    let pool = app.db.pool().await;
    let mut probe = 0;
    let (fetched, path, expected) = loop {
        probe += 1;
        // An unknown query parameter makes a new key, so this read starts a fresh entry.
        let path = format!("{}?probe={probe}", detail(id));
        let fetched = Instant::now();
        let before = fetch(&app, &path).await;
        let on_hand: i64 = sqlx::query_scalar(
            "UPDATE inventory.stock SET on_hand = on_hand + 7 WHERE product_id = $1 RETURNING on_hand",
        )
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        let again = fetch(&app, &path).await;
        if fetched.elapsed() < ttl / 2 {
            assert_eq!(again, before, "a read within the TTL is served from the cache");
            break (fetched, path, on_hand);
        }
        assert!(probe < 5, "the machine is too slow to read twice within half the TTL");
    };
    // …and shows within the TTL of that entry's fetch (read raw: the typed client cannot
    // send the probe's unknown parameter).
    let elapsed = within("the stock change", fetched, ttl + SLACK, async || {
        app.get_json(&path).await["stock_available"] == expected
    })
    .await;
    assert!(elapsed <= ttl + SLACK, "{elapsed:?}");

    // An order taking the last units: the storefront shows it within the TTL.
    app.set_on_hand(&admin, id, 1).await;
    until_cached(&app, &detail(id), id).await;
    until_cached(&app, &list("OrderProbe"), id).await;
    let customer = app.register_customer().await;
    app.buy(&customer, id, 1).await;
    let ordered = Instant::now();
    let elapsed = within("the product page after the order", ordered, ttl + SLACK, async || {
        shown(&app, id).await.summary.availability == Availability::OutOfStock
    })
    .await;
    let elapsed_list = within("the list after the order", ordered, ttl + SLACK, async || {
        listed(&app, "OrderProbe", id).await.is_some_and(|p| p.availability == Availability::OutOfStock)
    })
    .await;
    assert!(elapsed.max(elapsed_list) <= ttl + SLACK, "{elapsed:?} / {elapsed_list:?}");
}

#[tokio::test]
async fn errors_are_never_cached() {
    let a = spawn_long_ttl().await;
    let b = beside_long_ttl(&a).await;
    let admin = a.register_admin().await;
    let id = new_product(&admin, "ErrorProbe").await;
    until_cached(&b, &list("ErrorProbe"), id).await;

    // Raw: a limit the typed query cannot hold.
    for _ in 0..2 {
        let error = assert_error(
            b.get("/api/v1/products?limit=abc").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(error["details"][0]["field"], "limit");
    }
    let five = ProductQuery { limit: Some(5), ..ProductQuery::default() };
    b.api.products(&five).await.unwrap();
    b.api.products(&five).await.unwrap();
    assert_error(b.get("/api/v1/products?limit=abc").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        .await;
    let zero = ProductQuery { limit: Some(0), ..ProductQuery::default() };
    assert_refused(b.api.products(&zero).await, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);

    // A 404 is not kept: a product that comes back (silently, so no notification
    // helps) is shown at once, with a TTL of a minute.
    let gone = new_product(&admin, "ErrorProbe").await;
    admin.api.delete_product(gone).await.unwrap();
    for _ in 0..2 {
        assert_refused(b.api.product(&gone.to_string()).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    }
    let pool = a.db.pool().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.unwrap();
    sqlx::query("UPDATE catalog.products SET is_active = true WHERE id = $1")
        .bind(gone)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    b.api.product(&gone.to_string()).await.expect("the 404 was not cached");
}

#[tokio::test]
async fn a_cached_answer_is_the_uncached_one_byte_for_byte() {
    let cached = spawn_long_ttl().await;
    let uncached = cached.spawn_beside(|settings| settings.catalog_cache.ttl_ms = 0).await;
    let admin = cached.register_admin().await;
    let probe = new_product(&admin, "ListenProbe").await;
    let id = new_product(&admin, "BytesProbe").await;
    // The listener is up once the probe's page is served from the cache.
    until_cached(&cached, &detail(probe), probe).await;

    let paths = [detail(id), list("BytesProbe"), "/api/v1/categories".to_owned()];
    let before = cached.metrics().await;
    let mut hits = Vec::new();
    for path in &paths {
        let miss = cached.get(path).await;
        let (miss_type, miss_body) = (miss.headers()["content-type"].clone(), miss.bytes().await.unwrap());
        let hit = cached.get(path).await;
        let plain = uncached.get(path).await;
        assert_eq!((hit.status(), plain.status()), (StatusCode::OK, StatusCode::OK), "{path}");
        let names = |r: &reqwest::Response| {
            let mut names: Vec<String> = r.headers().keys().map(|k| k.to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(names(&hit), names(&plain), "{path}: the same headers");
        assert!(hit.headers().contains_key("x-request-id"), "{path}: the request id is still added");
        assert_eq!(hit.headers()["content-type"], "application/json", "{path}");
        assert_eq!(plain.headers()["content-type"], "application/json", "{path}");
        assert_eq!(miss_type, "application/json", "{path}");
        let (hit_body, plain_body) = (hit.bytes().await.unwrap(), plain.bytes().await.unwrap());
        assert_eq!(hit_body, plain_body, "{path}: the same bytes");
        assert_eq!(hit_body, miss_body, "{path}: the same bytes");
        hits.push(hit_body);
    }

    // Those second reads were hits: a silent change does not show in them, but does in
    // the uncached process.
    change_silently(&cached, id).await;
    assert_eq!(cached.get(&detail(id)).await.bytes().await.unwrap(), hits[0], "still the cached page");
    assert_ne!(uncached.get(&detail(id)).await.bytes().await.unwrap(), hits[0], "the uncached process sees it");

    // Counted as increases: other tests in this process may use a cache too.
    let after = cached.metrics().await;
    assert!(after.increase_since(&before, "catalog_cache_total", &[("outcome", "hit")]) >= 1.0, "{after}");
    assert!(after.increase_since(&before, "catalog_cache_total", &[("outcome", "miss")]) >= 1.0, "{after}");
}
