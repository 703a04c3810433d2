//! What the orders domain needs from the outside: today's catalog, the shop's stock, a
//! payment provider (Razorpay), and whoever asked for a checkout. The orders domain owns
//! these ports (and their types, such as [`Shortage`]); the adapters live in `bins/api`.
//! Ports that change another domain's rows take the caller's transaction ([`Tx`]), so that
//! an order and its stock, or its payment flag, commit together or not at all.

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use kernel::{Money, Quantity};
use uuid::Uuid;

pub use crate::postgres::Tx;

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
    /// The HSN code the product is sold under (GST's classification of goods).
    pub hsn_code: Option<String>,
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

/// A refund as the provider took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefund {
    pub id: String,
    /// Whether the provider reports the money back already (otherwise it is pending,
    /// and its webhook will say how it ended).
    pub processed: bool,
}

/// Where a provider's refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRefundState {
    Pending,
    Processed,
    Failed,
}

/// What the provider reports about one of its refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRefundNews {
    pub razorpay_refund_id: String,
    pub payment_id: String,
    pub amount: Money,
    /// The store's own refund id, when the refund carries it (every refund the store
    /// asks for does).
    pub store_refund_id: Option<Uuid>,
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

    /// Refunds `amount` of a captured payment, tagged with the store's own refund id (so
    /// that the provider's news of it can be matched); returns the provider's refund.
    /// Errors: `Refused`, `Unavailable`.
    fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        receipt: &str,
        refund: Uuid,
    ) -> impl Future<Output = Result<ProviderRefund, ProviderError>> + Send;

    /// The provider's refund of `payment_id` tagged with the store's refund `refund`, if
    /// the provider made one (an earlier try whose answer was lost), with where it stands.
    /// Errors: `Refused`, `Unavailable`.
    fn find_refund(
        &self,
        payment_id: &str,
        refund: Uuid,
    ) -> impl Future<Output = Result<Option<(String, ProviderRefundState)>, ProviderError>> + Send;

    /// Where one of the provider's refunds stands now. Errors: `Refused`, `Unavailable`.
    fn refund_state(&self, refund_id: &str) -> impl Future<Output = Result<ProviderRefundState, ProviderError>> + Send;

    /// Marks a payment for an admin's attention, in the caller's transaction. Errors:
    /// storage failures.
    fn flag(&self, conn: &mut Tx, payment_id: &str, reason: &str) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Units of one product an order wants held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockLine {
    pub product_id: Uuid,
    pub quantity: Quantity,
}

/// A line that cannot be held: what was asked for and what is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: i64,
    pub available: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum HoldError {
    /// At least one line is short; nothing was held. Lists every short product.
    #[error("not enough stock for {} product(s)", shortages.len())]
    OutOfStock { shortages: Vec<Shortage> },
    /// The order holds (or has bought) its stock already; nothing changed and the caller's
    /// transaction is usable.
    #[error("this order holds its stock already")]
    AlreadyHeld,
    /// The stock moved under the hold in a way the database refused. Nothing was held,
    /// and the caller's transaction is aborted: it must roll back, and may try again.
    #[error("the stock changed while it was being held")]
    StockChanged,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What became of an order's held units when they were to be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sale {
    /// Sold, by this call or an earlier one.
    Sold,
    /// Not sold, and not sellable any more: how they stand instead (released, restocked …).
    NotSold(&'static str),
}

/// The shop's stock, as orders use it: units held for an order (the order id owns them)
/// in the order's own transaction, then sold, released or restocked exactly once. Every
/// method takes the caller's transaction; calling a settling method again is safe.
///
/// Lock order: [`OrderStock::lock_order`] comes before the order's own row, so that
/// settling and the expiry job (which holds that lock while it tells orders) never wait
/// on each other in opposite orders.
pub trait OrderStock: Send + Sync {
    /// Takes the order's stock lock for the rest of the caller's transaction. Errors:
    /// storage failures.
    fn lock_order(&self, tx: &mut Tx, order: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Holds every line for `order` until `until`, or none. Errors: `OutOfStock` with every
    /// shortage, `AlreadyHeld` (the transaction stays usable), `StockChanged` (the
    /// transaction is aborted), `Unexpected`.
    fn hold(
        &self,
        tx: &mut Tx,
        order: Uuid,
        lines: &[StockLine],
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), HoldError>> + Send;

    /// Keeps the order's held units held until at least `until` (a later deadline stays).
    /// `false` when it holds nothing: units released or sold are never held again here.
    /// Errors: storage failures.
    fn extend_hold(
        &self,
        tx: &mut Tx,
        order: Uuid,
        until: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Sells the order's held units. Errors: storage failures, and an order that never
    /// held stock.
    fn sell(&self, tx: &mut Tx, order: Uuid) -> impl Future<Output = anyhow::Result<Sale>> + Send;

    /// Puts the order's held units back on sale; nothing held (or nothing left to
    /// release) is fine. Errors: storage failures.
    fn release(&self, tx: &mut Tx, order: Uuid, reason: &str) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Puts the order's sold units back on the shelf (those not already back); nothing
    /// sold is fine. Errors: storage failures.
    fn restock(&self, tx: &mut Tx, order: Uuid, reason: &str) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Puts some of the order's sold units back on the shelf (a partial return), all
    /// lines or none. Errors: storage failures, and more units of a line than the order
    /// has out (the caller checks first; the transaction then holds nothing new).
    fn restock_units(
        &self,
        tx: &mut Tx,
        order: Uuid,
        lines: &[StockLine],
        reason: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Whoever asked for a checkout, told of the order in the checkout's own transaction
/// (the application attaches it to the request's idempotency key, so a request that dies
/// after placing its order is answered from that order when repeated). `()` records
/// nothing.
pub trait OrderPlacedHook: Send + Sync {
    /// Records that `order` was placed, in the checkout's transaction. Errors: storage
    /// failures (the checkout rolls back).
    fn order_placed(&self, tx: &mut Tx, order: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl OrderPlacedHook for () {
    async fn order_placed(&self, _: &mut Tx, _: Uuid) -> anyhow::Result<()> {
        Ok(())
    }
}

/// An order as the sales figures see it: enough to say what it adds to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesFacts {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub placed_at: DateTime<Utc>,
    pub status: crate::status::OrderStatus,
    pub total: Money,
    /// Each line: product, units, line total (after discount, with GST).
    pub lines: Vec<(Uuid, i64, Money)>,
    /// Processed refunds of the order's own payment: amount, when processed.
    pub refunds: Vec<(Money, DateTime<Utc>)>,
    /// Returned units: product, units, when recorded.
    pub returns: Vec<(Uuid, i64, DateTime<Utc>)>,
}

/// The sales figures (the analytics domain's read model), kept in the same transaction
/// as every change that moves them.
pub trait SalesLedger: Send + Sync {
    /// Brings the figures up to date with these orders as they now stand. The caller
    /// holds each order's lock. Errors: storage failures (the change rolls back).
    fn order_changed(&self, tx: &mut Tx, orders: &[SalesFacts]) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// One line of an order, as its tax invoice shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub hsn_code: Option<String>,
    pub quantity: i64,
    pub unit_price: Money,
    pub tax_rate_bps: u32,
    pub discount: Money,
    pub tax: Money,
    pub line_total: Money,
}

/// An order as its tax documents see it: enough to invoice it and to credit what it
/// gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceFacts {
    pub order_id: Uuid,
    pub order_number: String,
    pub user_id: Uuid,
    pub status: crate::status::OrderStatus,
    pub method: crate::model::PaymentMethod,
    /// Paid online, or confirmed cash on delivery, at some point.
    pub was_sold: bool,
    pub address: Option<crate::model::ShippingAddress>,
    pub billing: crate::model::Billing,
    pub lines: Vec<InvoiceLine>,
    pub total: Money,
    /// Processed refunds of the order's own payment (not of an unwanted one), oldest
    /// first: refund id, amount.
    pub refunds: Vec<(Uuid, Money)>,
    /// Units sent back, oldest first.
    pub returns: Vec<ReturnFacts>,
    /// Why the order needs an admin, if it does.
    pub attention: Option<String>,
    /// Tax documents failed to be issued with an earlier change and are still owed: its
    /// invoice is due whatever the order's status now.
    pub documents_due: bool,
}

/// Units sent back, as the tax documents see them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ReturnFacts {
    pub id: Uuid,
    /// The refund made with it, if any.
    pub refund_id: Option<Uuid>,
    /// Units per product.
    pub units: Vec<(Uuid, i64)>,
}

/// The tax invoices (the invoicing domain), kept in the same transaction as every change
/// that calls for one.
pub trait TaxInvoices: Send + Sync {
    /// Issues what the order now calls for and has not got: its tax invoice once it is
    /// paid or confirmed, a credit note for money or goods given back. The caller holds
    /// the order's lock, and calls this before the sales figures (its numbers' counters
    /// come before their rows in the lock order). Errors: anything that kept a document
    /// from being issued; the caller's transaction is then as it was before the call
    /// (usable), so that a payment or refund is never held up by its paperwork.
    fn issue_due(&self, tx: &mut Tx, order: &InvoiceFacts) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Every record another domain keeps of an order in the transaction of its change: the
/// sales figures and the tax invoices.
pub trait OrderRecords: SalesLedger + TaxInvoices {}

impl<T: SalesLedger + TaxInvoices> OrderRecords for T {}

/// Whoever asked for a refund, told of it in the refund's own transaction (the
/// application attaches it to the request's idempotency key, as with
/// [`OrderPlacedHook`]). `()` records nothing.
pub trait RefundRequestedHook: Send + Sync {
    /// Records that `refund` was written, in its transaction. Errors: storage failures
    /// (the refund rolls back).
    fn refund_requested(&self, tx: &mut Tx, refund: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;
}

impl RefundRequestedHook for () {
    async fn refund_requested(&self, _: &mut Tx, _: Uuid) -> anyhow::Result<()> {
        Ok(())
    }
}
