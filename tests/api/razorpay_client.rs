//! The Razorpay client against the simulator: every call, Razorpay's refusals as typed
//! errors, and faults (timeouts and 5xx) retried only where retrying is safe.

use std::time::{Duration, Instant};

use kernel::Money;
use payments_razorpay::entities::{OrderStatus, PaymentStatus, RefundStatus, RefundStatusOfPayment};
use payments_razorpay::{CaptureMode, GatewayError, NewOrder, NewRefund, PaymentGateway as _, RazorpayClient};
use rigmaster_tests::{TestSimulator, spawn_simulator};
use serde_json::json;

fn new_order(amount: i64, capture: CaptureMode) -> NewOrder {
    NewOrder {
        amount: Money::from_paise(amount),
        currency: "INR".into(),
        receipt: "RM-20261122-000001".into(),
        notes: Default::default(),
        capture,
    }
}

async fn paid_payment_id(simulator: &TestSimulator, client: &RazorpayClient, amount: i64) -> String {
    let order = client.create_order(&new_order(amount, CaptureMode::Automatic)).await.unwrap();
    let paid = simulator.pay(&order.id, json!({"outcome": "success", "deliver": "none"})).await;
    paid["razorpay_payment_id"].as_str().unwrap().to_owned()
}

fn assert_bad_request(error: GatewayError, expected_description: &str) {
    match error {
        GatewayError::BadRequest { description, .. } => assert_eq!(description, expected_description),
        other => panic!("expected a bad request, got {other:?}"),
    }
}

#[tokio::test]
async fn the_client_creates_an_order_and_fetches_it_back() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();

    let created = client.create_order(&new_order(123_456, CaptureMode::Automatic)).await.unwrap();
    let fetched = client.fetch_order(&created.id).await.unwrap();

    assert!(created.id.starts_with("order_"), "{}", created.id);
    assert_eq!((created.amount, created.amount_due, created.amount_paid), (123_456, 123_456, 0));
    assert_eq!(created.receipt.as_deref(), Some("RM-20261122-000001"));
    assert_eq!((created.status, created.attempts), (OrderStatus::Created, 0));
    assert_eq!(fetched, created);
}

#[tokio::test]
async fn an_order_lists_every_payment_tried_on_it_failed_ones_included() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();
    let order = client.create_order(&new_order(50_000, CaptureMode::Automatic)).await.unwrap();

    let failed = simulator.pay(&order.id, json!({"outcome": "failure", "deliver": "none"})).await;
    let paid = simulator.pay(&order.id, json!({"outcome": "success", "method": "card", "deliver": "none"})).await;

    let order = client.fetch_order(&order.id).await.unwrap();
    assert_eq!((order.status, order.attempts, order.amount_paid, order.amount_due), (OrderStatus::Paid, 2, 50_000, 0));
    let payments = client.fetch_order_payments(&order.id).await.unwrap();
    let statuses: Vec<_> = payments.iter().map(|p| (p.id.as_str(), p.status)).collect();
    assert_eq!(
        statuses,
        [
            (failed["razorpay_payment_id"].as_str().unwrap(), PaymentStatus::Failed),
            (paid["razorpay_payment_id"].as_str().unwrap(), PaymentStatus::Captured),
        ]
    );
    assert_eq!(payments[0].error_reason.as_deref(), Some("incorrect_otp"));
    let payment = client.fetch_payment(&payments[1].id).await.unwrap();
    assert_eq!((payment.captured, payment.method.as_deref(), payment.amount), (true, Some("card"), 50_000));
}

#[tokio::test]
async fn a_manual_capture_payment_is_captured_once_for_exactly_its_amount() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();
    let order = client.create_order(&new_order(75_000, CaptureMode::Manual)).await.unwrap();
    let paid = simulator.pay(&order.id, json!({"outcome": "success", "deliver": "none"})).await;
    let payment_id = paid["razorpay_payment_id"].as_str().unwrap();
    assert_eq!(client.fetch_payment(payment_id).await.unwrap().status, PaymentStatus::Authorized);

    let too_little = client.capture_payment(payment_id, Money::from_paise(74_999), "INR").await.unwrap_err();
    let captured = client.capture_payment(payment_id, Money::from_paise(75_000), "INR").await.unwrap();
    let again = client.capture_payment(payment_id, Money::from_paise(75_000), "INR").await.unwrap_err();

    assert_bad_request(too_little, "Capture amount must be equal to the amount authorized");
    assert_eq!((captured.status, captured.captured), (PaymentStatus::Captured, true));
    assert_bad_request(again, "This payment has already been captured");
    assert_eq!(client.fetch_order(&order.id).await.unwrap().status, OrderStatus::Paid);
}

#[tokio::test]
async fn refunds_go_partial_then_full_and_never_above_what_was_captured() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();
    let payment_id = paid_payment_id(&simulator, &client, 50_000).await;

    let partial = NewRefund { amount: Some(Money::from_paise(20_000)), ..NewRefund::default() };
    let first = client.refund_payment(&payment_id, &partial).await.unwrap();
    let after_partial = client.fetch_payment(&payment_id).await.unwrap();
    let too_much = NewRefund { amount: Some(Money::from_paise(30_001)), ..NewRefund::default() };
    let refused = client.refund_payment(&payment_id, &too_much).await.unwrap_err();
    let rest = client.refund_payment(&payment_id, &NewRefund::default()).await.unwrap();
    let after_full = client.fetch_payment(&payment_id).await.unwrap();
    let nothing_left = client.refund_payment(&payment_id, &NewRefund::default()).await.unwrap_err();

    assert!(first.id.starts_with("rfnd_"));
    assert_eq!(
        (first.amount, first.status, first.payment_id.as_str()),
        (20_000, RefundStatus::Processed, payment_id.as_str())
    );
    assert_eq!(
        (after_partial.amount_refunded, after_partial.refund_status),
        (20_000, Some(RefundStatusOfPayment::Partial))
    );
    match refused {
        GatewayError::BadRequest { description, field, .. } => {
            assert_eq!(description, "The refund amount provided is greater than amount captured");
            assert_eq!(field.as_deref(), Some("amount"));
        }
        other => panic!("expected a bad request, got {other:?}"),
    }
    assert_eq!(rest.amount, 30_000);
    assert_eq!(
        (after_full.status, after_full.amount_refunded, after_full.refund_status),
        (PaymentStatus::Refunded, 50_000, Some(RefundStatusOfPayment::Full))
    );
    assert_bad_request(nothing_left, "The payment has been fully refunded already");
}

#[tokio::test]
async fn razorpays_refusals_come_back_as_typed_bad_requests() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();

    let unknown = client.fetch_payment("pay_DoesNotExist01").await.unwrap_err();
    let below_a_rupee = client.create_order(&new_order(99, CaptureMode::Automatic)).await.unwrap_err();
    let mut long_receipt = new_order(100, CaptureMode::Automatic);
    long_receipt.receipt = "R".repeat(41);
    let long_receipt = client.create_order(&long_receipt).await.unwrap_err();

    assert_bad_request(unknown, "The id provided does not exist");
    assert!(matches!(below_a_rupee, GatewayError::BadRequest { field: Some(ref f), .. } if f == "amount"));
    assert!(matches!(long_receipt, GatewayError::BadRequest { field: Some(ref f), .. } if f == "receipt"));
    assert!(!GatewayError::BadRequest { description: String::new(), field: None, reason: None }.is_unavailable());
}

#[tokio::test]
async fn wrong_keys_are_an_authentication_error() {
    let simulator = spawn_simulator(None).await;
    let mut settings = simulator.client_settings(Duration::from_secs(5), 3);
    settings.key_secret = "not-the-secret".to_owned().into();
    let wrong_keys = RazorpayClient::new(settings).unwrap();

    let error = wrong_keys.fetch_order("order_DoesNotExist01").await.unwrap_err();
    simulator.set_fault("auth_401", None).await;
    let faulted = simulator.client().fetch_order("order_DoesNotExist01").await.unwrap_err();

    assert!(matches!(error, GatewayError::Authentication), "{error:?}");
    assert!(matches!(faulted, GatewayError::Authentication), "{faulted:?}");
    assert!(error.is_unavailable());
}

#[tokio::test]
async fn server_errors_are_retried_for_reads_but_never_for_writes() {
    let simulator = spawn_simulator(None).await;
    let client = RazorpayClient::new(simulator.client_settings(Duration::from_secs(2), 3)).unwrap();
    simulator.set_fault("error_500", None).await;

    let read = client.fetch_order("order_DoesNotExist01").await.unwrap_err();
    let write = client.create_order(&new_order(10_000, CaptureMode::Automatic)).await.unwrap_err();

    assert!(matches!(read, GatewayError::Server { status: 500, .. }), "{read:?}");
    assert!(matches!(write, GatewayError::Server { status: 500, .. }), "{write:?}");
    assert_eq!(
        simulator.requests().await,
        [
            "GET /v1/orders/order_DoesNotExist01",
            "GET /v1/orders/order_DoesNotExist01",
            "GET /v1/orders/order_DoesNotExist01",
            "POST /v1/orders"
        ]
    );
}

#[tokio::test]
async fn a_slow_gateway_times_out_within_the_configured_bound_and_only_reads_are_retried() {
    let simulator = spawn_simulator(None).await;
    let settings = simulator.client_settings(Duration::from_millis(300), 3);
    let bound = settings.worst_case();
    let client = RazorpayClient::new(settings).unwrap();
    // Each answer would take 30 s; the client must give up long before.
    simulator.set_fault("slow", Some(30_000)).await;

    let started = Instant::now();
    let read = client.fetch_payment("pay_DoesNotExist01").await.unwrap_err();
    let read_took = started.elapsed();
    let started = Instant::now();
    let write = client.refund_payment("pay_DoesNotExist01", &NewRefund::default()).await.unwrap_err();
    let write_took = started.elapsed();

    assert!(matches!(read, GatewayError::Timeout), "{read:?}");
    assert!(matches!(write, GatewayError::Timeout), "{write:?}");
    // Generous slack for a loaded machine; what matters is not waiting for the 30 s answer.
    assert!(read_took < bound + Duration::from_secs(5), "{read_took:?} against a bound of {bound:?}");
    assert!(write_took < Duration::from_millis(300) + Duration::from_secs(5), "{write_took:?}");
    assert_eq!(
        simulator.requests().await,
        [
            "GET /v1/payments/pay_DoesNotExist01",
            "GET /v1/payments/pay_DoesNotExist01",
            "GET /v1/payments/pay_DoesNotExist01",
            "POST /v1/payments/pay_DoesNotExist01/refund"
        ]
    );
}

#[tokio::test]
async fn a_gateway_that_recovers_answers_the_next_call() {
    let simulator = spawn_simulator(None).await;
    let client = simulator.client();
    simulator.set_fault("error_500", None).await;
    assert!(client.create_order(&new_order(10_000, CaptureMode::Automatic)).await.is_err());

    simulator.set_fault("none", None).await;
    let order = client.create_order(&new_order(10_000, CaptureMode::Automatic)).await.unwrap();

    assert_eq!(order.status, OrderStatus::Created);
}
