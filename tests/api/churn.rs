//! Checkout under churn: many customers placing, paying and cancelling orders for a product
//! with almost no stock while an admin changes its stock level. Nothing answers 5xx, and the
//! books agree at the end.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use api_types::inventory::SetStock;
use api_types::orders::{PaymentMethod, PlaceOrder};
use client::Error;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop_with};
use uuid::Uuid;

use crate::addresses::home;

/// Orders each customer places (and undoes); the admin edits the stock while they do.
const ROUNDS: usize = 6;

/// What one customer saw: every status answered, by route.
#[derive(Default)]
struct Seen {
    placed: Vec<u16>,
    cancelled: Vec<u16>,
    refused_codes: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_customers_churning_a_two_unit_product_get_no_server_error_and_the_books_agree() {
    // A busy CI machine may keep 32 customers waiting for the pool's 10 connections: a
    // wait, not a 503, is what this test is about.
    let app = Arc::new(spawn_shop_with(|settings| settings.database.acquire_timeout_ms = 30_000).await);
    let admin = app.register_admin().await;
    let product = app.create_stocked_product(&admin, 50_000, 2).await;
    let customers = register_customers(&app, 32).await;
    let churning = Arc::new(AtomicBool::new(true));

    let churn = all_at_once(customers.into_iter().enumerate().map(|(n, customer)| {
        let app = app.clone();
        async move { churn_as(&app, &customer, product, n).await }
    }));
    let admin_edits = {
        let (admin, churning) = (admin.clone(), churning.clone());
        tokio::spawn(async move { edit_stock_while(&admin, product, &churning).await })
    };
    let seen = churn.await;
    churning.store(false, Ordering::Relaxed);
    let admin_statuses = admin_edits.await.unwrap();

    let placed: Vec<u16> = seen.iter().flat_map(|s| s.placed.iter().copied()).collect();
    let cancelled: Vec<u16> = seen.iter().flat_map(|s| s.cancelled.iter().copied()).collect();
    let codes: Vec<&String> = seen.iter().flat_map(|s| s.refused_codes.iter()).collect();
    assert!(placed.iter().all(|&s| s == 201 || s == 409), "checkout answers: {}", tally(&placed));
    assert!(codes.iter().all(|c| *c == "out_of_stock"), "refusals: {codes:?}");
    assert!(cancelled.iter().all(|&s| s == 200 || s == 409), "cancel answers: {}", tally(&cancelled));
    assert!(admin_statuses.iter().all(|&s| s == 200 || s == 409), "admin answers: {}", tally(&admin_statuses));
    assert!(placed.contains(&201) && placed.contains(&409), "real contention: {}", tally(&placed));
    assert!(!admin_statuses.is_empty(), "the admin edited the stock meanwhile");
    assert_books_agree(&app, product).await;
}

/// The status of a typed call's answer: `success` (the route's) when it succeeded, else
/// the status it failed with (0 for no answer at all).
fn status_of<T>(result: &Result<T, Error>, success: u16) -> u16 {
    match result {
        Ok(_) => success,
        Err(error) => error.status().map_or(0, |status| status.as_u16()),
    }
}

/// Places orders (cash on delivery and Razorpay, one or two units) and undoes them: cancels
/// at once, or pays first and then cancels (a refund and a restock).
async fn churn_as(app: &TestApp, customer: &TestUser, product: Uuid, n: usize) -> Seen {
    let mut seen = Seen::default();
    for round in 0..ROUNDS {
        let cod = (n + round).is_multiple_of(2);
        let quantity = 1 + i64::from((n + round).is_multiple_of(3));
        let order = if cod {
            let delivered = Some(home());
            PlaceOrder {
                payment_method: PaymentMethod::Cod,
                shipping_address: delivered,
                ..order_of(product, quantity)
            }
        } else {
            order_of(product, quantity)
        };
        let placed = customer.api.place_order(&order, &new_key()).await;
        seen.placed.push(match &placed {
            Ok(answer) => answer.status.as_u16(),
            refused => status_of(refused, 0),
        });
        let placed = match placed {
            Ok(answer) => answer.body,
            Err(error) => {
                seen.refused_codes.push(error.code().map_or_else(|| "no envelope".to_owned(), |c| c.to_string()));
                continue;
            }
        };
        if !cod && round.is_multiple_of(3) {
            // Paid, and its webhooks race the cancellation below.
            app.pay(&placed, "success", "normal").await;
        }
        let cancel = customer.api.cancel_order(placed.order.id, Some("changed my mind")).await;
        seen.cancelled.push(status_of(&cancel, 200));
    }
    seen
}

/// The admin sets the product's stock to 2, 3 or 4 units, over and over, while customers
/// buy it: a 409 when that would go below what is held.
async fn edit_stock_while(admin: &TestUser, product: Uuid, churning: &AtomicBool) -> Vec<u16> {
    let mut statuses = Vec::new();
    let mut on_hand = 2;
    while churning.load(Ordering::Relaxed) && statuses.len() < 1_000 {
        on_hand = 2 + (on_hand + 1) % 3;
        let set = admin.api.set_stock(product, &SetStock { on_hand, low_stock_threshold: None }).await;
        statuses.push(status_of(&set, 200));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    statuses
}

fn tally(statuses: &[u16]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for status in statuses {
        *counts.entry(status).or_insert(0) += 1;
    }
    format!("{counts:?}")
}

/// In one snapshot: the stock row is within bounds and matches its ledger; `reserved` is
/// what held reservations add up to, and what orders waiting for payment hold; the units
/// committed are what confirmed and paid orders sold; no cancelled order holds anything.
async fn assert_books_agree(app: &TestApp, product: Uuid) {
    let pool = app.db.pool().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await.unwrap();
    let (on_hand, reserved): (i64, i64) =
        sqlx::query_as("SELECT on_hand, reserved FROM inventory.stock WHERE product_id = $1")
            .bind(product)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    assert!(0 <= reserved && reserved <= on_hand, "bounds: on hand {on_hand}, reserved {reserved}");

    let (ledger_on_hand, ledger_reserved): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(sum(delta) FILTER (WHERE kind IN ('adjustment', 'commit', 'restock')), 0)::bigint,
                COALESCE(sum(delta) FILTER (WHERE kind IN ('reservation', 'release', 'commit')), 0)::bigint
         FROM inventory.ledger WHERE product_id = $1",
    )
    .bind(product)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((ledger_on_hand, ledger_reserved), (on_hand, reserved), "the ledger adds up to the stock row");

    let by_status = |status: &'static str| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(sum(quantity), 0)::bigint FROM inventory.reservations
             WHERE product_id = $1 AND status = $2",
        )
        .bind(product)
        .bind(status)
    };
    let held = by_status("held").fetch_one(&mut *tx).await.unwrap();
    let committed = by_status("committed").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(held, reserved, "reserved is what held reservations add up to");

    let ordered = |statuses: &'static [&'static str]| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(sum(i.quantity), 0)::bigint FROM orders.order_items i
             JOIN orders.orders o ON o.id = i.order_id
             WHERE i.product_id = $1 AND o.status = ANY($2)",
        )
        .bind(product)
        .bind(statuses)
    };
    let waiting = ordered(&["payment_pending"]).fetch_one(&mut *tx).await.unwrap();
    let sold = ordered(&["confirmed", "paid"]).fetch_one(&mut *tx).await.unwrap();
    assert_eq!(waiting, held, "orders waiting for payment hold exactly the units held");
    assert_eq!(sold, committed, "confirmed and paid orders sold exactly the units committed");

    let live_for_closed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM inventory.reservations r JOIN orders.orders o ON o.id = r.owner_id
         WHERE r.status IN ('held', 'committed') AND o.status IN ('cancelled', 'refunded', 'payment_failed')",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(live_for_closed, 0, "a cancelled, refunded or failed order holds no stock");
    tx.rollback().await.unwrap();
    pool.close().await;
}
