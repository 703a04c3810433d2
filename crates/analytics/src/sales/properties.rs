//! Properties of [`entries`] and [`Ledger`] over random histories of one order, drawn by
//! a small seeded generator (proptest is not among the workspace's crates, and a seed
//! printed on failure replays a case as well): applying each step's difference from
//! nothing gives the entries of where the order ends, and a counted order's day rows add
//! up to its total less refunds and its units less returns.

use chrono::{Duration, TimeZone as _};

use super::*;

/// xorshift64*: deterministic, so a failing seed replays.
struct Dice(u64);

impl Dice {
    fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

const PRODUCTS: u128 = 3;

/// Any minute of four days starting 23:30 IST, so that many steps cross an IST midnight.
fn moment(dice: &mut Dice) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 18, 0, 0).unwrap() + Duration::minutes(dice.below(4 * 1440) as i64)
}

/// An order of one to four lines (a product may be on two lines), with shipping.
fn new_order(dice: &mut Dice) -> OrderSales {
    let lines: Vec<SoldLine> = (0..1 + dice.below(4))
        .map(|_| SoldLine {
            product_id: Uuid::from_u128(1 + u128::from(dice.below(PRODUCTS as u64))),
            quantity: 1 + dice.below(5) as i64,
            line_total: Money::from_paise(1 + dice.below(2_000_000) as i64),
        })
        .collect();
    let total = lines.iter().map(|line| line.line_total.paise()).sum::<i64>() + dice.below(10_000) as i64;
    OrderSales {
        order_id: Uuid::from_u128(42),
        user_id: Uuid::from_u128(7),
        placed_at: moment(dice),
        status: OrderStatus::PaymentPending,
        total: Money::from_paise(total),
        lines,
        refunds: Vec::new(),
        returns: Vec::new(),
    }
}

fn units_of(order: &OrderSales, product: Uuid) -> i64 {
    order.lines.iter().filter(|line| line.product_id == product).map(|line| line.quantity).sum()
}

fn returned_of(order: &OrderSales, product: Uuid) -> i64 {
    order.returns.iter().filter(|r| r.product_id == product).map(|r| r.quantity).sum()
}

/// The order one step on: another status, one more refund (never past the total), or
/// some units back (never more than are out).
fn step(dice: &mut Dice, order: &OrderSales) -> OrderSales {
    let mut next = order.clone();
    match dice.below(3) {
        0 => next.status = OrderStatus::ALL[dice.below(OrderStatus::ALL.len() as u64) as usize],
        1 => {
            let refunded: i64 = order.refunds.iter().map(|r| r.amount.paise()).sum();
            let left = order.total.paise() - refunded;
            if left > 0 {
                let amount = 1 + dice.below(left as u64) as i64;
                next.refunds.push(SaleRefund { amount: Money::from_paise(amount), at: moment(dice) });
            }
        }
        _ => {
            let line = &order.lines[dice.below(order.lines.len() as u64) as usize];
            let out = units_of(order, line.product_id) - returned_of(order, line.product_id);
            if out > 0 {
                let quantity = 1 + dice.below(out as u64) as i64;
                next.returns.push(SaleReturn { product_id: line.product_id, quantity, at: moment(dice) });
            }
        }
    }
    next
}

const CASES: u64 = 2_000;

#[test]
fn applying_each_steps_difference_from_nothing_gives_the_entries_of_the_last_state() {
    for seed in 0..CASES {
        let mut dice = Dice::new(seed);
        let mut order = new_order(&mut dice);
        let mut ledger = Ledger::default();
        let mut before: Vec<Entry> = Vec::new();
        for _ in 0..dice.below(12) + 1 {
            order = step(&mut dice, &order);
            let now = entries(&order);
            ledger.add_entries(&now);
            ledger.subtract_entries(&before);
            before = now;
        }
        assert_eq!(ledger.entries(), entries(&order), "seed {seed}: {order:#?}");
    }
}

#[test]
fn a_counted_orders_day_rows_add_up_to_its_total_less_refunds_and_its_units_less_returns() {
    let mut counted = 0;
    for seed in 0..CASES {
        let mut dice = Dice::new(seed);
        let mut order = new_order(&mut dice);
        for _ in 0..dice.below(12) {
            order = step(&mut dice, &order);
        }
        order.status = [OrderStatus::Paid, OrderStatus::Confirmed, OrderStatus::Delivered][dice.below(3) as usize];
        counted += 1;
        let all = entries(&order);
        let days: Vec<&Entry> = all.iter().filter(|e| e.product_id.is_none()).collect();
        let refunds: i64 = order.refunds.iter().map(|r| r.amount.paise()).sum();
        let units: i64 = order.lines.iter().map(|line| line.quantity).sum();
        let returned: i64 = order.returns.iter().map(|r| r.quantity).sum();
        let sum = |f: fn(&Entry) -> i64| days.iter().map(|e| f(e)).sum::<i64>();
        let context = format!("seed {seed}: {order:#?}");
        assert_eq!(sum(|e| e.orders), 1, "{context}");
        assert_eq!(sum(|e| e.revenue), order.total.paise() - refunds, "{context}");
        assert_eq!(sum(|e| e.refunds), refunds, "{context}");
        assert_eq!(sum(|e| e.units), units - returned, "{context}");
        // The products' rows: the same units; revenue their line totals less their
        // shares, never more of a refund than the refund.
        let products: Vec<&Entry> = all.iter().filter(|e| e.product_id.is_some()).collect();
        let line_totals: i64 = order.lines.iter().map(|line| line.line_total.paise()).sum();
        let product_revenue: i64 = products.iter().map(|e| e.revenue).sum();
        assert_eq!(products.iter().map(|e| e.units).sum::<i64>(), units - returned, "{context}");
        assert!(line_totals - product_revenue <= refunds, "{context}");
        assert!(line_totals - product_revenue >= 0, "{context}");
        assert_eq!(products.iter().map(|e| e.orders + e.refunds).sum::<i64>(), 0, "{context}");
    }
    assert_eq!(counted, CASES);
}

#[test]
fn an_order_that_does_not_count_adds_nothing_whatever_its_history() {
    for seed in 0..CASES {
        let mut dice = Dice::new(seed);
        let mut order = new_order(&mut dice);
        for _ in 0..dice.below(12) {
            order = step(&mut dice, &order);
        }
        if !order.status.counts() {
            assert_eq!(entries(&order), Vec::new(), "seed {seed}");
        }
    }
}
