//! Reservations under real concurrency against the real database: no oversell, no
//! deadlock, every reservation settled exactly once, expiry shared by several workers;
//! and which stock changes notify the catalog cache.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use inventory::expiry::{NobodyListens, release_expired};
use inventory::reservations::{PgStockReserver, ReservationLine, ReserveError, Settlement, StockReserver as _};
use inventory::stock::{StockChangeError, StockLevels};
use kernel::Quantity;
use kernel::audit::Unaudited;
use kernel::channels::CATALOG_CHANGES;
use rigmaster_tests::database::TestDatabase;
use rigmaster_tests::eventually;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use uuid::Uuid;

async fn stocked(pool: &PgPool, on_hand: i64) -> Uuid {
    let product = Uuid::now_v7();
    let mut conn = pool.acquire().await.unwrap();
    inventory::stock::open_stock(&mut conn, product, on_hand, 0).await.unwrap();
    product
}

fn line(product_id: Uuid, quantity: i64) -> ReservationLine {
    ReservationLine { product_id, quantity: Quantity::new(quantity, "quantity").unwrap() }
}

/// Reserves in a transaction of its own, as a checkout would.
async fn reserve(pool: &PgPool, owner: Uuid, lines: &[ReservationLine], ttl: Duration) -> Result<(), ReserveError> {
    let mut tx = pool.begin().await.unwrap();
    PgStockReserver.reserve(&mut tx, owner, lines, Utc::now() + ttl).await?;
    tx.commit().await.unwrap();
    Ok(())
}

async fn levels(pool: &PgPool, product: Uuid) -> (i64, i64) {
    sqlx::query_as("SELECT on_hand, reserved FROM inventory.stock WHERE product_id = $1")
        .bind(product)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// `on_hand` and `reserved` as the ledger's entries add them up.
async fn ledger_levels(pool: &PgPool, product: Uuid) -> (i64, i64) {
    sqlx::query_as(
        "SELECT COALESCE(sum(delta) FILTER (WHERE kind IN ('restock', 'adjustment', 'commit')), 0)::bigint,
                COALESCE(sum(delta) FILTER (WHERE kind IN ('reservation', 'release', 'commit')), 0)::bigint
         FROM inventory.ledger WHERE product_id = $1",
    )
    .bind(product)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_buyers_of_fifty_units_leave_exactly_fifty_reserved() {
    let db = TestDatabase::create().await;
    let pool = db.pool_of(16).await;
    let product = stocked(&pool, 50).await;

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { reserve(&pool, Uuid::now_v7(), &[line(product, 1)], Duration::hours(1)).await })
        })
        .collect();
    let mut held = 0;
    let mut short = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => held += 1,
            Err(ReserveError::OutOfStock { shortages }) => {
                assert_eq!((shortages[0].product_id, shortages[0].requested, shortages[0].available), (product, 1, 0));
                short += 1;
            }
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }

    assert_eq!((held, short), (50, 150));
    assert_eq!(levels(&pool, product).await, (50, 50), "on hand 50, all 50 reserved, 0 available");
    assert_eq!(ledger_levels(&pool, product).await, (50, 50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_multi_line_orders_never_reserve_more_than_is_on_hand() {
    let db = TestDatabase::create().await;
    let pool = db.pool_of(16).await;
    let products = [stocked(&pool, 30).await, stocked(&pool, 45).await, stocked(&pool, 60).await];

    // A fixed pseudo-random mix of orders: each takes 1–3 lines of 1–4 units.
    let mut seed: u64 = 0x1234_5678;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let orders: Vec<Vec<ReservationLine>> = (0..200)
        .map(|_| {
            let count = 1 + next(3) as usize;
            (0..count).map(|_| line(products[next(3) as usize], 1 + next(4) as i64)).collect()
        })
        .collect();
    let tasks: Vec<_> = orders
        .into_iter()
        .map(|lines| {
            let pool = pool.clone();
            tokio::spawn(async move {
                let result = reserve(&pool, Uuid::now_v7(), &lines, Duration::hours(1)).await;
                (lines, result)
            })
        })
        .collect();
    let mut held: HashMap<Uuid, i64> = HashMap::new();
    let mut refused = 0;
    for task in tasks {
        match task.await.unwrap() {
            (lines, Ok(())) => {
                for l in lines {
                    *held.entry(l.product_id).or_default() += l.quantity.get();
                }
            }
            (_, Err(ReserveError::OutOfStock { .. })) => refused += 1,
            (_, Err(other)) => panic!("unexpected: {other:?}"),
        }
    }

    assert!(refused > 0, "stock ran out for some orders");
    for product in products {
        let (on_hand, reserved) = levels(&pool, product).await;
        assert!(reserved <= on_hand, "{reserved} reserved of {on_hand}");
        assert_eq!(held.get(&product).copied().unwrap_or(0), reserved, "successful orders add up to reserved");
        assert_eq!(ledger_levels(&pool, product).await, (on_hand, reserved));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn opposite_line_orders_never_deadlock() {
    let db = TestDatabase::create().await;
    let pool = db.pool_of(16).await;
    let (a, b) = (stocked(&pool, 100_000).await, stocked(&pool, 100_000).await);

    for _ in 0..500 {
        let (first, second) = (pool.clone(), pool.clone());
        let (ab, ba) = tokio::join!(
            tokio::spawn(async move {
                reserve(&first, Uuid::now_v7(), &[line(a, 1), line(b, 1)], Duration::hours(1)).await
            }),
            tokio::spawn(async move {
                reserve(&second, Uuid::now_v7(), &[line(b, 1), line(a, 1)], Duration::hours(1)).await
            }),
        );
        ab.unwrap().expect("A then B");
        ba.unwrap().expect("B then A");
    }

    assert_eq!(levels(&pool, a).await, (100_000, 1000), "no lost update on A");
    assert_eq!(levels(&pool, b).await, (100_000, 1000), "no lost update on B");
}

/// Runs one settling call in its own transaction.
async fn settle(pool: PgPool, owner: Uuid, action: &'static str) -> Settlement {
    let mut tx = pool.begin().await.unwrap();
    let outcome = match action {
        "commit" => PgStockReserver.commit(&mut tx, owner).await,
        _ => PgStockReserver.release(&mut tx, owner, "payment failed").await,
    }
    .unwrap();
    tx.commit().await.unwrap();
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_commits_releases_and_expiry_settle_each_reservation_exactly_once() {
    let db = TestDatabase::create().await;
    let pool = db.pool_of(16).await;
    let product = stocked(&pool, 1_000).await;
    let owners: Vec<Uuid> = (0..200).map(|_| Uuid::now_v7()).collect();
    for (i, owner) in owners.iter().enumerate() {
        // Half are already past their deadline, so the expiry job races the commits.
        let ttl = if i % 2 == 0 { Duration::seconds(-1) } else { Duration::hours(1) };
        reserve(&pool, *owner, &[line(product, 2)], ttl).await.unwrap();
    }

    let mut tasks = Vec::new();
    for owner in &owners {
        for action in ["commit", "commit", "release", "release"] {
            tasks.push(tokio::spawn(settle(pool.clone(), *owner, action)));
        }
    }
    let jobs: Vec<_> = (0..2)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { release_expired(&pool, &NobodyListens).await.unwrap() })
        })
        .collect();
    let mut done_by_calls = 0;
    for task in tasks {
        if task.await.unwrap() == Settlement::Done {
            done_by_calls += 1;
        }
    }
    let done_by_jobs: usize = futures_sum(jobs).await;

    assert_eq!(done_by_calls + done_by_jobs, owners.len(), "each reservation settled once, by someone");
    let per_owner: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT order_id, count(*) FROM inventory.ledger WHERE kind IN ('commit', 'release') GROUP BY order_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_owner.len(), owners.len());
    assert!(per_owner.iter().all(|(_, n)| *n == 1), "one commit or one release per reservation");
    let (on_hand, reserved) = levels(&pool, product).await;
    assert_eq!(reserved, 0);
    assert_eq!(ledger_levels(&pool, product).await, (on_hand, reserved), "levels match the ledger");
    // Settling again changes nothing and says what happened.
    let again = settle(pool.clone(), owners[1], "release").await;
    assert!(matches!(again, Settlement::AlreadyCommitted | Settlement::AlreadyReleased), "{again:?}");
}

async fn futures_sum(jobs: Vec<tokio::task::JoinHandle<usize>>) -> usize {
    let mut total = 0;
    for job in jobs {
        total += job.await.unwrap();
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_expiry_workers_release_each_expired_reservation_once() {
    let db = TestDatabase::create().await;
    let pool = db.pool_of(16).await;
    let product = stocked(&pool, 500).await;
    for _ in 0..50 {
        reserve(&pool, Uuid::now_v7(), &[line(product, 3)], Duration::seconds(-1)).await.unwrap();
    }
    let live = Uuid::now_v7();
    reserve(&pool, live, &[line(product, 1)], Duration::hours(1)).await.unwrap();

    let (first, second) = (pool.clone(), pool.clone());
    let (a, b) = tokio::join!(
        tokio::spawn(async move { release_expired(&first, &NobodyListens).await.unwrap() }),
        tokio::spawn(async move { release_expired(&second, &NobodyListens).await.unwrap() }),
    );

    assert_eq!(a.unwrap() + b.unwrap(), 50);
    assert_eq!(levels(&pool, product).await, (500, 1), "only the live reservation is still held");
    let releases: i64 = sqlx::query_scalar("SELECT count(*) FROM inventory.ledger WHERE kind = 'release'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(releases, 50);
}

#[tokio::test]
async fn the_running_app_releases_an_expired_reservation_by_itself() {
    let app = rigmaster_tests::app::spawn_app_with(|settings| settings.inventory.expiry_interval_seconds = 1).await;
    let pool = app.db.pool().await;
    let product = stocked(&pool, 10).await;
    let owner = Uuid::now_v7();
    reserve(&pool, owner, &[line(product, 4)], Duration::seconds(1)).await.unwrap();
    assert_eq!(levels(&pool, product).await, (10, 4));

    eventually("the expiry job releases the reservation", async || {
        (levels(&pool, product).await == (10, 0)).then_some(())
    })
    .await;

    let status: String = sqlx::query_scalar("SELECT status FROM inventory.reservations WHERE owner_id = $1")
        .bind(owner)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "released");
}

/// The payload of the next notification on the catalog cache's channel (5 s at most).
async fn next_catalog_change(listener: &mut PgListener) -> String {
    let waited = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await;
    waited.expect("a notification within 5 s").unwrap().payload().to_owned()
}

/// Sends a notification of our own; one that arrives before it was sent earlier.
async fn send_marker(pool: &PgPool) {
    sqlx::query("SELECT pg_notify($1, 'marker')").bind(CATALOG_CHANGES).execute(pool).await.unwrap();
}

#[tokio::test]
async fn an_admins_stock_change_notifies_the_catalog_cache_and_checkouts_stock_changes_do_not() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let product = stocked(&pool, 10).await;
    let mut listener = PgListener::connect_with(&pool).await.unwrap();
    listener.listen(CATALOG_CHANGES).await.unwrap();

    // Checkout's statements: hold, sell and take back; hold and let go.
    let (sold, dropped) = (Uuid::now_v7(), Uuid::now_v7());
    reserve(&pool, sold, &[line(product, 2)], Duration::hours(1)).await.unwrap();
    assert_eq!(settle(pool.clone(), sold, "commit").await, Settlement::Done);
    let mut tx = pool.begin().await.unwrap();
    assert_eq!(PgStockReserver.restock(&mut tx, sold, "returned").await.unwrap(), Settlement::Done);
    tx.commit().await.unwrap();
    reserve(&pool, dropped, &[line(product, 3)], Duration::hours(1)).await.unwrap();
    assert_eq!(settle(pool.clone(), dropped, "release").await, Settlement::Done);
    send_marker(&pool).await;
    assert_eq!(next_catalog_change(&mut listener).await, "marker", "no notification before the marker");

    // An admin's change notifies when it commits, even one that leaves the level as it was.
    let stock = StockLevels::new(pool.clone());
    stock.set_on_hand(product, 20, Some(4), "admin", &Unaudited).await.unwrap();
    assert_eq!(next_catalog_change(&mut listener).await, "", "setting the level");
    stock.adjust(product, 0, "counted again", "admin", &Unaudited).await.unwrap();
    assert_eq!(next_catalog_change(&mut listener).await, "", "an adjustment by nothing");
    // A refused change is rolled back, and tells nobody.
    reserve(&pool, Uuid::now_v7(), &[line(product, 5)], Duration::hours(1)).await.unwrap();
    assert!(matches!(
        stock.set_on_hand(product, 4, None, "admin", &Unaudited).await,
        Err(StockChangeError::BelowReserved { requested: 4, reserved: 5 })
    ));
    send_marker(&pool).await;
    assert_eq!(next_catalog_change(&mut listener).await, "marker", "no notification for the refused change");
}
