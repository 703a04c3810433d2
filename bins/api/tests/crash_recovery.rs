//! A checkout killed after its order committed and before its Razorpay order existed
//! (the gateway slow, the `rigmaster` process SIGKILLed), then a new process: the order
//! becomes payable, through exactly one Razorpay order, whether the replay of its
//! `Idempotency-Key`, a payment retry or the reconciliation job gets there first.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use payments_razorpay::PaymentGateway as _;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::shop::{all_at_once, json_body, new_key, order_of, poll};
use rigmaster_tests::{Patience, TestDatabase, TestSimulator, poll_with, spawn_simulator};
use serde_json::Value;

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

/// Points the test's app (its address, and the simulator's webhooks) at `served`.
fn talk_to(app: &mut TestApp, served: &Served) {
    app.port = served.port;
    app.address = format!("http://127.0.0.1:{}", served.port);
    app.simulator.control.set_webhook_url(Some(app.url("/api/v1/webhooks/razorpay")));
}

/// A store whose process died in the middle of a checkout.
struct CrashedCheckout {
    app: TestApp,
    customer: TestUser,
    product: String,
    key: String,
    body: Value,
    order_id: String,
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
        sqlx::query_scalar("SELECT count(*) FROM orders.payment_attempts WHERE order_id = $1::uuid")
            .bind(&self.order_id)
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
    async fn assert_opened_at_gateway(&self, razorpay_order_id: &Value) -> String {
        let razorpay_order_id =
            razorpay_order_id.as_str().unwrap_or_else(|| panic!("no Razorpay order: {razorpay_order_id}"));
        let at_gateway = self.app.simulator.client().fetch_order(razorpay_order_id).await.expect("it exists");
        assert_eq!(at_gateway.amount, self.total);
        assert_eq!(at_gateway.receipt.as_deref(), Some(self.order_number.as_str()));
        razorpay_order_id.to_owned()
    }

    /// Pays the order at the simulator and waits for it to be `paid`, its stock sold once.
    async fn pay(&self, razorpay_order_id: &str) {
        self.app.simulator.pay(razorpay_order_id, serde_json::json!({"outcome": "success"})).await;
        let paid = self.app.wait_for_order_status(&self.customer, &self.order_id, "paid").await;
        assert_eq!(paid["payment"]["razorpay_order_id"], razorpay_order_id);
        assert_eq!(self.app.stock_levels(&self.product).await, (4, 0), "one unit sold, nothing held");
        assert_eq!(self.app.ledger_entries(&self.order_id, "commit").await, 1);
    }

    /// The order's hold now lasts longer than checkout made it, at the order and in
    /// inventory alike.
    async fn assert_hold_extended(&self, order: &Value) {
        let deadline: chrono::DateTime<chrono::Utc> =
            order["reservation_expires_at"].as_str().expect("a deadline").parse().unwrap();
        assert!(deadline > self.first_deadline, "{deadline} after {}", self.first_deadline);
        let held_until: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
            "SELECT min(expires_at) FROM inventory.reservations WHERE owner_id = $1::uuid AND status = 'held'",
        )
        .bind(&self.order_id)
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
    let client = reqwest::Client::new();
    let mut app = TestApp { address: String::new(), port: 0, db, client, simulator };
    talk_to(&mut app, &first);
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let (key, body) = (new_key(), order_of(&product, 1));
    app.simulator.set_fault("slow", Some(60_000)).await;

    let checkout = tokio::spawn(
        app.client
            .post(app.url("/api/v1/orders"))
            .bearer_auth(&customer.access_token)
            .header("Idempotency-Key", &key)
            .json(&body)
            .send(),
    );
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
    assert!(checkout.await.unwrap().is_err(), "the checkout was never answered");
    let missing: Option<String> =
        sqlx::query_scalar("SELECT razorpay_order_id FROM orders.orders").fetch_one(&pool).await.unwrap();
    assert_eq!(missing, None, "killed before the Razorpay order was stored");

    app.simulator.set_fault("none", None).await;
    let requests_before_restart = app.simulator.requests().await.len();
    let second = serve(&app.db, &app.simulator, extra);
    talk_to(&mut app, &second);
    let crashed = CrashedCheckout {
        app,
        customer,
        product,
        key,
        body,
        order_id: order_id.to_string(),
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

    let replay = crashed.app.place_order(&crashed.customer, &crashed.key, &crashed.body).await;

    let replayed = json_body(replay, StatusCode::CREATED).await;
    assert_eq!(replayed["order"]["id"], crashed.order_id.as_str(), "the same order, not a second one");
    assert_eq!(replayed["order"]["status"], "payment_pending");
    let razorpay_order_id = crashed.assert_opened_at_gateway(&replayed["payment"]["razorpay_order_id"]).await;
    assert_eq!(replayed["payment"]["amount_paise"], crashed.total);
    crashed.assert_hold_extended(&replayed["order"]).await;
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1);
    assert_eq!(crashed.app.orders(&crashed.customer).await.len(), 1);
    let again = crashed.app.place_order(&crashed.customer, &crashed.key, &crashed.body).await;
    assert_eq!(json_body(again, StatusCode::CREATED).await, replayed, "later repeats replay the same answer");
    crashed.pay(&razorpay_order_id).await;
}

#[tokio::test]
async fn a_payment_retry_makes_an_order_whose_checkout_was_killed_after_commit_payable() {
    let (crashed, _served) = crashed_checkout(&[]).await;

    let retry = crashed.app.retry_payment(&crashed.customer, &crashed.order_id, &new_key()).await;

    let retried = json_body(retry, StatusCode::OK).await;
    assert_eq!(retried["order"]["status"], "payment_pending");
    let razorpay_order_id = crashed.assert_opened_at_gateway(&retried["payment"]["razorpay_order_id"]).await;
    assert_eq!(retried["payment"]["amount_paise"], crashed.total);
    crashed.assert_hold_extended(&retried["order"]).await;
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1);
    assert_eq!(crashed.payment_attempts().await, 1);
    crashed.pay(&razorpay_order_id).await;
}

#[tokio::test]
async fn reconciliation_opens_the_payment_of_an_order_whose_checkout_was_killed_after_commit() {
    let (crashed, _served) = crashed_checkout(&[("RECONCILE_INTERVAL_SECONDS", "1")]).await;

    // Nobody asks: the job finds the order once the dead checkout's lease has run out.
    let mut order = Value::Null;
    let patience = Patience::within(Duration::from_secs(30)).every(Duration::from_millis(200));
    let opened = poll_with(patience, async || {
        order = crashed.app.order(&crashed.customer, &crashed.order_id).await;
        order["payment"]["razorpay_order_id"].is_string().then(|| order.clone())
    })
    .await;
    let opened = opened.unwrap_or_else(|| panic!("reconciliation did not open the payment within 30 s: {order}"));

    assert_eq!(opened["status"], "payment_pending");
    let razorpay_order_id = crashed.assert_opened_at_gateway(&opened["payment"]["razorpay_order_id"]).await;
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
    let (app, customer, order_id) = (&crashed.app, &crashed.customer, &crashed.order_id);
    let replay = app.client.post(app.url("/api/v1/orders")).header("Idempotency-Key", &crashed.key).json(&crashed.body);
    let retries = (0..4).map(|_| {
        let path = format!("/api/v1/orders/{order_id}/payment/retry");
        app.client.post(app.url(&path)).header("Idempotency-Key", new_key()).json(&serde_json::json!({}))
    });

    let answers = all_at_once(
        std::iter::once(replay)
            .chain(retries)
            .map(|request| request.bearer_auth(&customer.access_token).send())
            .collect::<Vec<_>>(),
    )
    .await;

    crashed.app.simulator.set_fault("none", None).await;
    let mut payments = Vec::new();
    for (i, answer) in answers.into_iter().enumerate() {
        let status = if i == 0 { StatusCode::CREATED } else { StatusCode::OK };
        let body = json_body(answer.expect("answered"), status).await;
        payments.push(body["payment"]["razorpay_order_id"].clone());
    }
    assert!(payments.iter().all(|p| p.is_string() && *p == payments[0]), "one payment for all: {payments:?}");
    assert_eq!(crashed.razorpay_orders_since_restart().await, 1, "one Razorpay order");
    assert_eq!(crashed.payment_attempts().await, 1);
    let razorpay_order_id = crashed.assert_opened_at_gateway(&payments[0]).await;
    crashed.pay(&razorpay_order_id).await;
}
