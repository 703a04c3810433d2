//! The dashboard's reports: sums over the rollups ([`crate::postgres::PgSalesLedger`]
//! writes them), never over order lines. A range is whole IST days, both ends included.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike as _, Days, Months, NaiveDate};
use kernel::calendar::{month_start, week_start};
use sqlx::PgPool;
use uuid::Uuid;

use crate::postgres::reports as sql;
use crate::sales::OrderStatus;

/// IST days `from` to `to`, both included, `from` never after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DayRange {
    from: NaiveDate,
    to: NaiveDate,
}

/// Why a range is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the first day is after the last")]
    Reversed,
    #[error("the range covers more than {0} days")]
    TooLong(i64),
}

impl DayRange {
    /// The days `from` to `to`, at most `max_days` of them.
    pub fn new(from: NaiveDate, to: NaiveDate, max_days: i64) -> Result<DayRange, RangeError> {
        if from > to {
            return Err(RangeError::Reversed);
        }
        if (to - from).num_days() + 1 > max_days {
            return Err(RangeError::TooLong(max_days));
        }
        Ok(DayRange { from, to })
    }

    /// The `days` days up to and including `to` (one at least).
    pub fn ending(to: NaiveDate, days: u64) -> DayRange {
        let from = to.checked_sub_days(Days::new(days.saturating_sub(1))).unwrap_or(NaiveDate::MIN);
        DayRange { from, to }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The range as whole months (their first days, both included) and the days at its
    /// edges outside them: a year reads 12 month rows per product instead of 365 days.
    pub(crate) fn split_by_months(&self) -> MonthSplit {
        let first_full = if self.from.day0() == 0 { Some(self.from) } else { next_month(self.from) };
        let last_full = match next_day(self.to) {
            Some(after) if after.day0() == 0 => Some(month_start(self.to)),
            _ => month_start(self.to).checked_sub_months(Months::new(1)),
        };
        match (first_full, last_full) {
            (Some(first), Some(last)) if first <= last => {
                let end_of_last = next_month(last).and_then(|m| m.pred_opt()).unwrap_or(self.to);
                MonthSplit {
                    months: Some((first, last)),
                    head: first.pred_opt().filter(|&d| d >= self.from).map(|d| (self.from, d)),
                    tail: next_day(end_of_last).filter(|&d| d <= self.to).map(|d| (d, self.to)),
                }
            }
            _ => MonthSplit { months: None, head: Some((self.from, self.to)), tail: None },
        }
    }
}

fn next_day(day: NaiveDate) -> Option<NaiveDate> {
    day.succ_opt()
}

fn next_month(day: NaiveDate) -> Option<NaiveDate> {
    month_start(day).checked_add_months(Months::new(1))
}

/// A range cut into whole months and the days before and after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MonthSplit {
    pub months: Option<(NaiveDate, NaiveDate)>,
    pub head: Option<(NaiveDate, NaiveDate)>,
    pub tail: Option<(NaiveDate, NaiveDate)>,
}

/// The range's totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub orders: i64,
    pub units: i64,
    pub revenue: i64,
    pub refunds: i64,
    /// Customers whose first counted order was placed in the range.
    pub new_customers: i64,
    /// Orders placed in the range by their status now (statuses without orders absent).
    pub by_status: BTreeMap<OrderStatus, i64>,
}

impl Summary {
    /// Revenue per order, rounded down; 0 without orders.
    pub fn average_order_value(&self) -> i64 {
        if self.orders == 0 { 0 } else { self.revenue.div_euclid(self.orders) }
    }
}

/// How a sales series groups days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Interval {
    #[default]
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

impl Interval {
    /// The first day of the period `day` is in.
    pub fn period_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Interval::Day => day,
            Interval::Week => week_start(day),
            Interval::Month => month_start(day),
        }
    }

    fn next(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Interval::Day => start.checked_add_days(Days::new(1)),
            Interval::Week => start.checked_add_days(Days::new(7)),
            Interval::Month => start.checked_add_months(Months::new(1)),
        }
    }
}

/// The sales of one period (of its days inside the range).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub orders: i64,
    pub units: i64,
    pub revenue: i64,
    pub refunds: i64,
}

/// One day's row of the daily rollup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySales {
    pub day: NaiveDate,
    pub orders: i64,
    pub units: i64,
    pub revenue: i64,
    pub refunds: i64,
}

/// One product's sales in a range: its line totals less its shares of refunds, its units
/// less returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductSales {
    pub product_id: Uuid,
    pub units: i64,
    pub revenue: i64,
}

/// What the top products are ranked by; ties go to the other figure, then the product id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Ranking {
    #[default]
    Revenue,
    Units,
}

/// A report failed: storage only (a range is checked when it is made).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The reports over the sales figures.
#[derive(Debug, Clone)]
pub struct SalesReports {
    pool: PgPool,
}

impl SalesReports {
    pub fn new(pool: PgPool) -> Self {
        SalesReports { pool }
    }

    /// The range's totals, its new customers and its orders by status.
    #[tracing::instrument(name = "analytics.summary", skip(self))]
    pub async fn summary(&self, range: DayRange) -> Result<Summary, ReportError> {
        Ok(sql::summary(&self.pool, range).await?)
    }

    /// Every period meeting the range, in order, empty ones as zeros.
    #[tracing::instrument(name = "analytics.sales", skip(self))]
    pub async fn sales(&self, range: DayRange, interval: Interval) -> Result<Vec<Period>, ReportError> {
        let days = sql::sales_days(&self.pool, range).await?;
        Ok(periods(range, interval, &days))
    }

    /// The `limit` best-selling products by `ranking`.
    #[tracing::instrument(name = "analytics.top_products", skip(self))]
    pub async fn top_products(
        &self,
        range: DayRange,
        ranking: Ranking,
        limit: u32,
    ) -> Result<Vec<ProductSales>, ReportError> {
        Ok(sql::product_sales(&self.pool, range, Some((ranking, limit))).await?)
    }

    /// Every product with sales in the range (any order).
    #[tracing::instrument(name = "analytics.product_totals", skip(self))]
    pub async fn product_totals(&self, range: DayRange) -> Result<Vec<ProductSales>, ReportError> {
        Ok(sql::product_sales(&self.pool, range, None).await?)
    }

    /// Units sold of these products in the range (less returns); absent: none sold.
    #[tracing::instrument(name = "analytics.units_sold", skip(self, products), fields(count = products.len()))]
    pub async fn units_sold(&self, range: DayRange, products: &[Uuid]) -> Result<HashMap<Uuid, i64>, ReportError> {
        if products.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(sql::units_sold(&self.pool, range, products).await?)
    }
}

/// The days' rows grouped into periods, every period meeting the range present.
pub fn periods(range: DayRange, interval: Interval, days: &[DaySales]) -> Vec<Period> {
    let mut periods: BTreeMap<NaiveDate, Period> = BTreeMap::new();
    let mut start = Some(interval.period_of(range.from));
    while let Some(s) = start.filter(|&s| s <= range.to) {
        periods.insert(s, Period { start: s, ..Period::default() });
        start = interval.next(s);
    }
    for day in days.iter().filter(|d| d.day >= range.from && d.day <= range.to) {
        let period = periods.entry(interval.period_of(day.day)).or_default();
        period.orders += day.orders;
        period.units += day.units;
        period.revenue += day.revenue;
        period.refunds += day.refunds;
    }
    periods.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    fn range(from: &str, to: &str) -> DayRange {
        DayRange::new(day(from), day(to), 3_660).unwrap()
    }

    #[test]
    fn a_range_is_refused_reversed_or_too_long() {
        assert_eq!(DayRange::new(day("2026-11-02"), day("2026-11-01"), 10), Err(RangeError::Reversed));
        assert_eq!(DayRange::new(day("2026-11-01"), day("2026-11-11"), 10), Err(RangeError::TooLong(10)));
        assert!(DayRange::new(day("2026-11-01"), day("2026-11-10"), 10).is_ok());
    }

    #[test]
    fn a_year_reads_whole_months_and_the_days_at_its_edges() {
        let split = range("2025-11-27", "2026-11-26").split_by_months();
        assert_eq!(split.months, Some((day("2025-12-01"), day("2026-10-01"))));
        assert_eq!(split.head, Some((day("2025-11-27"), day("2025-11-30"))));
        assert_eq!(split.tail, Some((day("2026-11-01"), day("2026-11-26"))));
    }

    #[test]
    fn whole_months_need_no_days_and_a_short_range_no_months() {
        let split = range("2026-01-01", "2026-02-28").split_by_months();
        assert_eq!(split, MonthSplit { months: Some((day("2026-01-01"), day("2026-02-01"))), head: None, tail: None });
        let split = range("2026-01-05", "2026-02-10").split_by_months();
        assert_eq!(split, MonthSplit { months: None, head: Some((day("2026-01-05"), day("2026-02-10"))), tail: None });
    }

    #[test]
    fn periods_cover_the_range_with_zeros_and_weeks_start_on_monday() {
        // 2026-11-26 is a Thursday; its week starts on Monday the 23rd.
        let days = [DaySales { day: day("2026-11-30"), orders: 2, units: 3, revenue: 500, refunds: 0 }];
        let weeks = periods(range("2026-11-26", "2026-12-01"), Interval::Week, &days);
        let starts: Vec<NaiveDate> = weeks.iter().map(|p| p.start).collect();
        assert_eq!(starts, vec![day("2026-11-23"), day("2026-11-30")]);
        assert_eq!((weeks[0].orders, weeks[1].orders, weeks[1].revenue), (0, 2, 500));
        let months = periods(range("2026-11-26", "2026-12-01"), Interval::Month, &days);
        assert_eq!(months.iter().map(|p| p.start).collect::<Vec<_>>(), vec![day("2026-11-01"), day("2026-12-01")]);
    }

    #[test]
    fn the_average_order_rounds_down() {
        let summary = Summary { orders: 3, revenue: 100, ..Summary::default() };
        assert_eq!(summary.average_order_value(), 33);
        assert_eq!(Summary::default().average_order_value(), 0);
    }
}
