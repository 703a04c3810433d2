//! Issue 22, acceptance 2 (the domain half): tax documents numbered against the real
//! database. Numbers are consecutive and never reused within a financial year however many
//! sales are invoiced at once, a rolled-back issue gives its number back, and each series
//! starts again at 1 April 00:00 IST. The reconciler issues each document once, and a
//! credit note takes back exactly what was cancelled or returned.

use std::collections::HashSet;
use std::sync::Arc;

use catalog::pricing::price;
use chrono::{DateTime, FixedOffset, TimeZone as _, Utc};
use invoicing::{
    Buyer, Credit, CreditBasis, CreditReason, DocumentLine, Invoicing, Sale, SaleLine, SaleStatus, Seller,
    SeriesPrefix, TaxDocument,
};
use kernel::Money;
use kernel::gstin::Gstin;
use orders::pricing::{LinePrice, price_basket};
use rigmaster_tests::TestDatabase;
use rigmaster_tests::clock::TestClock;
use sqlx::{Connection as _, PgConnection, PgPool};
use tokio::sync::Barrier;
use uuid::Uuid;

const KARNATAKA: u8 = 29;
const MAHARASHTRA: u8 = 27;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_invoices_are_numbered_consecutively_without_gap_or_duplicate() {
    let db = TestDatabase::create().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let everyone_ready = Arc::new(Barrier::new(50));

    let payments: Vec<_> = (0..50)
        .map(|_| {
            let (invoicing, everyone_ready, url) = (invoicing.clone(), everyone_ready.clone(), db.url().to_owned());
            tokio::spawn(async move {
                let sale = sold(&[(84_746, 1800, 1)], KARNATAKA);
                let mut conn = PgConnection::connect(&url).await.unwrap();
                let mut tx = conn.begin().await.unwrap();
                everyone_ready.wait().await;
                invoicing.record(&mut tx, &sale).await.unwrap();
                tx.commit().await.unwrap();
                sale.order_id
            })
        })
        .collect();
    let mut sold_orders = HashSet::new();
    for payment in payments {
        sold_orders.insert(payment.await.unwrap());
    }

    let invoices = invoices_issued(&db.pool().await).await;
    assert_eq!(invoices.iter().map(|i| i.sequence).collect::<Vec<_>>(), (1..=50).collect::<Vec<_>>());
    let expected_numbers: Vec<String> = (1..=50).map(|n| format!("RM/26-27/{n:06}")).collect();
    assert_eq!(invoices.iter().map(|i| i.number.clone()).collect::<Vec<_>>(), expected_numbers);
    assert_eq!(invoices.iter().map(|i| i.order_id).collect::<HashSet<_>>(), sold_orders, "one invoice per sale");
}

#[tokio::test]
async fn a_rolled_back_issue_gives_its_number_back() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let abandoned = sold(&[(84_746, 1800, 1)], KARNATAKA);

    let mut tx = pool.begin().await.unwrap();
    invoicing.record(&mut tx, &abandoned).await.unwrap();
    tx.rollback().await.unwrap();
    let next = sold(&[(50_000, 1200, 2)], KARNATAKA);
    record(&pool, &invoicing, &next).await;

    assert_eq!(invoice_of(&pool, &invoicing, &next).await.number, "RM/26-27/000001");
    assert_eq!(invoices_issued(&pool).await.len(), 1, "nothing of the rolled-back sale is left");
}

#[tokio::test]
async fn the_sequence_starts_again_at_midnight_ist_on_the_first_of_april() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let clock = TestClock::at(ist(2027, 3, 31, 23, 59, 59));
    let invoicing = the_store(clock.clone());
    let (mut march, late_march) = (sold(&[(84_746, 1800, 1)], KARNATAKA), sold(&[(1_000, 500, 3)], MAHARASHTRA));
    let april = sold(&[(250_000, 2800, 1)], KARNATAKA);

    record(&pool, &invoicing, &march).await;
    record(&pool, &invoicing, &late_march).await;
    march.credits.push(refund(Money::from_paise(10_000)));
    record(&pool, &invoicing, &march).await;
    clock.set(ist(2027, 4, 1, 0, 0, 0));
    record(&pool, &invoicing, &april).await;
    march.credits.push(refund(Money::from_paise(5_000)));
    record(&pool, &invoicing, &march).await;

    assert_eq!(invoice_of(&pool, &invoicing, &march).await.number, "RM/26-27/000001");
    assert_eq!(invoice_of(&pool, &invoicing, &late_march).await.number, "RM/26-27/000002");
    assert_eq!(invoice_of(&pool, &invoicing, &april).await.number, "RM/27-28/000001");
    let credit_notes = credit_notes_of(&pool, &invoicing, &march).await;
    let numbers: Vec<&str> = credit_notes.iter().map(|note| note.number.as_str()).collect();
    assert_eq!(numbers, ["RM/CN/26-27/0001", "RM/CN/27-28/0001"]);
    assert_eq!(credit_notes[1].invoice_number.as_deref(), Some("RM/26-27/000001"), "against last year's invoice");
}

#[tokio::test]
async fn recording_a_sale_again_issues_nothing_new() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let mut sale = sold(&[(84_746, 1800, 2), (12_345, 500, 1)], KARNATAKA);

    record(&pool, &invoicing, &sale).await;
    record(&pool, &invoicing, &sale).await;
    sale.credits.push(refund(Money::from_paise(20_000)));
    record(&pool, &invoicing, &sale).await;
    record(&pool, &invoicing, &sale).await;

    assert_eq!(document_counts(&pool).await, (1, 1), "one invoice and one credit note");
    assert_eq!(credit_notes_of(&pool, &invoicing, &sale).await[0].totals.total, Money::from_paise(20_000));
}

#[tokio::test]
async fn a_cancelled_sale_that_was_never_invoiced_gets_nothing() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let mut sale = sold(&[(84_746, 1800, 1)], KARNATAKA);
    sale.status = SaleStatus::After;
    sale.credits.push(cancellation(&sale));

    record(&pool, &invoicing, &sale).await;

    assert_eq!(document_counts(&pool).await, (0, 0));
}

#[tokio::test]
async fn an_unpaid_sale_reads_nothing() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let mut sale = sold(&[(84_746, 1800, 1)], KARNATAKA);
    sale.status = SaleStatus::Unpaid;

    record(&pool, &invoicing, &sale).await;

    assert_eq!(document_counts(&pool).await, (0, 0));
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(invoicing.invoice_of(&mut conn, sale.order_id).await.unwrap(), None);
}

#[tokio::test]
async fn a_cash_on_delivery_cancellation_credits_the_whole_invoice() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    let mut sale = sold(&[(84_746, 1800, 3), (99_999, 2800, 1), (1_001, 0, 7)], KARNATAKA);
    record(&pool, &invoicing, &sale).await;

    sale.status = SaleStatus::After;
    sale.credits.push(cancellation(&sale));
    record(&pool, &invoicing, &sale).await;

    let invoice = invoice_of(&pool, &invoicing, &sale).await;
    let credit_notes = credit_notes_of(&pool, &invoicing, &sale).await;
    assert_eq!(credit_notes.len(), 1);
    assert_eq!(credit_notes[0].reason, Some(CreditReason::Cancellation));
    assert_eq!(credit_notes[0].totals, invoice.totals);
    assert_eq!(amounts(&credit_notes[0].lines), amounts(&invoice.lines), "every line taken back whole");
}

#[tokio::test]
async fn units_returned_in_two_steps_credit_exactly_the_line() {
    let db = TestDatabase::create().await;
    let pool = db.pool().await;
    let invoicing = the_store(TestClock::at(ist(2026, 11, 27, 12, 0, 0)));
    // Three units whose line (after its share of a coupon) does not divide by three, and a
    // line nothing is returned of.
    let mut sale = sold_with_coupon(&[(33_333, 1800, 3), (50_000, 1200, 1)], MAHARASHTRA, Money::from_paise(1_001));
    assert_ne!(sale.lines[0].total.paise() % 3, 0);
    let returned = sale.lines[0].product_id;
    record(&pool, &invoicing, &sale).await;

    sale.credits.push(units_back(returned, 1));
    record(&pool, &invoicing, &sale).await;
    sale.credits.push(units_back(returned, 2));
    record(&pool, &invoicing, &sale).await;

    let invoice = invoice_of(&pool, &invoicing, &sale).await;
    let credit_notes = credit_notes_of(&pool, &invoicing, &sale).await;
    assert_eq!(credit_notes.len(), 2);
    let credited: Vec<&DocumentLine> = credit_notes.iter().flat_map(|note| &note.lines).collect();
    assert!(credited.iter().all(|line| line.line == 1), "only the returned product's line");
    assert_eq!(credited.iter().map(|line| line.quantity).collect::<Vec<_>>(), [Some(1), Some(2)]);
    let sum = |field: fn(&DocumentLine) -> Money| credited.iter().map(|line| field(line).paise()).sum::<i64>();
    let line = &invoice.lines[0];
    assert_eq!(
        [
            sum(|l| l.taxable_value),
            sum(|l| l.igst),
            sum(|l| Money::from_paise(l.cgst.paise() + l.sgst.paise())),
            sum(|l| l.total)
        ],
        [line.taxable_value.paise(), line.igst.paise(), 0, line.total.paise()]
    );
}

fn the_store(clock: Arc<TestClock>) -> Invoicing {
    let gstin = Gstin::parse("29AABCR1234M1Z9", "gstin").unwrap();
    let seller = Seller::new("RigMaster Commerce Pvt Ltd".into(), "12 Residency Road, Bengaluru".into(), &gstin);
    Invoicing::new(seller, SeriesPrefix::parse("RM", "prefix").unwrap()).with_clock(clock)
}

/// An instant on the wall clock in India.
fn ist(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    let india = FixedOffset::east_opt(5 * 3600 + 30 * 60).unwrap();
    india.with_ymd_and_hms(year, month, day, hour, minute, second).unwrap().with_timezone(&Utc)
}

/// A paid order of `(unit price in paise, GST rate in bps, quantity)` lines, priced by the
/// catalog and the orders domain, shipped to `state`.
fn sold(items: &[(i64, u32, i64)], state: u8) -> Sale {
    sold_with_coupon(items, state, Money::ZERO)
}

/// As [`sold`], with a coupon's `discount` split over the lines.
fn sold_with_coupon(items: &[(i64, u32, i64)], state: u8, discount: Money) -> Sale {
    let prices: Vec<LinePrice> = items
        .iter()
        .map(|&(unit, tax_rate_bps, quantity)| {
            let unit_price = Money::from_paise(unit);
            let unit_tax = price(unit_price, None, tax_rate_bps).unwrap().tax;
            LinePrice { unit_price, unit_tax, tax_rate_bps, quantity }
        })
        .collect();
    let (priced, totals) = price_basket(&prices, discount).unwrap();
    let order_id = Uuid::now_v7();
    Sale {
        order_id,
        order_number: format!("RM-{}", order_id.simple()),
        customer_id: Uuid::now_v7(),
        status: SaleStatus::Paid,
        buyer: Buyer {
            name: "Asha Rao".into(),
            legal_name: None,
            gstin: None,
            address: Some("1 MG Road".into()),
            state_code: Some(state),
        },
        lines: prices
            .iter()
            .zip(&priced)
            .map(|(line, priced)| SaleLine {
                product_id: Uuid::now_v7(),
                sku: "CPU-1".into(),
                name: "A part".into(),
                hsn_code: Some("8473".into()),
                quantity: line.quantity,
                unit_price: line.unit_price,
                discount: priced.discount,
                rate_bps: line.tax_rate_bps,
                tax: priced.tax,
                total: priced.total,
            })
            .collect(),
        total: totals.total,
        credits: Vec::new(),
    }
}

fn refund(amount: Money) -> Credit {
    Credit { source: Uuid::now_v7(), reason: CreditReason::Refund, basis: CreditBasis::Amount(amount) }
}

fn cancellation(sale: &Sale) -> Credit {
    Credit { source: sale.order_id, reason: CreditReason::Cancellation, basis: CreditBasis::Rest }
}

fn units_back(product: Uuid, units: i64) -> Credit {
    Credit { source: Uuid::now_v7(), reason: CreditReason::Return, basis: CreditBasis::Units(vec![(product, units)]) }
}

/// Records the sale in a transaction of its own, as an order's change does.
async fn record(pool: &PgPool, invoicing: &Invoicing, sale: &Sale) {
    let mut tx = pool.begin().await.unwrap();
    invoicing.record(&mut tx, sale).await.unwrap();
    tx.commit().await.unwrap();
}

async fn invoice_of(pool: &PgPool, invoicing: &Invoicing, sale: &Sale) -> TaxDocument {
    let mut conn = pool.acquire().await.unwrap();
    invoicing.invoice_of(&mut conn, sale.order_id).await.unwrap().expect("an invoice")
}

async fn credit_notes_of(pool: &PgPool, invoicing: &Invoicing, sale: &Sale) -> Vec<TaxDocument> {
    let mut conn = pool.acquire().await.unwrap();
    invoicing.credit_notes_of(&mut conn, sale.order_id).await.unwrap()
}

#[derive(sqlx::FromRow)]
struct IssuedInvoice {
    sequence: i32,
    number: String,
    order_id: Uuid,
}

async fn invoices_issued(pool: &PgPool) -> Vec<IssuedInvoice> {
    sqlx::query_as(
        "SELECT sequence, number, order_id FROM invoicing.documents WHERE kind = 'invoice' ORDER BY sequence",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// `(invoices, credit notes)` in the database.
async fn document_counts(pool: &PgPool) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE kind = 'invoice'), count(*) FILTER (WHERE kind = 'credit_note')
         FROM invoicing.documents",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Each line's number and amounts.
fn amounts(lines: &[DocumentLine]) -> Vec<(u32, [Money; 5])> {
    lines.iter().map(|l| (l.line, [l.taxable_value, l.cgst, l.sgst, l.igst, l.total])).collect()
}
