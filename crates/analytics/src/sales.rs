//! What one order adds to the sales figures: a pure function of the order as it stands,
//! so that a change to an order is applied as the difference between two sets of entries,
//! and a rebuild computes exactly what the live path wrote.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use kernel::Money;
use kernel::calendar::ist_day;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An order's status, as the figures see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    PaymentPending,
    Confirmed,
    Paid,
    Packed,
    Shipped,
    Delivered,
    PaymentFailed,
    Cancelled,
    Returned,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::PaymentPending,
        OrderStatus::Confirmed,
        OrderStatus::Paid,
        OrderStatus::Packed,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::PaymentFailed,
        OrderStatus::Cancelled,
        OrderStatus::Returned,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PaymentPending => "payment_pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Paid => "paid",
            OrderStatus::Packed => "packed",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::PaymentFailed => "payment_failed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Returned => "returned",
            OrderStatus::Refunded => "refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|status| status.as_str() == raw)
    }

    /// Whether an order in this status is a sale: paid (or confirmed, cash on delivery)
    /// and neither cancelled nor returned. A cancelled or wholly returned order leaves the
    /// figures altogether, refunds included.
    pub fn counts(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Confirmed
                | OrderStatus::Packed
                | OrderStatus::Shipped
                | OrderStatus::Delivered
        )
    }
}

/// An order as the sales figures need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSales {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub placed_at: DateTime<Utc>,
    pub status: OrderStatus,
    /// What the customer paid: lines, less discount, plus GST and shipping.
    pub total: Money,
    pub lines: Vec<SoldLine>,
    /// Processed refunds of the order's own payment (a refund of a second, unwanted
    /// payment is not the order's).
    pub refunds: Vec<SaleRefund>,
    pub returns: Vec<SaleReturn>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldLine {
    pub product_id: Uuid,
    pub quantity: i64,
    /// The line's price, after discount, with GST.
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRefund {
    pub amount: Money,
    /// When Razorpay processed it.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReturn {
    pub product_id: Uuid,
    pub quantity: i64,
    pub at: DateTime<Utc>,
}

/// What an order adds to one rollup row: the day's totals (`product_id` `None`) or one
/// product's that day. Kept in the order's read-model row as JSON, hence the short names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(rename = "d")]
    pub day: NaiveDate,
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<Uuid>,
    #[serde(rename = "o", default)]
    pub orders: i64,
    #[serde(rename = "u", default)]
    pub units: i64,
    #[serde(rename = "r", default)]
    pub revenue: i64,
    #[serde(rename = "f", default)]
    pub refunds: i64,
}

impl Entry {
    fn is_zero(&self) -> bool {
        self.orders == 0 && self.units == 0 && self.revenue == 0 && self.refunds == 0
    }
}

type Key = (NaiveDate, Option<Uuid>);

#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    orders: i64,
    units: i64,
    revenue: i64,
    refunds: i64,
}

impl Figures {
    fn add(&mut self, other: Figures) {
        self.orders = self.orders.saturating_add(other.orders);
        self.units = self.units.saturating_add(other.units);
        self.revenue = self.revenue.saturating_add(other.revenue);
        self.refunds = self.refunds.saturating_add(other.refunds);
    }

    fn negate(self) -> Figures {
        Figures { orders: -self.orders, units: -self.units, revenue: -self.revenue, refunds: -self.refunds }
    }
}

/// A sum of entries by (day, product), kept sorted so that rollup rows are always
/// written in one order (no two writers wait on each other's rows crosswise).
#[derive(Debug, Default, Clone)]
pub struct Ledger(BTreeMap<Key, Figures>);

impl Ledger {
    fn add(&mut self, key: Key, figures: Figures) {
        self.0.entry(key).or_default().add(figures);
    }

    pub fn add_entries(&mut self, entries: &[Entry]) {
        for entry in entries {
            self.add((entry.day, entry.product_id), figures_of(entry));
        }
    }

    pub fn subtract_entries(&mut self, entries: &[Entry]) {
        for entry in entries {
            self.add((entry.day, entry.product_id), figures_of(entry).negate());
        }
    }

    /// The non-zero entries, by day then product (the day's totals first).
    pub fn entries(&self) -> Vec<Entry> {
        self.0
            .iter()
            .map(|(&(day, product_id), f)| Entry {
                day,
                product_id,
                orders: f.orders,
                units: f.units,
                revenue: f.revenue,
                refunds: f.refunds,
            })
            .filter(|entry| !entry.is_zero())
            .collect()
    }
}

fn figures_of(entry: &Entry) -> Figures {
    Figures { orders: entry.orders, units: entry.units, revenue: entry.revenue, refunds: entry.refunds }
}

/// What the order adds to the figures, by day and product:
/// - nothing unless its status [counts](OrderStatus::counts);
/// - on the IST day it was placed: one order, its units and its total (the day's
///   totals), and each product's units and line totals;
/// - on the IST day each refund was processed: its amount off the day's revenue and onto
///   its refunds, and off each product's revenue its share `⌊amount × product's line
///   totals ÷ order total⌋` (the rest is shipping's, and rounding's);
/// - on the IST day each return was recorded: its units off the day's and the product's.
pub fn entries(order: &OrderSales) -> Vec<Entry> {
    let mut ledger = Ledger::default();
    if !order.status.counts() {
        return Vec::new();
    }
    let placed = ist_day(order.placed_at);
    let mut products: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
    for line in &order.lines {
        let sold = products.entry(line.product_id).or_default();
        sold.0 = sold.0.saturating_add(line.quantity);
        sold.1 = sold.1.saturating_add(line.line_total.paise());
    }
    let units: i64 = products.values().map(|(units, _)| units).sum();
    let total = order.total.paise();
    ledger.add((placed, None), Figures { orders: 1, units, revenue: total, refunds: 0 });
    for (&product, &(units, revenue)) in &products {
        ledger.add((placed, Some(product)), Figures { units, revenue, ..Figures::default() });
    }
    for refund in &order.refunds {
        let day = ist_day(refund.at);
        let amount = refund.amount.paise();
        ledger.add((day, None), Figures { revenue: -amount, refunds: amount, ..Figures::default() });
        for (&product, &(_, line_totals)) in &products {
            let share = refund_share(amount, line_totals, total);
            ledger.add((day, Some(product)), Figures { revenue: -share, ..Figures::default() });
        }
    }
    for returned in &order.returns {
        let day = ist_day(returned.at);
        let units = Figures { units: -returned.quantity, ..Figures::default() };
        ledger.add((day, None), units);
        ledger.add((day, Some(returned.product_id)), units);
    }
    ledger.entries()
}

/// A product's share of a refund: `⌊amount × line_totals ÷ total⌋`, in 128 bits so no
/// amount overflows.
pub fn refund_share(amount: i64, line_totals: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    let share = i128::from(amount) * i128::from(line_totals) / i128::from(total);
    i64::try_from(share).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn product(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Two products: 2 × ₹100 and 1 × ₹300 (₹500 of lines), ₹50 shipping.
    fn order(status: OrderStatus) -> OrderSales {
        OrderSales {
            order_id: Uuid::from_u128(99),
            user_id: Uuid::from_u128(7),
            placed_at: at(21, 18, 29), // 23:59 IST on the 21st
            status,
            total: Money::from_paise(55_000),
            lines: vec![
                SoldLine { product_id: product(1), quantity: 2, line_total: Money::from_paise(20_000) },
                SoldLine { product_id: product(2), quantity: 1, line_total: Money::from_paise(30_000) },
            ],
            refunds: Vec::new(),
            returns: Vec::new(),
        }
    }

    fn entry(d: u32, product_id: Option<Uuid>, orders: i64, units: i64, revenue: i64, refunds: i64) -> Entry {
        Entry { day: day(d), product_id, orders, units, revenue, refunds }
    }

    #[test]
    fn a_paid_order_counts_on_the_ist_day_it_was_placed() {
        assert_eq!(
            entries(&order(OrderStatus::Paid)),
            vec![
                entry(21, None, 1, 3, 55_000, 0),
                entry(21, Some(product(1)), 0, 2, 20_000, 0),
                entry(21, Some(product(2)), 0, 1, 30_000, 0),
            ]
        );
    }

    #[test]
    fn only_paid_like_statuses_count() {
        for status in OrderStatus::ALL {
            let counted = !entries(&order(status)).is_empty();
            let expected = ["paid", "confirmed", "packed", "shipped", "delivered"].contains(&status.as_str());
            assert_eq!(counted, expected, "{status:?}");
        }
    }

    #[test]
    fn a_refund_comes_off_on_the_day_it_was_processed_shared_by_line_totals() {
        let mut order = order(OrderStatus::Delivered);
        // ₹110 back at 00:01 IST on the 23rd: product 1 bears ⌊11000 × 20000 ÷ 55000⌋ = 4000,
        // product 2 ⌊11000 × 30000 ÷ 55000⌋ = 6000; the other ₹10 is shipping's.
        order.refunds.push(SaleRefund { amount: Money::from_paise(11_000), at: at(22, 18, 31) });
        assert_eq!(
            entries(&order),
            vec![
                entry(21, None, 1, 3, 55_000, 0),
                entry(21, Some(product(1)), 0, 2, 20_000, 0),
                entry(21, Some(product(2)), 0, 1, 30_000, 0),
                entry(23, None, 0, 0, -11_000, 11_000),
                entry(23, Some(product(1)), 0, 0, -4_000, 0),
                entry(23, Some(product(2)), 0, 0, -6_000, 0),
            ]
        );
    }

    #[test]
    fn returned_units_come_off_on_the_day_they_came_back() {
        let mut order = order(OrderStatus::Delivered);
        order.returns.push(SaleReturn { product_id: product(1), quantity: 1, at: at(25, 6, 0) });
        let returned: Vec<Entry> = entries(&order).into_iter().filter(|e| e.day == day(25)).collect();
        assert_eq!(returned, vec![entry(25, None, 0, -1, 0, 0), entry(25, Some(product(1)), 0, -1, 0, 0)]);
    }

    #[test]
    fn a_cancelled_or_wholly_returned_order_adds_nothing() {
        let mut order = order(OrderStatus::Cancelled);
        order.refunds.push(SaleRefund { amount: Money::from_paise(55_000), at: at(22, 0, 0) });
        assert!(entries(&order).is_empty());
        order.status = OrderStatus::Refunded;
        assert!(entries(&order).is_empty());
    }

    #[test]
    fn lines_of_one_product_are_one_product() {
        let mut order = order(OrderStatus::Paid);
        order.lines.push(SoldLine { product_id: product(1), quantity: 1, line_total: Money::from_paise(10_000) });
        order.total = Money::from_paise(65_000);
        let products: Vec<Entry> = entries(&order).into_iter().filter(|e| e.product_id == Some(product(1))).collect();
        assert_eq!(products, vec![entry(21, Some(product(1)), 0, 3, 30_000, 0)]);
    }

    #[test]
    fn a_difference_of_ledgers_is_what_changed() {
        let before = entries(&order(OrderStatus::Paid));
        let mut refunded = order(OrderStatus::Paid);
        refunded.refunds.push(SaleRefund { amount: Money::from_paise(5_500), at: at(21, 18, 0) });
        let mut diff = Ledger::default();
        diff.add_entries(&entries(&refunded));
        diff.subtract_entries(&before);
        assert_eq!(
            diff.entries(),
            vec![
                entry(21, None, 0, 0, -5_500, 5_500),
                entry(21, Some(product(1)), 0, 0, -2_000, 0),
                entry(21, Some(product(2)), 0, 0, -3_000, 0),
            ]
        );
    }

    #[test]
    fn a_share_never_overflows() {
        assert_eq!(refund_share(i64::MAX, i64::MAX, i64::MAX), i64::MAX);
        assert_eq!(refund_share(10, 3, 0), 0);
        assert_eq!(refund_share(10, 1, 3), 3);
    }
}

#[cfg(test)]
mod properties;
