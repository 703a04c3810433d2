//! `POST /api/v1/webhooks/razorpay`: signed events stored once, tampered ones refused
//! before they are read, signed ones that are no Razorpay event refused (never a 500),
//! and the simulator's deliveries (normal, twice, reversed, tampered, none, retried) as
//! the store sees them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api_types::orders::{OrderStatus, PaymentStatus};
use api_types::payments::RazorpayRefundStatus;
use payments_razorpay::signature::sign;
use reqwest::StatusCode;
use rigmaster_tests::shop::spawn_shop;
use rigmaster_tests::{TestApp, assert_error, spawn_app, spawn_simulator};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::admin_payments::flagged_only;

const WEBHOOKS: &str = "/api/v1/webhooks/razorpay";

pub(crate) fn payment_event(event: &str, payment_id: &str, status: &str) -> Value {
    json!({
        "entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": event, "contains": ["payment"],
        "payload": { "payment": { "entity": {
            "id": payment_id, "entity": "payment", "amount": 50000, "currency": "INR", "status": status,
            "order_id": "order_IEIaMR65cu6nz3", "method": "upi", "amount_refunded": 0, "refund_status": null,
            "captured": status == "captured", "email": "a@example.com", "contact": "+919000000000",
            "notes": [], "fee": null, "tax": null, "error_code": null, "error_description": null,
            "error_source": null, "error_step": null, "error_reason": null, "acquirer_data": {},
            "created_at": 1763700000
        }}},
        "created_at": 1763700000
    })
}

/// Posts `body` with the given signature and event id headers.
async fn post_webhook(
    app: &TestApp,
    body: &[u8],
    signature: Option<&str>,
    event_id: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url(WEBHOOKS)).header("content-type", "application/json").body(body.to_vec());
    if let Some(signature) = signature {
        request = request.header("x-razorpay-signature", signature);
    }
    if let Some(event_id) = event_id {
        request = request.header("x-razorpay-event-id", event_id);
    }
    request.send().await.unwrap()
}

/// Posts `event` signed with the webhook secret, as Razorpay would.
pub(crate) async fn post_signed(app: &TestApp, event: &Value, event_id: &str) -> reqwest::Response {
    let body = serde_json::to_vec(event).unwrap();
    let signature = sign(app.simulator.settings.webhook_secret.as_bytes(), &body);
    post_webhook(app, &body, Some(&signature), Some(event_id)).await
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn stored_events(pool: &PgPool) -> i64 {
    count(pool, "SELECT count(*) FROM payments.webhook_events").await
}

async fn payment_status(pool: &PgPool, payment_id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM payments.payments WHERE razorpay_payment_id = $1")
        .bind(payment_id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_signed_event_is_stored_and_its_payment_recorded() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;

    let response =
        post_signed(&app, &payment_event("payment.captured", "pay_IH4NVgf4Dreq1l", "captured"), "evt_1").await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({"event_id": "evt_1", "outcome": "processed"}));
    assert_eq!(stored_events(&pool).await, 1);
    assert_eq!(payment_status(&pool, "pay_IH4NVgf4Dreq1l").await.as_deref(), Some("captured"));
    let (amount, method): (i64, String) = sqlx::query_as(
        "SELECT amount_paise, method FROM payments.payments WHERE razorpay_payment_id = 'pay_IH4NVgf4Dreq1l'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((amount, method.as_str()), (50000, "upi"));
}

#[tokio::test]
async fn the_same_event_id_twice_is_stored_once() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let event = payment_event("payment.captured", "pay_IH4NVgf4Dreq1l", "captured");

    let first = post_signed(&app, &event, "evt_same").await;
    let second = post_signed(&app, &event, "evt_same").await;

    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    let second: Value = second.json().await.unwrap();
    assert_eq!(second["outcome"], "already_seen");
    assert_eq!(stored_events(&pool).await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.payment_history").await, 1);
}

#[tokio::test]
async fn one_event_delivered_many_times_at_once_is_stored_once() {
    let app = Arc::new(spawn_app().await);
    let pool = app.db.pool().await;
    let event = payment_event("payment.authorized", "pay_IH4NVgf4Dreq1l", "authorized");

    let deliveries = (0..12).map(|_| {
        let app = app.clone();
        let event = event.clone();
        tokio::spawn(async move {
            let response = post_signed(&app, &event, "evt_racing").await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()["outcome"].as_str().unwrap().to_owned()
        })
    });
    let mut outcomes = Vec::new();
    for delivery in deliveries.collect::<Vec<_>>() {
        outcomes.push(delivery.await.unwrap());
    }

    assert_eq!(outcomes.iter().filter(|o| *o == "processed").count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "already_seen").count(), 11);
    assert_eq!(stored_events(&pool).await, 1);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.payment_history").await, 1);
}

#[tokio::test]
async fn a_tampered_body_is_refused_before_it_is_parsed_and_nothing_is_stored() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let secret = app.simulator.settings.webhook_secret.clone();
    let body = serde_json::to_vec(&payment_event("payment.captured", "pay_IH4NVgf4Dreq1l", "captured")).unwrap();
    let signature = sign(secret.as_bytes(), &body);
    let mut tampered = body.clone();
    let at = tampered.windows(5).position(|w| w == b"50000").unwrap();
    tampered[at] = b'9';
    let refused_before = refused_signatures(&app).await;

    let changed_amount = post_webhook(&app, &tampered, Some(&signature), Some("evt_t1")).await;
    // Not JSON at all: a parser would fail first, so a 400 `webhook_signature_invalid`
    // here shows the signature is checked before anything reads the body.
    let garbage = post_webhook(&app, b"{not json", Some(&signature), Some("evt_t2")).await;
    let upper_case = post_webhook(&app, &body, Some(&signature.to_uppercase()), Some("evt_t3")).await;
    let unsigned = post_webhook(&app, &body, None, Some("evt_t4")).await;
    let other_secret = post_webhook(&app, &body, Some(&sign(b"another secret", &body)), Some("evt_t5")).await;

    for response in [changed_amount, garbage, upper_case, unsigned, other_secret] {
        assert_error(response, StatusCode::BAD_REQUEST, "webhook_signature_invalid").await;
    }
    assert_eq!(stored_events(&pool).await, 0);
    // The recorder is process-wide: tests running beside this one may count refusals too.
    assert!(refused_signatures(&app).await - refused_before >= 5);
    assert_eq!(payment_status(&pool, "pay_IH4NVgf4Dreq1l").await, None);
}

/// `webhooks_total{outcome="signature_invalid"}` as `/metrics` shows it now.
async fn refused_signatures(app: &TestApp) -> u64 {
    app.metrics().await.value("webhooks_total", &[("outcome", "signature_invalid")]) as u64
}

#[tokio::test]
async fn an_unknown_event_type_is_stored_and_acknowledged() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let event = json!({"entity": "event", "account_id": "acc_1", "event": "invoice.paid", "contains": ["invoice"],
                       "payload": {"invoice": {"entity": {"id": "inv_1"}}}, "created_at": 1763700000});

    let response = post_signed(&app, &event, "evt_unknown").await;

    assert_eq!(response.status(), StatusCode::OK);
    let event_type: String =
        sqlx::query_scalar("SELECT event_type FROM payments.webhook_events WHERE event_id = 'evt_unknown'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(event_type, "invoice.paid");
}

#[tokio::test]
async fn a_signed_event_without_an_event_id_is_a_bad_request_naming_the_header() {
    let app = spawn_app().await;
    let body = serde_json::to_vec(&payment_event("payment.failed", "pay_1", "failed")).unwrap();
    let signature = sign(app.simulator.settings.webhook_secret.as_bytes(), &body);

    let response = post_webhook(&app, &body, Some(&signature), None).await;

    let error = assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["details"][0]["field"], "X-Razorpay-Event-Id");
    assert_eq!(stored_events(&app.db.pool().await).await, 0);
}

#[tokio::test]
async fn a_signed_event_with_a_broken_payment_is_refused_and_not_stored() {
    let app = spawn_app().await;
    let mut event = payment_event("payment.captured", "pay_1", "captured");
    event["payload"]["payment"]["entity"]["amount"] = json!("fifty");

    let response = post_signed(&app, &event, "evt_broken").await;

    let error = assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
    assert_eq!(error["details"][0]["field"], "body");
    assert_eq!(stored_events(&app.db.pool().await).await, 0);
}

#[tokio::test]
async fn webhooks_out_of_order_never_move_a_payment_backwards() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;

    post_signed(&app, &payment_event("payment.captured", "pay_1", "captured"), "evt_a").await;
    post_signed(&app, &payment_event("payment.authorized", "pay_1", "authorized"), "evt_b").await;
    post_signed(&app, &payment_event("payment.failed", "pay_1", "failed"), "evt_c").await;

    assert_eq!(payment_status(&pool, "pay_1").await.as_deref(), Some("captured"));
    let history: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM payments.payment_history WHERE razorpay_payment_id = 'pay_1' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history, ["captured", "authorized", "failed"]);
}

#[tokio::test]
async fn a_late_authorisation_moves_a_failed_payment_forward() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;

    post_signed(&app, &payment_event("payment.failed", "pay_late", "failed"), "evt_1").await;
    post_signed(&app, &payment_event("payment.authorized", "pay_late", "authorized"), "evt_2").await;

    assert_eq!(payment_status(&pool, "pay_late").await.as_deref(), Some("authorized"));
}

/// A Razorpay order on the app's simulator.
async fn gateway_order(app: &TestApp) -> String {
    app.simulator.create_order(250_000).await.id
}

fn delivered_events(webhooks: &[Value]) -> Vec<(String, String, Vec<u64>)> {
    webhooks
        .iter()
        .map(|w| {
            let statuses =
                w["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_u64().unwrap_or(0)).collect();
            (w["event"].as_str().unwrap().to_owned(), w["event_id"].as_str().unwrap().to_owned(), statuses)
        })
        .collect()
}

#[tokio::test]
async fn a_payment_in_the_simulator_reaches_the_store_as_signed_webhooks() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let order_id = gateway_order(&app).await;

    let paid = app.simulator.pay(&order_id, json!({"outcome": "success"})).await;
    let webhooks = app.simulator.settled_webhooks(3).await;

    let delivered = delivered_events(&webhooks);
    let names: Vec<&str> = delivered.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, ["payment.authorized", "payment.captured", "order.paid"]);
    assert!(delivered.iter().all(|(_, _, statuses)| statuses == &[200]), "{delivered:?}");
    let payment_id = paid["razorpay_payment_id"].as_str().unwrap();
    assert_eq!(payment_status(&pool, payment_id).await.as_deref(), Some("captured"));
    assert_eq!(stored_events(&pool).await, 3);
    let order_of_payment: String =
        sqlx::query_scalar("SELECT razorpay_order_id FROM payments.payments WHERE razorpay_payment_id = $1")
            .bind(payment_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(order_of_payment, order_id);
}

#[tokio::test]
async fn deliveries_sent_twice_are_acknowledged_twice_and_stored_once() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let order_id = gateway_order(&app).await;

    app.simulator.pay(&order_id, json!({"outcome": "success", "deliver": "twice"})).await;
    let webhooks = app.simulator.settled_webhooks(6).await;

    let delivered = delivered_events(&webhooks);
    assert_eq!(delivered.len(), 6);
    assert!(delivered.iter().all(|(_, _, statuses)| statuses == &[200]), "{delivered:?}");
    assert_eq!(delivered[0].1, delivered[1].1, "a repeat carries the same event id");
    assert_eq!(stored_events(&pool).await, 3);
    assert_eq!(count(&pool, "SELECT count(*) FROM payments.payment_history").await, 3);
}

#[tokio::test]
async fn deliveries_in_reverse_leave_the_payment_captured() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let order_id = gateway_order(&app).await;

    let paid = app.simulator.pay(&order_id, json!({"outcome": "success", "deliver": "reversed"})).await;
    let webhooks = app.simulator.settled_webhooks(3).await;

    let names: Vec<String> = delivered_events(&webhooks).into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(names, ["order.paid", "payment.captured", "payment.authorized"]);
    let payment_id = paid["razorpay_payment_id"].as_str().unwrap();
    assert_eq!(payment_status(&pool, payment_id).await.as_deref(), Some("captured"));
}

#[tokio::test]
async fn tampered_deliveries_are_refused_every_time_they_are_retried() {
    let app = spawn_app().await;
    let pool = app.db.pool().await;
    let order_id = gateway_order(&app).await;

    app.simulator.pay(&order_id, json!({"outcome": "failure", "deliver": "tamper"})).await;
    let webhooks = app.simulator.settled_webhooks(1).await;

    let attempts = app.simulator.settings.delivery_attempts as usize;
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0]["tampered"], true);
    assert_eq!(webhooks[0]["delivered"], false);
    let statuses: Vec<u64> =
        webhooks[0]["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, vec![400; attempts]);
    assert_eq!(stored_events(&pool).await, 0);
}

#[tokio::test]
async fn nothing_is_delivered_when_the_customer_asks_for_none() {
    let app = spawn_app().await;
    let order_id = gateway_order(&app).await;

    app.simulator.pay(&order_id, json!({"outcome": "success", "deliver": "none"})).await;
    // A delivery after it proves the first was not merely slow.
    let other = gateway_order(&app).await;
    app.simulator.pay(&other, json!({"outcome": "failure"})).await;
    let webhooks = app.simulator.settled_webhooks(1).await;

    let names: Vec<String> = delivered_events(&webhooks).into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(names, ["payment.failed"]);
}

/// An HTTP endpoint that answers 500 to its first `failures` requests, then 200.
async fn flaky_receiver(failures: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let number = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                read_request(&mut socket).await;
                let status = if number < failures { "500 Internal Server Error" } else { "200 OK" };
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                socket.write_all(reply.as_bytes()).await.unwrap();
            });
        }
    });
    (url, seen)
}

/// Reads one request's head and body (by its content-length).
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = socket.read(&mut buffer).await.unwrap();
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= head_end + 4 + length {
                return;
            }
        }
        if read == 0 {
            return;
        }
    }
}

#[tokio::test]
async fn a_refused_delivery_is_retried_until_it_is_accepted() {
    let (url, seen) = flaky_receiver(2).await;
    let simulator = spawn_simulator(Some(url)).await;
    let order = simulator.create_order(10_000).await;

    simulator.pay(&order.id, json!({"outcome": "failure"})).await;
    let webhooks = simulator.settled_webhooks(1).await;

    let statuses: Vec<u64> =
        webhooks[0]["attempts"].as_array().unwrap().iter().map(|a| a["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(webhooks[0]["delivered"], true);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

/// What the store must answer to a signed body with one defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 400 `bad_request` naming the body; nothing stored.
    Refused,
    /// 200: the event is stored and its payment flagged for an admin, never paid.
    Flagged,
}

/// One defect: what it is, how it spoils a valid capture of the order, and the answer.
struct Defect {
    what: &'static str,
    spoil: fn(&mut Value),
    answer: Answer,
}

/// Turns the capture into an `order.paid` whose order is not the payment's.
fn order_paid_for_another_order(event: &mut Value) {
    event["event"] = json!("order.paid");
    event["payload"]["order"] = json!({"entity": {
        "id": "order_SomeoneElses01", "entity": "order", "amount": 50000, "amount_paid": 50000, "amount_due": 0,
        "currency": "INR", "receipt": null, "offer_id": null, "status": "paid", "attempts": 1, "notes": [],
        "created_at": 1763700000
    }});
}

const fn refused(what: &'static str, spoil: fn(&mut Value)) -> Defect {
    Defect { what, spoil, answer: Answer::Refused }
}

const fn flagged(what: &'static str, spoil: fn(&mut Value)) -> Defect {
    Defect { what, spoil, answer: Answer::Flagged }
}

fn payment_of(event: &mut Value) -> &mut Value {
    &mut event["payload"]["payment"]["entity"]
}

/// Turns the capture into a `refund.processed` of `amount` for the same payment.
fn refund_of(event: &mut Value, amount: Value) {
    event["event"] = json!("refund.processed");
    event["payload"]["refund"] = json!({"entity": {
        "id": "rfnd_FP8DDKxqJif6ca", "entity": "refund", "amount": amount, "currency": "INR",
        "payment_id": payment_of(event)["id"], "notes": [], "receipt": null, "acquirer_data": {"arn": null},
        "created_at": 1763700000, "batch_id": null, "status": "processed", "speed_processed": "normal",
        "speed_requested": "normal"
    }});
}

const DEFECTS: &[Defect] = &[
    refused("a negative amount", |e| payment_of(e)["amount"] = json!(-50000)),
    refused("an empty event name", |e| e["event"] = json!("")),
    refused("an event name of 101 characters", |e| e["event"] = json!("p".repeat(101))),
    refused("a NUL in the email", |e| payment_of(e)["email"] = json!("a\u{0}@example.com")),
    refused("a NUL in a field the store does not read", |e| payment_of(e)["acquirer_data"] = json!({"rrn": "\u{0}"})),
    refused("a NUL in a key", |e| payment_of(e)["notes"] = json!({"a\u{0}": "b"})),
    refused("a NUL in an unknown event", |e| e["event"] = json!("invoice.\u{0}paid")),
    refused("a terminal escape in the contact", |e| payment_of(e)["contact"] = json!("+91\u{1b}[2J9000000000")),
    refused("a control character in the payment id", |e| payment_of(e)["id"] = json!("pay_\u{7}1")),
    refused("an empty payment id", |e| payment_of(e)["id"] = json!("")),
    refused("an amount beyond i64", |e| payment_of(e)["amount"] = json!(u64::MAX)),
    refused("an amount of 1e30", |e| payment_of(e)["amount"] = json!(1e30)),
    refused("an amount as text", |e| payment_of(e)["amount"] = json!("fifty")),
    refused("a status Razorpay does not have", |e| payment_of(e)["status"] = json!("paid")),
    refused("a capture of a failed payment", |e| payment_of(e)["status"] = json!("failed")),
    refused("a lower-case currency", |e| payment_of(e)["currency"] = json!("inr")),
    refused("a negative refunded amount", |e| payment_of(e)["amount_refunded"] = json!(-1)),
    refused("a negative fee", |e| payment_of(e)["fee"] = json!(-1)),
    refused("a payment without its entity", |e| e["payload"]["payment"] = json!({})),
    refused("a payload without the payment", |e| e["payload"] = json!({})),
    refused("a payload that is a list", |e| e["payload"] = json!([])),
    refused("a body that is a list", |e| *e = json!([])),
    refused("an order.paid naming another order", order_paid_for_another_order),
    refused("a refund of nothing", |e| refund_of(e, json!(0))),
    refused("a negative refund", |e| refund_of(e, json!(-100))),
    flagged("an amount the order cannot be, i64::MAX", |e| payment_of(e)["amount"] = json!(i64::MAX)),
];

#[tokio::test]
async fn signed_bodies_with_defects_are_refused_or_flagged_never_a_500_and_never_pay_the_order() {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = app.create_stocked_product(&admin, 100_000, 5).await;
    let placed = app.buy(&customer, product, 2).await;
    let mut capture = payment_event("payment.captured", "pay_IH4NVgf4Dreq1l", "captured");
    let razorpay_order_id = &placed.payment.as_ref().expect("a Razorpay payment").razorpay_order_id;
    payment_of(&mut capture)["order_id"] = json!(razorpay_order_id);
    payment_of(&mut capture)["amount"] = json!(placed.order.total_paise);

    for (number, defect) in DEFECTS.iter().enumerate() {
        let mut event = capture.clone();
        (defect.spoil)(&mut event);
        let response = post_signed(&app, &event, &format!("evt_defect_{number}")).await;

        let what = defect.what;
        assert!(!response.status().is_server_error(), "{what}: {}", response.status());
        match defect.answer {
            Answer::Refused => {
                assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
                let error = assert_error(response, StatusCode::BAD_REQUEST, "bad_request").await;
                assert_eq!(error["details"][0]["field"], "body", "{what}: {error}");
            }
            Answer::Flagged => assert_eq!(response.status(), StatusCode::OK, "{what}"),
        }
    }

    let order = customer.api.order(placed.order.id).await.unwrap();
    assert_eq!((order.status, order.payment.status), (OrderStatus::PaymentPending, PaymentStatus::Pending));
    assert_eq!(app.stock_levels(product).await, (5, 2), "still held, none sold");
    assert_eq!(app.ledger_entries(placed.order.id, "commit").await, 0);
    let pool = app.db.pool().await;
    assert_eq!(count(&pool, "SELECT count(*) FROM orders.refunds").await, 0, "no refund owed");
    let flagged = DEFECTS.iter().filter(|d| d.answer == Answer::Flagged).count() as i64;
    assert_eq!(stored_events(&pool).await, flagged, "refused bodies are not stored");
    let gateway_calls = app.simulator.requests().await;
    assert!(!gateway_calls.iter().any(|r| r.ends_with("/capture") || r.ends_with("/refund")), "{gateway_calls:?}");
    let payments = admin.api.admin_payments(&flagged_only()).await.unwrap().items;
    assert_eq!(payments.len(), 1, "{payments:?}");
    let reason = payments[0].flagged_reason.as_deref();
    assert!(reason.is_some_and(|r| r.contains(&i64::MAX.to_string())), "{payments:?}");
}

#[tokio::test]
async fn a_failed_refund_flags_its_payment_once_beside_its_other_reasons() {
    let app = spawn_app().await;
    let admin = app.register_admin().await;
    let capture = payment_event("payment.captured", "pay_IH4NVgf4Dreq1l", "captured");
    let mut refund_failed = capture.clone();
    refund_of(&mut refund_failed, json!(50000));
    refund_failed["event"] = json!("refund.failed");
    refund_failed["payload"]["refund"]["entity"]["status"] = json!("failed");

    post_signed(&app, &capture, "evt_capture").await;
    let first = post_signed(&app, &refund_failed, "evt_refund_failed").await;
    let again = post_signed(&app, &refund_failed, "evt_refund_failed_again").await;

    assert_eq!((first.status(), again.status()), (StatusCode::OK, StatusCode::OK));
    let flagged = admin.api.admin_payments(&flagged_only()).await.unwrap().items;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(
        flagged[0].flagged_reason.as_deref(),
        Some(
            "Razorpay order order_IEIaMR65cu6nz3 is not an order of this store; \
             Razorpay reports refund rfnd_FP8DDKxqJif6ca of 50000 paise failed"
        )
    );
    assert_eq!(flagged[0].refunds[0].status, RazorpayRefundStatus::Failed);
}
