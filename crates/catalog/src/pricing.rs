//! The one pricing function. Cart, checkout and the PC builder all call it; clients never
//! send a price.

use kernel::{Money, MoneyOverflow};

/// Basis points in 100 %.
const WHOLE_BPS: u32 = 10_000;
/// The highest GST slab (28 %).
pub const MAX_TAX_RATE_BPS: u32 = 2_800;

/// A product's discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discount {
    /// A share of the base price, in basis points (1 000 = 10 %), at most 100 %.
    Percentage { bps: u32 },
    /// A fixed amount off; more than the base price brings it to zero, never below.
    Flat { amount: Money },
}

/// A product's price: base, discount and GST, all computed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    pub base: Money,
    pub discount: Option<Discount>,
    pub tax_rate_bps: u32,
    /// Base minus discount, never below zero.
    pub unit: Money,
    /// GST on the unit price, rounded half-up to the paisa.
    pub tax: Money,
    /// Unit price plus tax.
    pub final_price: Money,
}

/// Why a price cannot be computed from these inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("the base price must not be negative")]
    NegativeBase,
    #[error("a percentage discount must be at most 100 %")]
    DiscountOverWhole,
    #[error("a flat discount must not be negative")]
    NegativeDiscount,
    #[error("the GST rate must be between 0 and 28 %")]
    TaxRateOutOfRange,
    #[error("the amount is too large")]
    Overflow,
}

impl From<MoneyOverflow> for PricingError {
    fn from(_: MoneyOverflow) -> Self {
        PricingError::Overflow
    }
}

/// Prices one unit: `unit = base − discount` (clamped at zero), `tax = unit × rate`
/// rounded half-up to the paisa, `final = unit + tax`.
pub fn price(base: Money, discount: Option<Discount>, tax_rate_bps: u32) -> Result<Price, PricingError> {
    if base.is_negative() {
        return Err(PricingError::NegativeBase);
    }
    if tax_rate_bps > MAX_TAX_RATE_BPS {
        return Err(PricingError::TaxRateOutOfRange);
    }
    let off = match discount {
        None => Money::ZERO,
        Some(Discount::Percentage { bps }) if bps > WHOLE_BPS => return Err(PricingError::DiscountOverWhole),
        Some(Discount::Percentage { bps }) => base.mul_ratio_round_half_up(i64::from(bps), i64::from(WHOLE_BPS))?,
        Some(Discount::Flat { amount }) if amount.is_negative() => return Err(PricingError::NegativeDiscount),
        Some(Discount::Flat { amount }) => amount,
    };
    let unit = base.checked_sub(off)?.max(Money::ZERO);
    let tax = unit.mul_ratio_round_half_up(i64::from(tax_rate_bps), i64::from(WHOLE_BPS))?;
    let final_price = unit.checked_add(tax)?;
    Ok(Price { base, discount, tax_rate_bps, unit, tax, final_price })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paise(amount: i64) -> Money {
        Money::from_paise(amount)
    }

    /// (case, base, discount, GST bps, unit, tax, final)
    type Case = (&'static str, i64, Option<Discount>, u32, i64, i64, i64);

    #[test]
    fn prices_every_case_in_the_table() {
        let table: &[Case] = &[
            ("no discount, 18 %", 100_000, None, 1_800, 100_000, 18_000, 118_000),
            (
                "10 % off, 18 % (the contract's example)",
                100_000,
                Some(Discount::Percentage { bps: 1_000 }),
                1_800,
                90_000,
                16_200,
                106_200,
            ),
            (
                "flat ₹250 off, 18 %",
                100_000,
                Some(Discount::Flat { amount: paise(25_000) }),
                1_800,
                75_000,
                13_500,
                88_500,
            ),
            (
                "flat larger than the price clamps to zero",
                10_000,
                Some(Discount::Flat { amount: paise(20_000) }),
                1_800,
                0,
                0,
                0,
            ),
            ("100 % off", 10_000, Some(Discount::Percentage { bps: 10_000 }), 1_800, 0, 0, 0),
            ("0 % GST", 99_900, None, 0, 99_900, 0, 99_900),
            ("5 % GST", 99_900, None, 500, 99_900, 4_995, 104_895),
            ("12 % GST", 99_900, None, 1_200, 99_900, 11_988, 111_888),
            ("18 % GST", 99_900, None, 1_800, 99_900, 17_982, 117_882),
            ("28 % GST", 99_900, None, 2_800, 99_900, 27_972, 127_872),
            ("tax of exactly .5 paisa rounds up", 25, None, 1_800, 25, 5, 30),
            ("tax just under .5 paisa rounds down", 24, None, 1_800, 24, 4, 28),
            ("discount of exactly .5 paisa rounds up", 5, Some(Discount::Percentage { bps: 1_000 }), 0, 4, 0, 4),
            ("free item", 0, None, 1_800, 0, 0, 0),
        ];
        for &(case, base, discount, rate, unit, tax, final_price) in table {
            let got = price(paise(base), discount, rate).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!((got.unit, got.tax, got.final_price), (paise(unit), paise(tax), paise(final_price)), "{case}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_price() {
        assert_eq!(price(paise(-1), None, 1_800), Err(PricingError::NegativeBase));
        assert_eq!(
            price(paise(100), Some(Discount::Percentage { bps: 10_001 }), 1_800),
            Err(PricingError::DiscountOverWhole)
        );
        assert_eq!(
            price(paise(100), Some(Discount::Flat { amount: paise(-1) }), 1_800),
            Err(PricingError::NegativeDiscount)
        );
        assert_eq!(price(paise(100), None, 2_801), Err(PricingError::TaxRateOutOfRange));
    }

    #[test]
    fn refuses_overflow_instead_of_wrapping() {
        assert_eq!(price(paise(i64::MAX), None, 1_800), Err(PricingError::Overflow));
        assert_eq!(price(paise(i64::MAX), None, 0).unwrap().final_price, paise(i64::MAX));
    }
}
