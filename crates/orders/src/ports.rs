//! What the orders domain needs from the outside: today's catalog, and a payment
//! provider (Razorpay). Adapters live in the binary; stock is held through inventory's
//! [`inventory::reservations::StockReserver`] in the order's own transaction.

use std::collections::HashMap;
use std::future::Future;

use kernel::Money;
use sqlx::PgConnection;
use uuid::Uuid;

/// A product as the catalog sells it today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogProduct {
    pub id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub image: Option<String>,
    /// One unit before tax, after the product's own discount.
    pub unit_price: Money,
    /// GST on one unit.
    pub unit_tax: Money,
    pub tax_rate_bps: u32,
    pub is_active: bool,
    /// Units on hand and not reserved, now.
    pub available: i64,
}

pub trait ProductCatalog: Send + Sync {
    /// These products, priced by the catalog's pricing function; unknown ids are left
    /// out. Errors: storage failures.
    fn products(&self, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<HashMap<Uuid, CatalogProduct>>> + Send;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderPaymentStatus {
    Created,
    Authorized,
    Captured,
    Refunded,
    Failed,
}

/// A payment as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    pub id: String,
    pub razorpay_order_id: Option<String>,
    pub amount: Money,
    pub currency: String,
    pub status: ProviderPaymentStatus,
    /// How much of it has been refunded so far.
    pub refunded: Money,
    /// Why it failed, in the provider's words.
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider answered and refused (unknown id, wrong state, bad amount).
    #[error("the payment provider refused: {0}")]
    Refused(String),
    /// The provider could not be asked or did not answer; the call may be tried later.
    #[error("the payment provider is unavailable")]
    Unavailable(#[source] anyhow::Error),
}

/// The payment provider. Calls that reach the network are made outside any database
/// transaction; `flag` takes the caller's transaction.
pub trait PaymentProvider: Send + Sync {
    /// The public key the storefront opens checkout with.
    fn key_id(&self) -> &str;

    /// Whether the checkout handler's signature signs `order_id|payment_id`.
    fn verify_checkout(&self, razorpay_order_id: &str, payment_id: &str, signature: &str) -> bool;

    /// Creates a provider order for `amount`; returns its id. Errors: `Refused`, `Unavailable`.
    fn create_order(
        &self,
        amount: Money,
        currency: &str,
        receipt: &str,
    ) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// One payment, as the provider knows it now. Errors: `Refused`, `Unavailable`.
    fn payment(&self, payment_id: &str) -> impl Future<Output = Result<ProviderPayment, ProviderError>> + Send;

    /// Every payment tried on a provider order. Errors: `Refused`, `Unavailable`.
    fn order_payments(
        &self,
        razorpay_order_id: &str,
    ) -> impl Future<Output = Result<Vec<ProviderPayment>, ProviderError>> + Send;

    /// Captures an authorised payment for exactly `amount`. Errors: `Refused`, `Unavailable`.
    fn capture(
        &self,
        payment_id: &str,
        amount: Money,
        currency: &str,
    ) -> impl Future<Output = Result<ProviderPayment, ProviderError>> + Send;

    /// Refunds `amount` of a captured payment; returns the refund's id. Errors:
    /// `Refused`, `Unavailable`.
    fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        receipt: &str,
    ) -> impl Future<Output = Result<String, ProviderError>> + Send;

    /// Marks a payment for an admin's attention, in the caller's transaction. Errors:
    /// storage failures.
    fn flag(
        &self,
        conn: &mut PgConnection,
        payment_id: &str,
        reason: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}
