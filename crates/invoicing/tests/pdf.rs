//! Invoices and credit notes rendered as PDF, read back with poppler's pdftotext and
//! pdfinfo (`make pdf-tools` installs them; `make test` runs it first).

use std::path::PathBuf;
use std::process::Command;

use chrono::{TimeZone, Utc};
use invoicing::tax;
use invoicing::{Buyer, CreditReason, DocumentKind, DocumentLine, SaleLine, Seller, TaxDocument};
use kernel::Money;
use kernel::gstin::Gstin;
use uuid::Uuid;

const SELLER_GSTIN: &str = "29AABCR1234M1Z9";
const KARNATAKA_BUYER_GSTIN: &str = "29AACCF0683K1ZD";
const MAHARASHTRA_BUYER_GSTIN: &str = "27AAPFU0939F1ZV";

/// (description, HSN, quantity, unit price in paise, discount in paise, rate in bps)
type Item = (&'static str, &'static str, i64, i64, i64, u32);

const ITEMS: [Item; 4] = [
    ("AMD Ryzen 7 7800X3D desktop processor, 8 cores, 16 threads, 96 MB L3 cache", "85423100", 1, 3_399_900, 0, 1800),
    ("Corsair Vengeance 32 GB (2 x 16 GB) DDR5 6000 MHz memory kit", "84733020", 2, 1_149_900, 50_000, 1800),
    ("Cooler Master MWE 750 Bronze V2 power supply", "85044090", 1, 549_900, 0, 1800),
    ("Printed build guide", "49011010", 1, 49_900, 0, 250),
];

fn sale_line(&(name, hsn, quantity, unit_price, discount, rate_bps): &Item, number: usize) -> SaleLine {
    let taxable = Money::from_paise(unit_price * quantity - discount);
    let tax = taxable.mul_ratio_round_half_up(i64::from(rate_bps), 10_000).unwrap();
    SaleLine {
        product_id: Uuid::new_v4(),
        sku: format!("RM-{number:04}"),
        name: name.to_owned(),
        hsn_code: Some(hsn.to_owned()),
        quantity,
        unit_price: Money::from_paise(unit_price),
        discount: Money::from_paise(discount),
        rate_bps,
        tax,
        total: Money::from_paise(taxable.paise() + tax.paise()),
    }
}

fn buyer(gstin: &str) -> Buyer {
    let gstin = Gstin::parse(gstin, "gstin").unwrap();
    Buyer {
        name: "Asha Rao".to_owned(),
        legal_name: Some("Falcon Render Studio LLP".to_owned()),
        gstin: Some(gstin.as_str().to_owned()),
        address: Some("Flat 4B, Lakeview Residency, 12th Main Road, Indiranagar".to_owned()),
        state_code: Some(gstin.state_code()),
    }
}

fn invoice(buyer: Buyer, items: &[Item]) -> TaxDocument {
    let seller = Seller::new(
        "RigMaster Computers Private Limited".to_owned(),
        "No. 42, 2nd Floor, SP Road, Bengaluru 560002, Karnataka".to_owned(),
        &Gstin::parse(SELLER_GSTIN, "gstin").unwrap(),
    );
    let place_of_supply = tax::place_of_supply(&buyer, &seller);
    let inter_state = place_of_supply != seller.state_code;
    let sale_lines: Vec<SaleLine> = items.iter().enumerate().map(|(index, item)| sale_line(item, index + 1)).collect();
    let lines = tax::invoice_lines(&sale_lines, inter_state);
    TaxDocument {
        id: Uuid::now_v7(),
        kind: DocumentKind::Invoice,
        number: "RM/26-27/000123".to_owned(),
        financial_year: "2026-27".to_owned(),
        // 01:30 on 27 November in India.
        issued_at: Utc.with_ymd_and_hms(2026, 11, 26, 20, 0, 0).unwrap(),
        order_id: Uuid::now_v7(),
        order_number: "RM-8F3K2Q".to_owned(),
        customer_id: Uuid::now_v7(),
        invoice_number: None,
        reason: None,
        seller,
        buyer,
        place_of_supply,
        inter_state,
        totals: tax::totals(&lines),
        lines,
    }
}

/// A credit note for one of the two memory kits, sent back.
fn credit_note_for_a_returned_kit(invoice: &TaxDocument) -> TaxDocument {
    let kit = &invoice.lines[1];
    let amounts: Vec<Money> = invoice
        .lines
        .iter()
        .map(|line| if line.line == kit.line { Money::from_paise(kit.total.paise() / 2) } else { Money::ZERO })
        .collect();
    let units: Vec<Option<i64>> = invoice.lines.iter().map(|line| (line.line == kit.line).then_some(1)).collect();
    let lines: Vec<DocumentLine> = tax::credit_lines(&invoice.lines, &amounts, &units);
    TaxDocument {
        id: Uuid::now_v7(),
        kind: DocumentKind::CreditNote,
        number: "RM/CN/26-27/0042".to_owned(),
        invoice_number: Some(invoice.number.clone()),
        reason: Some(CreditReason::Return),
        totals: tax::totals(&lines),
        lines,
        ..invoice.clone()
    }
}

/// The rendered PDF in a file of its own, removed when dropped.
struct PdfFile(PathBuf);

impl PdfFile {
    fn of(document: &TaxDocument) -> PdfFile {
        let bytes = invoicing::pdf::render(document).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let path = std::env::temp_dir().join(format!("rigmaster-invoice-{}.pdf", Uuid::new_v4()));
        std::fs::write(&path, bytes).unwrap();
        PdfFile(path)
    }

    fn run(&self, tool: &str, args: &[&str]) -> String {
        let output = Command::new(tool)
            .args(args)
            .arg(&self.0)
            .args(if tool == "pdftotext" { &["-"][..] } else { &[][..] })
            .output()
            .unwrap_or_else(|error| {
                panic!("{tool} could not be run ({error}): `make pdf-tools` installs poppler-utils")
            });
        assert!(output.status.success(), "{tool} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    /// The text as pdftotext lays it out, with every run of white space made one space, so
    /// that a phrase wrapped over two lines is still found.
    fn text(&self) -> String {
        self.run("pdftotext", &["-layout"]).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn pages(&self) -> usize {
        let info = self.run("pdfinfo", &[]);
        let pages = info.lines().find_map(|line| line.strip_prefix("Pages:")).expect("pdfinfo gives the page count");
        pages.trim().parse().unwrap()
    }
}

impl Drop for PdfFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn assert_contains(text: &str, wanted: &str) {
    assert!(text.contains(wanted), "{wanted:?} is not in the PDF's text:\n{text}");
}

#[test]
fn an_intra_state_invoice_shows_the_parties_the_lines_cgst_sgst_and_the_total_in_words() {
    let document = invoice(buyer(KARNATAKA_BUYER_GSTIN), &ITEMS);

    let pdf = PdfFile::of(&document);

    let text = pdf.text();
    assert_eq!(pdf.pages(), 1);
    for wanted in ["Tax Invoice", "RM/26-27/000123", "27-11-2026", "RM-8F3K2Q", SELLER_GSTIN, KARNATAKA_BUYER_GSTIN] {
        assert_contains(&text, wanted);
    }
    assert_contains(&text, "RigMaster Computers Private Limited");
    assert_contains(&text, "Falcon Render Studio LLP");
    assert_contains(&text, "Place of supply: Karnataka (29)");
    for (_, hsn, ..) in ITEMS {
        assert_contains(&text, hsn);
    }
    assert_contains(&text, &format!("CGST {}", document.totals.cgst));
    assert_contains(&text, &format!("SGST {}", document.totals.sgst));
    assert_contains(&text, "@ 9%");
    assert_contains(&text, "@ 1.25%");
    assert!(!text.contains("IGST"), "an intra-state invoice has no IGST");
    let grand_total = document.totals.total.to_string();
    assert!(grand_total.starts_with('₹'));
    assert_contains(&text, &format!("Grand total {grand_total}"));
    assert_contains(&text, &format!("Amount in words: {}", document.amount_in_words()));
    assert_contains(&text, "This is a computer-generated invoice.");
}

#[test]
fn an_inter_state_invoice_charges_igst_at_the_full_rate_and_names_the_buyers_state() {
    let document = invoice(buyer(MAHARASHTRA_BUYER_GSTIN), &ITEMS);

    let text = PdfFile::of(&document).text();

    assert_contains(&text, MAHARASHTRA_BUYER_GSTIN);
    assert_contains(&text, "Place of supply: Maharashtra (27)");
    assert_contains(&text, &format!("IGST {}", document.totals.igst));
    assert_contains(&text, "@ 18%");
    assert!(!text.contains("CGST") && !text.contains("SGST"), "an inter-state invoice has no CGST or SGST");
    for (_, hsn, ..) in ITEMS {
        assert_contains(&text, hsn);
    }
    assert_contains(&text, &format!("Grand total {}", document.totals.total));
    assert_contains(&text, &document.amount_in_words());
}

#[test]
fn a_credit_note_names_its_invoice_and_reason_and_reverses_the_tax_of_the_returned_unit() {
    let sold = invoice(buyer(KARNATAKA_BUYER_GSTIN), &ITEMS);
    let document = credit_note_for_a_returned_kit(&sold);

    let text = PdfFile::of(&document).text();

    for wanted in ["Credit Note", "RM/CN/26-27/0042", "Against invoice RM/26-27/000123", "Reason Goods returned"] {
        assert_contains(&text, wanted);
    }
    assert_contains(&text, SELLER_GSTIN);
    assert_contains(&text, KARNATAKA_BUYER_GSTIN);
    assert_contains(&text, "84733020");
    assert_contains(&text, &format!("CGST {}", document.totals.cgst));
    assert_contains(&text, &format!("SGST {}", document.totals.sgst));
    assert_contains(&text, &format!("Grand total {}", document.totals.total));
    assert_contains(&text, &format!("Amount in words: {}", document.amount_in_words()));
    assert_contains(&text, "This is a computer-generated credit note.");
}

#[test]
fn an_invoice_of_sixty_lines_flows_onto_further_pages_and_keeps_every_line() {
    let items: Vec<Item> = (0..60).map(|index| ITEMS[index % ITEMS.len()]).collect();
    let document = invoice(buyer(KARNATAKA_BUYER_GSTIN), &items);

    let pdf = PdfFile::of(&document);

    let pages = pdf.pages();
    assert!(pages > 1, "60 lines fit on {pages} page");
    let text = pdf.text();
    assert_contains(&text, "RM-0060");
    assert_contains(&text, "Tax Invoice RM/26-27/000123 (continued)");
    assert_contains(&text, &format!("Page {pages} of {pages}"));
    assert_contains(&text, &format!("Grand total {}", document.totals.total));
}
