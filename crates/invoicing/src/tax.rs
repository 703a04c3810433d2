//! The amounts on invoices and credit notes: pure functions over the order's own lines.
//!
//! An invoice line is the order line as its pricing made it: the taxable value is what
//! the customer pays for the line less its GST, so every line, and the invoice's total,
//! equals the order's to the paisa. Within the store's state the GST is split into
//! SGST, the half rounded down, and CGST, the rest: the two are equal, or CGST is one
//! paisa more on a line whose GST is an odd number of paise. Across states it is all IGST.
//!
//! A credit note takes back a share of what is left of each line after earlier credit
//! notes (so that credits never pass the invoice, and the last one takes back exactly
//! the rest): the share's GST in proportion to what is left of the line's GST, split
//! between CGST and SGST within what is left of each.

use std::collections::HashMap;

use kernel::Money;
use kernel::money::allocate;
use uuid::Uuid;

use crate::model::{Buyer, DocumentLine, DocumentTotals, SaleLine, Seller};

/// The GST state code of the place of supply: where the goods go (the shipping
/// address's state), else the business buyer's state, else the store's own (a sale
/// collected at the store).
pub fn place_of_supply(buyer: &Buyer, seller: &Seller) -> u8 {
    buyer
        .state_code
        .or_else(|| buyer.gstin.as_deref().and_then(|gstin| gstin.get(..2)).and_then(|code| code.parse().ok()))
        .unwrap_or(seller.state_code)
}

/// `(cgst, sgst, igst)` of a GST amount.
pub fn split_tax(tax: Money, inter_state: bool) -> (Money, Money, Money) {
    if inter_state {
        return (Money::ZERO, Money::ZERO, tax);
    }
    let sgst = Money::from_paise(tax.paise().div_euclid(2));
    (Money::from_paise(tax.paise() - sgst.paise()), sgst, Money::ZERO)
}

/// The invoice's lines: one per order line, numbered from 1.
pub fn invoice_lines(lines: &[SaleLine], inter_state: bool) -> Vec<DocumentLine> {
    lines
        .iter()
        .zip(1..)
        .map(|(line, number)| {
            let (cgst, sgst, igst) = split_tax(line.tax, inter_state);
            DocumentLine {
                line: number,
                product_id: line.product_id,
                sku: line.sku.clone(),
                description: line.name.clone(),
                hsn_code: line.hsn_code.clone(),
                quantity: Some(line.quantity),
                unit_price: line.unit_price,
                discount: line.discount,
                taxable_value: Money::from_paise(line.total.paise() - line.tax.paise()),
                rate_bps: line.rate_bps,
                cgst,
                sgst,
                igst,
                total: line.total,
            }
        })
        .collect()
}

/// A rate in basis points as a percentage, split in `parts` (2 for CGST and SGST, each
/// half of it), exactly and without trailing zeros: `1800, 1` → `18`, `1800, 2` → `9`,
/// `250, 2` → `1.25` (basis points over 2 are whole thousandths of a percent).
pub fn rate_percent(rate_bps: u32, parts: u32) -> String {
    let thousandths = u64::from(rate_bps) * 10 / u64::from(parts.max(1));
    let (whole, fraction) = (thousandths / 1000, thousandths % 1000);
    if fraction == 0 {
        return whole.to_string();
    }
    format!("{whole}.{}", format!("{fraction:03}").trim_end_matches('0'))
}

/// The sums of the lines.
pub fn totals(lines: &[DocumentLine]) -> DocumentTotals {
    lines.iter().fold(DocumentTotals::default(), |sum, line| DocumentTotals {
        taxable_value: add(sum.taxable_value, line.taxable_value),
        cgst: add(sum.cgst, line.cgst),
        sgst: add(sum.sgst, line.sgst),
        igst: add(sum.igst, line.igst),
        total: add(sum.total, line.total),
    })
}

/// What is left of each invoice line once `credited` (earlier credit notes' lines,
/// which carry their invoice line's number) are taken off.
pub fn remaining(invoice: &[DocumentLine], credited: &[DocumentLine]) -> Vec<DocumentLine> {
    let mut left: Vec<DocumentLine> = invoice.to_vec();
    for credit in credited {
        if let Some(line) = left.iter_mut().find(|line| line.line == credit.line) {
            line.taxable_value = sub(line.taxable_value, credit.taxable_value);
            line.cgst = sub(line.cgst, credit.cgst);
            line.sgst = sub(line.sgst, credit.sgst);
            line.igst = sub(line.igst, credit.igst);
            line.total = sub(line.total, credit.total);
        }
    }
    left
}

/// An amount over the lines in proportion to what is left of them (never more than is
/// left of any line, and at most what is left in all).
pub fn amount_over_lines(left: &[DocumentLine], amount: Money) -> Vec<Money> {
    let weights: Vec<Money> = left.iter().map(|line| line.total).collect();
    allocate(&weights, amount)
}

/// A refund made with a return: `amount` over the returned units' lines in proportion to
/// their `value` (what the units are worth on each line), and whatever it passes that
/// value over what is left of every line, in proportion.
pub fn amount_over_returned(left: &[DocumentLine], value: &[Money], amount: Money) -> Vec<Money> {
    let first = allocate(value, amount);
    let taken: i64 = first.iter().map(|share| share.paise()).sum();
    let beyond = Money::from_paise(amount.paise().saturating_sub(taken));
    let rest: Vec<Money> =
        left.iter().zip(&first).map(|(line, share)| Money::from_paise(line.total.paise() - share.paise())).collect();
    allocate(&rest, beyond).into_iter().zip(first).map(|(more, share)| add(share, more)).collect()
}

/// What units sent back take off each line: the value of every unit returned so far
/// (`after`) less that of the units returned before (`before`), each rounded half up to
/// the paisa, so that returning every unit in any number of steps takes back exactly the
/// line; at most what is left of the line.
pub fn units_over_lines(
    invoice: &[DocumentLine],
    left: &[DocumentLine],
    before: &HashMap<Uuid, i64>,
    after: &HashMap<Uuid, i64>,
) -> Vec<Money> {
    invoice
        .iter()
        .zip(left)
        .map(|(line, left)| {
            let sold = line.quantity.unwrap_or(0);
            let value_of = |units: Option<&i64>| {
                let units = units.copied().unwrap_or(0).clamp(0, sold);
                line.total.mul_ratio_round_half_up(units, sold.max(1)).unwrap_or(Money::ZERO)
            };
            let share = value_of(after.get(&line.product_id)).paise() - value_of(before.get(&line.product_id)).paise();
            Money::from_paise(share.clamp(0, left.total.paise().max(0)))
        })
        .collect()
}

/// A credit note's lines: `amounts[i]` (what the customer gets back for line `i`, GST
/// included) taken off what is `left` of each line; lines with nothing taken are left out.
/// `units[i]` is how many units of the line went back, when units did.
pub fn credit_lines(left: &[DocumentLine], amounts: &[Money], units: &[Option<i64>]) -> Vec<DocumentLine> {
    left.iter()
        .zip(amounts)
        .zip(units.iter().chain(std::iter::repeat(&None)))
        .filter(|((_, amount), _)| amount.paise() > 0)
        .map(|((line, &amount), &units)| credit_line(line, amount, units))
        .collect()
}

fn credit_line(left: &DocumentLine, amount: Money, units: Option<i64>) -> DocumentLine {
    let amount = Money::from_paise(amount.paise().min(left.total.paise()));
    let left_tax = left.tax();
    // The share's GST in proportion, rounded half up: never more than the GST left, and
    // never so little that the taxable value taken passes what is left of it.
    let tax = if left.total.paise() == 0 {
        Money::ZERO
    } else {
        amount.mul_ratio_round_half_up(left_tax.paise(), left.total.paise()).unwrap_or(left_tax).min(left_tax)
    };
    let (cgst, sgst, igst) = if left.igst.paise() > 0 || (left.cgst.paise() == 0 && left.sgst.paise() == 0) {
        (Money::ZERO, Money::ZERO, tax)
    } else {
        let sgst = (tax.paise() / 2).min(left.sgst.paise());
        let cgst = (tax.paise() - sgst).min(left.cgst.paise());
        (Money::from_paise(cgst), Money::from_paise(tax.paise() - cgst), Money::ZERO)
    };
    DocumentLine {
        quantity: units,
        // The coupon's share is already out of what is credited; a credit note gives none.
        discount: Money::ZERO,
        taxable_value: Money::from_paise(amount.paise() - tax.paise()),
        cgst,
        sgst,
        igst,
        total: amount,
        ..left.clone()
    }
}

fn add(a: Money, b: Money) -> Money {
    Money::from_paise(a.paise().saturating_add(b.paise()))
}

fn sub(a: Money, b: Money) -> Money {
    Money::from_paise(a.paise().saturating_sub(b.paise()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale_line(total: i64, tax: i64, rate_bps: u32, quantity: i64) -> SaleLine {
        SaleLine {
            product_id: Uuid::new_v4(),
            sku: "SKU".into(),
            name: "Part".into(),
            hsn_code: Some("8473".into()),
            quantity,
            unit_price: Money::from_paise((total - tax) / quantity),
            discount: Money::ZERO,
            rate_bps,
            tax: Money::from_paise(tax),
            total: Money::from_paise(total),
        }
    }

    fn paise(lines: &[DocumentLine], field: fn(&DocumentLine) -> Money) -> Vec<i64> {
        lines.iter().map(|line| field(line).paise()).collect()
    }

    #[test]
    fn within_the_state_cgst_takes_the_odd_paisa_and_sgst_the_half_rounded_down() {
        assert_eq!(
            split_tax(Money::from_paise(15_255), false),
            (Money::from_paise(7_628), Money::from_paise(7_627), Money::ZERO)
        );
        assert_eq!(
            split_tax(Money::from_paise(100), false),
            (Money::from_paise(50), Money::from_paise(50), Money::ZERO)
        );
        assert_eq!(split_tax(Money::from_paise(1), false), (Money::from_paise(1), Money::ZERO, Money::ZERO));
        assert_eq!(split_tax(Money::from_paise(15_255), true), (Money::ZERO, Money::ZERO, Money::from_paise(15_255)));
    }

    #[test]
    fn an_invoice_line_is_the_order_line_with_its_gst_split() {
        let lines = invoice_lines(&[sale_line(118_000, 18_000, 1800, 2), sale_line(10_501, 501, 500, 1)], false);
        assert_eq!(paise(&lines, |l| l.taxable_value), [100_000, 10_000]);
        assert_eq!(paise(&lines, |l| l.cgst), [9_000, 251]);
        assert_eq!(paise(&lines, |l| l.sgst), [9_000, 250]);
        assert_eq!((lines[0].line, lines[1].line), (1, 2));
        let sums = totals(&lines);
        assert_eq!(sums.total, Money::from_paise(128_501));
        assert_eq!(sums.tax(), Money::from_paise(18_501));
    }

    #[test]
    fn the_place_of_supply_is_the_address_then_the_buyers_gstin_then_the_store() {
        let seller =
            Seller { legal_name: "S".into(), address: "A".into(), state_code: 29, gstin: "29AABCR1234M1Z9".into() };
        let mut buyer = Buyer { name: "B".into(), legal_name: None, gstin: None, address: None, state_code: Some(27) };
        assert_eq!(place_of_supply(&buyer, &seller), 27);
        buyer.state_code = None;
        buyer.gstin = Some("33AAACB9999Z1Z7".into());
        assert_eq!(place_of_supply(&buyer, &seller), 33);
        buyer.gstin = None;
        assert_eq!(place_of_supply(&buyer, &seller), 29);
    }

    #[test]
    fn a_partial_refund_takes_back_its_share_of_each_line_and_of_its_gst() {
        let invoice = invoice_lines(&[sale_line(118_000, 18_000, 1800, 1), sale_line(59_000, 9_000, 1800, 1)], false);
        let credit = credit_lines(&invoice, &amount_over_lines(&invoice, Money::from_paise(17_700)), &[]);
        assert_eq!(paise(&credit, |l| l.total), [11_800, 5_900]);
        assert_eq!(paise(&credit, |l| l.taxable_value), [10_000, 5_000]);
        assert_eq!(paise(&credit, |l| l.cgst), [900, 450]);
        assert_eq!(paise(&credit, |l| l.sgst), [900, 450]);
        assert_eq!(totals(&credit).total, Money::from_paise(17_700));
    }

    #[test]
    fn credits_in_many_steps_never_pass_the_invoice_and_the_last_takes_the_rest() {
        let invoice = invoice_lines(&[sale_line(1_003, 153, 1800, 1), sale_line(7, 1, 1800, 1)], false);
        let mut credited: Vec<DocumentLine> = Vec::new();
        for amount in [1, 1, 1, 3, 500, 7] {
            let left = remaining(&invoice, &credited);
            credited.extend(credit_lines(&left, &amount_over_lines(&left, Money::from_paise(amount)), &[]));
        }
        let left = remaining(&invoice, &credited);
        let rest: Vec<Money> = left.iter().map(|line| line.total).collect();
        credited.extend(credit_lines(&left, &rest, &[]));
        let left = remaining(&invoice, &credited);
        for line in &left {
            assert_eq!(
                (line.taxable_value, line.cgst, line.sgst, line.igst, line.total),
                (Money::ZERO, Money::ZERO, Money::ZERO, Money::ZERO, Money::ZERO)
            );
        }
    }

    #[test]
    fn a_refund_with_a_return_credits_the_returned_lines_first() {
        let invoice = invoice_lines(&[sale_line(118_000, 18_000, 1800, 1), sale_line(10_500, 500, 500, 1)], false);
        let gpu = invoice[0].product_id;
        let value = units_over_lines(&invoice, &invoice, &HashMap::new(), &HashMap::from([(gpu, 1)]));
        // Less than the unit's worth: all of it on the GPU's line.
        assert_eq!(amount_over_returned(&invoice, &value, Money::from_paise(100_000)), paise_of(&[100_000, 0]));
        // More than it: the rest over what is left of every line.
        assert_eq!(amount_over_returned(&invoice, &value, Money::from_paise(119_050)), paise_of(&[118_000, 1_050]));
    }

    fn paise_of(values: &[i64]) -> Vec<Money> {
        values.iter().copied().map(Money::from_paise).collect()
    }

    #[test]
    fn units_returned_in_steps_take_back_exactly_the_line() {
        let invoice = invoice_lines(&[sale_line(1_000, 152, 1800, 3)], true);
        let product = invoice[0].product_id;
        let one = HashMap::from([(product, 1)]);
        let three = HashMap::from([(product, 3)]);
        let first = credit_lines(&invoice, &units_over_lines(&invoice, &invoice, &HashMap::new(), &one), &[Some(1)]);
        assert_eq!(paise(&first, |l| l.total), [333]);
        assert_eq!(first[0].quantity, Some(1));
        let left = remaining(&invoice, &first);
        let second = credit_lines(&left, &units_over_lines(&invoice, &left, &one, &three), &[Some(2)]);
        assert_eq!(paise(&second, |l| l.total), [667]);
        assert_eq!(remaining(&invoice, &[first, second].concat())[0].igst, Money::ZERO);
    }
}
