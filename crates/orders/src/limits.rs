//! What one customer may hold at once, so that nobody can hoard stock: one line per
//! product, a cap on units per order and on orders waiting for payment, cash on delivery
//! only to an address and up to a value, and a window for payment retries. The rules are
//! pure functions; checkout and retry ask them before they take any lock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kernel::Money;
use uuid::Uuid;

/// The caps (the `[limits]` settings); the defaults are the store's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLimits {
    /// Units in one order, every line together (a line holds at most
    /// [`crate::cart::MAX_LINE_QUANTITY`]).
    pub max_units_per_order: i64,
    /// Orders one customer may have in `payment_pending` at once.
    pub max_pending_orders: i64,
    /// The largest total payable cash on delivery.
    pub cod_max: Money,
    /// Cash-on-delivery orders one customer may have open (`confirmed`, `packed` or
    /// `shipped`: not yet delivered, so not yet paid) at once: they take stock at once and
    /// no payment stands behind them.
    pub max_open_cod_orders: i64,
    /// How long after it was placed a failed or expired order may be paid again.
    pub retry_window: Duration,
    /// The longest a checkout waits for its turn at the checkout transaction.
    pub checkout_turn_wait: Duration,
}

impl Default for OrderLimits {
    fn default() -> Self {
        OrderLimits {
            max_units_per_order: 20,
            max_pending_orders: 3,
            cod_max: Money::from_paise(5_000_000),
            max_open_cod_orders: 3,
            retry_window: Duration::from_secs(24 * 3600),
            checkout_turn_wait: Duration::from_secs(10),
        }
    }
}

/// Why the lines of an order are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinesRefusal {
    /// Line `index` names a product an earlier line names.
    #[error("line {index} repeats a product")]
    RepeatedProduct { index: usize },
    /// The lines hold more units than one order may.
    #[error("an order holds at most {max} units")]
    TooManyUnits { max: i64 },
}

/// Checks an order's `(product, quantity)` lines: each product once, and at most
/// `max_units` units in all.
pub fn check_lines(lines: &[(Uuid, i64)], max_units: i64) -> Result<(), LinesRefusal> {
    for (index, (product, _)) in lines.iter().enumerate() {
        if lines[..index].iter().any(|(earlier, _)| earlier == product) {
            return Err(LinesRefusal::RepeatedProduct { index });
        }
    }
    let units = lines.iter().map(|&(_, quantity)| quantity).fold(0_i64, i64::saturating_add);
    if units > max_units {
        return Err(LinesRefusal::TooManyUnits { max: max_units });
    }
    Ok(())
}

/// Why an order cannot be paid cash on delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodRefusal {
    #[error("cash on delivery needs a shipping address")]
    NoAddress,
    #[error("cash on delivery is available up to {} paise", max.paise())]
    OverLimit { max: Money },
    /// The customer has `max` cash-on-delivery orders open (not yet delivered) already.
    #[error("at most {max} cash-on-delivery orders may be open at once")]
    TooManyOpen { max: i64 },
}

/// Whether a customer with `open` cash-on-delivery orders open may place one more.
pub fn check_open_cod_orders(open: i64, max: i64) -> Result<(), CodRefusal> {
    if open >= max {
        return Err(CodRefusal::TooManyOpen { max });
    }
    Ok(())
}

/// Whether an order with (or without) a shipping address and this total may be paid cash
/// on delivery.
pub fn check_cash_on_delivery(has_address: bool, total: Money, max: Money) -> Result<(), CodRefusal> {
    if !has_address {
        return Err(CodRefusal::NoAddress);
    }
    if total > max {
        return Err(CodRefusal::OverLimit { max });
    }
    Ok(())
}

/// Whether an order placed at `placed_at` may still be paid again at `now`.
pub fn within_retry_window(placed_at: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    chrono::Duration::from_std(window).is_ok_and(|window| now < placed_at + window)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_product_named_twice_is_refused_at_its_repeat() {
        let lines = [(product(1), 1), (product(2), 1), (product(1), 1)];
        assert_eq!(check_lines(&lines, 20), Err(LinesRefusal::RepeatedProduct { index: 2 }));
    }

    #[test]
    fn units_are_capped_over_every_line() {
        let twenty = [(product(1), 10), (product(2), 10)];
        let twenty_one = [(product(1), 10), (product(2), 10), (product(3), 1)];
        assert_eq!(check_lines(&twenty, 20), Ok(()));
        assert_eq!(check_lines(&twenty_one, 20), Err(LinesRefusal::TooManyUnits { max: 20 }));
        assert_eq!(
            check_lines(&[(product(1), i64::MAX), (product(2), 1)], 20),
            Err(LinesRefusal::TooManyUnits { max: 20 })
        );
    }

    #[test]
    fn cash_on_delivery_needs_an_address_and_a_total_within_the_cap() {
        let cap = Money::from_paise(5_000_000);
        assert_eq!(check_cash_on_delivery(false, Money::from_paise(100), cap), Err(CodRefusal::NoAddress));
        assert_eq!(check_cash_on_delivery(true, cap, cap), Ok(()));
        assert_eq!(
            check_cash_on_delivery(true, Money::from_paise(5_000_001), cap),
            Err(CodRefusal::OverLimit { max: cap })
        );
    }

    #[test]
    fn cash_on_delivery_is_refused_once_the_open_orders_reach_the_cap() {
        assert_eq!(check_open_cod_orders(2, 3), Ok(()));
        assert_eq!(check_open_cod_orders(3, 3), Err(CodRefusal::TooManyOpen { max: 3 }));
        assert_eq!(check_open_cod_orders(0, 0), Err(CodRefusal::TooManyOpen { max: 0 }), "0 turns COD off");
    }

    #[test]
    fn a_retry_is_allowed_until_the_window_closes() {
        let placed = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let day = Duration::from_secs(24 * 3600);
        assert!(within_retry_window(placed, placed + chrono::Duration::hours(23), day));
        assert!(!within_retry_window(placed, placed + chrono::Duration::hours(24), day));
        assert!(!within_retry_window(placed, placed, Duration::ZERO), "a window of zero allows no retry");
    }
}
