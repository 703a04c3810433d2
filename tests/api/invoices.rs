//! GST tax invoices and credit notes over HTTP: an invoice equal to its order to the paisa
//! (CGST + SGST within Karnataka, IGST across states, a business buyer's GSTIN), GSTINs
//! checked at checkout, invoices issued when an order is paid or confirmed and numbered
//! without gap however many payments race, credit notes reversing a refund's share of the
//! tax, the PDF, and the filing list and CSV.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::ErrorCode;
use api_types::admin_orders::{AdminOrderQuery, NewRefund, NewReturn, ReturnLine, ShipOrder, StatusChange};
use api_types::catalog::NewProduct;
use api_types::invoices::{CreditNoteReason, InvoiceQuery, SupplyType, TaxDocument, TaxDocumentKind};
use api_types::orders::{Order, OrderStatus, PlaceOrder, PlacedOrder};
use chrono::Days;
use client::Error;
use reqwest::StatusCode;
use rigmaster_tests::app::{TestApp, TestUser};
use rigmaster_tests::assert_refused;
use rigmaster_tests::catalog::product_body;
use rigmaster_tests::coupons::flat_coupon;
use rigmaster_tests::invoices::{
    MAHARASHTRA_GSTIN, STORE_GSTIN, address_in, business, cod_order_to, credit_note_number, filing_rows,
    invoice_number, issued_today, karnataka_gstin, order_to, pdf_text, rupees, this_financial_year, today,
};
use rigmaster_tests::orders::{cart_order, verify_body};
use rigmaster_tests::shop::{all_at_once, new_key, register_customers, spawn_shop, spawn_shop_with};
use tokio::sync::Barrier;
use uuid::Uuid;

/// A product at `price_paise` before GST, at `gst_rate_bps`, with plenty of stock.
async fn product_at(admin: &TestUser, price_paise: i64, gst_rate_bps: i64) -> Uuid {
    let body = NewProduct { tax_rate_bps: gst_rate_bps, ..product_body(price_paise, 500) };
    admin.api.create_product(&body).await.expect("a product").summary.id
}

/// A store with an admin, a customer and one ₹999.99 product at 18% GST.
struct Store {
    app: TestApp,
    admin: TestUser,
    customer: TestUser,
    product: Uuid,
}

async fn store() -> Store {
    let app = spawn_shop().await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = product_at(&admin, 99_999, 1800).await;
    Store { app, admin, customer, product }
}

/// A line's GST, whichever way it is split.
fn tax_of(line: &api_types::invoices::TaxDocumentLine) -> i64 {
    line.cgst_paise + line.sgst_paise + line.igst_paise
}

/// `amount × numerator / denominator`, rounded half up, in whole numbers.
fn share(amount: i64, numerator: i64, denominator: i64) -> i64 {
    let exact = i128::from(amount) * i128::from(numerator);
    let denominator = i128::from(denominator);
    i64::try_from((2 * exact + denominator) / (2 * denominator)).expect("a share fits")
}

/// The refusal's fields.
fn fields(error: &api_types::ErrorBody) -> Vec<&str> {
    error.details.iter().map(|detail| detail.field.as_str()).collect()
}

#[tokio::test]
async fn a_paid_order_has_an_invoice_equal_to_the_order_to_the_paisa() {
    let Store { app, admin, customer, product } = store().await;
    let cheaper = product_at(&admin, 33_333, 1200).await;
    admin.api.create_coupon(&flat_coupon("SPLITME", 12_345)).await.unwrap();
    app.fill_cart(&customer, &[(product, 3), (cheaper, 2)]).await;
    customer.api.apply_coupon("SPLITME").await.unwrap();
    let checkout = PlaceOrder { shipping_address: Some(address_in("Karnataka")), ..cart_order() };

    let order = app.paid_order(&customer, &checkout).await;
    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice");

    assert_eq!(invoice.kind, TaxDocumentKind::Invoice);
    assert_eq!((invoice.order_id, invoice.order_number.as_str()), (order.id, order.order_number.as_str()));
    assert_eq!(invoice.number, invoice_number(1));
    assert_eq!((invoice.seller.gstin.as_str(), invoice.seller.state.code.as_str()), (STORE_GSTIN, "29"));
    assert_eq!((invoice.place_of_supply.code.as_str(), invoice.supply_type), ("29", SupplyType::IntraState));
    assert_eq!(invoice.buyer.gstin, None, "a consumer");
    assert_eq!(invoice.lines.len(), order.items.len());
    for (line, item) in invoice.lines.iter().zip(&order.items) {
        assert_eq!((line.product_id, line.sku.as_str()), (item.product_id, item.sku.as_str()));
        assert_eq!(line.quantity, Some(item.quantity));
        assert_eq!((line.unit_price_paise, line.discount_paise), (item.unit_price_paise, item.discount_paise));
        assert_eq!(line.taxable_value_paise, item.unit_price_paise * item.quantity - item.discount_paise);
        assert_eq!(tax_of(line), item.line_tax_paise, "line {}", line.line);
        assert_eq!(line.taxable_value_paise + tax_of(line), item.line_total_paise, "line {}", line.line);
        assert_eq!(line.total_paise, item.line_total_paise);
        assert_eq!(line.igst_paise, 0, "within Karnataka: no IGST");
        assert_eq!(line.sgst_paise, item.line_tax_paise / 2, "SGST is half the GST rounded down");
        assert_eq!(line.cgst_paise, item.line_tax_paise - line.sgst_paise, "CGST the rest");
        assert_eq!(
            (line.cgst_rate_bps, line.sgst_rate_bps, line.igst_rate_bps),
            (line.gst_rate_bps / 2, line.gst_rate_bps / 2, 0)
        );
    }
    assert!(order.discount_paise > 0, "the coupon is split over the lines: {order:?}");
    let totals = invoice.totals;
    assert_eq!(totals.taxable_value_paise, order.subtotal_paise - order.discount_paise);
    assert_eq!((totals.tax_paise, totals.igst_paise), (order.tax_paise, 0));
    assert_eq!(totals.cgst_paise + totals.sgst_paise, order.tax_paise);
    assert_eq!(totals.total_paise, order.total_paise);
    assert!(invoice.amount_in_words.starts_with("Rupees "), "{}", invoice.amount_in_words);

    let raw = app.get_as(&format!("/api/v1/orders/{}/invoice", order.id), &customer.access_token).await;
    let raw: serde_json::Value = raw.json().await.unwrap();
    let lines = raw["lines"].as_array().expect("lines");
    assert!(lines.iter().all(|line| line.as_object().is_some_and(|l| l.contains_key("hsn_code"))), "{raw}");
}

#[tokio::test]
async fn a_business_buyer_in_another_state_gets_an_igst_invoice_with_both_gstins() {
    let Store { app, admin, customer, product } = store().await;
    let checkout = PlaceOrder { billing: Some(business(MAHARASHTRA_GSTIN)), ..order_to(product, 2, "Maharashtra") };

    let order = app.paid_order(&customer, &checkout).await;
    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice");

    assert_eq!(invoice.supply_type, SupplyType::InterState);
    assert_eq!((invoice.place_of_supply.code.as_str(), invoice.place_of_supply.name.as_str()), ("27", "Maharashtra"));
    assert_eq!(invoice.buyer.gstin.as_deref(), Some(MAHARASHTRA_GSTIN));
    assert_eq!(invoice.buyer.legal_name.as_deref(), Some("Fabrikam Systems Private Limited"));
    assert_eq!(invoice.seller.gstin, STORE_GSTIN);
    for line in &invoice.lines {
        assert_eq!((line.cgst_paise, line.sgst_paise), (0, 0), "across states: IGST only");
        assert_eq!((line.cgst_rate_bps, line.sgst_rate_bps, line.igst_rate_bps), (0, 0, line.gst_rate_bps));
    }
    assert_eq!(invoice.totals.igst_paise, order.tax_paise);
    assert_eq!(invoice.totals.total_paise, order.total_paise);

    let csv = admin.api.admin_invoices_csv(&issued_today()).await.expect("the filing CSV");
    let rows = filing_rows(&csv);
    let row = rows.iter().find(|row| row["number"] == invoice.number).unwrap_or_else(|| panic!("{csv}"));
    assert_eq!(row["document_type"], "invoice");
    assert_eq!(row["gstr1_section"], "B2B");
    assert_eq!(row["buyer_gstin"], MAHARASHTRA_GSTIN);
    assert_eq!(row["place_of_supply"], "27-Maharashtra");
    assert_eq!(row["supply_type"], "inter_state");
    assert_eq!((row["cgst"].as_str(), row["sgst"].as_str()), ("0.00", "0.00"));
    assert_eq!(row["igst"], rupees(invoice.totals.igst_paise));
    assert_eq!(row["document_total"], rupees(order.total_paise));
}

/// Three other characters for the one at `position`: never the same one, nor the same
/// letter in lower case (which is forgiven).
fn corruptions(gstin: &str, position: usize) -> Vec<String> {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let original = gstin.as_bytes()[position];
    let at = ALPHABET.iter().position(|&c| c == original).expect("a GSTIN character");
    [1, 10, 25]
        .into_iter()
        .map(|step| {
            let mut corrupted = gstin.as_bytes().to_vec();
            corrupted[position] = ALPHABET[(at + step) % ALPHABET.len()];
            String::from_utf8(corrupted).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn every_single_character_corruption_of_a_gstin_is_refused_at_checkout_naming_billing_gstin() {
    let Store { app, customer, product, .. } = store().await;
    let with_gstin = |gstin: &str| PlaceOrder { billing: Some(business(gstin)), ..order_to(product, 1, "Maharashtra") };
    let corrupted: Vec<String> =
        (0..MAHARASHTRA_GSTIN.len()).flat_map(|at| corruptions(MAHARASHTRA_GSTIN, at)).collect();
    assert_eq!(corrupted.len(), 45);

    for gstin in &corrupted {
        let refused = customer.api.place_order(&with_gstin(gstin), &new_key()).await;
        let error = assert_refused(refused, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
        assert_eq!(fields(&error), ["billing.gstin"], "{gstin}: {error:?}");
    }
    let accepted = app.checkout(&customer, &with_gstin(MAHARASHTRA_GSTIN)).await;

    let orders = app.orders(&customer).await;
    assert_eq!(orders.iter().map(|order| order.id).collect::<Vec<_>>(), [accepted.order.id], "refusals write nothing");
}

#[tokio::test]
async fn an_unpaid_order_has_no_invoice() {
    let Store { app, admin, customer, product } = store().await;
    let placed = app.buy(&customer, product, 1).await;
    assert_eq!(placed.order.status, OrderStatus::PaymentPending);

    assert_refused(customer.api.order_invoice(placed.order.id).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert_refused(customer.api.order_invoice_pdf(placed.order.id).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let by_id = admin.api.admin_order_invoice(&placed.order.id.to_string()).await;
    assert_refused(by_id, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let by_number = admin.api.admin_order_invoice(&placed.order.order_number).await;
    assert_refused(by_number, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    let notes = admin.api.admin_credit_notes(&placed.order.order_number).await.expect("no credit notes");
    assert!(notes.items.is_empty());
}

/// A refusal as a client compares it: all but the request's id.
fn refusal_of<T: std::fmt::Debug>(result: Result<T, Error>) -> (ErrorCode, String, Vec<String>) {
    let error = assert_refused(result, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    (error.code, error.message, error.details.into_iter().map(|d| format!("{}: {}", d.field, d.message)).collect())
}

#[tokio::test]
async fn another_customers_invoice_is_not_found() {
    let Store { app, customer: asha, product, .. } = store().await;
    let ravi = app.register_customer().await;
    let ashas = app.paid_order(&asha, &order_to(product, 1, "Karnataka")).await;
    asha.api.order_invoice(ashas.id).await.expect("Asha's own invoice");

    let of_another = refusal_of(ravi.api.order_invoice(ashas.id).await);
    let of_nobody = refusal_of(ravi.api.order_invoice(Uuid::new_v4()).await);
    let pdf_of_another = refusal_of(ravi.api.order_invoice_pdf(ashas.id).await);

    assert_eq!(of_another, of_nobody, "another customer's invoice reads as an unknown order");
    assert_eq!(pdf_of_another, of_nobody);
}

#[tokio::test]
async fn a_cash_on_delivery_order_is_invoiced_when_it_is_confirmed() {
    let Store { app, admin, customer, product } = store().await;

    let placed = app.checkout(&customer, &cod_order_to(product, 2, "Karnataka")).await;

    assert_eq!(placed.order.status, OrderStatus::Confirmed);
    let invoice = customer.api.order_invoice(placed.order.id).await.expect("invoiced at checkout");
    assert_eq!(invoice.number, invoice_number(1));
    assert_eq!(invoice.totals.total_paise, placed.order.total_paise);
    assert_eq!(invoice.supply_type, SupplyType::IntraState);
    let seen = admin.api.admin_order(&placed.order.order_number).await.unwrap();
    assert_eq!(seen.invoice_number, Some(invoice.number));
}

#[tokio::test]
async fn a_cash_on_delivery_order_cancelled_after_it_was_confirmed_gets_a_credit_note_for_the_whole_invoice() {
    let Store { app, admin, customer, product } = store().await;
    let placed = app.checkout(&customer, &cod_order_to(product, 2, "Maharashtra")).await;
    let invoice = customer.api.order_invoice(placed.order.id).await.expect("the invoice");

    let cancel = StatusChange { status: OrderStatus::Cancelled, note: None };
    admin.api.change_order_status(placed.order.id, &cancel).await.expect("cancelled");

    let notes = admin.api.admin_credit_notes(&placed.order.id.to_string()).await.unwrap().items;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!((note.kind, note.reason), (TaxDocumentKind::CreditNote, Some(CreditNoteReason::Cancellation)));
    assert_eq!(note.number, credit_note_number(1));
    assert_eq!(note.invoice_number.as_deref(), Some(invoice.number.as_str()));
    assert_eq!(note.totals, invoice.totals, "the whole invoice is taken back");
}

/// How many customers share the racing orders (`test_settings` lifts the store's cap of
/// orders awaiting payment per customer, which would otherwise refuse the fourth).
const RACING_CUSTOMERS: usize = 10;
const RACING_PAYMENTS: usize = 50;

/// What one call of the race answered.
fn answered<T>(what: &str, result: &Result<T, Error>, success: u16) -> (String, u16) {
    let status = match result {
        Ok(_) => success,
        Err(error) => error.status().map_or(0, |status| status.as_u16()),
    };
    (format!("{what}: {}", result.as_ref().err().map_or_else(String::new, ToString::to_string)), status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_payments_give_fifty_consecutive_invoice_numbers() {
    // A busy machine may keep the racers waiting for the pool's connections: a wait, not a
    // 503, is what this test is about. The expiry job looks every second.
    let app = Arc::new(
        spawn_shop_with(|settings| {
            settings.database.acquire_timeout_ms = 30_000;
            settings.inventory.expiry_interval_seconds = 1;
        })
        .await,
    );
    let admin = app.register_admin().await;
    let product = product_at(&admin, 10_000, 1800).await;
    let customers = register_customers(&app, RACING_CUSTOMERS).await;
    let place = |customer: &TestUser| {
        let (app, customer) = (app.clone(), customer.clone());
        async move { (app.checkout(&customer, &order_to(product, 1, "Karnataka")).await, customer) }
    };
    let to_pay = all_at_once((0..RACING_PAYMENTS).map(|n| place(&customers[n % RACING_CUSTOMERS]))).await;
    let to_cancel = all_at_once(customers.iter().take(5).map(&place)).await;
    let (to_expire, expiring_customer) = place(&customers[5]).await;
    let (refunded, expiring) = (to_pay[0].0.order.id, to_expire.order.id);

    let racers = RACING_PAYMENTS + to_cancel.len() + 2;
    let start = Arc::new(Barrier::new(racers));
    let mut race = Vec::new();
    for (placed, customer) in to_pay.iter().cloned() {
        let (app, start) = (app.clone(), start.clone());
        race.push(tokio::spawn(async move {
            start.wait().await;
            let handler = app.pay(&placed, "success", "normal").await;
            let verified = customer.api.verify_payment(placed.order.id, &verify_body(&handler)).await;
            vec![answered("verify", &verified, 200)]
        }));
    }
    for (placed, customer) in to_cancel.iter().cloned() {
        let start = start.clone();
        race.push(tokio::spawn(async move {
            start.wait().await;
            vec![answered("cancel", &customer.api.cancel_order(placed.order.id, Some("changed my mind")).await, 200)]
        }));
    }
    let (refunder, refund_start) = (admin.clone(), start.clone());
    let (refund_customer, refund_amount) = (to_pay[0].1.clone(), to_pay[0].0.order.total_paise / 3);
    race.push(tokio::spawn(async move {
        refund_start.wait().await;
        paid_at_last(&refund_customer, refunded).await;
        let refund = NewRefund { amount_paise: Some(refund_amount), reason: "one part damaged".into() };
        vec![answered("refund", &refunder.api.refund_order(refunded, &refund, &new_key()).await, 201)]
    }));
    let (expiry_app, expiry_start) = (app.clone(), start.clone());
    race.push(tokio::spawn(async move {
        expiry_start.wait().await;
        expire_now(&expiry_app, expiring).await;
        Vec::new()
    }));
    let mut answers = Vec::new();
    for racer in race {
        answers.extend(racer.await.expect("a racer"));
    }

    let server_errors: Vec<&(String, u16)> =
        answers.iter().filter(|(_, status)| !(200..500).contains(status)).collect();
    assert!(server_errors.is_empty(), "no 5xx (nor unanswered) calls: {server_errors:?}");
    assert!(answers.iter().all(|(_, status)| matches!(status, 200 | 201)), "every call succeeded: {answers:?}");
    for (placed, customer) in &to_pay {
        app.wait_for_order_status(customer, placed.order.id, OrderStatus::Paid).await;
    }
    app.wait_for_order_status(&expiring_customer, expiring, OrderStatus::Cancelled).await;
    app.wait_for_processed_refunds(&admin, refunded, 1).await;

    let documents = app.every_document(&admin, &issued_today()).await;
    let (invoices, notes): (Vec<&TaxDocument>, Vec<&TaxDocument>) =
        documents.iter().partition(|document| document.kind == TaxDocumentKind::Invoice);
    let paid: HashSet<Uuid> = to_pay.iter().map(|(placed, _)| placed.order.id).collect();
    let mut numbers_of_paid: Vec<&str> =
        invoices.iter().filter(|i| paid.contains(&i.order_id)).map(|i| i.number.as_str()).collect();
    numbers_of_paid.sort_unstable();
    let first_fifty: Vec<String> = (1..=RACING_PAYMENTS).map(invoice_number).collect();
    assert_eq!(numbers_of_paid, first_fifty, "the fifty payments' invoices are numbered 1 to 50");
    let mut every_number: Vec<&str> = invoices.iter().map(|invoice| invoice.number.as_str()).collect();
    every_number.sort_unstable();
    let gapless: Vec<String> = (1..=invoices.len()).map(invoice_number).collect();
    assert_eq!(every_number, gapless, "every invoice issued, 1 to N without gap or duplicate");
    let invoiced: HashSet<Uuid> = invoices.iter().map(|invoice| invoice.order_id).collect();
    assert_eq!(invoiced, paid, "one invoice per paid order; none for the cancelled or expired ones");
    let notes: Vec<(&str, Uuid, i64)> =
        notes.iter().map(|note| (note.number.as_str(), note.order_id, note.totals.total_paise)).collect();
    assert_eq!(notes, [(credit_note_number(1).as_str(), refunded, refund_amount)]);
}

/// Waits (10 s at most) for the order to be paid: [`TestApp::wait_for_order_status`]'s
/// poller borrows in a way a spawned task cannot hold.
async fn paid_at_last(customer: &TestUser, order_id: Uuid) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let order = customer.api.order(order_id).await.expect("the order");
        if order.status == OrderStatus::Paid {
            return;
        }
        assert!(Instant::now() < deadline, "order {order_id} never paid: {order:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes the order's held stock due now, as if it had been reserved for a moment only;
/// the expiry job then releases it and cancels the order.
async fn expire_now(app: &TestApp, order_id: Uuid) {
    let pool = app.db.pool().await;
    let held =
        sqlx::query("UPDATE inventory.reservations SET expires_at = now() WHERE owner_id = $1 AND status = 'held'")
            .bind(order_id)
            .execute(&pool)
            .await
            .expect("the reservation made due");
    assert!(held.rows_affected() > 0, "the order held stock");
    pool.close().await;
}

#[tokio::test]
async fn a_partial_refund_issues_a_credit_note_that_reverses_its_share_of_the_tax() {
    let Store { app, admin, customer, product } = store().await;
    let cheaper = product_at(&admin, 33_333, 1200).await;
    app.fill_cart(&customer, &[(product, 2), (cheaper, 3)]).await;
    let checkout = PlaceOrder { shipping_address: Some(address_in("Karnataka")), ..cart_order() };
    let order = app.paid_order(&customer, &checkout).await;
    let invoice = admin.api.admin_order_invoice(&order.id.to_string()).await.expect("the invoice");
    let refund = invoice.totals.total_paise / 3 + 7;

    let asked = NewRefund { amount_paise: Some(refund), reason: "one part damaged".into() };
    admin.api.refund_order(order.id, &asked, &new_key()).await.expect("a refund");
    app.wait_for_processed_refunds(&admin, order.id, 1).await;

    let notes = admin.api.admin_credit_notes(&order.order_number).await.expect("the credit notes").items;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert_eq!((note.kind, note.reason), (TaxDocumentKind::CreditNote, Some(CreditNoteReason::Refund)));
    assert_eq!(note.number, credit_note_number(1));
    assert_eq!(note.invoice_number.as_deref(), Some(invoice.number.as_str()));
    assert_eq!(note.totals.total_paise, refund);
    assert_eq!(note.supply_type, SupplyType::IntraState);
    let invoice_lines: HashMap<u32, &api_types::invoices::TaxDocumentLine> =
        invoice.lines.iter().map(|line| (line.line, line)).collect();
    for line in &note.lines {
        let sold = invoice_lines[&line.line];
        assert_eq!(line.product_id, sold.product_id);
        let reversed = share(line.total_paise, tax_of(sold), sold.total_paise);
        assert!((tax_of(line) - reversed).abs() <= 1, "line {}: {} GST for {reversed}", line.line, tax_of(line));
        assert_eq!(line.taxable_value_paise + tax_of(line), line.total_paise);
        assert_eq!((line.sgst_paise, line.cgst_paise - line.sgst_paise), (tax_of(line) / 2, tax_of(line) % 2));
    }
    let reversed = share(refund, invoice.totals.tax_paise, invoice.totals.total_paise);
    let within = i64::try_from(note.lines.len()).unwrap();
    assert!(
        (note.totals.tax_paise - reversed).abs() <= within,
        "{} GST reversed for {reversed}",
        note.totals.tax_paise
    );

    let csv = admin.api.admin_invoices_csv(&issued_today()).await.expect("the filing CSV");
    let rows = filing_rows(&csv);
    let listed: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|row| (row["document_type"].as_str(), row["number"].as_str(), row["invoice_number"].as_str()))
        .collect();
    assert!(listed.contains(&("invoice", invoice.number.as_str(), "")), "{csv}");
    assert!(listed.contains(&("credit_note", note.number.as_str(), invoice.number.as_str())), "{csv}");
    let credited: i64 = rows
        .iter()
        .filter(|row| row["number"] == note.number)
        .map(|row| row["total"].replace('.', "").parse::<i64>().unwrap())
        .sum();
    assert_eq!(credited, refund, "the credit note's rows add up to the refund");
}

/// The PDF's text with every run of spaces and line breaks made one space.
fn words_of(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn the_invoice_pdf_names_the_number_gstins_hsn_tax_split_and_amount_in_words() {
    let Store { app, customer, product, .. } = store().await;
    let buyer_gstin = karnataka_gstin();
    let checkout = PlaceOrder { billing: Some(business(&buyer_gstin)), ..order_to(product, 2, "Karnataka") };
    let order = app.paid_order(&customer, &checkout).await;
    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice");

    // The client checks the answer's Content-Type is application/pdf.
    let pdf = customer.api.order_invoice_pdf(order.id).await.expect("the invoice as a PDF");

    assert!(pdf.starts_with(b"%PDF-"), "a PDF file");
    let text = pdf_text(&pdf);
    for expected in [invoice.number.as_str(), STORE_GSTIN, buyer_gstin.as_str(), "CGST", "SGST", "HSN"] {
        assert!(text.contains(expected), "{expected} in the PDF:\n{text}");
    }
    assert!(words_of(&text).contains(&invoice.amount_in_words), "{} in the PDF:\n{text}", invoice.amount_in_words);
}

#[tokio::test]
async fn the_admin_finds_an_invoice_by_order_number_and_the_admin_order_shows_it() {
    let Store { app, admin, customer, product } = store().await;
    let order = app.paid_order(&customer, &order_to(product, 1, "Karnataka")).await;

    let by_number = admin.api.admin_order_invoice(&order.order_number).await.expect("found by number");

    assert_eq!(by_number.order_id, order.id);
    assert_eq!(by_number, admin.api.admin_order_invoice(&order.id.to_string()).await.unwrap(), "the same by id");
    assert_eq!(by_number, customer.api.order_invoice(order.id).await.unwrap(), "the customer's");
    let pdf = admin.api.admin_order_invoice_pdf(&order.order_number).await.expect("the PDF by number");
    assert!(pdf_text(&pdf).contains(&by_number.number));
    let detail = admin.api.admin_order(&order.order_number).await.unwrap();
    assert_eq!(detail.invoice_number.as_deref(), Some(by_number.number.as_str()));
    let query = AdminOrderQuery { q: Some(order.order_number.clone()), ..AdminOrderQuery::default() };
    let listed = admin.api.admin_orders(&query).await.unwrap().items;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].invoice_number.as_deref(), Some(by_number.number.as_str()));
}

/// Three cash-on-delivery orders, each invoiced when placed; returns their orders.
async fn three_invoiced_orders(app: &TestApp, customer: &TestUser, product: Uuid) -> Vec<Order> {
    let mut orders = Vec::new();
    for _ in 0..3 {
        let placed: PlacedOrder = app.checkout(customer, &cod_order_to(product, 1, "Karnataka")).await;
        orders.push(placed.order);
    }
    orders
}

#[tokio::test]
async fn the_filing_list_pages_through_a_period_and_refuses_bad_days() {
    let Store { app, admin, customer, product } = store().await;
    let orders = three_invoiced_orders(&app, &customer, product).await;

    let mut query = InvoiceQuery { limit: Some(1), ..issued_today() };
    let mut seen = Vec::new();
    loop {
        let page = admin.api.admin_invoices(&query).await.expect("a page");
        assert!(page.items.len() <= 1, "{page:?}");
        seen.extend(page.items.into_iter().map(|document| (document.number, document.order_id)));
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    let expected: Vec<(String, Uuid)> = orders.iter().enumerate().map(|(n, o)| (invoice_number(n + 1), o.id)).collect();
    assert_eq!(seen, expected, "each invoice once, in the order issued");
    assert!(seen.iter().all(|(number, _)| number.contains(&this_financial_year())));

    let yesterday = today().checked_sub_days(Days::new(1)).unwrap();
    let backwards = InvoiceQuery { from: Some(today()), to: Some(yesterday), ..InvoiceQuery::default() };
    let error = assert_refused(
        admin.api.admin_invoices(&backwards).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(fields(&error), ["from"]);
    let too_long =
        InvoiceQuery { from: today().checked_sub_days(Days::new(367)), to: Some(today()), ..InvoiceQuery::default() };
    let error = assert_refused(
        admin.api.admin_invoices(&too_long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(fields(&error), ["to"]);
    let refused_csv = admin.api.admin_invoices_csv(&too_long).await;
    assert_refused(refused_csv, StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ValidationFailed);
    let garbage = InvoiceQuery { cursor: Some("not-a-cursor".into()), ..issued_today() };
    let error = assert_refused(
        admin.api.admin_invoices(&garbage).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    );
    assert_eq!(fields(&error), ["cursor"]);
    let not_a_day = app.get_as("/api/v1/admin/invoices?from=2026-02-30", &admin.access_token).await;
    let error = rigmaster_tests::assert_error(not_a_day, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(error["details"][0]["field"], "from");
}

#[tokio::test]
async fn a_paid_order_cancelled_by_its_customer_gets_a_credit_note_for_the_whole_invoice() {
    let Store { app, admin, customer, product } = store().await;
    let order = app.paid_order(&customer, &order_to(product, 2, "Maharashtra")).await;
    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice");

    customer.api.cancel_order(order.id, Some("ordered the wrong one")).await.expect("cancelled");
    app.wait_for_processed_refunds(&admin, order.id, 1).await;

    let notes = admin.api.admin_credit_notes(&order.order_number).await.unwrap().items;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].reason, notes[0].number.clone()), (Some(CreditNoteReason::Refund), credit_note_number(1)));
    assert_eq!(notes[0].totals, invoice.totals, "the whole invoice is taken back, IGST and all");
    assert_eq!(customer.api.order_invoice(order.id).await.unwrap(), invoice, "the invoice stays as issued");
}

#[tokio::test]
async fn a_late_capture_refunded_because_the_stock_is_gone_gets_no_invoice_and_no_credit_note() {
    let app = spawn_shop_with(|settings| settings.inventory.expiry_interval_seconds = 1).await;
    let admin = app.register_admin().await;
    let customer = app.register_customer().await;
    let product = product_at(&admin, 99_999, 1800).await;
    let placed = app.checkout(&customer, &order_to(product, 1, "Karnataka")).await;
    expire_now(&app, placed.order.id).await;
    app.wait_for_order_status(&customer, placed.order.id, OrderStatus::Cancelled).await;
    app.set_on_hand(&admin, product, 0).await;

    app.pay(&placed, "success", "normal").await;
    let refunded = app.wait_for_processed_refunds(&admin, placed.order.id, 1).await;

    assert_eq!(refunded.order.status, OrderStatus::Cancelled, "never sold");
    assert_refused(customer.api.order_invoice(placed.order.id).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);
    assert!(admin.api.admin_credit_notes(&placed.order.order_number).await.unwrap().items.is_empty());
    assert!(app.every_document(&admin, &issued_today()).await.is_empty(), "nothing to file");
}

#[tokio::test]
async fn a_refund_made_with_a_return_credits_the_returned_line_and_not_the_others() {
    let Store { app, admin, customer, product } = store().await;
    let cheaper = product_at(&admin, 33_333, 500).await;
    app.fill_cart(&customer, &[(product, 1), (cheaper, 2)]).await;
    let checkout = PlaceOrder { shipping_address: Some(address_in("Karnataka")), ..cart_order() };
    let order = app.paid_order(&customer, &checkout).await;
    let invoice = admin.api.admin_order_invoice(&order.id.to_string()).await.expect("the invoice");
    for status in [OrderStatus::Packed] {
        admin.api.change_order_status(order.id, &StatusChange { status, note: None }).await.expect("moved");
    }
    let shipment =
        ShipOrder { carrier: "Delhivery".into(), tracking_number: "DL1".into(), tracking_url: None, description: None };
    admin.api.ship_order(order.id, &shipment).await.expect("shipped");
    let delivered = StatusChange { status: OrderStatus::Delivered, note: None };
    admin.api.change_order_status(order.id, &delivered).await.expect("delivered");
    let returned_line = invoice.lines.iter().find(|line| line.product_id == product).expect("the 18% line");

    let sent_back = NewReturn {
        items: vec![ReturnLine { product_id: product, quantity: 1 }],
        restock: true,
        reason: "faulty".into(),
        refund_paise: Some(returned_line.total_paise),
    };
    admin.api.record_return(order.id, &sent_back).await.expect("a return with its refund");
    app.wait_for_processed_refunds(&admin, order.id, 1).await;

    let notes = admin.api.admin_credit_notes(&order.order_number).await.expect("the credit notes").items;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let lines: Vec<_> = notes[0].lines.iter().map(|line| (line.line, line.quantity, line.total_paise)).collect();
    assert_eq!(lines, [(returned_line.line, Some(1), returned_line.total_paise)], "only the returned line, whole");
    assert_eq!(
        (notes[0].lines[0].cgst_paise, notes[0].lines[0].sgst_paise),
        (returned_line.cgst_paise, returned_line.sgst_paise),
        "its GST reversed at its own rate"
    );
}

#[tokio::test]
async fn an_order_shipped_abroad_is_a_supply_to_other_countries_with_igst() {
    let Store { app, admin, customer, product } = store().await;
    let abroad = address_abroad();
    let order = app
        .paid_order(&customer, &PlaceOrder { shipping_address: Some(abroad), ..order_to(product, 1, "Karnataka") })
        .await;

    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice");

    assert_eq!(
        (invoice.place_of_supply.code.as_str(), invoice.place_of_supply.name.as_str()),
        ("96", "Other Countries")
    );
    assert_eq!(invoice.supply_type, SupplyType::InterState);
    assert_eq!(invoice.totals.igst_paise, order.tax_paise);
    assert_eq!((invoice.totals.cgst_paise, invoice.totals.sgst_paise), (0, 0));
    let csv = admin.api.admin_invoices_csv(&issued_today()).await.expect("the filing CSV");
    let rows = filing_rows(&csv);
    let row = rows.iter().find(|row| row["number"] == invoice.number).expect("the invoice's row");
    assert_eq!((row["gstr1_section"].as_str(), row["place_of_supply"].as_str()), ("EXP", "96-Other Countries"));
}

fn address_abroad() -> api_types::addresses::NewAddress {
    api_types::addresses::NewAddress {
        state: "California".into(),
        country: Some("US".into()),
        ..address_in("Karnataka")
    }
}

#[tokio::test]
async fn a_payment_stands_when_its_invoice_cannot_be_issued_and_the_order_is_flagged_until_the_next_change() {
    let Store { app, admin, customer, product } = store().await;
    let pool = app.db.pool().await;
    // The invoice series of this financial year is full: the next number does not fit.
    let year = 2000 + this_financial_year()[..2].parse::<i32>().unwrap();
    sqlx::query("INSERT INTO invoicing.counters (series, financial_year, last_number) VALUES ('invoice', $1, 9999999)")
        .bind(year)
        .execute(&pool)
        .await
        .unwrap();

    let order = app.paid_order(&customer, &order_to(product, 1, "Karnataka")).await;

    assert_eq!(order.status, OrderStatus::Paid, "the payment is recorded");
    let flagged = admin.api.admin_order(&order.id.to_string()).await.expect("the admin's order");
    assert!(flagged.attention.is_some_and(|a| a.reason.contains("tax invoice")), "the admin is told");
    assert_eq!(flagged.invoice_number, None);
    assert_refused(customer.api.order_invoice(order.id).await, StatusCode::NOT_FOUND, ErrorCode::NotFound);

    // Numbers free again (say the prefix was changed): the order's next change issues the
    // invoice, though it moves the order past `paid`.
    sqlx::query("DELETE FROM invoicing.counters").execute(&pool).await.unwrap();
    let packed = StatusChange { status: OrderStatus::Packed, note: None };
    admin.api.change_order_status(order.id, &packed).await.expect("packed");
    let invoice = customer.api.order_invoice(order.id).await.expect("the invoice, issued late");
    assert_eq!(invoice.number, invoice_number(1));
    assert_eq!(invoice.totals.total_paise, order.total_paise);
    let cleared = admin.api.admin_order(&order.id.to_string()).await.expect("the admin's order");
    assert_eq!(cleared.attention, None, "the flag goes once the documents are issued");
    assert_eq!(cleared.invoice_number.as_deref(), Some(invoice.number.as_str()));
    let asked = NewRefund { amount_paise: Some(100), reason: "goodwill".into() };
    admin.api.refund_order(order.id, &asked, &new_key()).await.expect("a refund");
    app.wait_for_processed_refunds(&admin, order.id, 1).await;
    let notes = admin.api.admin_credit_notes(&order.order_number).await.expect("the credit notes").items;
    assert_eq!(notes.iter().map(|note| note.totals.total_paise).collect::<Vec<_>>(), [100]);
}
