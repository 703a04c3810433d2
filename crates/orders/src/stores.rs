//! The orders domain's own storage, as ports: orders, payment attempts, refunds, coupons
//! (with their uses) and carts. [`crate::postgres`] implements them over the `orders`
//! schema.
//!
//! A method that takes `tx` runs in the caller's transaction (so that an order, its
//! stock, its coupon use and its refund change together); the others run on a connection
//! of their own. Every error is a storage failure unless a method says otherwise. No rule
//! lives here: the stores read and write what the use cases decided.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::{Limit, Money, Page};
use uuid::Uuid;

use crate::coupons::{Coupon, CouponCode, CouponRules, CouponUseStatus, CouponWriteError};
use crate::model::{
    Billing, Order, PaymentMethod, PaymentStatus, RefundKind, RefundRecord, ReturnRecord, ReturnedUnits,
    ShippingAddress,
};
use crate::ports::{InvoiceFacts, SalesFacts};
use crate::postgres::{Connection, Transaction, Tx};
use crate::pricing::Totals;
use crate::search::OrderSearchStore;
use crate::status::{CancelReason, OrderState, OrderStatus};

/// Every store of the domain, and the transactions they share.
pub trait Stores: Send + Sync {
    type Orders: OrderStore;
    type Attempts: PaymentAttemptStore;
    type Refunds: RefundStore;
    type Returns: ReturnStore;
    type Coupons: CouponStore;
    type Carts: CartStore;
    type Search: OrderSearchStore;

    fn orders(&self) -> &Self::Orders;
    fn attempts(&self) -> &Self::Attempts;
    fn refunds(&self) -> &Self::Refunds;
    fn returns(&self) -> &Self::Returns;
    fn coupons(&self) -> &Self::Coupons;
    fn carts(&self) -> &Self::Carts;
    fn search(&self) -> &Self::Search;

    /// Starts a transaction that every store, and every port taking `tx`, can work in.
    fn begin(&self) -> impl Future<Output = anyhow::Result<Transaction>> + Send;

    /// A connection of its own, for several reads that need no transaction.
    fn connect(&self) -> impl Future<Output = anyhow::Result<Connection>> + Send;
}

/// An order about to be written: its totals, how it is paid and its item snapshot.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub id: Uuid,
    pub user: Uuid,
    pub method: PaymentMethod,
    pub payment_status: PaymentStatus,
    pub totals: Totals,
    pub currency: &'static str,
    pub coupon_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    pub address: Option<ShippingAddress>,
    /// A business buyer's GSTIN and registered name, for the tax invoice.
    pub billing: Billing,
    pub from_cart: bool,
    /// The cart builds the order took (all of them: a cart is checked out whole).
    pub cart_builds: Vec<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// An online order's payment opening is leased to its checkout for this long (see
    /// [`crate::recovery`]).
    pub payment_opening_lease: Duration,
    pub items: Vec<NewOrderItem>,
}

/// How an order travels, as the admin shipping it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub description: Option<String>,
}

/// One line of a new order, as it was sold.
#[derive(Debug, Clone)]
pub struct NewOrderItem {
    pub product_id: Uuid,
    pub sku: String,
    pub name: String,
    pub brand: String,
    pub image: Option<String>,
    pub unit_price: Money,
    pub tax_rate_bps: u32,
    pub unit_tax: Money,
    pub hsn_code: Option<String>,
    pub quantity: i64,
    pub discount: Money,
    pub tax: Money,
    pub line_total: Money,
}

/// The parts of an order its payment and lifecycle rules look at, read under its row lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedOrder {
    pub id: Uuid,
    pub user_id: Uuid,
    pub order_number: String,
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    pub payment_method: PaymentMethod,
    pub payment_status: PaymentStatus,
    pub total: Money,
    pub refunded: Money,
    pub coupon_id: Option<Uuid>,
    pub coupon_code: Option<String>,
    pub from_cart: bool,
    pub cart_builds: Vec<Uuid>,
    pub razorpay_order_id: Option<String>,
    pub razorpay_payment_id: Option<String>,
}

impl LockedOrder {
    /// What the state machine looks at.
    pub fn state(&self) -> OrderState {
        OrderState {
            status: self.status,
            cancel_reason: self.cancel_reason,
            paid_online: self.payment_method == PaymentMethod::Razorpay
                && matches!(self.payment_status, PaymentStatus::Captured | PaymentStatus::Refunded),
        }
    }
}

/// Orders, their item snapshots and their history.
pub trait OrderStore: Send + Sync {
    /// Writes the order, its items and (paid online) its first history entry; returns its
    /// number, `RM-YYYYMMDD-NNNNNN`: the day and a store-wide sequence of at least six
    /// digits (at most 40 characters, as Razorpay's receipt allows). One round trip,
    /// because checkout's transaction is what a hot product waits on.
    fn insert(&self, tx: &mut Tx, order: &NewOrder) -> impl Future<Output = anyhow::Result<String>> + Send;

    /// One order with everything it shows.
    fn load(&self, conn: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<Option<Order>>> + Send;

    /// A customer's orders, newest first, after `after` (created at, id).
    fn list_for_user(
        &self,
        user: Uuid,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> impl Future<Output = anyhow::Result<Page<Order>>> + Send;

    /// Serialises the customer's checkouts and retries for the rest of the transaction
    /// (an advisory lock on the customer, taken before any other lock), so that counting
    /// their orders waiting for payment (or their open cash-on-delivery orders) and adding
    /// one cannot race.
    fn lock_customer(&self, tx: &mut Tx, user: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// How many of the customer's orders are `payment_pending`.
    fn pending_count(&self, conn: &mut Tx, user: Uuid) -> impl Future<Output = anyhow::Result<i64>> + Send;

    /// How many of the customer's cash-on-delivery orders are open: `confirmed`, not yet
    /// packed, shipped or cancelled.
    fn open_cod_count(&self, conn: &mut Tx, user: Uuid) -> impl Future<Output = anyhow::Result<i64>> + Send;

    /// Locks the order row for the rest of the transaction. Callers take the order's
    /// stock lock first (see [`crate::service`]).
    fn lock(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<Option<LockedOrder>>> + Send;

    /// These orders as the sales figures see them (unknown ids left out), in id order.
    fn sales_facts(&self, conn: &mut Tx, ids: &[Uuid]) -> impl Future<Output = anyhow::Result<Vec<SalesFacts>>> + Send;

    /// The order as its tax documents see it; `None` for an unknown id. Errors: storage
    /// failures.
    fn invoice_facts(
        &self,
        conn: &mut Tx,
        id: Uuid,
    ) -> impl Future<Output = anyhow::Result<Option<InvoiceFacts>>> + Send;

    /// Up to `limit` order ids after `after`, in id order: every order, a page at a time.
    fn ids_after(
        &self,
        conn: &mut Tx,
        after: Option<Uuid>,
        limit: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<Uuid>>> + Send;

    /// The order's lines, (product, quantity), in line order.
    fn lines(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<Vec<(Uuid, i64)>>> + Send;

    /// Sets the order's status; a cancel reason is kept only by `cancelled`. The state
    /// machine is checked by the caller.
    fn set_status(&self, tx: &mut Tx, id: Uuid, to: OrderStatus) -> impl Future<Output = anyhow::Result<()>> + Send;

    fn add_history(
        &self,
        tx: &mut Tx,
        id: Uuid,
        status: OrderStatus,
        note: Option<&str>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    fn set_payment_status(
        &self,
        tx: &mut Tx,
        id: Uuid,
        status: PaymentStatus,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Records why a cancelled order was cancelled, and clears its hold's deadline.
    fn set_cancel_reason(
        &self,
        tx: &mut Tx,
        id: Uuid,
        reason: CancelReason,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A cash-on-delivery order placed now is `confirmed`, with no hold deadline.
    fn confirm_cash_on_delivery(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The order is paid by `payment_id` now: captured, with no hold deadline and no
    /// cancel reason.
    fn record_payment(
        &self,
        tx: &mut Tx,
        id: Uuid,
        payment_id: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A new payment attempt: pending again, held until `expires_at`, with no cancel
    /// reason and no Razorpay order yet; its opening leased to the caller for `lease`.
    fn reopen_payment(
        &self,
        tx: &mut Tx,
        id: Uuid,
        expires_at: DateTime<Utc>,
        lease: Duration,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A refund of `amount` of `payment_id` went through. Only a refund of the order's own
    /// payment (`own_payment`) counts in its refunded amount and payment status.
    fn record_refund(
        &self,
        tx: &mut Tx,
        id: Uuid,
        payment_id: &str,
        amount: Money,
        own_payment: bool,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Flags the order for an admin, with why (a later flag replaces an earlier one).
    fn set_attention(&self, tx: &mut Tx, id: Uuid, reason: &str) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The order no longer needs an admin.
    fn clear_attention(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Marks whether the order still owes tax documents that failed to be issued.
    /// Errors: storage failures.
    fn set_documents_due(&self, tx: &mut Tx, id: Uuid, due: bool) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Records how the order travels, shipped now.
    fn set_shipment(
        &self,
        tx: &mut Tx,
        id: Uuid,
        shipment: &NewShipment,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The order arrived now.
    fn set_delivered(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Claims up to `limit` online orders a payment may still arrive for, by moving their
    /// reconciliation lease forward under `FOR UPDATE SKIP LOCKED`: waiting for payment
    /// longer than `older_than` (or missing their Razorpay order past its opening lease),
    /// failed, or expired. Waiting orders are looked at again after a minute, the others
    /// every ten minutes for a day.
    fn claim_for_reconciliation(
        &self,
        older_than: Duration,
        limit: i64,
    ) -> impl Future<Output = anyhow::Result<Vec<Uuid>>> + Send;

    /// Leases the payment opening of an online order still waiting for its missing
    /// Razorpay order to the caller for `lease`, if nobody holds it, and keeps its hold
    /// until at least `hold_until`. Its number and total when claimed.
    fn claim_payment_opening(
        &self,
        tx: &mut Tx,
        id: Uuid,
        lease: Duration,
        hold_until: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<Option<(String, Money)>>> + Send;

    /// Whether someone else holds the lease of an order still missing its Razorpay order.
    fn payment_opened_elsewhere(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<bool>> + Send;
}

/// A payment attempt: a Razorpay order made for one of our orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub razorpay_order_id: String,
    pub order_id: Uuid,
    pub order_number: String,
    pub amount: Money,
    pub currency: String,
}

/// Every Razorpay order made for an order (one per attempt), so that a payment on an
/// earlier attempt is still recognised.
pub trait PaymentAttemptStore: Send + Sync {
    fn find(
        &self,
        conn: &mut Tx,
        razorpay_order_id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<Attempt>>> + Send;

    /// Records an attempt and, in the same statement, makes it the order's current one
    /// if the order still waits for payment without one. Whether it became current.
    fn record(
        &self,
        razorpay_order_id: &str,
        order_id: Uuid,
        amount: Money,
        currency: &str,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// The order's Razorpay orders, oldest first.
    fn of_order(&self, order_id: Uuid) -> impl Future<Output = anyhow::Result<Vec<String>>> + Send;
}

/// A due refund claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRefund {
    pub order_id: Uuid,
    pub payment_id: String,
    pub amount: Money,
    /// The order's number, Razorpay's receipt.
    pub receipt: String,
    /// Tries so far, this one included.
    pub attempts: i32,
}

/// A refund whose status this call settled: what it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledRefund {
    pub order_id: Uuid,
    pub payment_id: String,
    pub amount: Money,
    pub kind: RefundKind,
}

/// Refunds the store owes (see [`crate::refunds::RefundStatus`]).
pub trait RefundStore: Send + Sync {
    /// Whether `payment_id` is owed back already.
    fn exists_for(&self, tx: &mut Tx, payment_id: &str) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Writes a refund `due` for `payment_id`; its id when this call wrote it. An
    /// `Unwanted` refund is written once per payment (`None` the second time); the others
    /// are checked against the capture by the caller, under the order's row lock.
    fn insert_due(
        &self,
        tx: &mut Tx,
        order_id: Uuid,
        payment_id: &str,
        amount: Money,
        reason: &str,
        kind: RefundKind,
    ) -> impl Future<Output = anyhow::Result<Option<Uuid>>> + Send;

    /// Claims a due refund for one try, counting it: a refund never tried, or last tried
    /// more than `retry_after` ago. `None` when it is not due or someone else is trying.
    fn claim(
        &self,
        refund: Uuid,
        retry_after: Duration,
    ) -> impl Future<Output = anyhow::Result<Option<ClaimedRefund>>> + Send;

    /// The gateway refused it, or reported it failed: `failed`, with its reason, if it was
    /// still due or sent (what it was, when this call changed it).
    fn mark_failed(
        &self,
        tx: &mut Tx,
        refund: Uuid,
        reason: &str,
    ) -> impl Future<Output = anyhow::Result<Option<SettledRefund>>> + Send;

    /// The gateway took it: `sent`, with the gateway's refund id when known, if it was
    /// still due (a webhook may have settled it first).
    fn mark_sent(
        &self,
        tx: &mut Tx,
        refund: Uuid,
        razorpay_refund_id: Option<&str>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The gateway reports the money back: `processed` now, if it was still due or sent
    /// (what it was, when this call changed it: it counts on its order exactly once).
    fn mark_processed(
        &self,
        tx: &mut Tx,
        refund: Uuid,
        razorpay_refund_id: Option<&str>,
    ) -> impl Future<Output = anyhow::Result<Option<SettledRefund>>> + Send;

    /// What the payment owes back or has given back: every refund of it not `failed`.
    fn counted_for(&self, tx: &mut Tx, payment_id: &str) -> impl Future<Output = anyhow::Result<Money>> + Send;

    /// The store's refund a gateway refund is, by the gateway's id or else the store's
    /// own id it carries; with its order.
    fn find_for_news(
        &self,
        conn: &mut Tx,
        razorpay_refund_id: &str,
        store_refund_id: Option<Uuid>,
    ) -> impl Future<Output = anyhow::Result<Option<(Uuid, Uuid)>>> + Send;

    /// Up to `limit` refunds the gateway took and has not reported on for `quiet` (a
    /// lost webhook), oldest first, each leased for `quiet` by moving its `updated_at`:
    /// (refund, the gateway's refund id, payment, amount).
    fn claim_unsettled(
        &self,
        limit: i64,
        quiet: Duration,
    ) -> impl Future<Output = anyhow::Result<Vec<(Uuid, String, String, Money)>>> + Send;

    /// Whether a refund of the order (not an unwanted payment's) asked for after `refund`
    /// has failed.
    fn failed_since(
        &self,
        conn: &mut Tx,
        order_id: Uuid,
        refund: Uuid,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// One refund.
    fn get(&self, conn: &mut Tx, refund: Uuid) -> impl Future<Output = anyhow::Result<Option<RefundRecord>>> + Send;

    /// A try failed; the refund stays due.
    fn note_failure(&self, refund: Uuid, error: &str) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Up to `limit` refunds due and not tried for `retry_after`, oldest first.
    fn due(&self, limit: i64, retry_after: Duration) -> impl Future<Output = anyhow::Result<Vec<Uuid>>> + Send;

    /// Every refund of the order (of any payment), oldest first.
    fn of_order(&self, conn: &mut Tx, order_id: Uuid)
    -> impl Future<Output = anyhow::Result<Vec<RefundRecord>>> + Send;
}

/// Units taken back after shipping.
pub trait ReturnStore: Send + Sync {
    /// Writes a return and its lines.
    fn insert(&self, tx: &mut Tx, record: &ReturnRecord) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Units of each product the order's returns have taken back so far.
    fn returned_units(
        &self,
        conn: &mut Tx,
        order_id: Uuid,
    ) -> impl Future<Output = anyhow::Result<Vec<ReturnedUnits>>> + Send;

    /// Every return of the order, oldest first.
    fn of_order(&self, conn: &mut Tx, order_id: Uuid)
    -> impl Future<Output = anyhow::Result<Vec<ReturnRecord>>> + Send;
}

/// Coupons and their uses (one per order that uses a coupon).
pub trait CouponStore: Send + Sync {
    /// Inserts a coupon in the caller's transaction. Errors: `CodeTaken`, `Unexpected`.
    fn insert(
        &self,
        tx: &mut Tx,
        id: Uuid,
        code: &CouponCode,
        rules: &CouponRules,
    ) -> impl Future<Output = Result<(), CouponWriteError>> + Send;

    /// The coupon, locked for a change in the caller's transaction.
    fn lock_for_change(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<Option<Coupon>>> + Send;

    /// Errors: `CodeTaken`, `Unexpected`.
    fn update(
        &self,
        tx: &mut Tx,
        id: Uuid,
        code: &CouponCode,
        rules: &CouponRules,
    ) -> impl Future<Output = Result<(), CouponWriteError>> + Send;

    fn get(&self, id: Uuid) -> impl Future<Output = anyhow::Result<Option<Coupon>>> + Send;

    /// Newest first, after `after` (created at, id).
    fn list(
        &self,
        limit: Limit,
        after: Option<(DateTime<Utc>, Uuid)>,
    ) -> impl Future<Output = anyhow::Result<Page<Coupon>>> + Send;

    /// The coupon with this code, if any (not locked).
    fn find_by_code(
        &self,
        conn: &mut Tx,
        code: &CouponCode,
    ) -> impl Future<Output = anyhow::Result<Option<Coupon>>> + Send;

    /// Locks the coupon with this code for the rest of the transaction; whether it exists.
    fn lock_code(&self, tx: &mut Tx, code: &CouponCode) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Locks the coupon for the rest of the transaction; its code, if it exists.
    fn lock_id(&self, tx: &mut Tx, id: Uuid) -> impl Future<Output = anyhow::Result<Option<CouponCode>>> + Send;

    /// The coupon's live uses (held or used): all of them, and `user`'s.
    fn live_uses(
        &self,
        conn: &mut Tx,
        coupon: Uuid,
        user: Uuid,
    ) -> impl Future<Output = anyhow::Result<(i64, i64)>> + Send;

    /// Holds a use of the coupon for `order` (again, if it had one).
    fn hold_use(
        &self,
        tx: &mut Tx,
        order: Uuid,
        coupon: Uuid,
        user: Uuid,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Whether `order` holds or has used a coupon.
    fn has_live_use(&self, tx: &mut Tx, order: Uuid) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Moves the order's coupon use to `status`, if it has one.
    fn set_use(
        &self,
        tx: &mut Tx,
        order: Uuid,
        status: CouponUseStatus,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// A cart as stored: lines in the order they were added, the PC builds some of them
/// belong to, and a coupon code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredCart {
    pub lines: Vec<StoredLine>,
    pub builds: Vec<StoredCartBuild>,
    pub coupon: Option<String>,
}

impl StoredCart {
    /// What an order of the cart holds: each product once, in the order first added, its
    /// units added up over its loose line and the builds that have it.
    pub fn order_lines(&self) -> Vec<(Uuid, i64)> {
        let mut lines: Vec<(Uuid, i64)> = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            match lines.iter_mut().find(|(product, _)| *product == line.product_id) {
                Some((_, quantity)) => *quantity += line.quantity,
                None => lines.push((line.product_id, line.quantity)),
            }
        }
        lines
    }

    /// The units of `product` over every line (loose and in builds).
    pub fn units_of(&self, product: Uuid) -> i64 {
        self.lines.iter().filter(|line| line.product_id == product).map(|line| line.quantity).sum()
    }

    /// The units of `product` in the cart's builds.
    pub fn build_units_of(&self, product: Uuid) -> i64 {
        self.lines
            .iter()
            .filter(|line| line.product_id == product && line.build_id.is_some())
            .map(|line| line.quantity)
            .sum()
    }

    /// Every product in the cart, once each.
    pub fn product_ids(&self) -> Vec<Uuid> {
        self.order_lines().into_iter().map(|(product, _)| product).collect()
    }
}

/// A cart line as stored: loose, or part of a build (`build_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredLine {
    pub product_id: Uuid,
    pub quantity: i64,
    pub build_id: Option<Uuid>,
}

/// A PC build in a cart: a group of lines added and removed together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCartBuild {
    pub id: Uuid,
    pub platform: String,
    pub name: String,
    pub saved_build_id: Option<Uuid>,
}

/// One cart per customer: product ids and quantities, and a coupon code.
pub trait CartStore: Send + Sync {
    fn stored(&self, conn: &mut Tx, user: Uuid) -> impl Future<Output = anyhow::Result<StoredCart>> + Send;

    /// Adds units to the product's line; the line's quantity now. `None` when the line
    /// would pass the most a line may hold (the table's check, so that two racing adds
    /// cannot pass it together).
    fn add(
        &self,
        tx: &mut Tx,
        user: Uuid,
        product: Uuid,
        quantity: i64,
    ) -> impl Future<Output = anyhow::Result<Option<i64>>> + Send;

    /// Adds a build and one unit of each of its products as its lines.
    fn add_build(
        &self,
        tx: &mut Tx,
        user: Uuid,
        build: &StoredCartBuild,
        products: &[Uuid],
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Removes a build and all its lines; whether the cart had it.
    fn remove_build(&self, user: Uuid, build: Uuid) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Whether the cart had the (loose) line.
    fn set_quantity(
        &self,
        user: Uuid,
        product: Uuid,
        quantity: i64,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Whether the cart had the (loose) line.
    fn remove_line(&self, user: Uuid, product: Uuid) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Empties the cart and drops its coupon, together.
    fn clear(&self, user: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    fn set_coupon(
        &self,
        conn: &mut Tx,
        user: Uuid,
        code: &CouponCode,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    fn remove_coupon(&self, user: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Takes what was ordered out of the cart: the ordered products' loose lines, the
    /// order's `builds` whole (never one added since), and the coupon when it is `coupon`.
    fn remove_ordered(
        &self,
        tx: &mut Tx,
        user: Uuid,
        products: &[Uuid],
        builds: &[Uuid],
        coupon: Option<&str>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}
