//! Money as a whole number of paise. No floats anywhere near it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of Indian rupees in paise (1 ₹ = 100 paise).
///
/// Arithmetic is checked: an overflow is an error, never a wrap or a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

/// An arithmetic result that does not fit in an `i64` of paise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("amount out of range")]
pub struct MoneyOverflow;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_paise(paise: i64) -> Self {
        Money(paise)
    }

    pub const fn paise(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyOverflow> {
        self.0.checked_add(other.0).map(Money).ok_or(MoneyOverflow)
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyOverflow> {
        self.0.checked_sub(other.0).map(Money).ok_or(MoneyOverflow)
    }

    pub fn checked_mul(self, times: i64) -> Result<Money, MoneyOverflow> {
        self.0.checked_mul(times).map(Money).ok_or(MoneyOverflow)
    }

    /// `self × numerator ÷ denominator`, rounded half away from zero to the paisa.
    ///
    /// Used for rates in basis points (`numerator = bps`, `denominator = 10_000`). The
    /// product is taken in `i128` so no intermediate value can overflow.
    pub fn mul_ratio_round_half_up(self, numerator: i64, denominator: i64) -> Result<Money, MoneyOverflow> {
        if denominator == 0 {
            return Err(MoneyOverflow);
        }
        let product = i128::from(self.0) * i128::from(numerator);
        let denominator = i128::from(denominator);
        let quotient = product / denominator;
        let remainder = product % denominator;
        let rounded = if 2 * remainder.abs() >= denominator.abs() {
            quotient + product.signum() * denominator.signum()
        } else {
            quotient
        };
        i64::try_from(rounded).map(Money).map_err(|_| MoneyOverflow)
    }
}

/// Splits `amount` over `weights` in proportion: each gets the floor of its exact share,
/// and the paise left over go one each to those with the largest remainders (the earlier
/// one on a tie). The shares add up to exactly `amount`, capped at the sum of the weights,
/// and none is more than its weight (negative weights count as zero). Used for a coupon's
/// discount over an order's lines and a refund over an invoice's lines.
pub fn allocate(weights: &[Money], amount: Money) -> Vec<Money> {
    let whole: i128 = weights.iter().map(|weight| i128::from(weight.paise().max(0))).sum();
    let amount = i128::from(amount.paise().max(0)).min(whole);
    if whole == 0 || amount == 0 {
        return vec![Money::ZERO; weights.len()];
    }
    let exact: Vec<(i128, i128)> = weights
        .iter()
        .map(|weight| {
            let numerator = i128::from(weight.paise().max(0)) * amount;
            (numerator / whole, numerator % whole)
        })
        .collect();
    let mut shares: Vec<i128> = exact.iter().map(|(floor, _)| *floor).collect();
    let mut left = amount - shares.iter().sum::<i128>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    by_remainder.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for index in by_remainder {
        if left == 0 {
            break;
        }
        shares[index] += 1;
        left -= 1;
    }
    // Each share is at most its weight, and the weights fit in an i64.
    shares.into_iter().map(|share| Money(share as i64)).collect()
}

impl fmt::Display for Money {
    /// `₹1,23,456.78`: Indian digit grouping, as shown on invoices.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let rupees = (abs / 100).to_string();
        let paise = abs % 100;
        let grouped = if rupees.len() <= 3 {
            rupees
        } else {
            let (head, last3) = rupees.split_at(rupees.len() - 3);
            let mut parts: Vec<&str> = Vec::new();
            let mut rest = head;
            while rest.len() > 2 {
                let (a, b) = rest.split_at(rest.len() - 2);
                parts.push(b);
                rest = a;
            }
            parts.push(rest);
            parts.reverse();
            format!("{},{}", parts.join(","), last3)
        };
        write!(f, "{sign}₹{grouped}.{paise:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_arithmetic_refuses_overflow() {
        assert_eq!(Money::from_paise(i64::MAX).checked_add(Money::from_paise(1)), Err(MoneyOverflow));
        assert_eq!(Money::from_paise(i64::MIN).checked_sub(Money::from_paise(1)), Err(MoneyOverflow));
        assert_eq!(Money::from_paise(i64::MAX / 2 + 1).checked_mul(2), Err(MoneyOverflow));
        assert_eq!(Money::from_paise(250).checked_mul(4), Ok(Money::from_paise(1000)));
    }

    #[test]
    fn ratio_rounds_half_up_to_the_paisa() {
        let cases = [
            // (paise, bps, expected)
            (100_000, 1_800, 18_000),
            (90_000, 1_800, 16_200),
            (25, 1_800, 5),   // 4.5 → 5
            (24, 1_800, 4),   // 4.32 → 4
            (1, 5_000, 1),    // 0.5 → 1
            (1, 4_999, 0),    // 0.4999 → 0
            (-25, 1_800, -5), // symmetric for negatives
            (0, 2_800, 0),
        ];
        for (paise, bps, expected) in cases {
            let got = Money::from_paise(paise).mul_ratio_round_half_up(bps, 10_000).unwrap();
            assert_eq!(got, Money::from_paise(expected), "{paise} × {bps} bps");
        }
    }

    #[test]
    fn ratio_that_does_not_fit_is_an_error() {
        assert_eq!(Money::from_paise(i64::MAX).mul_ratio_round_half_up(20_000, 10_000), Err(MoneyOverflow));
        assert_eq!(Money::from_paise(5).mul_ratio_round_half_up(1, 0), Err(MoneyOverflow));
    }

    #[test]
    fn displays_with_indian_grouping() {
        assert_eq!(Money::from_paise(0).to_string(), "₹0.00");
        assert_eq!(Money::from_paise(99_999).to_string(), "₹999.99");
        assert_eq!(Money::from_paise(123_456_789).to_string(), "₹12,34,567.89");
        assert_eq!(Money::from_paise(-100_000).to_string(), "-₹1,000.00");
    }
}
