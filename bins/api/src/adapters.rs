//! Adapters that let one domain use another through the first domain's port. Wiring
//! only: the rules live in the domains.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use catalog::ports::{OpeningStock, StockOpening};
use catalog::products::{PgProductStore, Products};
use chrono::{DateTime, Utc};
use idempotency::{Idempotency, IdempotencyKey};
use inventory::expiry::ExpiryListener;
use inventory::reservations::{
    PgStockReserver, ReservationLine, ReserveError, SettleError, Settlement, StockReserver as _,
};
use kernel::Money;
use orders::model::{PaymentMethod, ShippingAddress};
use orders::payments::PaymentNews;
use orders::ports::{
    CatalogProduct, HoldError, InvoiceFacts, OrderPlacedHook, OrderRecords, OrderStock, PaymentProvider,
    ProductCatalog, ProviderError, ProviderPayment, ProviderPaymentStatus, ProviderRefund, ProviderRefundNews,
    ProviderRefundState, RefundRequestedHook, Sale, SalesFacts, SalesLedger, Shortage, StockLine, TaxInvoices,
};
use orders::service::Orders;
use orders::stores::Stores;
use payments_razorpay::entities::{Notes, Payment, PaymentStatus, Refund, RefundStatus};
use payments_razorpay::records::{self, RecordSource};
use payments_razorpay::signature::verify_checkout_signature;
use payments_razorpay::{
    CaptureMode, GatewayError, NewOrder, NewRefund, PaymentGateway as _, RazorpayClient, WebhookEvent,
};
use secrecy::{ExposeSecret as _, SecretString};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The catalog's [`StockOpening`] port, served by inventory.
#[derive(Debug, Clone, Copy, Default)]
pub struct InventoryStockOpening;

impl StockOpening for InventoryStockOpening {
    async fn open_stock(&self, conn: &mut PgConnection, product_id: Uuid, stock: OpeningStock) -> anyhow::Result<()> {
        inventory::stock::open_stock(conn, product_id, stock.on_hand, stock.low_stock_threshold).await
    }
}

/// The orders domain's [`ProductCatalog`] port, served by the catalog's products service
/// (prices from the one pricing function).
#[derive(Debug, Clone)]
pub struct CatalogForOrders(pub Products<PgProductStore<InventoryStockOpening>>);

impl ProductCatalog for CatalogForOrders {
    async fn products(&self, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, CatalogProduct>> {
        let for_sale = self.0.for_sale(ids).await?;
        Ok(for_sale
            .into_values()
            .map(|item| {
                let summary = item.summary;
                let product = CatalogProduct {
                    id: summary.id,
                    sku: summary.sku,
                    name: summary.name,
                    brand: summary.brand,
                    image: summary.image,
                    unit_price: summary.price.unit,
                    unit_tax: summary.price.tax,
                    tax_rate_bps: summary.price.tax_rate_bps,
                    hsn_code: summary.hsn_code.map(|code| code.into_string()),
                    is_active: summary.is_active,
                    available: item.available,
                };
                (product.id, product)
            })
            .collect())
    }
}

/// The orders domain's [`PaymentProvider`] port, served by Razorpay. Every answer about
/// a payment is also written to the payment records (source `api`).
#[derive(Clone)]
pub struct RazorpayPayments {
    client: RazorpayClient,
    key_secret: SecretString,
    pool: PgPool,
}

impl std::fmt::Debug for RazorpayPayments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RazorpayPayments")
    }
}

impl RazorpayPayments {
    pub fn new(client: RazorpayClient, key_secret: SecretString, pool: PgPool) -> Self {
        RazorpayPayments { client, key_secret, pool }
    }

    /// Keeps what Razorpay answered; a failure to record is logged, never fatal (the
    /// webhook or the next call records it again).
    async fn record(&self, payment: &Payment) {
        let recorded = async {
            let mut conn = self.pool.acquire().await?;
            records::record_payment(&mut conn, payment, RecordSource::Api).await
        }
        .await;
        if let Err(error) = recorded {
            tracing::warn!(error = %format!("{error:#}"), payment_id = %payment.id, "recording a payment failed");
        }
    }

    /// Keeps a refund Razorpay refused beside the payment's records; like [`Self::record`],
    /// a failure to record is logged, never fatal.
    async fn record_refusal(&self, payment_id: &str, amount: Money, receipt: &str, reason: &str) {
        let recorded = async {
            let mut conn = self.pool.acquire().await?;
            records::record_refund_refusal(&mut conn, payment_id, amount.paise(), Some(receipt), reason).await
        }
        .await;
        if let Err(error) = recorded {
            tracing::warn!(error = %format!("{error:#}"), %payment_id, "recording a refused refund failed");
        }
    }
}

/// A Razorpay payment in the orders domain's terms.
pub fn provider_payment(payment: &Payment) -> ProviderPayment {
    ProviderPayment {
        id: payment.id.clone(),
        razorpay_order_id: payment.order_id.clone(),
        amount: Money::from_paise(payment.amount),
        currency: payment.currency.clone(),
        status: match payment.status {
            PaymentStatus::Created => ProviderPaymentStatus::Created,
            PaymentStatus::Authorized => ProviderPaymentStatus::Authorized,
            PaymentStatus::Captured => ProviderPaymentStatus::Captured,
            PaymentStatus::Refunded => ProviderPaymentStatus::Refunded,
            PaymentStatus::Failed => ProviderPaymentStatus::Failed,
        },
        refunded: Money::from_paise(payment.amount_refunded),
        error: payment.error_description.clone(),
    }
}

fn provider_error(error: GatewayError) -> ProviderError {
    match error {
        GatewayError::BadRequest { description, .. } => ProviderError::Refused(description),
        other => ProviderError::Unavailable(anyhow::Error::new(other)),
    }
}

impl PaymentProvider for RazorpayPayments {
    fn key_id(&self) -> &str {
        self.client.key_id()
    }

    fn verify_checkout(&self, razorpay_order_id: &str, payment_id: &str, signature: &str) -> bool {
        verify_checkout_signature(self.key_secret.expose_secret().as_bytes(), razorpay_order_id, payment_id, signature)
    }

    async fn create_order(&self, amount: Money, currency: &str, receipt: &str) -> Result<String, ProviderError> {
        let order = NewOrder {
            amount,
            currency: currency.to_owned(),
            receipt: receipt.to_owned(),
            notes: Default::default(),
            capture: CaptureMode::Automatic,
        };
        self.client.create_order(&order).await.map(|order| order.id).map_err(provider_error)
    }

    async fn payment(&self, payment_id: &str) -> Result<ProviderPayment, ProviderError> {
        let payment = self.client.fetch_payment(payment_id).await.map_err(provider_error)?;
        self.record(&payment).await;
        Ok(provider_payment(&payment))
    }

    async fn order_payments(&self, razorpay_order_id: &str) -> Result<Vec<ProviderPayment>, ProviderError> {
        let payments = self.client.fetch_order_payments(razorpay_order_id).await.map_err(provider_error)?;
        for payment in &payments {
            self.record(payment).await;
        }
        Ok(payments.iter().map(provider_payment).collect())
    }

    async fn capture(&self, payment_id: &str, amount: Money, currency: &str) -> Result<ProviderPayment, ProviderError> {
        let payment = self.client.capture_payment(payment_id, amount, currency).await.map_err(provider_error)?;
        self.record(&payment).await;
        Ok(provider_payment(&payment))
    }

    async fn refund(
        &self,
        payment_id: &str,
        amount: Money,
        receipt: &str,
        store_refund: Uuid,
    ) -> Result<ProviderRefund, ProviderError> {
        let refund = NewRefund {
            amount: Some(amount),
            speed: None,
            receipt: Some(receipt.to_owned()),
            notes: Notes(BTreeMap::from([(STORE_REFUND_NOTE.to_owned(), store_refund.to_string())])),
        };
        let refund = match self.client.refund_payment(payment_id, &refund).await {
            Ok(refund) => refund,
            Err(error) => {
                if let GatewayError::BadRequest { description, .. } = &error {
                    self.record_refusal(payment_id, amount, receipt, description).await;
                }
                return Err(provider_error(error));
            }
        };
        let recorded = async {
            let mut conn = self.pool.acquire().await?;
            records::record_refund(&mut conn, &refund).await
        }
        .await;
        if let Err(error) = recorded {
            tracing::warn!(error = %format!("{error:#}"), refund_id = %refund.id, "recording a refund failed");
        }
        Ok(ProviderRefund { processed: refund.status == RefundStatus::Processed, id: refund.id })
    }

    async fn find_refund(
        &self,
        payment_id: &str,
        store_refund: Uuid,
    ) -> Result<Option<(String, ProviderRefundState)>, ProviderError> {
        let refunds = self.client.fetch_payment_refunds(payment_id).await.map_err(provider_error)?;
        let tag = store_refund.to_string();
        Ok(refunds
            .into_iter()
            .find(|refund| refund.notes.0.get(STORE_REFUND_NOTE) == Some(&tag))
            .map(|refund| (refund.id, refund_state(refund.status))))
    }

    async fn refund_state(&self, refund_id: &str) -> Result<ProviderRefundState, ProviderError> {
        let refund = self.client.fetch_refund(refund_id).await.map_err(provider_error)?;
        Ok(refund_state(refund.status))
    }

    async fn flag(&self, conn: &mut PgConnection, payment_id: &str, reason: &str) -> anyhow::Result<()> {
        if !records::flag_payment(conn, payment_id, reason).await? {
            // Its record is written by the webhook or the API answer that told us of it.
            tracing::warn!(%payment_id, %reason, "a payment to flag is not on record yet");
        }
        Ok(())
    }
}

/// The orders domain's [`OrderStock`] port, served by inventory's reservations: the order
/// id owns its reservation, in the order's own transaction.
#[derive(Debug, Clone, Copy, Default)]
pub struct InventoryForOrders;

impl OrderStock for InventoryForOrders {
    async fn lock_order(&self, tx: &mut PgConnection, order: Uuid) -> anyhow::Result<()> {
        PgStockReserver.lock_owner(tx, order).await
    }

    async fn hold(
        &self,
        tx: &mut PgConnection,
        order: Uuid,
        lines: &[StockLine],
        until: DateTime<Utc>,
    ) -> Result<(), HoldError> {
        let lines: Vec<ReservationLine> =
            lines.iter().map(|line| ReservationLine { product_id: line.product_id, quantity: line.quantity }).collect();
        match PgStockReserver.reserve(tx, order, &lines, until).await {
            Ok(()) => Ok(()),
            Err(ReserveError::OutOfStock { shortages }) => Err(HoldError::OutOfStock {
                shortages: shortages
                    .into_iter()
                    .map(|s| Shortage { product_id: s.product_id, requested: s.requested, available: s.available })
                    .collect(),
            }),
            Err(ReserveError::AlreadyReserved) => Err(HoldError::AlreadyHeld),
            Err(ReserveError::StockChanged) => Err(HoldError::StockChanged),
            Err(ReserveError::Unexpected(cause)) => Err(HoldError::Unexpected(cause)),
        }
    }

    async fn extend_hold(&self, tx: &mut PgConnection, order: Uuid, until: DateTime<Utc>) -> anyhow::Result<bool> {
        PgStockReserver.extend(tx, order, until).await
    }

    async fn sell(&self, tx: &mut PgConnection, order: Uuid) -> anyhow::Result<Sale> {
        match PgStockReserver.commit(tx, order).await {
            Ok(Settlement::Done | Settlement::AlreadyCommitted) => Ok(Sale::Sold),
            Ok(Settlement::AlreadyReleased) => Ok(Sale::NotSold("AlreadyReleased")),
            Ok(Settlement::AlreadyRestocked) => Ok(Sale::NotSold("AlreadyRestocked")),
            Ok(Settlement::NotCommitted) => Ok(Sale::NotSold("NotCommitted")),
            Err(error) => Err(anyhow::Error::new(error)),
        }
    }

    async fn release(&self, tx: &mut PgConnection, order: Uuid, reason: &str) -> anyhow::Result<()> {
        match PgStockReserver.release(tx, order, reason).await {
            Ok(_) | Err(SettleError::NotFound) => Ok(()),
            Err(SettleError::Unexpected(cause)) => Err(cause),
        }
    }

    async fn restock(&self, tx: &mut PgConnection, order: Uuid, reason: &str) -> anyhow::Result<()> {
        match PgStockReserver.restock(tx, order, reason).await {
            Ok(_) | Err(SettleError::NotFound) => Ok(()),
            Err(SettleError::Unexpected(cause)) => Err(cause),
        }
    }

    async fn restock_units(
        &self,
        tx: &mut PgConnection,
        order: Uuid,
        lines: &[StockLine],
        reason: &str,
    ) -> anyhow::Result<()> {
        let lines: Vec<ReservationLine> =
            lines.iter().map(|line| ReservationLine { product_id: line.product_id, quantity: line.quantity }).collect();
        PgStockReserver.restock_units(tx, order, &lines, reason).await.map_err(anyhow::Error::new)
    }
}

/// Inventory's [`ExpiryListener`], served by orders: the order whose reservation expired
/// before payment is cancelled, in the releasing transaction.
pub struct CancelExpiredOrders<'a, C, P, K, S, L>(pub &'a Orders<C, P, K, L, S>);

impl<C: ProductCatalog, P: PaymentProvider, K: OrderStock, S: Stores, L: OrderRecords> ExpiryListener
    for CancelExpiredOrders<'_, C, P, K, S, L>
{
    async fn reservation_expired(&self, conn: &mut PgConnection, owner: Uuid) -> anyhow::Result<()> {
        self.0.cancel_expired(conn, owner).await
    }
}

/// The orders domain's records of every order change, kept in the change's own
/// transaction: its [`SalesLedger`] served by the analytics domain's read model, and its
/// [`TaxInvoices`] by the invoicing domain.
#[derive(Debug, Clone)]
pub struct RecordsForOrders {
    pub invoicing: invoicing::Invoicing,
}

impl TaxInvoices for RecordsForOrders {
    /// In a savepoint: whatever fails is rolled back to it, and the caller's transaction
    /// goes on as it was.
    async fn issue_due(&self, tx: &mut PgConnection, order: &InvoiceFacts) -> anyhow::Result<()> {
        sqlx::query("SAVEPOINT tax_documents").execute(&mut *tx).await.context("a savepoint for tax documents")?;
        match self.invoicing.record(tx, &invoice_sale(order)).await {
            Ok(()) => {
                sqlx::query("RELEASE SAVEPOINT tax_documents").execute(&mut *tx).await?;
                Ok(())
            }
            Err(cause) => {
                let mut undone = sqlx::query("ROLLBACK TO SAVEPOINT tax_documents").execute(&mut *tx).await;
                if undone.is_ok() {
                    undone = sqlx::query("RELEASE SAVEPOINT tax_documents").execute(&mut *tx).await;
                }
                match undone {
                    Ok(_) => Err(cause),
                    Err(rollback) => {
                        Err(cause.context(format!("and rolling back to the savepoint failed: {rollback}")))
                    }
                }
            }
        }
    }
}

/// The orders domain's facts of an order, as the invoicing domain's sale: `paid` and
/// `confirmed` are due their invoice (as is an order still owed documents that failed with
/// an earlier change); later statuses, and a cancellation after payment or confirmation,
/// only credit notes; credits are the processed refunds (one made with a
/// return credits the returned units' lines first), and for cash on delivery (no online
/// payment to refund) a cancellation and each return. An address outside India is a
/// supply to another country (IGST).
pub fn invoice_sale(facts: &InvoiceFacts) -> invoicing::Sale {
    use orders::status::OrderStatus as S;
    let status = match facts.status {
        S::PaymentPending | S::PaymentFailed => invoicing::SaleStatus::Unpaid,
        S::Cancelled if !facts.was_sold => invoicing::SaleStatus::Unpaid,
        S::Paid | S::Confirmed => invoicing::SaleStatus::Paid,
        // Owed since a change whose documents failed: due whatever the status now.
        _ if facts.documents_due => invoicing::SaleStatus::Paid,
        S::Cancelled | S::Packed | S::Shipped | S::Delivered | S::Returned | S::Refunded => {
            invoicing::SaleStatus::After
        }
    };
    let cod = facts.method == PaymentMethod::Cod;
    let refunds = facts.refunds.iter().map(|&(refund, amount)| invoicing::Credit {
        source: refund,
        reason: invoicing::CreditReason::Refund,
        basis: match facts.returns.iter().find(|sent| sent.refund_id == Some(refund)) {
            Some(sent) => invoicing::CreditBasis::ReturnedUnits { units: sent.units.clone(), amount },
            None => invoicing::CreditBasis::Amount(amount),
        },
    });
    let returns = facts.returns.iter().filter(|_| cod).map(|sent| invoicing::Credit {
        source: sent.id,
        reason: invoicing::CreditReason::Return,
        basis: invoicing::CreditBasis::Units(sent.units.clone()),
    });
    let cancellation = (cod && facts.status == S::Cancelled).then_some(invoicing::Credit {
        source: facts.order_id,
        reason: invoicing::CreditReason::Cancellation,
        basis: invoicing::CreditBasis::Rest,
    });
    let address = facts.address.as_ref();
    invoicing::Sale {
        order_id: facts.order_id,
        order_number: facts.order_number.clone(),
        customer_id: facts.user_id,
        status,
        buyer: invoicing::Buyer {
            name: address.map_or_else(String::new, |a| a.name.clone()),
            legal_name: facts.billing.legal_name.clone(),
            gstin: facts.billing.gstin.as_ref().map(|gstin| gstin.as_str().to_owned()),
            address: address.map(one_line),
            state_code: address.and_then(|a| {
                if kernel::gstin::is_india(&a.country) {
                    kernel::gstin::state_code_of(&a.state)
                } else {
                    Some(kernel::gstin::OTHER_COUNTRIES)
                }
            }),
        },
        lines: facts
            .lines
            .iter()
            .map(|line| invoicing::SaleLine {
                product_id: line.product_id,
                sku: line.sku.clone(),
                name: line.name.clone(),
                hsn_code: line.hsn_code.clone(),
                quantity: line.quantity,
                unit_price: line.unit_price,
                discount: line.discount,
                rate_bps: line.tax_rate_bps,
                tax: line.tax,
                total: line.line_total,
            })
            .collect(),
        total: facts.total,
        credits: refunds.chain(returns).chain(cancellation).collect(),
    }
}

fn one_line(address: &ShippingAddress) -> String {
    [
        Some(address.line1.as_str()),
        address.line2.as_deref(),
        Some(address.city.as_str()),
        Some(address.state.as_str()),
        Some(address.pincode.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

impl SalesLedger for RecordsForOrders {
    async fn order_changed(&self, tx: &mut PgConnection, orders: &[SalesFacts]) -> anyhow::Result<()> {
        let orders: Vec<analytics::OrderSales> = orders.iter().map(order_sales).collect::<anyhow::Result<_>>()?;
        analytics::PgSalesLedger.record(tx, &orders).await
    }
}

/// The orders domain's facts of an order, as the analytics domain's type.
pub fn order_sales(facts: &SalesFacts) -> anyhow::Result<analytics::OrderSales> {
    let status = analytics::OrderStatus::parse(facts.status.as_str())
        .with_context(|| format!("the figures know no status {}", facts.status))?;
    Ok(analytics::OrderSales {
        order_id: facts.order_id,
        user_id: facts.user_id,
        placed_at: facts.placed_at,
        status,
        total: facts.total,
        lines: facts
            .lines
            .iter()
            .map(|&(product_id, quantity, line_total)| analytics::SoldLine { product_id, quantity, line_total })
            .collect(),
        refunds: facts.refunds.iter().map(|&(amount, at)| analytics::SaleRefund { amount, at }).collect(),
        returns: facts
            .returns
            .iter()
            .map(|&(product_id, quantity, at)| analytics::SaleReturn { product_id, quantity, at })
            .collect(),
    })
}

/// The orders domain's [`OrderPlacedHook`], served by the idempotency keys: checkout
/// attaches its order to the request's key inside its own transaction, so a request that
/// died after placing its order is answered from that order when repeated.
#[derive(Debug, Clone, Copy)]
pub struct AttachToIdempotencyKey<'a> {
    pub user: Uuid,
    pub scope: &'a str,
    pub key: &'a IdempotencyKey,
}

impl OrderPlacedHook for AttachToIdempotencyKey<'_> {
    async fn order_placed(&self, tx: &mut PgConnection, order: Uuid) -> anyhow::Result<()> {
        Idempotency::attach(tx, self.user, self.scope, self.key, order).await
    }
}

/// A verified webhook event as news for the orders domain, when it is about a payment.
pub fn payment_news(event: &WebhookEvent) -> Option<PaymentNews> {
    match event {
        WebhookEvent::PaymentAuthorized(payment) => Some(PaymentNews::Authorized(provider_payment(payment))),
        WebhookEvent::PaymentCaptured(payment) | WebhookEvent::OrderPaid { payment, .. } => {
            Some(PaymentNews::Captured(provider_payment(payment)))
        }
        WebhookEvent::PaymentFailed(payment) => Some(PaymentNews::Failed(provider_payment(payment))),
        WebhookEvent::RefundProcessed { refund, .. } => Some(PaymentNews::RefundProcessed(refund_news(refund))),
        WebhookEvent::RefundFailed { refund, .. } => Some(PaymentNews::RefundFailed(refund_news(refund))),
        _ => None,
    }
}

/// The note every refund the store asks for carries: the store's own refund id, so that
/// Razorpay's webhooks about it can be matched even before its answer is recorded.
const STORE_REFUND_NOTE: &str = "rigmaster_refund_id";

fn refund_state(status: RefundStatus) -> ProviderRefundState {
    match status {
        RefundStatus::Pending => ProviderRefundState::Pending,
        RefundStatus::Processed => ProviderRefundState::Processed,
        RefundStatus::Failed => ProviderRefundState::Failed,
    }
}

fn refund_news(refund: &Refund) -> ProviderRefundNews {
    ProviderRefundNews {
        razorpay_refund_id: refund.id.clone(),
        payment_id: refund.payment_id.clone(),
        amount: Money::from_paise(refund.amount),
        store_refund_id: refund.notes.0.get(STORE_REFUND_NOTE).and_then(|id| Uuid::parse_str(id).ok()),
    }
}

impl RefundRequestedHook for AttachToIdempotencyKey<'_> {
    async fn refund_requested(&self, tx: &mut PgConnection, refund: Uuid) -> anyhow::Result<()> {
        Idempotency::attach(tx, self.user, self.scope, self.key, refund).await
    }
}
