//! The Razorpay adapter of [`PaymentGateway`], on reqwest.
//!
//! HTTP Basic auth with `key_id:key_secret` (reqwest marks the header sensitive, and the
//! secret is a `SecretString`: neither reaches a log). Each try is bounded by a connect
//! timeout and a total timeout. A failed try is repeated, with doubling pauses, only when
//! repeating cannot do the thing twice: reads after any transport failure, 5xx or 429;
//! writes only when the connection was never made (or Razorpay said 429, "not done").

use std::time::Duration;

use anyhow::Context as _;
use kernel::Money;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret as _, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::entities::{Collection, ErrorBody, Order, Payment, Refund, error_codes};
use crate::gateway::{GatewayError, NewOrder, NewRefund, PaymentGateway};

/// Where Razorpay is and how patient to be with it.
#[derive(Debug, Clone)]
pub struct RazorpayClientSettings {
    /// `https://api.razorpay.com/v1`, or the simulator's `/v1`.
    pub api_base: String,
    pub key_id: String,
    pub key_secret: SecretString,
    pub connect_timeout: Duration,
    /// The whole of one try: connect, send, and read the answer.
    pub request_timeout: Duration,
    /// Tries per call, the first included (at least 1).
    pub max_attempts: u32,
    /// The pause before the second try; it doubles before each further one.
    pub first_backoff: Duration,
}

impl RazorpayClientSettings {
    /// The longest a call can take: every try timing out, plus the pauses between them.
    pub fn worst_case(&self) -> Duration {
        let tries = self.max_attempts.max(1);
        let pauses: Duration = (0..tries - 1).map(|n| self.first_backoff * 2u32.saturating_pow(n)).sum();
        self.request_timeout * tries + pauses
    }
}

#[derive(Clone)]
pub struct RazorpayClient {
    http: reqwest::Client,
    api_base: String,
    key_id: String,
    key_secret: SecretString,
    max_attempts: u32,
    first_backoff: Duration,
}

impl std::fmt::Debug for RazorpayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RazorpayClient").field("api_base", &self.api_base).field("key_id", &self.key_id).finish()
    }
}

/// Whether a call may be sent again after a try that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// A read: sending it twice changes nothing.
    Safe,
    /// A write: only when Razorpay cannot have acted on the first try.
    OnlyIfUnsent,
}

/// A failed try, with what is known about whether Razorpay acted on it.
struct FailedTry {
    error: GatewayError,
    /// The request never reached Razorpay (or Razorpay said it did nothing).
    unsent: bool,
    /// A transport failure, a 5xx or a 429: another try may go better.
    transient: bool,
}

impl FailedTry {
    fn may_repeat(&self, repeat: Repeat) -> bool {
        match repeat {
            Repeat::Safe => self.transient,
            Repeat::OnlyIfUnsent => self.unsent,
        }
    }
}

impl RazorpayClient {
    pub fn new(settings: RazorpayClientSettings) -> anyhow::Result<RazorpayClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!("rigmaster/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("cannot build the HTTP client for Razorpay")?;
        Ok(RazorpayClient {
            http,
            api_base: settings.api_base.trim_end_matches('/').to_owned(),
            key_id: settings.key_id,
            key_secret: settings.key_secret,
            max_attempts: settings.max_attempts.max(1),
            first_backoff: settings.first_backoff,
        })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<T, GatewayError> {
        let mut attempt = 1;
        loop {
            match self.try_once(method.clone(), path, body).await {
                Ok(answer) => return Ok(answer),
                Err(failed) if attempt < self.max_attempts && failed.may_repeat(repeat) => {
                    let pause = self.first_backoff * 2u32.saturating_pow(attempt - 1);
                    tracing::warn!(attempt, %method, path, error = %failed.error, ?pause, "Razorpay call failed; trying again");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                Err(failed) => return Err(failed.error),
            }
        }
    }

    async fn try_once<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, FailedTry> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.api_base))
            .basic_auth(&self.key_id, Some(self.key_secret.expose_secret()));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_failure)?;
        if status == StatusCode::OK {
            return serde_json::from_slice(&bytes).map_err(|error| FailedTry {
                error: GatewayError::Unexpected(
                    anyhow::Error::new(error).context("Razorpay's answer is not the documented entity"),
                ),
                unsent: false,
                transient: false,
            });
        }
        Err(error_answer(status, &bytes))
    }
}

fn transport_failure(error: reqwest::Error) -> FailedTry {
    let unsent = error.is_connect();
    let gateway_error = if error.is_timeout() {
        GatewayError::Timeout
    } else {
        GatewayError::Unreachable(anyhow::Error::new(error.without_url()))
    };
    FailedTry { error: gateway_error, unsent, transient: true }
}

/// Razorpay's error body mapped to what it means for the caller.
fn error_answer(status: StatusCode, bytes: &[u8]) -> FailedTry {
    let detail = serde_json::from_slice::<ErrorBody>(bytes).ok().map(|body| body.error);
    let description = detail.as_ref().map_or_else(|| format!("HTTP {status}"), |d| d.description.clone());
    let code = detail.as_ref().map(|d| d.code.as_str());
    let too_many = status == StatusCode::TOO_MANY_REQUESTS;
    let error = if status == StatusCode::UNAUTHORIZED {
        GatewayError::Authentication
    } else if code == Some(error_codes::GATEWAY) {
        GatewayError::Gateway { description }
    } else if status.is_client_error() && !too_many && code.is_none_or(|c| c == error_codes::BAD_REQUEST) {
        let (field, reason) = detail.map_or((None, None), |d| (d.field, d.reason));
        GatewayError::BadRequest { description, field, reason }
    } else {
        GatewayError::Server { status: status.as_u16(), description }
    };
    FailedTry { error, unsent: too_many, transient: status.is_server_error() || too_many }
}

/// Ids go into URL paths: anything but Razorpay's id alphabet cannot name an entity, and
/// is answered as Razorpay answers an unknown id, without asking it.
fn path_id(id: &str) -> Result<&str, GatewayError> {
    let well_formed = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if well_formed {
        Ok(id)
    } else {
        Err(GatewayError::BadRequest {
            description: "The id provided does not exist".into(),
            field: None,
            reason: None,
        })
    }
}

impl PaymentGateway for RazorpayClient {
    #[tracing::instrument(skip(self, order), fields(receipt = %order.receipt, amount = order.amount.paise()))]
    async fn create_order(&self, order: &NewOrder) -> Result<Order, GatewayError> {
        let mut body = json!({
            "amount": order.amount.paise(),
            "currency": order.currency,
            "receipt": order.receipt,
            "payment": { "capture": order.capture.as_str() },
        });
        if !order.notes.is_empty() {
            body["notes"] = json!(order.notes.0);
        }
        self.call(Method::POST, "/orders", Some(&body), Repeat::OnlyIfUnsent).await
    }

    #[tracing::instrument(skip(self))]
    async fn fetch_order(&self, order_id: &str) -> Result<Order, GatewayError> {
        let path = format!("/orders/{}", path_id(order_id)?);
        self.call(Method::GET, &path, None, Repeat::Safe).await
    }

    #[tracing::instrument(skip(self))]
    async fn fetch_order_payments(&self, order_id: &str) -> Result<Vec<Payment>, GatewayError> {
        let path = format!("/orders/{}/payments", path_id(order_id)?);
        let collection: Collection<Payment> = self.call(Method::GET, &path, None, Repeat::Safe).await?;
        Ok(collection.items)
    }

    #[tracing::instrument(skip(self))]
    async fn fetch_payment(&self, payment_id: &str) -> Result<Payment, GatewayError> {
        let path = format!("/payments/{}", path_id(payment_id)?);
        self.call(Method::GET, &path, None, Repeat::Safe).await
    }

    #[tracing::instrument(skip(self))]
    async fn fetch_payment_refunds(&self, payment_id: &str) -> Result<Vec<Refund>, GatewayError> {
        let path = format!("/payments/{}/refunds", path_id(payment_id)?);
        let collection: Collection<Refund> = self.call(Method::GET, &path, None, Repeat::Safe).await?;
        Ok(collection.items)
    }

    #[tracing::instrument(skip(self))]
    async fn fetch_refund(&self, refund_id: &str) -> Result<Refund, GatewayError> {
        let path = format!("/refunds/{}", path_id(refund_id)?);
        self.call(Method::GET, &path, None, Repeat::Safe).await
    }

    #[tracing::instrument(skip(self), fields(amount = amount.paise()))]
    async fn capture_payment(&self, payment_id: &str, amount: Money, currency: &str) -> Result<Payment, GatewayError> {
        let path = format!("/payments/{}/capture", path_id(payment_id)?);
        let body = json!({ "amount": amount.paise(), "currency": currency });
        self.call(Method::POST, &path, Some(&body), Repeat::OnlyIfUnsent).await
    }

    #[tracing::instrument(skip(self, refund), fields(amount = refund.amount.map(Money::paise)))]
    async fn refund_payment(&self, payment_id: &str, refund: &NewRefund) -> Result<Refund, GatewayError> {
        let path = format!("/payments/{}/refund", path_id(payment_id)?);
        let mut body = json!({});
        if let Some(amount) = refund.amount {
            body["amount"] = json!(amount.paise());
        }
        if let Some(speed) = refund.speed {
            body["speed"] = json!(speed.as_str());
        }
        if let Some(receipt) = &refund.receipt {
            body["receipt"] = json!(receipt);
        }
        if !refund.notes.is_empty() {
            body["notes"] = json!(refund.notes.0);
        }
        self.call(Method::POST, &path, Some(&body), Repeat::OnlyIfUnsent).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_attempts: u32) -> RazorpayClientSettings {
        RazorpayClientSettings {
            api_base: "http://127.0.0.1:1/v1".into(),
            key_id: "rzp_test_x".into(),
            key_secret: SecretString::from("secret"),
            connect_timeout: Duration::from_millis(100),
            request_timeout: Duration::from_millis(500),
            max_attempts,
            first_backoff: Duration::from_millis(50),
        }
    }

    #[test]
    fn the_worst_case_is_every_try_timing_out_plus_the_pauses() {
        assert_eq!(settings(1).worst_case(), Duration::from_millis(500));
        assert_eq!(settings(3).worst_case(), Duration::from_millis(1500 + 50 + 100));
    }

    #[test]
    fn razorpays_answers_map_to_what_they_mean() {
        let bad =
            br#"{"error":{"code":"BAD_REQUEST_ERROR","description":"The id provided does not exist","field":"id"}}"#;
        let failed = error_answer(StatusCode::BAD_REQUEST, bad);
        assert!(matches!(&failed.error, GatewayError::BadRequest { field: Some(f), .. } if f == "id"));
        assert!(!failed.transient && !failed.unsent);

        let auth = br#"{"error":{"code":"BAD_REQUEST_ERROR","description":"Authentication failed"}}"#;
        assert!(matches!(error_answer(StatusCode::UNAUTHORIZED, auth).error, GatewayError::Authentication));

        let gateway = br#"{"error":{"code":"GATEWAY_ERROR","description":"bank down"}}"#;
        assert!(matches!(error_answer(StatusCode::BAD_GATEWAY, gateway).error, GatewayError::Gateway { .. }));

        let server = error_answer(StatusCode::INTERNAL_SERVER_ERROR, b"<html>oops</html>");
        assert!(matches!(server.error, GatewayError::Server { status: 500, .. }));
        assert!(server.transient && !server.unsent);

        let odd_code = br#"{"error":{"code":"SOMETHING_NEW","description":"?"}}"#;
        assert!(matches!(error_answer(StatusCode::BAD_REQUEST, odd_code).error, GatewayError::Server { .. }));

        let slow_down = error_answer(StatusCode::TOO_MANY_REQUESTS, b"{}");
        assert!(slow_down.transient && slow_down.unsent);
    }

    #[test]
    fn writes_are_repeated_only_when_razorpay_cannot_have_acted() {
        let timed_out = FailedTry { error: GatewayError::Timeout, unsent: false, transient: true };
        assert!(timed_out.may_repeat(Repeat::Safe));
        assert!(!timed_out.may_repeat(Repeat::OnlyIfUnsent));
        let refused = FailedTry { error: GatewayError::Timeout, unsent: true, transient: true };
        assert!(refused.may_repeat(Repeat::OnlyIfUnsent));
    }

    #[test]
    fn ids_that_cannot_be_razorpays_are_refused_without_a_call() {
        assert!(path_id("pay_IH4NVgf4Dreq1l").is_ok());
        for bad in ["", "../orders", "pay_1?x=1", "pay 1", &"a".repeat(65)] {
            assert!(matches!(path_id(bad), Err(GatewayError::BadRequest { .. })), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_tried_again_and_reported_unreachable() {
        // Port 1 on loopback refuses connections: even a write may be repeated.
        let client = RazorpayClient::new(settings(3)).unwrap();
        let order = NewOrder {
            amount: Money::from_paise(10_000),
            currency: "INR".into(),
            receipt: "RM-1".into(),
            notes: Default::default(),
            capture: Default::default(),
        };
        let error = client.create_order(&order).await.unwrap_err();
        assert!(matches!(error, GatewayError::Unreachable(_)), "{error:?}");
    }
}
