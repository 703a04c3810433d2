//! The Razorpay simulator on a random port, in the test's own process.

use std::collections::HashMap;
use std::time::Duration;

use kernel::Money;
use payments_razorpay::entities::Order;
use payments_razorpay::{CaptureMode, NewOrder, PaymentGateway as _, RazorpayClient, RazorpayClientSettings};
use razorpay_sim::{SimControl, SimSettings, Simulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::polling::{Patience, poll_with};

pub struct TestSimulator {
    pub port: u16,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub settings: SimSettings,
    pub control: SimControl,
    http: reqwest::Client,
}

/// Starts a simulator with the development keys, delivering webhooks to `webhook_url`.
/// Deliveries are retried quickly, so that tests of retries stay short.
pub async fn spawn_simulator(webhook_url: Option<String>) -> TestSimulator {
    let mut settings = SimSettings::from_env(&HashMap::new());
    settings.addr = "127.0.0.1:0".into();
    settings.webhook_url = webhook_url;
    settings.first_retry_pause = Duration::from_millis(50);
    let simulator = Simulator::build(settings.clone()).expect("the simulator builds");
    let port = simulator.port();
    let control = simulator.control();
    tokio::spawn(simulator.run_until_stopped());
    TestSimulator { port, address: format!("http://127.0.0.1:{port}"), settings, control, http: reqwest::Client::new() }
}

impl TestSimulator {
    /// The base URL to give rigmaster as `RAZORPAY_API_BASE`.
    pub fn api_base(&self) -> String {
        format!("{}/v1", self.address)
    }

    /// Client settings with this simulator's keys, and the given patience.
    pub fn client_settings(&self, request_timeout: Duration, max_attempts: u32) -> RazorpayClientSettings {
        RazorpayClientSettings {
            api_base: self.api_base(),
            key_id: self.settings.key_id.clone(),
            key_secret: self.settings.key_secret.clone().into(),
            connect_timeout: Duration::from_millis(500),
            request_timeout,
            max_attempts,
            first_backoff: Duration::from_millis(20),
        }
    }

    /// A client of this simulator with the development keys.
    pub fn client(&self) -> RazorpayClient {
        RazorpayClient::new(self.client_settings(Duration::from_secs(5), 3)).unwrap()
    }

    /// A Razorpay order for `amount_paise`, automatically captured, created through the client.
    pub async fn create_order(&self, amount_paise: i64) -> Order {
        let order = NewOrder {
            amount: Money::from_paise(amount_paise),
            currency: "INR".into(),
            receipt: "RM-20261122-000001".into(),
            notes: Default::default(),
            capture: CaptureMode::Automatic,
        };
        self.client().create_order(&order).await.expect("the simulator creates the order")
    }

    async fn post(&self, path: &str, body: &Value) -> Value {
        let response = self.http.post(format!("{}{path}", self.address)).json(body).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body
    }

    /// The customer pays in the checkout window: `{"outcome": …, "deliver"?: …}`. Returns
    /// what the checkout handler receives.
    pub async fn pay(&self, razorpay_order_id: &str, request: Value) -> Value {
        self.post(&format!("/_sim/orders/{razorpay_order_id}/pay"), &request).await
    }

    /// The bank authorises a failed payment late; it is captured at once if its order is
    /// not paid yet. Returns the payment.
    pub async fn authorize_late(&self, payment_id: &str) -> Value {
        self.post(&format!("/_sim/payments/{payment_id}/authorize"), &json!({})).await
    }

    pub async fn set_fault(&self, mode: &str, delay_ms: Option<u64>) {
        self.post("/_sim/faults", &json!({ "mode": mode, "delay_ms": delay_ms })).await;
    }

    /// Every webhook delivery so far, with its attempts.
    pub async fn webhooks(&self) -> Vec<Value> {
        let body: Value =
            self.http.get(format!("{}/_sim/webhooks", self.address)).send().await.unwrap().json().await.unwrap();
        body["items"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until `count` deliveries have finished (delivered, or out of attempts).
    pub async fn settled_webhooks(&self, count: usize) -> Vec<Value> {
        let mut last = Vec::new();
        let patience = Patience::within(Duration::from_secs(10)).every(Duration::from_millis(25));
        let settled = poll_with(patience, async || {
            last = self.webhooks().await;
            let finished = last
                .iter()
                .filter(|w| {
                    w["delivered"] == json!(true)
                        || w["attempts"].as_array().map_or(0, Vec::len) >= self.settings.delivery_attempts as usize
                })
                .count();
            (finished >= count).then(|| last.clone())
        })
        .await;
        settled.unwrap_or_else(|| panic!("fewer than {count} webhook deliveries finished: {last:?}"))
    }

    /// Every call made to the Razorpay routes, as `METHOD /path`.
    pub async fn requests(&self) -> Vec<String> {
        let body: Value =
            self.http.get(format!("{}/_sim/requests", self.address)).send().await.unwrap().json().await.unwrap();
        serde_json::from_value(body["items"].clone()).unwrap()
    }
}
