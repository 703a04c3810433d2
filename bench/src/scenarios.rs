//! The scenarios of `make bench`, in the order they run.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use hyper::{Method, StatusCode};
use serde_json::json;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;

use api_types::orders::{Order, OrderLine, OrderStatus, PaymentMethod, PlaceOrder, PlacedOrder};

use crate::Settings;
use crate::builder;
use crate::load::{self, Connection, Outcome, Tally};
use crate::pgbench::{self, Pgbench};
use crate::report::{Report, Target};
use crate::setup::{self, Bearer, LEAF_CATEGORIES, Listed, SEARCH_TERMS};

/// Clients of the read scenarios and of the checkout scenarios.
const READERS: usize = 32;
const BUYERS: usize = 64;
const HOT_STOCK: i64 = 1_000_000;
/// Each measured scenario is preceded by this much unmeasured load.
const WARM_UP: Duration = Duration::from_secs(2);

pub async fn run_all(settings: &Settings, pgbench: &Pgbench, report: &mut Report) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new().max_connections(2).connect(&settings.database_url).await?;
    let run_id = Uuid::new_v4().simple().to_string()[..8].to_owned();
    let app = settings.app;
    let admin = setup::sign_in(app, &settings.admin_email, &settings.admin_password).await?;

    let started = Instant::now();
    let products = setup::create_products(app, &admin, &run_id, settings.products, 8).await?;
    let took = started.elapsed().as_secs_f64();
    report.note(format!(
        "Set-up: {} products created through `POST /admin/products` (8 clients) in {took:.1} s, {:.0}/s.",
        products.len(),
        products.len() as f64 / took
    ));
    let hot = setup::create_hot_product(app, &admin, &run_id, HOT_STOCK).await?;
    let customers = setup::register_customers(app, BUYERS, &run_id).await?;
    // Fresh statistics, so that the server's statements and pgbench's get the same plans.
    sqlx::raw_sql("VACUUM ANALYZE").execute(&pool).await.context("VACUUM ANALYZE")?;

    let length = Duration::from_secs(settings.seconds);
    let pid = settings.app_pid;
    let mut resident = vec![format!("set-up {:.0}", memory_mib(pid, "VmRSS:")?)];
    if settings.wants("catalog") {
        catalog_page(settings, pgbench, report, &pool, length).await?;
        resident.push(format!("catalog page {:.0}", memory_mib(pid, "VmRSS:")?));
    }
    if settings.wants("detail") {
        detail_and_search(app, report, &products, length / 2).await?;
        resident.push(format!("product page and search {:.0}", memory_mib(pid, "VmRSS:")?));
    }
    let builder_options = settings.wants_any(&["builder", "builder_options"]);
    let builder_validate = settings.wants_any(&["builder", "builder_validate"]);
    if builder_options || builder_validate {
        let builds = builder::reference_builds(app).await?;
        if builder_options {
            builder::options(app, pgbench, report, &pool, &builds, length).await?;
            resident.push(format!("builder options {:.0}", memory_mib(pid, "VmRSS:")?));
        }
        if builder_validate {
            builder::validate(app, pgbench, report, &builds, length).await?;
            resident.push(format!("builder validate {:.0}", memory_mib(pid, "VmRSS:")?));
        }
    }
    if settings.wants("checkout") {
        hot_checkout(settings, pgbench, report, &pool, &customers, &hot, length).await?;
        resident.push(format!("hot checkout {:.0}", memory_mib(pid, "VmRSS:")?));
    }
    if settings.wants("purchase") {
        full_purchase(settings, report, &customers, &products, length).await?;
        resident.push(format!("full purchase {:.0}", memory_mib(pid, "VmRSS:")?));
    }
    if settings.wants("analytics") {
        let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders.orders WHERE order_number LIKE 'RM-DEMO-%'")
            .fetch_one(&pool)
            .await?;
        let lines: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM orders.order_items i JOIN orders.orders o ON o.id = i.order_id
              WHERE o.order_number LIKE 'RM-DEMO-%'",
        )
        .fetch_one(&pool)
        .await?;
        report.note(format!(
            "Analytics: {orders} historical orders ({lines} lines) from `rigmaster seed-demo --orders`; \
             {} s per row, {} clients; uncached rows send `Cache-Control: no-cache`.",
            settings.analytics_seconds,
            crate::analytics::CLIENTS
        ));
        crate::analytics::dashboard_reads(settings, report, &admin).await?;
        resident.push(format!("analytics {:.0}", memory_mib(pid, "VmRSS:")?));
    }
    report.note(format!("rigmaster's resident memory after each phase, MiB: {}.", resident.join(", ")));
    report.peak_rss(memory_mib(pid, "VmHWM:")?);
    pool.close().await;
    Ok(())
}

fn category_page(client: usize, n: usize) -> String {
    let category = LEAF_CATEGORIES[(client + n) % LEAF_CATEGORIES.len()];
    format!("/api/v1/products?category={category}&limit=24")
}

async fn catalog_page(
    settings: &Settings,
    pgbench: &Pgbench,
    report: &mut Report,
    pool: &PgPool,
    length: Duration,
) -> anyhow::Result<()> {
    load::get_loop(settings.app, READERS, WARM_UP, category_page).await?;
    let outcome = load::get_loop(settings.app, READERS, length, category_page).await?;
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM catalog.categories WHERE slug = ANY($1) ORDER BY slug")
        .bind(LEAF_CATEGORIES.map(str::to_owned).to_vec())
        .fetch_all(pool)
        .await?;
    let scripts: Vec<String> = ids.into_iter().map(pgbench::page_query).collect();
    let baseline = pgbench.run("page", &scripts, READERS, length.as_secs())?;
    let target = Target::Ratio { at_least: 1.0, p99_ms: Some(20.0) };
    report.add("catalog page `GET /products?category=…&limit=24`", READERS, &outcome, Some(baseline), target);
    Ok(())
}

async fn detail_and_search(
    app: SocketAddr,
    report: &mut Report,
    products: &[Listed],
    length: Duration,
) -> anyhow::Result<()> {
    let slugs: Arc<Vec<String>> = Arc::new(products.iter().map(|p| p.slug.clone()).collect());
    let detail = move |client: usize, n: usize| {
        let slug = &slugs[(client * 7_919 + n * 31) % slugs.len()];
        format!("/api/v1/products/{slug}")
    };
    load::get_loop(app, READERS, WARM_UP, detail.clone()).await?;
    let outcome = load::get_loop(app, READERS, length, detail).await?;
    report.add("product page `GET /products/{slug}` (10,000 slugs)", READERS, &outcome, None, Target::None);

    let search = |client: usize, n: usize| {
        let term = SEARCH_TERMS[(client + n) % SEARCH_TERMS.len()].replace(' ', "+");
        format!("/api/v1/products?q={term}&limit=24")
    };
    load::get_loop(app, READERS, WARM_UP, search).await?;
    let outcome = load::get_loop(app, READERS, length, search).await?;
    report.add("search `GET /products?q=…&limit=24`", READERS, &outcome, None, Target::None);
    Ok(())
}

fn order_body(product_id: &str) -> anyhow::Result<Bytes> {
    let order = PlaceOrder {
        items: Some(vec![OrderLine { product_id: product_id.parse()?, quantity: 1 }]),
        address_id: None,
        shipping_address: None,
        payment_method: PaymentMethod::Razorpay,
        coupon_code: None,
        billing: None,
    };
    Ok(Bytes::from(serde_json::to_vec(&order)?))
}

/// `POST /orders` with a fresh idempotency key; the `{order, payment}` body on 201.
async fn place_order(
    connection: &mut Connection,
    bearer: &str,
    body: Bytes,
) -> anyhow::Result<Result<PlacedOrder, String>> {
    let key = Uuid::new_v4().to_string();
    let headers = [("authorization", bearer), ("idempotency-key", key.as_str())];
    let (status, bytes) = connection.send(Method::POST, "/api/v1/orders", &headers, Some(body)).await?;
    if status == StatusCode::CREATED {
        Ok(Ok(serde_json::from_slice(&bytes)?))
    } else {
        Ok(Err(format!("POST /orders: {status} {}", String::from_utf8_lossy(&bytes))))
    }
}

fn bearer_headers(customers: &[Bearer]) -> Arc<Vec<String>> {
    Arc::new(customers.iter().map(|c| format!("Bearer {}", c.0)).collect())
}

/// `BUYERS` customers each placing orders for one unit of the hot product, one after another.
async fn buy_hot(app: SocketAddr, bearers: Arc<Vec<String>>, hot: &str, length: Duration) -> anyhow::Result<Outcome> {
    let body = order_body(hot)?;
    load::run(BUYERS, length, move |client, deadline, mut tally: Tally| {
        let (bearers, body) = (bearers.clone(), body.clone());
        async move {
            let mut connection = Connection::open(app).await?;
            while Instant::now() < deadline {
                let started = Instant::now();
                match place_order(&mut connection, &bearers[client], body.clone()).await? {
                    Ok(_) => tally.ok(started),
                    Err(refused) => tally.failed(|| refused),
                }
            }
            Ok(tally)
        }
    })
    .await
}

async fn hot_checkout(
    settings: &Settings,
    pgbench: &Pgbench,
    report: &mut Report,
    pool: &PgPool,
    customers: &[Bearer],
    hot: &str,
    length: Duration,
) -> anyhow::Result<()> {
    let bearers = bearer_headers(customers);
    let warm = buy_hot(settings.app, bearers.clone(), hot, WARM_UP).await?;
    let outcome = buy_hot(settings.app, bearers, hot, length).await?;
    let hot_id: Uuid = hot.parse()?;
    let script = pgbench::reserve_transaction(hot_id, Uuid::new_v4());
    let baseline = pgbench.run("reserve", &[script], BUYERS, length.as_secs())?;
    let target = Target::Ratio { at_least: 0.5, p99_ms: None };
    report.add("hot checkout `POST /orders` (1 product, stock 1,000,000)", BUYERS, &outcome, Some(baseline), target);
    check_no_oversell(report, pool, hot_id, warm.completed + outcome.completed).await
}

/// The hot product's books after the checkout scenario: never more held than on hand,
/// `reserved` equal to the held reservations, and one held reservation per order placed.
async fn check_no_oversell(report: &mut Report, pool: &PgPool, hot: Uuid, placed: u64) -> anyhow::Result<()> {
    let (on_hand, reserved, held, orders_held): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT s.on_hand, s.reserved,
                (SELECT COALESCE(sum(quantity), 0)::bigint FROM inventory.reservations r
                 WHERE r.product_id = s.product_id AND r.status = 'held'),
                (SELECT count(*) FROM inventory.reservations r JOIN orders.orders o ON o.id = r.owner_id
                 WHERE r.product_id = s.product_id AND r.status = 'held' AND o.order_number LIKE 'RM-%')
         FROM inventory.stock s WHERE s.product_id = $1",
    )
    .bind(hot)
    .fetch_one(pool)
    .await?;
    let sound = on_hand - reserved >= 0 && reserved == held && orders_held == i64::try_from(placed)?;
    report.note(format!(
        "Hot product after the checkout scenario: on hand {on_hand}, reserved {reserved}, held by reservations {held}, \
         of which {orders_held} by the {placed} orders placed over HTTP (the rest by pgbench): {}.",
        if sound { "consistent, nothing oversold" } else { "**INCONSISTENT**" }
    ));
    anyhow::ensure!(sound, "the hot product's stock is inconsistent after the checkout scenario");
    Ok(())
}

/// One purchase: place the order, pay in the simulator's checkout, verify the signature.
async fn purchase(
    app: &mut Connection,
    simulator: &mut Connection,
    bearer: &str,
    product_id: &str,
) -> anyhow::Result<Result<(), String>> {
    let placed = match place_order(app, bearer, order_body(product_id)?).await? {
        Ok(placed) => placed,
        Err(refused) => return Ok(Err(refused)),
    };
    let order_id = placed.order.id;
    let razorpay_order = placed.payment.context("no payment block")?.razorpay_order_id;
    let pay = Bytes::from(json!({"outcome": "success"}).to_string());
    let (status, handler) =
        simulator.send(Method::POST, &format!("/_sim/orders/{razorpay_order}/pay"), &[], Some(pay)).await?;
    if status != StatusCode::OK {
        return Ok(Err(format!("simulator pay: {status} {}", String::from_utf8_lossy(&handler))));
    }
    let path = format!("/api/v1/orders/{order_id}/payment/verify");
    let (status, body) = app.send(Method::POST, &path, &[("authorization", bearer)], Some(handler)).await?;
    let paid = status == StatusCode::OK && serde_json::from_slice::<Order>(&body)?.status == OrderStatus::Paid;
    Ok(if paid { Ok(()) } else { Err(format!("verify: {status} {}", String::from_utf8_lossy(&body))) })
}

async fn full_purchase(
    settings: &Settings,
    report: &mut Report,
    customers: &[Bearer],
    products: &[Listed],
    length: Duration,
) -> anyhow::Result<()> {
    let bearers = bearer_headers(customers);
    let ids: Arc<Vec<String>> = Arc::new(products.iter().map(|p| p.id.clone()).collect());
    let (app, sim) = (settings.app, settings.simulator);
    let outcome = load::run(BUYERS, length, move |client, deadline, mut tally: Tally| {
        let (bearers, ids) = (bearers.clone(), ids.clone());
        async move {
            let (mut app, mut sim) = (Connection::open(app).await?, Connection::open(sim).await?);
            let mut n = 0;
            while Instant::now() < deadline {
                let product = &ids[(client * 7_919 + n * 131) % ids.len()];
                n += 1;
                let started = Instant::now();
                match purchase(&mut app, &mut sim, &bearers[client], product).await? {
                    Ok(()) => tally.ok(started),
                    Err(refused) => tally.failed(|| refused),
                }
            }
            Ok(tally)
        }
    })
    .await?;
    report.add("full purchase: order → simulator pays → verify → `paid`", BUYERS, &outcome, None, Target::None);
    Ok(())
}

/// A memory figure of rigmaster's `/proc/{pid}/status` in MiB: `VmRSS:` (resident now) or
/// `VmHWM:` (the most it has been resident).
fn memory_mib(pid: u32, field: &str) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).context("reading rigmaster's /proc status")?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc status"))?;
    Ok(kib / 1024.0)
}
