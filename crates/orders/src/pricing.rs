//! Pricing a basket: line amounts, the coupon's discount split over the lines, GST per
//! line after its share of the discount, and the totals. Unit prices and unit tax come
//! from the catalog's one pricing function; nothing here reads a client's price.

use kernel::{Money, MoneyOverflow};

const WHOLE_BPS: i64 = 10_000;

/// One line as the catalog prices it today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePrice {
    /// Price of one unit before tax (after the product's own discount).
    pub unit_price: Money,
    /// GST on one unit, as the catalog shows it.
    pub unit_tax: Money,
    pub tax_rate_bps: u32,
    pub quantity: i64,
}

/// A line's amounts once the basket's discount is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    /// `unit_price × quantity`.
    pub net: Money,
    /// This line's share of the coupon discount.
    pub discount: Money,
    /// GST on what is left of the line after its discount.
    pub tax: Money,
    /// `net − discount + tax`.
    pub total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal: Money,
    pub discount: Money,
    pub tax: Money,
    pub shipping: Money,
    pub total: Money,
}

/// Splits `discount` over lines in proportion to their `nets` ([`kernel::money::allocate`]):
/// the shares add up to exactly `discount` (capped at the sum of the nets), and no line
/// gets more than its net.
pub fn split_discount(nets: &[Money], discount: Money) -> Vec<Money> {
    kernel::money::allocate(nets, discount)
}

/// Prices every line and the basket. A line's tax is the catalog's unit tax times the
/// quantity, less the GST on the line's share of the discount (rounded half-up), so that
/// without a coupon a line costs exactly what the product page shows times the quantity.
pub fn price_basket(lines: &[LinePrice], discount: Money) -> Result<(Vec<PricedLine>, Totals), MoneyOverflow> {
    let nets = lines.iter().map(|line| line.unit_price.checked_mul(line.quantity)).collect::<Result<Vec<_>, _>>()?;
    let shares = split_discount(&nets, discount);
    let mut totals = Totals::default();
    let mut priced = Vec::with_capacity(lines.len());
    for ((line, net), share) in lines.iter().zip(nets).zip(shares) {
        let full_tax = line.unit_tax.checked_mul(line.quantity)?;
        let tax_saved = share.mul_ratio_round_half_up(i64::from(line.tax_rate_bps), WHOLE_BPS)?;
        let tax = full_tax.checked_sub(tax_saved)?.max(Money::ZERO);
        let total = net.checked_sub(share)?.checked_add(tax)?;
        totals.subtotal = totals.subtotal.checked_add(net)?;
        totals.discount = totals.discount.checked_add(share)?;
        totals.tax = totals.tax.checked_add(tax)?;
        totals.total = totals.total.checked_add(total)?;
        priced.push(PricedLine { net, discount: share, tax, total });
    }
    Ok((priced, totals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paise(values: &[i64]) -> Vec<Money> {
        values.iter().copied().map(Money::from_paise).collect()
    }

    #[test]
    fn a_discount_is_split_in_proportion_and_adds_up_exactly() {
        // 100 over 1:1:1 is 33.33 each: floors 33+33+33, the one paisa left goes to the
        // first line (all remainders tie).
        assert_eq!(split_discount(&paise(&[300, 300, 300]), Money::from_paise(100)), paise(&[34, 33, 33]));
        // 1000 over 1000:2000:7000 splits exactly.
        assert_eq!(split_discount(&paise(&[1000, 2000, 7000]), Money::from_paise(1000)), paise(&[100, 200, 700]));
        // 10 over 3:3:4 is 3.0, 3.0, 4.0.
        assert_eq!(split_discount(&paise(&[3, 3, 4]), Money::from_paise(10)), paise(&[3, 3, 4]));
        // 7 off lines worth 1 paisa each is capped at the 3 paise there are.
        assert_eq!(split_discount(&paise(&[1, 1, 1]), Money::from_paise(7)), paise(&[1, 1, 1]));
        // Largest remainder wins: 5 over 10:20:30 is 0.83, 1.67, 2.5 → floors 0,1,2; the
        // two left go to line 1 (.83) then line 2 (.67).
        assert_eq!(split_discount(&paise(&[10, 20, 30]), Money::from_paise(5)), paise(&[1, 2, 2]));
    }

    #[test]
    fn a_discount_never_exceeds_the_lines() {
        assert_eq!(split_discount(&paise(&[50, 50]), Money::from_paise(1000)), paise(&[50, 50]));
        assert_eq!(split_discount(&paise(&[0, 0]), Money::from_paise(10)), paise(&[0, 0]));
        assert_eq!(split_discount(&[], Money::from_paise(10)), Vec::<Money>::new());
    }

    #[test]
    fn without_a_discount_a_line_costs_the_shown_price_times_the_quantity() {
        // Unit 84746 + GST 18 % (15254.28 → 15254) = 100000 a unit.
        let line = LinePrice {
            unit_price: Money::from_paise(84_746),
            unit_tax: Money::from_paise(15_254),
            tax_rate_bps: 1800,
            quantity: 3,
        };
        let (lines, totals) = price_basket(&[line], Money::ZERO).unwrap();
        assert_eq!(lines[0].total, Money::from_paise(300_000));
        assert_eq!(totals.total, Money::from_paise(300_000));
        assert_eq!(totals.tax, Money::from_paise(45_762));
    }

    #[test]
    fn each_line_pays_tax_on_what_is_left_after_its_share_of_the_discount() {
        let cpu = LinePrice {
            unit_price: Money::from_paise(100_000),
            unit_tax: Money::from_paise(18_000),
            tax_rate_bps: 1800,
            quantity: 1,
        };
        let book =
            LinePrice { unit_price: Money::from_paise(50_000), unit_tax: Money::ZERO, tax_rate_bps: 0, quantity: 2 };
        // 10 % of the 200000 subtotal = 20000, split 100000:100000 → 10000 each.
        let (lines, totals) = price_basket(&[cpu, book], Money::from_paise(20_000)).unwrap();
        assert_eq!(
            lines[0],
            PricedLine {
                net: Money::from_paise(100_000),
                discount: Money::from_paise(10_000),
                tax: Money::from_paise(16_200),
                total: Money::from_paise(106_200),
            }
        );
        assert_eq!(lines[1].tax, Money::ZERO);
        assert_eq!(lines[1].total, Money::from_paise(90_000));
        assert_eq!(
            totals,
            Totals {
                subtotal: Money::from_paise(200_000),
                discount: Money::from_paise(20_000),
                tax: Money::from_paise(16_200),
                shipping: Money::ZERO,
                total: Money::from_paise(196_200),
            }
        );
    }

    #[test]
    fn the_tax_saved_on_a_share_rounds_half_up() {
        // A share of 25 paise at 18 % saves 4.5 → 5 paise of tax.
        let line = LinePrice {
            unit_price: Money::from_paise(1000),
            unit_tax: Money::from_paise(180),
            tax_rate_bps: 1800,
            quantity: 1,
        };
        let (lines, _) = price_basket(&[line], Money::from_paise(25)).unwrap();
        assert_eq!(lines[0].tax, Money::from_paise(175));
        assert_eq!(lines[0].total, Money::from_paise(1000 - 25 + 175));
    }
}
