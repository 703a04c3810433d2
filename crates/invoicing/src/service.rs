//! The invoicing service: issues what a sale calls for, and reads documents back.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use kernel::{Clock, Limit, Page, SystemClock};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::{Credit, CreditBasis, DocumentKind, DocumentLine, Sale, SaleStatus, Seller, TaxDocument};
use crate::numbering::{FinancialYear, SeriesPrefix, document_number};
use crate::postgres::{self, Issue, StoredDocument};
use crate::tax;

/// Issues and reads tax documents for the store `seller`, numbered with `prefix`, dated
/// by `clock`.
#[derive(Clone)]
pub struct Invoicing {
    seller: Seller,
    prefix: SeriesPrefix,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Invoicing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invoicing").field("seller", &self.seller).field("prefix", &self.prefix).finish()
    }
}

impl Invoicing {
    pub fn new(seller: Seller, prefix: SeriesPrefix) -> Self {
        Invoicing { seller, prefix, clock: Arc::new(SystemClock) }
    }

    /// Dates documents by `clock` (tests move it over the turn of a financial year).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn seller(&self) -> &Seller {
        &self.seller
    }

    /// Issues whatever `sale` now calls for and has not got: its invoice once it is sold,
    /// a credit note for each credit. In the caller's transaction, which holds the
    /// order's lock (so one order's changes come here one at a time); a number's counter
    /// stays locked until it commits. Does nothing, and reads nothing, for an unpaid
    /// sale. Errors: storage failures, a series out of numbers.
    #[tracing::instrument(name = "invoicing.record", skip_all, fields(order = %sale.order_id))]
    pub async fn record(&self, conn: &mut PgConnection, sale: &Sale) -> anyhow::Result<()> {
        if sale.status == SaleStatus::Unpaid {
            return Ok(());
        }
        let documents = postgres::documents_of(conn, sale.order_id).await?;
        let invoice = match documents.iter().find(|stored| stored.document.kind == DocumentKind::Invoice) {
            Some(stored) => stored.document.clone(),
            None if sale.status == SaleStatus::Paid => self.issue_invoice(conn, sale).await?,
            // Never invoiced (cancelled before payment, or paid before invoicing existed):
            // nothing to credit.
            None => return Ok(()),
        };
        let mut credited: Vec<DocumentLine> = documents
            .iter()
            .filter(|stored| stored.document.kind == DocumentKind::CreditNote)
            .flat_map(|stored| stored.document.lines.iter().cloned())
            .collect();
        let done: Vec<Uuid> = documents.iter().filter_map(|stored| stored.source_id).collect();
        let mut returned: HashMap<Uuid, i64> = HashMap::new();
        for credit in &sale.credits {
            let before = returned.clone();
            if let CreditBasis::Units(units) | CreditBasis::ReturnedUnits { units, .. } = &credit.basis {
                for (product, count) in units {
                    *returned.entry(*product).or_default() += count;
                }
            }
            if done.contains(&credit.source) {
                continue;
            }
            let left = tax::remaining(&invoice.lines, &credited);
            let units_of = |sent_back: &[(Uuid, i64)]| -> Vec<Option<i64>> {
                invoice
                    .lines
                    .iter()
                    .map(|line| sent_back.iter().find(|(p, _)| *p == line.product_id).map(|(_, n)| *n))
                    .collect()
            };
            let (amounts, units) = match &credit.basis {
                CreditBasis::Amount(amount) => (tax::amount_over_lines(&left, *amount), Vec::new()),
                CreditBasis::Rest => (left.iter().map(|line| line.total).collect(), Vec::new()),
                CreditBasis::Units(sent_back) => {
                    (tax::units_over_lines(&invoice.lines, &left, &before, &returned), units_of(sent_back))
                }
                CreditBasis::ReturnedUnits { units: sent_back, amount } => {
                    let value = tax::units_over_lines(&invoice.lines, &left, &before, &returned);
                    (tax::amount_over_returned(&left, &value, *amount), units_of(sent_back))
                }
            };
            let lines = tax::credit_lines(&left, &amounts, &units);
            if lines.is_empty() {
                continue;
            }
            self.issue_credit_note(conn, &invoice, credit, lines.clone()).await?;
            credited.extend(lines);
        }
        Ok(())
    }

    async fn issue_invoice(&self, conn: &mut PgConnection, sale: &Sale) -> anyhow::Result<TaxDocument> {
        let place_of_supply = tax::place_of_supply(&sale.buyer, &self.seller);
        let inter_state = place_of_supply != self.seller.state_code;
        let lines = tax::invoice_lines(&sale.lines, inter_state);
        let totals = tax::totals(&lines);
        anyhow::ensure!(
            totals.total == sale.total,
            "order {}'s lines add up to {} but it totals {}",
            sale.order_number,
            totals.total,
            sale.total
        );
        let draft = TaxDocument {
            id: Uuid::now_v7(),
            kind: DocumentKind::Invoice,
            number: String::new(),
            financial_year: String::new(),
            issued_at: self.clock.now(),
            order_id: sale.order_id,
            order_number: sale.order_number.clone(),
            customer_id: sale.customer_id,
            invoice_number: None,
            reason: None,
            seller: self.seller.clone(),
            buyer: sale.buyer.clone(),
            place_of_supply,
            inter_state,
            lines,
            totals,
        };
        self.issue(conn, draft, None, None).await
    }

    /// A credit note against `invoice`: its parties, place of supply and supply type are
    /// the invoice's.
    async fn issue_credit_note(
        &self,
        conn: &mut PgConnection,
        invoice: &TaxDocument,
        credit: &Credit,
        lines: Vec<DocumentLine>,
    ) -> anyhow::Result<TaxDocument> {
        let draft = TaxDocument {
            id: Uuid::now_v7(),
            kind: DocumentKind::CreditNote,
            number: String::new(),
            financial_year: String::new(),
            issued_at: self.clock.now(),
            invoice_number: Some(invoice.number.clone()),
            reason: Some(credit.reason),
            totals: tax::totals(&lines),
            lines,
            ..invoice.clone()
        };
        self.issue(conn, draft, Some(invoice.id), Some(credit.source)).await
    }

    /// Numbers and writes a draft: the number is taken last, just before the write, so
    /// the counter's lock is held as briefly as the transaction allows.
    async fn issue(
        &self,
        conn: &mut PgConnection,
        mut draft: TaxDocument,
        invoice_id: Option<Uuid>,
        source_id: Option<Uuid>,
    ) -> anyhow::Result<TaxDocument> {
        let year = FinancialYear::of(draft.issued_at);
        let sequence = postgres::next_number(conn, draft.kind, year).await?;
        // Dated once the number is held, so that a series' dates follow its numbers (the
        // wait for the counter can be long); still within the year the number is of.
        let numbered_at = self.clock.now();
        if FinancialYear::of(numbered_at) == year {
            draft.issued_at = draft.issued_at.max(numbered_at);
        }
        draft.number = document_number(&self.prefix, draft.kind, year, sequence)?;
        draft.financial_year = year.label();
        postgres::insert(conn, &draft, Issue { year, sequence, invoice_id, source_id }).await?;
        Ok(draft)
    }

    /// An order's invoice, if it has one. Errors: storage failures.
    pub async fn invoice_of(&self, conn: &mut PgConnection, order: Uuid) -> anyhow::Result<Option<TaxDocument>> {
        Ok(postgres::documents_of(conn, order)
            .await?
            .into_iter()
            .map(|stored| stored.document)
            .find(|document| document.kind == DocumentKind::Invoice))
    }

    /// An order's credit notes, as issued. Errors: storage failures.
    pub async fn credit_notes_of(&self, conn: &mut PgConnection, order: Uuid) -> anyhow::Result<Vec<TaxDocument>> {
        Ok(postgres::documents_of(conn, order)
            .await?
            .into_iter()
            .map(|stored: StoredDocument| stored.document)
            .filter(|document| document.kind == DocumentKind::CreditNote)
            .collect())
    }

    /// Documents issued in `[from, to)`, a page at a time. Errors: storage failures.
    pub async fn issued_between(
        &self,
        conn: &mut PgConnection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: Limit,
    ) -> anyhow::Result<Page<TaxDocument>> {
        postgres::issued_between(conn, from, to, after, limit).await
    }

    /// Every document issued in `[from, to)`; `None` when there are more than `cap`.
    /// Errors: storage failures.
    pub async fn all_issued_between(
        &self,
        conn: &mut PgConnection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        cap: i64,
    ) -> anyhow::Result<Option<Vec<TaxDocument>>> {
        postgres::all_issued_between(conn, from, to, cap).await
    }

    /// The invoice total of each of these orders that has an invoice. Errors: storage
    /// failures.
    pub async fn invoice_totals(
        &self,
        conn: &mut PgConnection,
        orders: &[Uuid],
    ) -> anyhow::Result<HashMap<Uuid, kernel::Money>> {
        postgres::invoice_totals(conn, orders).await
    }

    /// The invoice number of each of these orders that has one. Errors: storage failures.
    pub async fn invoice_numbers(
        &self,
        conn: &mut PgConnection,
        orders: &[Uuid],
    ) -> anyhow::Result<HashMap<Uuid, String>> {
        postgres::invoice_numbers(conn, orders).await.context("reading invoice numbers")
    }
}
