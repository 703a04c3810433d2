//! A checkout killed after its order committed and before its Razorpay order existed
//! (the gateway slow, the `rigmaster` process SIGKILLed), then a new process: the order
//! becomes payable, through exactly one Razorpay order, whether the replay of its
//! `Idempotency-Key`, a payment retry or the reconciliation job gets there first.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use api_types::orders::{Order, OrderStatus, PlaceOrder, PlacedOrder};
use payments_razorpay::PaymentGateway as _;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::orders::order_of;
use rigmaster_tests::shop::{all_at_once, new_key};
use rigmaster_tests::{Patience, TestDatabase, TestSimulator, poll, poll_with, spawn_simulator};
use serde_json::Value;
use uuid::Uuid;

/// One Razorpay call may take this long. The dead checkout's lease on opening the payment
/// is this plus five seconds (`state::orders_service`), which is how long recovery waits.
const GATEWAY_TIMEOUT_MS: &str = "3000";

/// A `rigmaster serve` child, killed if the test ends without stopping it.
struct Served {
    child: Child,
    port: u16,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// SIGKILL: no shutdown, no answer to anything in flight.
    fn kill_hard(mut self) {
        self.child.kill().expect("SIGKILL sent");
        self.child.wait().expect("the killed process is reaped");
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `rigmaster serve` on `db` and a free port, paying through `simulator`, with `extra`
/// settings on top (the reconciliation job is off unless they turn it on).
fn serve(db: &TestDatabase, simulator: &TestSimulator, extra: &[(&str, &str)]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rigmaster"));
    command
        .arg("serve")
        .current_dir(workspace_root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LOG_FORMAT", "json")
        .env("DATABASE_URL", db.url())
        .env("HTTP_ADDR", "127.0.0.1:0")
        .env("RAZORPAY_API_BASE", simulator.api_base())
        .env("RIGMASTER__RAZORPAY__TIMEOUT_MS", GATEWAY_TIMEOUT_MS)
        .env("RIGMASTER__RAZORPAY__MAX_ATTEMPTS", "1")
        .env("RIGMASTER__RATE_LIMIT__AUTH_PER_MINUTE", "1000")
        .env("RECONCILE_INTERVAL_SECONDS", "0")
        .envs(extra.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("rigmaster starts");
    let port = announced_port(&mut child);
    Served { child, port }
}

/// Reads the JSON log until the line announcing the port; keeps draining it after.
fn announced_port(child: &mut Child) -> u16 {
    use std::io::{BufRead as _, BufReader};
    let mut lines = BufReader::new(child.stderr.take().expect("stderr is piped")).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Ok(entry) = serde_json::from_str::<Value>(&line)
            && entry["fields"]["message"] == "rigmaster is serving"
        {
            std::thread::spawn(move || for _ in lines {});
            return entry["fields"]["port"].as_u64().expect("the port is logged") as u16;
        }
    }
    panic!("rigmaster did not announce its port");
}

/// A store whose process died in the middle of a checkout.
struct CrashedCheckout {
    app: TestApp,
    customer: TestUser,
    product: Uuid,
    key: String,
    body: PlaceOrder,
    order_id: Uuid,
    order_number: String,
    total: i64,
    /// The reservation deadline checkout gave the order.
    first_deadline: chrono::DateTime<chrono::Utc>,
    /// Calls to the simulator's `/v1` routes before the restart.
    requests_before_restart: usize,
}

impl CrashedCheckout {
    /// Razorpay orders created since the restart.
    async fn razorpay_orders_since_restart(&self) -> usize {
        let requests = self.app.simulator.requests().await;
        requests[self.requests_before_restart..].iter().filter(|r| *r == "POST /v1/orders").count()
    }

    async fn payment_attempts(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM orders.payment_attempts WHERE order_id = $1")
            .bind(self.order_id)
            .fetch_one(&self.app.db.pool().await)
            .await
            .unwrap()
    }

    /// As if the customer repeated the request two minutes later: until then a repeat
    /// of a key whose request never answered is told it is still in progress.
    async fn key_abandoned(&self) {
        sqlx::query("UPDATE idempotency.idempotency_keys SET created_at = now() - interval '3 minutes'")
            .execute(&self.app.db.pool().await)
            .await
            .unwrap();
    }

    /// A Razorpay order that exists at the gateway, for the order's amount, with the
    /// order number as receipt; returns its id.
    async fn assert_opened_at_gateway(&self, razorpay_order_id: Option<&str>) -> String {
        let razorpay_order_id = razorpay_order_id.expect("a Razorpay order");
        let at_gateway = self.app.simulator.client().fetch_order(razorpay_order_id).await.expect("it exists");
        assert_eq!(at_gateway.amount, self.total);
        assert_eq!(at_gateway.receipt.as_deref(), Some(self.order_number.as_str()));
        razorpay_order_id.to_owned()
    }

    /// Pays the order at the simulator and waits for it to be `paid`, its stock sold once.
    async fn pay(&self, razorpay_order_id: &str) {
        self.app.simulator.pay(razorpay_order_id, serde_json::json!({"outcome": "success"})).await;
        let paid = self.app.wait_for_order_status(&self.customer, self.order_id, OrderStatus::Paid).await;
        assert_eq!(paid.payment.razorpay_order_id.as_deref(), Some(razorpay_order_id));
        assert_eq!(self.app.stock_levels(self.product).await, (4, 0), "one unit sold, nothing held");
        assert_eq!(self.app.ledger_entries(self.order_id, "commit").await, 1);
    }

    /// The order's hold now lasts longer than checkout made it, at the order and in
    /// inventory alike.
    async fn assert_hold_extended(&self, order: &Order) {
        let deadline = order.reservation_expires_at.expect("a deadline");
        assert!(deadline > self.first_deadline, "{deadline} after {}", self.first_deadline);
        let held_until: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
            "SELECT min(expires_at) FROM inventory.reservations WHERE owner_id = $1 AND status = 'held'",
        )
        .bind(self.order_id)
        .fetch_one(&self.app.db.pool().await)
        .await
        .unwrap();
        assert_eq!(held_until.timestamp_micros(), deadline.timestamp_micros());
    }
}

/// Places an order while the gateway is slow, kills the process as soon as the order row
/// is committed (its Razorpay order request still waiting), and restarts it with `extra`.
async fn crashed_checkout(extra: &[(&str, &str)]) -> (CrashedCheckout, Served) {
    let db = TestDatabase::create().await;
    let simulator = spawn_simulator(None).await;
    let first = serve(&db, &simulator, &[]);
    let mut app = TestApp::at(first.port, db, reqwest::Client::new(), simulator);
    let admin = app.register_admin().await;
    let mut customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let (key, body) = (new_key(), order_of(product, 1));
    app.simulator.set_fault("slow", Some(60_000)).await;

    let checkout = {
        let (api, key, body) = (customer.api.clone(), key.clone(), body.clone());
        tokio::spawn(async move { api.place_order(&body, &key).await })
    };
    let pool = app.db.pool().await;
    let committed = poll(async || {
        sqlx::query_as::<_, (uuid::Uuid, String, i64, chrono::DateTime<chrono::Utc>)>(
            "SELECT id, order_number, total_paise, reservation_expires_at FROM orders.orders",
        )
        .fetch_optional(&pool)
        .await
        .unwrap()
    })
    .await;
    first.kill_hard();
    let (order_id, order_number, total, first_deadline) = committed.expect("the order row was committed");
    let unanswered = checkout.await.unwrap();
    assert!(matches!(unanswered, Err(client::Error::Transport(_))), "the checkout was never answered: {unanswered:?}");
    let missing: Option<String> =
        sqlx::query_scalar("SELECT razorpay_order_id FROM orders.orders").fetch_one(&pool).await.unwrap();
    assert_eq!(missing, None, "killed before the Razorpay order was stored");

    app.simulator.set_fault("none", None).await;
    let requests_before_restart = app.simulator.requests().await.len();
    let second = serve(&app.db, &app.simulator, extra);
    app.moved_to(second.port);
    customer.moved_to(&app);
    let crashed = CrashedCheckout {
        app,
        customer,
        product,
        key,
        body,
        order_id,
        order_number,
        total,
        first_deadline,
        requests_before_restart,
    };
    (crashed, second)
}

#[tokio::test]
async fn the_replay_of_a_checkout_killed_after_commit_answers_with_a_payment_that_can_be_paid() {
    let (crashed, _served) = crashed_checkout(&[]).await;
    crashed.key_abandoned().await;

    let replay = crashed.customer.api.place_order(&crashed.body, &crashed.key).await.unwrap();

    assert_eq!(replay.status, StatusCode::CREATED);
    let replayed = replay.body;
    assert_eq!(replayed.order.id, crashed.order_id, "the same order, not a second one");
    assert_eq!(replayed.order.status, OrderStatus::PaymentPending);
    let razorpay_order_id = crashed.assert_opened_at_gateway(razorpay_order_of(&replayed)).await;
    assert_eq!(replayed.payment.as_ref().map(|p| p.amount_paise), Some(crashed.total));
    crashed.assert_hold_extended(&replayed.order).await;
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1);
    assert_eq!(crashed.app.orders(&crashed.customer).await.len(), 1);
    let again = crashed.customer.api.place_order(&crashed.body, &crashed.key).await.unwrap();
    assert_eq!((again.status, again.body), (StatusCode::CREATED, replayed), "later repeats replay the same answer");
    crashed.pay(&razorpay_order_id).await;
}

#[tokio::test]
async fn a_payment_retry_makes_an_order_whose_checkout_was_killed_after_commit_payable() {
    let (crashed, _served) = crashed_checkout(&[]).await;

    let retried = crashed.customer.api.retry_payment(crashed.order_id, &new_key()).await.unwrap();

    assert_eq!(retried.order.status, OrderStatus::PaymentPending);
    let razorpay_order_id = crashed.assert_opened_at_gateway(razorpay_order_of(&retried)).await;
    assert_eq!(retried.payment.as_ref().map(|p| p.amount_paise), Some(crashed.total));
    crashed.assert_hold_extended(&retried.order).await;
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1);
    assert_eq!(crashed.payment_attempts().await, 1);
    crashed.pay(&razorpay_order_id).await;
}

#[tokio::test]
async fn reconciliation_opens_the_payment_of_an_order_whose_checkout_was_killed_after_commit() {
    let (crashed, _served) = crashed_checkout(&[("RECONCILE_INTERVAL_SECONDS", "1")]).await;

    // Nobody asks: the job finds the order once the dead checkout's lease has run out.
    let mut order = None;
    let patience = Patience::within(Duration::from_secs(30)).every(Duration::from_millis(200));
    let opened = poll_with(patience, async || {
        let seen = crashed.customer.api.order(crashed.order_id).await.unwrap();
        let opened = seen.payment.razorpay_order_id.is_some().then(|| seen.clone());
        order = Some(seen);
        opened
    })
    .await;
    let opened = opened.unwrap_or_else(|| panic!("reconciliation did not open the payment within 30 s: {order:?}"));

    assert_eq!(opened.status, OrderStatus::PaymentPending);
    let razorpay_order_id = crashed.assert_opened_at_gateway(opened.payment.razorpay_order_id.as_deref()).await;
    crashed.assert_hold_extended(&opened).await;
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1);
    crashed.pay(&razorpay_order_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_replay_retries_and_reconciliation_racing_for_a_killed_checkout_open_one_razorpay_order() {
    let (crashed, _served) = crashed_checkout(&[("RECONCILE_INTERVAL_SECONDS", "1")]).await;
    crashed.key_abandoned().await;
    // Whoever creates the Razorpay order waits half a second for it, while the others ask.
    crashed.app.simulator.set_fault("slow", Some(500)).await;
    let (api, order_id) = (&crashed.customer.api, crashed.order_id);
    let replay = {
        let (api, body, key) = (api.clone(), crashed.body.clone(), crashed.key.clone());
        tokio::spawn(async move { api.place_order(&body, &key).await })
    };
    let retries = all_at_once((0..4).map(|_| {
        let api = api.clone();
        async move { api.retry_payment(order_id, &new_key()).await }
    }));

    let (replayed, retried) = tokio::join!(replay, retries);

    crashed.app.simulator.set_fault("none", None).await;
    let replayed = replayed.unwrap().expect("the replay is answered");
    assert_eq!(replayed.status, StatusCode::CREATED);
    let mut payments = vec![razorpay_order_of(&replayed.body).map(str::to_owned)];
    for retried in retried {
        payments.push(razorpay_order_of(&retried.expect("a retry is answered")).map(str::to_owned));
    }
    assert!(payments.iter().all(|p| p.is_some() && *p == payments[0]), "one payment for all: {payments:?}");
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1, "one Razorpay order");
    assert_eq!(crashed.payment_attempts().await, 1);
    let razorpay_order_id = crashed.assert_opened_at_gateway(payments[0].as_deref()).await;
    crashed.pay(&razorpay_order_id).await;
}

/// The Razorpay order an answer of checkout or a payment retry opened, if any.
fn razorpay_order_of(placed: &PlacedOrder) -> Option<&str> {
    placed.payment.as_ref().map(|payment| payment.razorpay_order_id.as_str())
}
