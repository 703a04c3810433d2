//! GST tax invoices in tests: business buyers and addresses in a state, the numbers of
//! this financial year, paid orders, refunds Razorpay has processed, a period's documents,
//! and an invoice PDF read back as text.

use std::io::Write as _;
use std::process::{Command, Stdio};

use api_types::addresses::NewAddress;
use api_types::admin_orders::{AdminOrder, RefundStatus};
use api_types::invoices::{InvoiceQuery, TaxDocument};
use api_types::orders::{Billing, Order, OrderStatus, PaymentMethod, PlaceOrder};
use chrono::{NaiveDate, Utc};
use invoicing::numbering::FinancialYear;
use kernel::calendar::ist_day;
use kernel::gstin::Gstin;
use uuid::Uuid;

use crate::app::{TestApp, TestUser};
use crate::orders::order_of;
use crate::polling::eventually;

/// The development store's GSTIN (`config/`): Karnataka.
pub const STORE_GSTIN: &str = "29AABCR1234M1Z9";

/// A published valid GSTIN of a business in Maharashtra (state 27).
pub const MAHARASHTRA_GSTIN: &str = "27AAPFU0939F1ZV";

/// A valid GSTIN of a business in Karnataka, the store's own state: the Maharashtra
/// business's PAN registered in state 29, with the check character that makes it valid.
pub fn karnataka_gstin() -> String {
    let body = format!("29{}", &MAHARASHTRA_GSTIN[2..14]);
    let check = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".chars().map(|c| format!("{body}{c}"));
    check.into_iter().find(|candidate| Gstin::parse(candidate, "gstin").is_ok()).expect("one check character fits")
}

/// An address in `state`, as a customer types it.
pub fn address_in(state: &str) -> NewAddress {
    NewAddress {
        name: "Asha Rao".into(),
        phone: "9876543210".into(),
        company: None,
        line1: "12 MG Road".into(),
        line2: None,
        city: "Somewhere".into(),
        state: state.into(),
        pincode: "560001".into(),
        country: None,
        is_default: None,
    }
}

/// The business's billing details.
pub fn business(gstin: &str) -> Billing {
    Billing { gstin: Some(gstin.to_owned()), legal_name: Some("Fabrikam Systems Private Limited".into()) }
}

/// An order of `quantity` of one product, paid through Razorpay, shipped to `state`.
pub fn order_to(product_id: Uuid, quantity: i64, state: &str) -> PlaceOrder {
    PlaceOrder { shipping_address: Some(address_in(state)), ..order_of(product_id, quantity) }
}

/// The same, cash on delivery.
pub fn cod_order_to(product_id: Uuid, quantity: i64, state: &str) -> PlaceOrder {
    PlaceOrder { payment_method: PaymentMethod::Cod, ..order_to(product_id, quantity, state) }
}

/// The financial year's short form as numbers carry it today (`26-27`).
pub fn this_financial_year() -> String {
    FinancialYear::of(Utc::now()).short()
}

/// The number of this financial year's `sequence`th invoice: `RM/26-27/000001`.
pub fn invoice_number(sequence: usize) -> String {
    format!("RM/{}/{sequence:06}", this_financial_year())
}

/// The number of this financial year's `sequence`th credit note: `RM/CN/26-27/0001`.
pub fn credit_note_number(sequence: usize) -> String {
    format!("RM/CN/{}/{sequence:04}", this_financial_year())
}

/// Today in India.
pub fn today() -> NaiveDate {
    ist_day(Utc::now())
}

/// Today's documents, as `GET /admin/invoices` asks for them.
pub fn issued_today() -> InvoiceQuery {
    InvoiceQuery { from: Some(today()), to: Some(today()), limit: Some(100), cursor: None }
}

/// The text `pdftotext -layout` (poppler-utils, `make pdf-tools`) reads from a PDF.
pub fn pdf_text(pdf: &[u8]) -> String {
    let mut reading = Command::new("pdftotext")
        .args(["-layout", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext runs (poppler-utils: `make pdf-tools`)");
    reading.stdin.take().expect("pdftotext's stdin").write_all(pdf).expect("the PDF written to pdftotext");
    let read = reading.wait_with_output().expect("pdftotext finishes");
    assert!(read.status.success(), "pdftotext reads the PDF: {}", read.status);
    String::from_utf8(read.stdout).expect("pdftotext writes UTF-8")
}

impl TestApp {
    /// Places `order` and pays it through the simulator; returns it once paid.
    pub async fn paid_order(&self, customer: &TestUser, order: &PlaceOrder) -> Order {
        let placed = self.checkout(customer, order).await;
        self.pay(&placed, "success", "normal").await;
        self.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await
    }

    /// Waits until Razorpay has reported `count` refunds of the order processed; returns
    /// the admin's view of it then.
    pub async fn wait_for_processed_refunds(&self, admin: &TestUser, order_id: Uuid, count: usize) -> AdminOrder {
        eventually(&format!("{count} refunds of order {order_id} processed"), async || {
            let order = admin.api.admin_order(&order_id.to_string()).await.expect("the admin's order");
            let processed = order.refunds.iter().filter(|refund| refund.status == RefundStatus::Processed).count();
            (processed >= count).then_some(order)
        })
        .await
    }

    /// Every document `query`'s period holds, page after page, in the order issued.
    pub async fn every_document(&self, admin: &TestUser, query: &InvoiceQuery) -> Vec<TaxDocument> {
        let mut documents = Vec::new();
        let mut query = InvoiceQuery { limit: Some(100), ..query.clone() };
        loop {
            let page = admin.api.admin_invoices(&query).await.expect("a page of documents");
            documents.extend(page.items);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => return documents,
            }
        }
    }
}

/// The filing CSV's rows, each a map from the header's column names to its cells.
pub fn filing_rows(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut records = csv_records(csv).into_iter();
    let header = records.next().expect("a header row");
    records.map(|record| header.iter().cloned().zip(record).collect()).collect()
}

/// RFC 4180 records: cells split on commas, quoted cells with `""` for a quote, CRLF or LF.
fn csv_records(csv: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, csv.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// Paise as the filing CSV writes rupees: `1234.50`.
pub fn rupees(paise: i64) -> String {
    let sign = if paise < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (paise / 100).abs(), (paise % 100).abs())
}
