//! The sales read model against an oracle (`rigmaster_tests::read_model`, plain SQL over
//! the orders): random order histories, run concurrently against the real app, leave the
//! analytics tables holding exactly what the orders say.

use std::sync::Arc;
use std::time::Duration;

use api_types::admin_orders::{NewRefund, NewReturn, ReturnLine, ShipOrder, StatusChange};
use api_types::orders::{OrderLine, OrderStatus, PaymentMethod, PlaceOrder, PlacedOrder, VerifyPayment};
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::read_model::{assert_read_model_matches_orders, counted_orders, coverage, read_model_differences};
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop_with};
use rigmaster_tests::{Patience, eventually_with};
use serde_json::Value;
use uuid::Uuid;

use crate::addresses::home;

/// A small deterministic generator (xorshift64*): a failing history is replayed from the
/// seed the assertion prints.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How an online order's payment goes.
#[derive(Debug, Clone, Copy)]
enum Payment {
    /// Paid; the browser's verify call and the webhooks race.
    Verified,
    /// Paid; only the webhooks tell the store.
    Webhooks,
    Failed,
    /// Fails, then the customer retries and pays (payment_failed → payment_pending → paid).
    FailedThenRetried,
    /// Never paid: the reservation expires (and a customer may cancel at the same time).
    Expires,
    CancelledFirst,
}

/// What happens to an order once it is paid (or confirmed, cash on delivery).
#[derive(Debug, Clone, Copy)]
enum Fate {
    Kept,
    CustomerCancels,
    AdminCancels,
    /// Admin refunds part of the payment (online), then maybe it is cancelled after all.
    PartlyRefunded {
        then_cancelled: bool,
    },
    /// Shipped and delivered, then some units come back, with or without money.
    Delivered {
        returned: Returned,
    },
}

#[derive(Debug, Clone, Copy)]
enum Returned {
    Nothing,
    Part {
        refund: bool,
    },
    Whole {
        refund: bool,
    },
    PartThenRest,
    /// All the money back first, then every unit: returned and refunded in one
    /// transaction (the figures recorded twice in it).
    WholeAfterFullRefund,
}

#[derive(Debug, Clone)]
struct Plan {
    customer: usize,
    lines: Vec<(usize, i64)>,
    cod: bool,
    payment: Payment,
    fate: Fate,
}

fn plan(dice: &mut Dice, customers: usize, products: usize) -> Plan {
    let first = dice.below(products as u64) as usize;
    let mut lines = vec![(first, 1 + dice.below(3) as i64)];
    if dice.chance(40) {
        lines.push(((first + 1 + dice.below(products as u64 - 1) as usize) % products, 1 + dice.below(2) as i64));
    }
    let payment = match dice.below(100) {
        0..45 => Payment::Verified,
        45..65 => Payment::Webhooks,
        65..72 => Payment::Failed,
        72..78 => Payment::FailedThenRetried,
        78..90 => Payment::Expires,
        _ => Payment::CancelledFirst,
    };
    let returned = match dice.below(6) {
        0 => Returned::Nothing,
        1 => Returned::Part { refund: dice.chance(50) },
        2 => Returned::Whole { refund: dice.chance(50) },
        3 => Returned::WholeAfterFullRefund,
        _ => Returned::PartThenRest,
    };
    let fate = match dice.below(100) {
        0..20 => Fate::Kept,
        20..32 => Fate::CustomerCancels,
        32..42 => Fate::AdminCancels,
        42..62 => Fate::PartlyRefunded { then_cancelled: dice.chance(30) },
        _ => Fate::Delivered { returned },
    };
    Plan { customer: dice.below(customers as u64) as usize, lines, cod: dice.chance(25), payment, fate }
}

/// The store of one history: an admin, customers and products, on an app whose
/// reservations expire after 3 s.
struct Store {
    app: Arc<TestApp>,
    admin: TestUser,
    customers: Vec<TestUser>,
    products: Vec<Uuid>,
}

async fn open_store(customers: usize, prices: &[i64]) -> Arc<Store> {
    let app = Arc::new(
        spawn_shop_with(|settings| {
            settings.inventory.reservation_ttl_seconds = 3;
            settings.inventory.expiry_interval_seconds = 1;
        })
        .await,
    );
    let admin = app.register_admin().await;
    let customers = register_customers(&app, customers).await;
    let mut products = Vec::new();
    for &price in prices {
        products.push(app.create_stocked_product(&admin, price, 100_000).await);
    }
    Arc::new(Store { app, admin, customers, products })
}

/// Server errors seen in one history (none allowed: a deadlock or a failed write of the
/// figures would answer 500).
type ServerErrors = Vec<String>;

/// The answer, or `None` for a refusal (4xx, expected when moves race); a 5xx or a
/// transport failure is noted.
fn answer<T>(errors: &mut ServerErrors, what: &str, result: client::Result<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(client::Error::Api { status, .. }) if status.is_client_error() => None,
        Err(error) => {
            errors.push(format!("{what}: {error}"));
            None
        }
    }
}

fn verify_body(handler: &Value) -> Option<VerifyPayment> {
    serde_json::from_value(handler.clone()).ok()
}

fn status(to: OrderStatus) -> StatusChange {
    StatusChange { status: to, note: Some("property test".into()) }
}

fn refund(amount_paise: Option<i64>) -> NewRefund {
    NewRefund { amount_paise, reason: "property test".into() }
}

fn return_of(lines: &[(Uuid, i64)], refund_paise: Option<i64>) -> NewReturn {
    NewReturn {
        items: lines.iter().map(|&(product_id, quantity)| ReturnLine { product_id, quantity }).collect(),
        restock: true,
        reason: "property test".into(),
        refund_paise,
    }
}

fn ship() -> ShipOrder {
    ShipOrder { carrier: "Delhivery".into(), tracking_number: "DL1".into(), tracking_url: None, description: None }
}

/// The order's status once it no longer waits for payment (the failure's webhook, or
/// expiry), polled for 10 s at most; `None` if it still waits.
async fn settled_status(customer: TestUser, id: Uuid) -> Option<OrderStatus> {
    for _ in 0..100 {
        if let Ok(order) = customer.api.order(id).await
            && order.status != OrderStatus::PaymentPending
        {
            return Some(order.status);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

/// Once the payment has failed: the customer retries and pays the new payment.
fn retry_and_pay(
    app: Arc<TestApp>,
    customer: TestUser,
    id: Uuid,
) -> std::pin::Pin<Box<dyn Future<Output = ServerErrors> + Send>> {
    Box::pin(async move {
        let mut errors = ServerErrors::new();
        if settled_status(customer.clone(), id).await != Some(OrderStatus::PaymentFailed) {
            return errors;
        }
        let Some(retried) = answer(&mut errors, "retry", customer.api.retry_payment(id, &new_key()).await) else {
            return errors;
        };
        let handler = app.pay(&retried, "success", "normal").await;
        if let Some(body) = verify_body(&handler) {
            answer(&mut errors, "verify the retry", customer.api.verify_payment(id, &body).await);
        }
        errors
    })
}

/// Places the order; `None` when refused.
async fn place(store: &Store, plan: &Plan, errors: &mut ServerErrors) -> Option<PlacedOrder> {
    let customer = &store.customers[plan.customer];
    let order = PlaceOrder {
        items: Some(
            plan.lines
                .iter()
                .map(|&(product, quantity)| OrderLine { product_id: store.products[product], quantity })
                .collect(),
        ),
        address_id: None,
        shipping_address: plan.cod.then(home),
        payment_method: if plan.cod { PaymentMethod::Cod } else { PaymentMethod::Razorpay },
        coupon_code: None,
        billing: None,
    };
    let placed = answer(errors, "checkout", customer.api.place_order(&order, &new_key()).await)?;
    Some(placed.body)
}

/// One order's history, as its plan says; the moves race whatever else runs.
async fn live(store: Arc<Store>, plan: Plan) -> ServerErrors {
    let mut errors = ServerErrors::new();
    let Some(placed) = place(&store, &plan, &mut errors).await else { return errors };
    let (app, admin, customer) = (&store.app, &store.admin, &store.customers[plan.customer]);
    let id = placed.order.id;
    let total = placed.order.total_paise;
    if !plan.cod {
        match plan.payment {
            Payment::Verified => {
                let handler = app.pay(&placed, "success", "normal").await;
                if let Some(body) = verify_body(&handler) {
                    answer(&mut errors, "verify", customer.api.verify_payment(id, &body).await);
                }
            }
            Payment::Webhooks => {
                app.pay(&placed, "success", "normal").await;
            }
            Payment::Failed => {
                app.pay(&placed, "failure", "normal").await;
                return errors;
            }
            Payment::FailedThenRetried => {
                app.pay(&placed, "failure", "normal").await;
                errors.extend(retry_and_pay(app.clone(), customer.clone(), id).await);
            }
            Payment::Expires => return errors,
            Payment::CancelledFirst => {
                answer(&mut errors, "cancel unpaid", customer.api.cancel_order(id, None).await);
                return errors;
            }
        }
    }
    let lines: Vec<(Uuid, i64)> = plan.lines.iter().map(|&(p, q)| (store.products[p], q)).collect();
    let paid_online = !plan.cod;
    match plan.fate {
        Fate::Kept => {}
        Fate::CustomerCancels => {
            answer(&mut errors, "customer cancel", customer.api.cancel_order(id, Some("changed my mind")).await);
        }
        Fate::AdminCancels => {
            answer(
                &mut errors,
                "admin cancel",
                admin.api.change_order_status(id, &status(OrderStatus::Cancelled)).await,
            );
        }
        Fate::PartlyRefunded { then_cancelled } => {
            if paid_online {
                let part = refund(Some(total / 4 + 1));
                answer(&mut errors, "partial refund", admin.api.refund_order(id, &part, &new_key()).await);
            }
            if then_cancelled {
                answer(&mut errors, "cancel refunded", customer.api.cancel_order(id, None).await);
            }
        }
        Fate::Delivered { returned } => {
            answer(&mut errors, "pack", admin.api.change_order_status(id, &status(OrderStatus::Packed)).await);
            answer(&mut errors, "ship", admin.api.ship_order(id, &ship()).await);
            answer(&mut errors, "deliver", admin.api.change_order_status(id, &status(OrderStatus::Delivered)).await);
            let money = |share: i64, refund: bool| (refund && paid_online).then_some(share.max(1));
            match returned {
                Returned::Nothing => {}
                Returned::Part { refund } => {
                    let part = [(lines[0].0, 1)];
                    let request = return_of(&part, money(total / 5, refund));
                    answer(&mut errors, "partial return", admin.api.record_return(id, &request).await);
                }
                Returned::Whole { refund } => {
                    let request = return_of(&lines, money(total, refund));
                    answer(&mut errors, "whole return", admin.api.record_return(id, &request).await);
                }
                Returned::WholeAfterFullRefund => {
                    if paid_online {
                        let all = refund(None);
                        answer(&mut errors, "full refund", admin.api.refund_order(id, &all, &new_key()).await);
                    }
                    let request = return_of(&lines, None);
                    answer(&mut errors, "whole return, refunded", admin.api.record_return(id, &request).await);
                }
                Returned::PartThenRest => {
                    let part = [(lines[0].0, 1)];
                    let first = return_of(&part, money(total / 3, true));
                    answer(&mut errors, "first return", admin.api.record_return(id, &first).await);
                    let rest: Vec<(Uuid, i64)> = lines
                        .iter()
                        .map(|&(p, q)| (p, if p == lines[0].0 { q - 1 } else { q }))
                        .filter(|&(_, q)| q > 0)
                        .collect();
                    if !rest.is_empty() {
                        let second = return_of(&rest, money(total - total / 3, true));
                        answer(&mut errors, "the rest returned", admin.api.record_return(id, &second).await);
                    }
                }
            }
        }
    }
    errors
}

/// Refunds that Razorpay takes and then reports failed, on counted online orders, racing
/// each other and a last churn of moves.
async fn failing_refunds(store: &Arc<Store>) -> ServerErrors {
    let pool = store.app.db.pool().await;
    let paid: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM orders.orders WHERE status IN ('paid', 'delivered') AND payment_method = 'razorpay'
          ORDER BY id LIMIT 6",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    store.app.simulator.set_fault("refunds_fail_later", None).await;
    let outcomes = all_at_once(paid.into_iter().map(|id| {
        let store = store.clone();
        async move {
            let mut errors = ServerErrors::new();
            let part = refund(Some(1_000));
            answer(&mut errors, "failing refund", store.admin.api.refund_order(id, &part, &new_key()).await);
            errors
        }
    }))
    .await;
    // Every refund reported failed before the gateway heals.
    wait_until_quiet(store).await;
    store.app.simulator.set_fault("none", None).await;
    outcomes.into_iter().flatten().collect()
}

/// Waits until nothing moves on its own any more: no refund due or sent, no order waiting
/// for payment (the expiry job cancels them).
async fn wait_until_quiet(store: &Store) {
    let pool = store.app.db.pool().await;
    eventually_with("the store to settle", Patience::within(Duration::from_secs(60)), async || {
        let (unsettled, pending): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM orders.refunds WHERE status IN ('due', 'sent')),
                    (SELECT count(*) FROM orders.orders WHERE status = 'payment_pending')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (unsettled == 0 && pending == 0).then_some(())
    })
    .await;
}

const SEEDS: [u64; 5] = [20, 7_001, 424_242, 9, 31_337];
const ORDERS_PER_HISTORY: usize = 30;

#[tokio::test]
async fn for_random_concurrent_histories_the_read_model_equals_the_orders() {
    let mut exercised_in_all = std::collections::BTreeMap::<String, i64>::new();
    for seed in SEEDS {
        let store = open_store(4, &[9_900, 24_900, 149_900, 3_333]).await;
        let mut dice = Dice::new(seed);
        let plans: Vec<Plan> =
            (0..ORDERS_PER_HISTORY).map(|_| plan(&mut dice, store.customers.len(), store.products.len())).collect();

        let mut errors: ServerErrors = all_at_once(plans.iter().cloned().map(|plan| live(store.clone(), plan)))
            .await
            .into_iter()
            .flatten()
            .collect();
        let pool = store.app.db.pool().await;
        // Mid-flight (refunds settling, reservations expiring): one snapshot still agrees.
        assert_read_model_matches_orders(&pool, &format!("seed {seed}, while settling")).await;
        wait_until_quiet(&store).await;
        errors.extend(failing_refunds(&store).await);

        assert!(errors.is_empty(), "seed {seed}: server errors: {errors:#?}\nplans: {plans:#?}");
        let exercised = coverage(&pool).await;
        println!("seed {seed}: {exercised:?}");
        for (kind, n) in exercised {
            *exercised_in_all.entry(kind).or_default() += n;
        }
        let differences = read_model_differences(&pool).await;
        assert!(differences.is_empty(), "seed {seed}: the read model differs: {differences:#?}\nplans: {plans:#?}");
    }
    // The histories went everywhere the figures move.
    for kind in [
        "order paid",
        "order confirmed",
        "order delivered",
        "order cancelled",
        "order returned",
        "order refunded",
        "expired",
        "retried",
        "refund processed",
        "refund failed",
        "returns",
    ] {
        assert!(
            exercised_in_all.get(kind).is_some_and(|&n| n > 0),
            "no history exercised {kind}: {exercised_in_all:?}"
        );
    }
}

#[tokio::test]
async fn customers_racing_payments_and_cancellations_of_the_same_products_on_the_same_day_leave_exact_figures() {
    let store = open_store(6, &[9_900, 24_900]).await;
    // Every customer orders both products, four times over: every order writes the same
    // day's and month's rows.
    let placed: Vec<(usize, Option<PlacedOrder>, ServerErrors)> =
        all_at_once((0..store.customers.len() * 4).map(|n| {
            let store = store.clone();
            async move {
                let customer = n % store.customers.len();
                let plan = Plan {
                    customer,
                    lines: vec![(0, 1 + (n % 2) as i64), (1, 1)],
                    cod: n % 5 == 0,
                    payment: Payment::Verified,
                    fate: Fate::Kept,
                };
                let mut errors = ServerErrors::new();
                let placed = place(&store, &plan, &mut errors).await;
                (customer, placed, errors)
            }
        }))
        .await;
    let mut errors: ServerErrors = placed.iter().flat_map(|(_, _, errors)| errors.clone()).collect();

    // Each order is paid while its customer cancels it (every other one) and an admin
    // cancels another (every third): payments, refunds and cancellations race on the hot
    // rows.
    let raced = all_at_once(placed.into_iter().enumerate().filter_map(|(n, (customer, placed, _))| {
        let placed = placed?;
        let store = store.clone();
        Some(async move {
            let mut errors = ServerErrors::new();
            let id = placed.order.id;
            let user = &store.customers[customer];
            let pay = async {
                if placed.payment.is_some() {
                    let handler = store.app.pay(&placed, "success", "normal").await;
                    if let Some(body) = verify_body(&handler) {
                        return Some(user.api.verify_payment(id, &body).await.map(|_| ()));
                    }
                }
                None
            };
            let cancel = async {
                match n % 3 {
                    0 => Some(user.api.cancel_order(id, None).await.map(|_| ())),
                    1 => {
                        Some(store.admin.api.change_order_status(id, &status(OrderStatus::Cancelled)).await.map(|_| ()))
                    }
                    _ => None,
                }
            };
            let (paid, cancelled) = tokio::join!(pay, cancel);
            for (what, result) in [("pay", paid), ("cancel", cancelled)] {
                if let Some(result) = result {
                    answer(&mut errors, what, result);
                }
            }
            errors
        })
    }))
    .await;
    errors.extend(raced.into_iter().flatten());
    wait_until_quiet(&store).await;

    assert!(errors.is_empty(), "no server errors (a deadlock answers 500): {errors:#?}");
    let pool = store.app.db.pool().await;
    assert!(counted_orders(&pool).await > 0, "some orders stayed sold");
    println!("hot rows: {:?}", coverage(&pool).await);
    assert_read_model_matches_orders(&pool, "hot rows").await;
}

/// An order of two units of one product (₹1,000 with shipping), placed at 12:00 IST on
/// 26 November 2026, as the figures see it.
fn sold(n: u128, status: analytics::OrderStatus) -> analytics::OrderSales {
    use chrono::TimeZone as _;
    analytics::OrderSales {
        order_id: Uuid::from_u128(n),
        user_id: Uuid::from_u128(1_000 + n),
        placed_at: chrono::Utc.with_ymd_and_hms(2026, 11, 26, 6, 30, 0).unwrap(),
        status,
        total: kernel::Money::from_paise(100_000),
        lines: vec![analytics::SoldLine {
            product_id: Uuid::from_u128(77),
            quantity: 2,
            line_total: kernel::Money::from_paise(95_000),
        }],
        refunds: Vec::new(),
        returns: Vec::new(),
    }
}

async fn record(conn: &mut sqlx::PgConnection, order: &analytics::OrderSales) -> anyhow::Result<()> {
    analytics::PgSalesLedger.record(conn, std::slice::from_ref(order)).await
}

/// The orders domain records an order twice in one transaction when a move is followed
/// by `refunded_if_all_back` (a whole return, or a cancel, of an order whose money is
/// all back already): delivered → returned, then returned → refunded. Meanwhile the last
/// refund of another returned order placed the same day moves it to refunded. Each
/// call locks its own rows in key order, but the second call of the first transaction
/// comes back for a row ((day, refunded)) after one it already holds ((day, returned)),
/// which the other transaction takes in the opposite order.
#[tokio::test]
async fn recording_an_order_twice_in_one_transaction_never_deadlocks_with_another_order_of_the_same_day() {
    use analytics::OrderStatus::{Delivered, Refunded, Returned};
    let db = rigmaster_tests::TestDatabase::create().await;
    let pool = db.pool_of(4).await;
    let mut refunded_first = sold(1, Delivered);
    refunded_first
        .refunds
        .push(analytics::SaleRefund { amount: kernel::Money::from_paise(100_000), at: refunded_first.placed_at });
    let returned_other = sold(2, Returned);
    let mut setup = pool.acquire().await.unwrap();
    record(&mut setup, &refunded_first).await.unwrap();
    record(&mut setup, &returned_other).await.unwrap();
    record(&mut setup, &sold(3, Refunded)).await.unwrap();
    drop(setup);

    // The whole return: returned (first call) …
    let mut whole_return = pool.begin().await.unwrap();
    record(&mut whole_return, &analytics::OrderSales { status: Returned, ..refunded_first.clone() }).await.unwrap();
    // … while the other order's last refund settles it.
    let settling = tokio::spawn({
        let pool = pool.clone();
        async move {
            let mut tx = pool.begin().await?;
            record(&mut tx, &analytics::OrderSales { status: Refunded, ..returned_other }).await?;
            tx.commit().await?;
            anyhow::Ok(())
        }
    });
    someone_waits(&pool).await;
    // … then refunded (second call), as `refunded_if_all_back` does.
    let second = record(&mut whole_return, &analytics::OrderSales { status: Refunded, ..refunded_first.clone() }).await;
    let committed = match second {
        Ok(()) => whole_return.commit().await.map_err(anyhow::Error::from),
        Err(error) => Err(error),
    };
    let settled = settling.await.unwrap();

    assert!(committed.is_ok(), "the whole return: {committed:?}");
    assert!(settled.is_ok(), "the other order's refund: {settled:?}");
    let (refunded, returned): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(sum(orders) FILTER (WHERE status = 'refunded'), 0)::bigint,
                COALESCE(sum(orders) FILTER (WHERE status = 'returned'), 0)::bigint
           FROM analytics.status_days WHERE day = '2026-11-26'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((refunded, returned), (3, 0));
}

/// Waits until another transaction waits on a lock (ours).
async fn someone_waits(pool: &sqlx::PgPool) {
    eventually_with("a transaction to wait on ours", Patience::within(Duration::from_secs(10)), async || {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        (waiting > 0).then_some(())
    })
    .await;
}

/// A customer's first day when two of their orders, placed on different days, change at
/// once: the earlier sale is cancelled while the later order is paid. The payment's
/// transaction must not compute the first day from the cancellation's uncommitted past
/// (it would keep the cancelled order's day).
#[tokio::test]
async fn a_customers_first_day_follows_a_cancellation_racing_a_payment_of_another_of_their_orders() {
    use analytics::OrderStatus::{Cancelled, Paid, PaymentPending};
    let db = rigmaster_tests::TestDatabase::create().await;
    let pool = db.pool_of(4).await;
    // A month earlier and another product: the two share no row but the customer's.
    let mut earlier = sold(1, Paid);
    earlier.placed_at -= chrono::Duration::days(31);
    earlier.lines[0].product_id = Uuid::from_u128(78);
    let later = analytics::OrderSales { user_id: earlier.user_id, ..sold(2, PaymentPending) };
    let mut setup = pool.acquire().await.unwrap();
    record(&mut setup, &earlier).await.unwrap();
    record(&mut setup, &later).await.unwrap();
    drop(setup);

    let mut cancelling = pool.begin().await.unwrap();
    record(&mut cancelling, &analytics::OrderSales { status: Cancelled, ..earlier }).await.unwrap();
    let paying = tokio::spawn({
        let pool = pool.clone();
        let later = analytics::OrderSales { status: Paid, ..later.clone() };
        async move {
            let mut tx = pool.begin().await?;
            record(&mut tx, &later).await?;
            tx.commit().await?;
            anyhow::Ok(())
        }
    });
    someone_waits(&pool).await;
    cancelling.commit().await.unwrap();
    paying.await.unwrap().unwrap();

    let first: Vec<(Uuid, chrono::NaiveDate)> =
        sqlx::query_as("SELECT user_id, first_day FROM analytics.customers").fetch_all(&pool).await.unwrap();
    assert_eq!(first, [(later.user_id, kernel::calendar::ist_day(later.placed_at))]);
}
