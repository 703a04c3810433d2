//! Tax invoices and credit notes on the wire: JSON, and the GST filing CSV.

use api_types::invoices::{
    CreditNoteReason, GstState, InvoiceBuyer, InvoiceSeller, SupplyType, TaxDocument as TaxDocumentWire,
    TaxDocumentKind, TaxDocumentLine, TaxDocumentTotals,
};
use chrono::Datelike as _;
use invoicing::{CreditReason, DocumentKind, DocumentLine, TaxDocument};
use kernel::Money;
use kernel::calendar::ist_day;

use crate::views::ToWire;

/// An inter-state sale to a buyer without a GSTIN above this is a "B2C (large)" invoice in
/// GSTR-1 (₹1,00,000 since August 2024); below it, and every intra-state one, "B2C (small)".
const B2C_LARGE_ABOVE: Money = Money::from_paise(10_000_000);

fn state(code: u8) -> GstState {
    GstState { code: format!("{code:02}"), name: kernel::gstin::state_name(code).unwrap_or("Unknown").to_owned() }
}

impl ToWire for TaxDocument {
    type Wire = TaxDocumentWire;

    fn to_wire(self) -> TaxDocumentWire {
        let amount_in_words = self.amount_in_words();
        let inter_state = self.inter_state;
        TaxDocumentWire {
            id: self.id,
            kind: match self.kind {
                DocumentKind::Invoice => TaxDocumentKind::Invoice,
                DocumentKind::CreditNote => TaxDocumentKind::CreditNote,
            },
            number: self.number,
            financial_year: self.financial_year,
            issued_at: self.issued_at,
            order_id: self.order_id,
            order_number: self.order_number,
            invoice_number: self.invoice_number,
            reason: self.reason.map(|reason| match reason {
                CreditReason::Refund => CreditNoteReason::Refund,
                CreditReason::Cancellation => CreditNoteReason::Cancellation,
                CreditReason::Return => CreditNoteReason::Return,
            }),
            seller: InvoiceSeller {
                legal_name: self.seller.legal_name,
                address: self.seller.address,
                gstin: self.seller.gstin,
                state: state(self.seller.state_code),
            },
            buyer: InvoiceBuyer {
                name: self.buyer.name,
                legal_name: self.buyer.legal_name,
                gstin: self.buyer.gstin,
                address: self.buyer.address,
                state: self.buyer.state_code.map(state),
            },
            place_of_supply: state(self.place_of_supply),
            supply_type: if inter_state { SupplyType::InterState } else { SupplyType::IntraState },
            lines: self.lines.into_iter().map(|line| line_wire(line, inter_state)).collect(),
            totals: TaxDocumentTotals {
                taxable_value_paise: self.totals.taxable_value.paise(),
                cgst_paise: self.totals.cgst.paise(),
                sgst_paise: self.totals.sgst.paise(),
                igst_paise: self.totals.igst.paise(),
                tax_paise: self.totals.tax().paise(),
                total_paise: self.totals.total.paise(),
            },
            amount_in_words,
        }
    }
}

fn line_wire(line: DocumentLine, inter_state: bool) -> TaxDocumentLine {
    let (half, whole) = if inter_state { (0, line.rate_bps) } else { (line.rate_bps / 2, 0) };
    TaxDocumentLine {
        line: line.line,
        product_id: line.product_id,
        sku: line.sku,
        description: line.description,
        hsn_code: line.hsn_code,
        quantity: line.quantity,
        unit_price_paise: line.unit_price.paise(),
        discount_paise: line.discount.paise(),
        taxable_value_paise: line.taxable_value.paise(),
        gst_rate_bps: line.rate_bps,
        cgst_rate_bps: half,
        sgst_rate_bps: half,
        igst_rate_bps: whole,
        cgst_paise: line.cgst.paise(),
        sgst_paise: line.sgst.paise(),
        igst_paise: line.igst.paise(),
        total_paise: line.total.paise(),
    }
}

/// The GSTR-1 section a document is reported in: `B2B` (the buyer gave a GSTIN),
/// `B2CL` (inter-state, no GSTIN, invoice above ₹1,00,000), `B2CS` (every other sale to
/// a consumer, reported by state and rate); credit notes `CDNR` (registered buyer),
/// `CDNUR` (against a B2CL invoice) or `B2CS` (an adjustment of the small consumer sales).
pub fn gstr1_section(document: &TaxDocument, invoice_total: Money) -> &'static str {
    let registered = document.buyer.gstin.is_some();
    let large = document.inter_state && invoice_total > B2C_LARGE_ABOVE;
    if document.place_of_supply == kernel::gstin::OTHER_COUNTRIES {
        // Exports with IGST paid (table 6A); their credit notes are unregistered ones.
        return if document.kind == DocumentKind::Invoice { "EXP" } else { "CDNUR" };
    }
    match (document.kind, registered, large) {
        (DocumentKind::Invoice, true, _) => "B2B",
        (DocumentKind::Invoice, false, true) => "B2CL",
        (DocumentKind::Invoice, false, false) => "B2CS",
        (DocumentKind::CreditNote, true, _) => "CDNR",
        (DocumentKind::CreditNote, false, true) => "CDNUR",
        (DocumentKind::CreditNote, false, false) => "B2CS",
    }
}

/// Rupees with two decimals (`1234.50`), from paise, by whole-number arithmetic.
pub fn rupees(amount: Money) -> String {
    let paise = amount.paise();
    let sign = if paise < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (paise / 100).abs(), (paise % 100).abs())
}

/// The documents as the GST filing CSV: one row per document and GST rate (GSTR-1 is
/// reported rate by rate), credit notes' amounts as they are (positive; `document_type`
/// says they reduce). `invoice_totals` gives each credit note's invoice total (for its
/// section); an invoice's own total is used for itself.
pub fn filing_csv(documents: &[TaxDocument], invoice_total: impl Fn(&TaxDocument) -> Money) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "document_type",
        "number",
        "date",
        "financial_year",
        "invoice_number",
        "order_number",
        "gstr1_section",
        "buyer_gstin",
        "buyer_name",
        "place_of_supply",
        "supply_type",
        "gst_rate_percent",
        "taxable_value",
        "cgst",
        "sgst",
        "igst",
        "total",
        "document_total",
    ])?;
    for document in documents {
        let section = gstr1_section(document, invoice_total(document));
        let day = ist_day(document.issued_at);
        let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
        let place = format!("{:02}-{}", document.place_of_supply, state(document.place_of_supply).name);
        let buyer = document.buyer.legal_name.clone().unwrap_or_else(|| document.buyer.name.clone());
        for (rate_bps, lines) in by_rate(&document.lines) {
            let sum = invoicing::tax::totals(&lines);
            out.write_record([
                document.kind.as_str(),
                &document.number,
                &date,
                &document.financial_year,
                document.invoice_number.as_deref().unwrap_or(""),
                &document.order_number,
                section,
                document.buyer.gstin.as_deref().unwrap_or(""),
                &crate::views::analytics::text_cell(&buyer),
                &place,
                if document.inter_state { "inter_state" } else { "intra_state" },
                &invoicing::tax::rate_percent(rate_bps, 1),
                &rupees(sum.taxable_value),
                &rupees(sum.cgst),
                &rupees(sum.sgst),
                &rupees(sum.igst),
                &rupees(sum.total),
                &rupees(document.totals.total),
            ])?;
        }
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("writing the filing CSV: {e}"))
}

/// The lines grouped by GST rate, lowest rate first.
fn by_rate(lines: &[DocumentLine]) -> Vec<(u32, Vec<DocumentLine>)> {
    let mut groups: std::collections::BTreeMap<u32, Vec<DocumentLine>> = std::collections::BTreeMap::new();
    for line in lines {
        groups.entry(line.rate_bps).or_default().push(line.clone());
    }
    groups.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_rupees_are_written_without_floats() {
        let percent = |bps| invoicing::tax::rate_percent(bps, 1);
        assert_eq!(percent(1800), "18");
        assert_eq!(percent(250), "2.5");
        assert_eq!(percent(25), "0.25");
        assert_eq!(rupees(Money::from_paise(123_450)), "1234.50");
        assert_eq!(rupees(Money::from_paise(7)), "0.07");
    }
}
