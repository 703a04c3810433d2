//! The documents and their counters in PostgreSQL.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Limit, Money, Page};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection};
use uuid::Uuid;

use crate::model::{Buyer, CreditReason, DocumentKind, DocumentLine, DocumentTotals, Seller, TaxDocument};
use crate::numbering::FinancialYear;

/// The next number of a series in a financial year, taking the counter row's lock for
/// the rest of the caller's transaction: concurrent issuers wait here one after another,
/// and a transaction that rolls back gives its number back. Errors: storage failures.
#[tracing::instrument(name = "invoicing.next_number", skip(conn))]
pub async fn next_number(conn: &mut PgConnection, kind: DocumentKind, year: FinancialYear) -> anyhow::Result<i32> {
    sqlx::query_scalar(
        "INSERT INTO invoicing.counters AS c (series, financial_year, last_number) VALUES ($1, $2, 1)
         ON CONFLICT (series, financial_year) DO UPDATE SET last_number = c.last_number + 1
         RETURNING last_number",
    )
    .bind(kind.as_str())
    .bind(year.0)
    .fetch_one(conn)
    .await
    .context("taking the next document number")
}

/// Where a new document comes from.
#[derive(Debug, Clone, Copy)]
pub struct Issue {
    pub year: FinancialYear,
    pub sequence: i32,
    /// A credit note's invoice and what it answers.
    pub invoice_id: Option<Uuid>,
    pub source_id: Option<Uuid>,
}

/// Writes a document. Errors: storage failures (a second invoice for an order, or a
/// second credit note for a source, is refused by the database).
#[tracing::instrument(name = "invoicing.insert", skip_all, fields(number = %document.number))]
pub async fn insert(conn: &mut PgConnection, document: &TaxDocument, issue: Issue) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO invoicing.documents (id, kind, number, financial_year, sequence, order_id, order_number,
             customer_id, invoice_id, source_id, reason, issued_at, seller, buyer, buyer_gstin, place_of_supply,
             inter_state, lines, taxable_paise, cgst_paise, sgst_paise, igst_paise, total_paise)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)",
    )
    .bind(document.id)
    .bind(document.kind.as_str())
    .bind(&document.number)
    .bind(issue.year.0)
    .bind(issue.sequence)
    .bind(document.order_id)
    .bind(&document.order_number)
    .bind(document.customer_id)
    .bind(issue.invoice_id)
    .bind(issue.source_id)
    .bind(document.reason.map(CreditReason::as_str))
    .bind(document.issued_at)
    .bind(Json(&document.seller))
    .bind(Json(&document.buyer))
    .bind(document.buyer.gstin.as_deref())
    .bind(i16::from(document.place_of_supply))
    .bind(document.inter_state)
    .bind(Json(&document.lines))
    .bind(document.totals.taxable_value.paise())
    .bind(document.totals.cgst.paise())
    .bind(document.totals.sgst.paise())
    .bind(document.totals.igst.paise())
    .bind(document.totals.total.paise())
    .execute(conn)
    .await
    .context("writing a tax document")?;
    Ok(())
}

const FROM: &str = "FROM invoicing.documents d LEFT JOIN invoicing.documents i ON i.id = d.invoice_id";

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: String,
    number: String,
    financial_year: i32,
    issued_at: DateTime<Utc>,
    order_id: Uuid,
    order_number: String,
    customer_id: Uuid,
    invoice_number: Option<String>,
    reason: Option<String>,
    seller: Json<Seller>,
    buyer: Json<Buyer>,
    place_of_supply: i16,
    inter_state: bool,
    lines: Json<Vec<DocumentLine>>,
    taxable_paise: i64,
    cgst_paise: i64,
    sgst_paise: i64,
    igst_paise: i64,
    total_paise: i64,
    source_id: Option<Uuid>,
}

/// A document with what it answers (a credit note's refund, order or return).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub document: TaxDocument,
    pub source_id: Option<Uuid>,
}

fn document(row: Row) -> anyhow::Result<StoredDocument> {
    let reason = match row.reason.as_deref() {
        None => None,
        Some("refund") => Some(CreditReason::Refund),
        Some("cancellation") => Some(CreditReason::Cancellation),
        Some("return") => Some(CreditReason::Return),
        Some(other) => anyhow::bail!("a credit note with an unknown reason {other:?}"),
    };
    let kind = DocumentKind::parse(&row.kind).with_context(|| format!("a document of unknown kind {:?}", row.kind))?;
    Ok(StoredDocument {
        document: TaxDocument {
            id: row.id,
            kind,
            number: row.number,
            financial_year: FinancialYear(row.financial_year).label(),
            issued_at: row.issued_at,
            order_id: row.order_id,
            order_number: row.order_number,
            customer_id: row.customer_id,
            invoice_number: row.invoice_number,
            reason,
            seller: row.seller.0,
            buyer: row.buyer.0,
            place_of_supply: u8::try_from(row.place_of_supply).context("a place of supply out of range")?,
            inter_state: row.inter_state,
            lines: row.lines.0,
            totals: DocumentTotals {
                taxable_value: Money::from_paise(row.taxable_paise),
                cgst: Money::from_paise(row.cgst_paise),
                sgst: Money::from_paise(row.sgst_paise),
                igst: Money::from_paise(row.igst_paise),
                total: Money::from_paise(row.total_paise),
            },
        },
        source_id: row.source_id,
    })
}

/// An order's documents, the invoice first, then its credit notes as issued. Errors:
/// storage failures.
#[tracing::instrument(name = "invoicing.documents_of", skip(conn))]
pub async fn documents_of(conn: &mut PgConnection, order: Uuid) -> anyhow::Result<Vec<StoredDocument>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(select("WHERE d.order_id = $1 ORDER BY d.issued_at, d.id")))
        .bind(order)
        .fetch_all(conn)
        .await
        .context("reading an order's tax documents")?;
    let mut documents = rows.into_iter().map(document).collect::<anyhow::Result<Vec<_>>>()?;
    documents.sort_by_key(|stored| stored.document.kind != DocumentKind::Invoice);
    Ok(documents)
}

/// Documents issued in `[from, to)`, in the order they were issued, a page at a time
/// after `after` (`(issued_at, id)` of the last one seen). Errors: storage failures.
#[tracing::instrument(name = "invoicing.issued_between", skip(conn))]
pub async fn issued_between(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: Limit,
) -> anyhow::Result<Page<TaxDocument>> {
    let (after_at, after_id) = after.map_or((None, None), |(at, id)| (Some(at), Some(id)));
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(select(
        "WHERE d.issued_at >= $1 AND d.issued_at < $2
           AND ($3::timestamptz IS NULL OR (d.issued_at, d.id) > ($3, $4))
         ORDER BY d.issued_at, d.id LIMIT $5",
    )))
    .bind(from)
    .bind(to)
    .bind(after_at)
    .bind(after_id)
    .bind(limit.fetch_size())
    .fetch_all(conn)
    .await
    .context("listing tax documents")?;
    let documents = rows.into_iter().map(|row| document(row).map(|stored| stored.document));
    Ok(Page::from_rows(documents.collect::<anyhow::Result<Vec<_>>>()?, limit, |d| (d.issued_at, d.id)))
}

/// The invoice number of each of these orders that has one. Errors: storage failures.
#[tracing::instrument(name = "invoicing.invoice_numbers", skip_all, fields(orders = orders.len()))]
pub async fn invoice_numbers(conn: &mut PgConnection, orders: &[Uuid]) -> anyhow::Result<HashMap<Uuid, String>> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT order_id, number FROM invoicing.documents WHERE order_id = ANY($1) AND kind = 'invoice'",
    )
    .bind(orders)
    .fetch_all(conn)
    .await
    .context("reading invoice numbers")?;
    Ok(rows.into_iter().collect())
}

fn select(query: &str) -> String {
    format!(
        "SELECT d.id, d.kind, d.number, d.financial_year, d.issued_at, d.order_id, d.order_number, d.customer_id,
                i.number AS invoice_number, d.reason, d.seller, d.buyer, d.place_of_supply, d.inter_state, d.lines,
                d.taxable_paise, d.cgst_paise, d.sgst_paise, d.igst_paise, d.total_paise, d.source_id
         {FROM} {query}"
    )
}

/// Every document issued in `[from, to)`, in the order issued; `None` when there are
/// more than `cap`. Errors: storage failures.
#[tracing::instrument(name = "invoicing.all_issued_between", skip(conn))]
pub async fn all_issued_between(
    conn: &mut PgConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    cap: i64,
) -> anyhow::Result<Option<Vec<TaxDocument>>> {
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(select(
        "WHERE d.issued_at >= $1 AND d.issued_at < $2 ORDER BY d.issued_at, d.id LIMIT $3",
    )))
    .bind(from)
    .bind(to)
    .bind(cap.saturating_add(1))
    .fetch_all(conn)
    .await
    .context("listing a period's tax documents")?;
    if rows.len() as i64 > cap {
        return Ok(None);
    }
    let documents = rows.into_iter().map(|row| document(row).map(|stored| stored.document));
    Ok(Some(documents.collect::<anyhow::Result<Vec<_>>>()?))
}

/// The invoice total of each of these orders that has an invoice. Errors: storage
/// failures.
#[tracing::instrument(name = "invoicing.invoice_totals", skip_all, fields(orders = orders.len()))]
pub async fn invoice_totals(conn: &mut PgConnection, orders: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Money>> {
    let rows: Vec<(Uuid, i64)> = sqlx::query_as(
        "SELECT order_id, total_paise FROM invoicing.documents WHERE order_id = ANY($1) AND kind = 'invoice'",
    )
    .bind(orders)
    .fetch_all(conn)
    .await
    .context("reading invoice totals")?;
    Ok(rows.into_iter().map(|(order, total)| (order, Money::from_paise(total))).collect())
}
