//! Tax invoices and credit notes as the customer and the admin read them: the invoicing
//! domain's documents, found by order (the admin's by id or number, through the orders
//! domain), and a period's documents for GST filing.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, Utc};
use invoicing::{DocumentKind, Invoicing, TaxDocument};
use kernel::calendar::ist_day;
use kernel::{Cursor, InvalidInput, Limit, Money, Page};
use orders::admin_queries::OrderKey;
use sqlx::PgPool;
use uuid::Uuid;

use crate::app::admin_orders::placed_between;
use crate::error::ApiError;
use crate::state::OrdersService;

/// The longest period one filing list covers.
pub const MAX_PERIOD_DAYS: u64 = 366;

/// The most documents one CSV export holds (a narrower period is asked for beyond it).
pub const MAX_CSV_DOCUMENTS: i64 = 20_000;

/// What the invoice routes read: the invoicing domain's documents, and the orders to
/// find an order by number.
#[derive(Debug, Clone)]
pub struct InvoiceReads {
    pool: PgPool,
    invoicing: Invoicing,
}

impl InvoiceReads {
    pub fn new(pool: PgPool, invoicing: Invoicing) -> Self {
        InvoiceReads { pool, invoicing }
    }

    async fn connection(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, ApiError> {
        Ok(self.pool.acquire().await.map_err(anyhow::Error::from)?)
    }

    /// The customer's own order's invoice; 404 for another customer's order, an unknown
    /// one, or one not paid (or confirmed) yet.
    #[tracing::instrument(name = "app.customer_invoice", skip(self))]
    pub async fn customer_invoice(&self, user: Uuid, order: Uuid) -> Result<TaxDocument, ApiError> {
        let mut conn = self.connection().await?;
        let invoice = self.invoicing.invoice_of(&mut conn, order).await?;
        invoice.filter(|invoice| invoice.customer_id == user).ok_or_else(ApiError::not_found)
    }

    /// An order's invoice, by its id or number; 404 for an unknown order or one not paid
    /// (or confirmed) yet.
    #[tracing::instrument(name = "app.admin_invoice", skip(self, orders))]
    pub async fn admin_invoice(&self, orders: &OrdersService, key: &OrderKey) -> Result<TaxDocument, ApiError> {
        let order = order_id(orders, key).await?;
        let mut conn = self.connection().await?;
        self.invoicing.invoice_of(&mut conn, order).await?.ok_or_else(ApiError::not_found)
    }

    /// An order's credit notes, oldest first; 404 for an unknown order.
    #[tracing::instrument(name = "app.credit_notes", skip(self, orders))]
    pub async fn credit_notes(&self, orders: &OrdersService, key: &OrderKey) -> Result<Vec<TaxDocument>, ApiError> {
        let order = order_id(orders, key).await?;
        let mut conn = self.connection().await?;
        Ok(self.invoicing.credit_notes_of(&mut conn, order).await?)
    }

    /// A page of the documents issued in the period, in the order issued. Errors: 422
    /// naming `from`, `to` or `cursor`.
    #[tracing::instrument(name = "app.invoices_page", skip(self))]
    pub async fn page(
        &self,
        period: Period,
        limit: Limit,
        cursor: Option<&Cursor>,
    ) -> Result<Page<TaxDocument>, ApiError> {
        let after = cursor
            .map(|cursor| Cursor::decode_after::<Uuid>(cursor.as_str()))
            .transpose()
            .map_err(|_| InvalidInput::field("cursor", "is not valid for this list"))?;
        let mut conn = self.connection().await?;
        Ok(self.invoicing.issued_between(&mut conn, period.start, period.end, after, limit).await?)
    }

    /// Every document issued in the period, and each one's invoice total (for its GSTR-1
    /// section). Errors: 422 naming `from` when the period holds more than
    /// [`MAX_CSV_DOCUMENTS`].
    #[tracing::instrument(name = "app.invoices_all", skip(self))]
    pub async fn all(
        &self,
        period: Period,
    ) -> Result<(Vec<TaxDocument>, std::collections::HashMap<Uuid, Money>), ApiError> {
        let mut conn = self.connection().await?;
        let documents = self
            .invoicing
            .all_issued_between(&mut conn, period.start, period.end, MAX_CSV_DOCUMENTS)
            .await?
            .ok_or_else(|| {
                InvalidInput::field(
                    "from",
                    format!("the period holds more than {MAX_CSV_DOCUMENTS} documents: narrow it"),
                )
            })?;
        let mut orders: Vec<Uuid> = documents
            .iter()
            .filter(|document| document.kind == DocumentKind::CreditNote)
            .map(|document| document.order_id)
            .collect();
        orders.sort_unstable();
        orders.dedup();
        let totals = self.invoicing.invoice_totals(&mut conn, &orders).await?;
        Ok((documents, totals))
    }

    /// The invoice number of each of these orders that has one.
    pub async fn invoice_numbers(&self, orders: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, ApiError> {
        let mut conn = self.connection().await?;
        Ok(self.invoicing.invoice_numbers(&mut conn, orders).await?)
    }
}

/// The id of the order `key` names; 404 when there is none.
async fn order_id(orders: &OrdersService, key: &OrderKey) -> Result<Uuid, ApiError> {
    Ok(orders.admin_view(key).await?.ok_or_else(ApiError::not_found)?.order.id)
}

/// A filing period: `[start, end)`, from IST days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Period {
    /// The IST days `from` to `to`, both included; without `from`, the first of `to`'s
    /// month (or of this month); without `to`, today (IST). Errors: 422 naming `from`
    /// (after `to`) or `to` (more than [`MAX_PERIOD_DAYS`] days).
    pub fn of_days(from: Option<NaiveDate>, to: Option<NaiveDate>, now: DateTime<Utc>) -> Result<Period, InvalidInput> {
        let to = to.unwrap_or_else(|| ist_day(now));
        let from = from.unwrap_or_else(|| to.with_day(1).unwrap_or(to));
        let (start, end) = placed_between(Some(from), Some(to))?;
        let too_long = from.checked_add_days(Days::new(MAX_PERIOD_DAYS)).is_some_and(|limit| to >= limit);
        if too_long {
            return Err(InvalidInput::field("to", format!("must be at most {MAX_PERIOD_DAYS} days from `from`")));
        }
        match (start, end) {
            (Some(start), Some(end)) => Ok(Period { start, end }),
            _ => Err(InvalidInput::field("to", "is out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn a_period_defaults_to_this_month_so_far_and_is_bounded() {
        let now = "2026-11-27T10:00:00Z".parse().unwrap();
        let period = Period::of_days(None, None, now).unwrap();
        assert_eq!(period.start, "2026-10-31T18:30:00Z".parse::<DateTime<Utc>>().unwrap());
        assert_eq!(period.end, "2026-11-27T18:30:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(Period::of_days(Some(day("2026-01-01")), Some(day("2027-01-01")), now).is_ok());
        let long = Period::of_days(Some(day("2026-01-01")), Some(day("2027-01-02")), now).unwrap_err();
        assert_eq!(long.0[0].field, "to");
        let backwards = Period::of_days(Some(day("2026-02-01")), Some(day("2026-01-01")), now).unwrap_err();
        assert_eq!(backwards.0[0].field, "from");
    }
}
