//! The `PaymentGateway` port: what the store asks of Razorpay, and how it can fail.

use std::future::Future;

use kernel::Money;

use crate::entities::{Notes, Order, Payment, Refund};

/// Razorpay takes no order below INR 1.00.
pub const MIN_ORDER_AMOUNT: Money = Money::from_paise(100);
/// `receipt` is at most 40 characters; the store puts its order number there.
pub const MAX_RECEIPT_LEN: usize = 40;

/// Whether Razorpay captures a payment on its own once the bank authorises it (the
/// default), or leaves it `authorized` until the store calls capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaptureMode {
    #[default]
    Automatic,
    Manual,
}

impl CaptureMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureMode::Automatic => "automatic",
            CaptureMode::Manual => "manual",
        }
    }
}

/// A Razorpay order to create: the amount the server computed, never the client's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub amount: Money,
    /// ISO 4217, `INR` here.
    pub currency: String,
    /// The store's order number (≤ 40 characters).
    pub receipt: String,
    pub notes: Notes,
    pub capture: CaptureMode,
}

/// How fast a refund should reach the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundSpeed {
    Normal,
    Optimum,
}

impl RefundSpeed {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundSpeed::Normal => "normal",
            RefundSpeed::Optimum => "optimum",
        }
    }
}

/// A refund to ask for; no amount refunds whatever is left.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewRefund {
    pub amount: Option<Money>,
    pub speed: Option<RefundSpeed>,
    pub receipt: Option<String>,
    pub notes: Notes,
}

/// Why a gateway call did not give its answer. The first three are Razorpay's own
/// answers; the rest mean Razorpay could not be asked or did not answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// HTTP 400 `BAD_REQUEST_ERROR`: an unknown id, an amount below the minimum, a payment
    /// in the wrong state, a refund above what was captured. Asking again will not help.
    #[error("Razorpay refused the request: {description}")]
    BadRequest { description: String, field: Option<String>, reason: Option<String> },
    /// HTTP 401: the key id or secret is wrong.
    #[error("Razorpay refused the API keys")]
    Authentication,
    /// `GATEWAY_ERROR`: the bank or network behind Razorpay failed.
    #[error("the payment network behind Razorpay failed: {description}")]
    Gateway { description: String },
    /// `SERVER_ERROR`, any other code, or any 5xx.
    #[error("Razorpay failed with HTTP {status}: {description}")]
    Server { status: u16, description: String },
    /// No answer within the configured time. The call may or may not have taken effect.
    #[error("Razorpay did not answer in time")]
    Timeout,
    /// The connection failed.
    #[error("Razorpay could not be reached")]
    Unreachable(#[source] anyhow::Error),
    /// An answer that is not what Razorpay documents.
    #[error(transparent)]
    Unexpected(anyhow::Error),
}

impl GatewayError {
    /// Razorpay (or the way to it) is not working right now: the caller should give up on
    /// this payment attempt and let the customer retry later, not blame the request.
    pub fn is_unavailable(&self) -> bool {
        !matches!(self, GatewayError::BadRequest { .. })
    }
}

/// The calls the store makes to Razorpay. Every method may fail with any
/// [`GatewayError`]: `BadRequest` for what Razorpay refuses (unknown ids answer this too,
/// as Razorpay does), the others when it cannot be asked or does not answer. Calls that
/// change something (`create_order`, `capture_payment`, `refund_payment`) are sent again
/// only when the first try never reached Razorpay, so none of them can happen twice.
pub trait PaymentGateway: Send + Sync {
    /// `POST /v1/orders`.
    fn create_order(&self, order: &NewOrder) -> impl Future<Output = Result<Order, GatewayError>> + Send;

    /// `GET /v1/orders/:id`.
    fn fetch_order(&self, order_id: &str) -> impl Future<Output = Result<Order, GatewayError>> + Send;

    /// `GET /v1/orders/:id/payments`: every payment tried on the order, failed ones too.
    fn fetch_order_payments(&self, order_id: &str) -> impl Future<Output = Result<Vec<Payment>, GatewayError>> + Send;

    /// `GET /v1/payments/:id`.
    fn fetch_payment(&self, payment_id: &str) -> impl Future<Output = Result<Payment, GatewayError>> + Send;

    /// `POST /v1/payments/:id/capture`: only an `authorized` payment, for exactly its amount.
    fn capture_payment(
        &self,
        payment_id: &str,
        amount: Money,
        currency: &str,
    ) -> impl Future<Output = Result<Payment, GatewayError>> + Send;

    /// `GET /v1/payments/:id/refunds`: every refund of the payment.
    fn fetch_payment_refunds(&self, payment_id: &str)
    -> impl Future<Output = Result<Vec<Refund>, GatewayError>> + Send;

    /// `GET /v1/refunds/:id`: a refund as it stands now (`pending`, `processed`, `failed`).
    fn fetch_refund(&self, refund_id: &str) -> impl Future<Output = Result<Refund, GatewayError>> + Send;

    /// `POST /v1/payments/:id/refund`: at most what was captured and not yet refunded.
    fn refund_payment(
        &self,
        payment_id: &str,
        refund: &NewRefund,
    ) -> impl Future<Output = Result<Refund, GatewayError>> + Send;
}
