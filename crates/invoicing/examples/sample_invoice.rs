//! Writes a sample intra-state tax invoice as PDF: `make invoice-sample` runs it and draws
//! its first page as PNG.
//!
//!     cargo run -p rigmaster-invoicing --example sample_invoice -- .data/invoices/sample.pdf

use anyhow::Context as _;
use chrono::Utc;
use invoicing::{Buyer, DocumentKind, SaleLine, Seller, TaxDocument, tax};
use kernel::Money;
use kernel::gstin::Gstin;
use uuid::Uuid;

/// (description, HSN, quantity, unit price in paise, discount in paise, rate in bps)
const ITEMS: [(&str, &str, i64, i64, i64, u32); 5] = [
    (
        "AMD Ryzen 7 7800X3D desktop processor, 8 cores, 16 threads, 96 MB L3 cache, AM5 socket, boxed without a cooler",
        "85423100",
        1,
        3_399_900,
        0,
        1800,
    ),
    ("Corsair Vengeance 32 GB (2 x 16 GB) DDR5 6000 MHz memory kit", "84733020", 2, 1_149_900, 50_000, 1800),
    ("Samsung 990 Pro 2 TB NVMe M.2 solid state drive", "84717020", 1, 1_699_900, 0, 1800),
    ("Cooler Master MWE 750 Bronze V2 power supply", "85044090", 1, 549_900, 0, 1800),
    ("Printed build guide", "49011010", 1, 49_900, 0, 250),
];

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).context("usage: sample_invoice OUTPUT.pdf")?;
    let pdf = invoicing::pdf::render(&sample())?;
    std::fs::write(&path, pdf).with_context(|| format!("writing {path}"))?;
    Ok(())
}

fn sample() -> TaxDocument {
    let gstin = |raw| Gstin::parse(raw, "gstin").expect("a published, valid GSTIN");
    let seller = Seller::new(
        "RigMaster Computers Private Limited".to_owned(),
        "No. 42, 2nd Floor, SP Road, Bengaluru 560002, Karnataka".to_owned(),
        &gstin("29AABCR1234M1Z9"),
    );
    let buyer = Buyer {
        name: "Asha Rao".to_owned(),
        legal_name: Some("Falcon Render Studio LLP".to_owned()),
        gstin: Some("29AACCF0683K1ZD".to_owned()),
        address: Some("Flat 4B, Lakeview Residency, 12th Main Road, Indiranagar, Bengaluru 560038".to_owned()),
        state_code: Some(29),
    };
    let sale_lines: Vec<SaleLine> = ITEMS
        .iter()
        .zip(1..)
        .map(|(&(name, hsn, quantity, unit_price, discount, rate_bps), number)| {
            let taxable = Money::from_paise(unit_price * quantity - discount);
            let gst = taxable.mul_ratio_round_half_up(i64::from(rate_bps), 10_000).expect("a small amount");
            SaleLine {
                product_id: Uuid::new_v4(),
                sku: format!("RM-{number:04}"),
                name: name.to_owned(),
                hsn_code: Some(hsn.to_owned()),
                quantity,
                unit_price: Money::from_paise(unit_price),
                discount: Money::from_paise(discount),
                rate_bps,
                tax: gst,
                total: Money::from_paise(taxable.paise() + gst.paise()),
            }
        })
        .collect();
    let place_of_supply = tax::place_of_supply(&buyer, &seller);
    let inter_state = place_of_supply != seller.state_code;
    let lines = tax::invoice_lines(&sale_lines, inter_state);
    TaxDocument {
        id: Uuid::now_v7(),
        kind: DocumentKind::Invoice,
        number: "RM/26-27/000123".to_owned(),
        financial_year: "2026-27".to_owned(),
        issued_at: Utc::now(),
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
