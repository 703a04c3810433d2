//! Document numbers: `{prefix}/{yy-yy}/{sequence}` for invoices (`RM/26-27/000123`) and
//! `{prefix}/CN/{yy-yy}/{sequence}` for credit notes (`RM/CN/26-27/0042`), unique and
//! consecutive within an Indian financial year (1 April to 31 March, IST).
//!
//! GST law allows at most 16 characters. The year is written `26-27` (not `2026-27`),
//! because with the long form a credit note's number would have room for two digits of
//! sequence. Sequences are zero-padded (six digits for invoices, four for credit notes)
//! and grow past the padding while the number still fits; a one-character prefix leaves
//! one more digit.

use chrono::{DateTime, Datelike as _, Utc};
use kernel::InvalidInput;
use kernel::calendar::ist_day;

use crate::model::DocumentKind;

/// Longest document number GST allows.
pub const MAX_NUMBER_LEN: usize = 16;

/// An Indian financial year, by the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FinancialYear(pub i32);

impl FinancialYear {
    /// The financial year of an instant: from 1 April 00:00 IST.
    pub fn of(at: DateTime<Utc>) -> Self {
        let day = ist_day(at);
        FinancialYear(if day.month() >= 4 { day.year() } else { day.year() - 1 })
    }

    /// `2026-27`.
    pub fn label(self) -> String {
        format!("{}-{:02}", self.0, (self.0 + 1).rem_euclid(100))
    }

    /// `26-27`, as numbers carry it.
    pub fn short(self) -> String {
        format!("{:02}-{:02}", self.0.rem_euclid(100), (self.0 + 1).rem_euclid(100))
    }
}

/// The letters every document number starts with: one or two capital letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPrefix(String);

impl SeriesPrefix {
    /// `field` names it in the refusal.
    pub fn parse(raw: &str, field: &str) -> Result<Self, InvalidInput> {
        let ok = (1..=2).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(SeriesPrefix(raw.to_owned()))
        } else {
            Err(InvalidInput::field(field, "must be one or two capital letters or digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A series has used every number that fits in 16 characters this year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {kind} series of {year} is full: number {sequence} does not fit in 16 characters")]
pub struct SeriesFull {
    pub kind: &'static str,
    pub year: String,
    pub sequence: i32,
}

/// The number of the `sequence`th document of `kind` in `year`.
pub fn document_number(
    prefix: &SeriesPrefix,
    kind: DocumentKind,
    year: FinancialYear,
    sequence: i32,
) -> Result<String, SeriesFull> {
    let number = match kind {
        DocumentKind::Invoice => format!("{}/{}/{:06}", prefix.0, year.short(), sequence),
        DocumentKind::CreditNote => format!("{}/CN/{}/{:04}", prefix.0, year.short(), sequence),
    };
    if number.len() > MAX_NUMBER_LEN {
        return Err(SeriesFull { kind: kind.as_str(), year: year.label(), sequence });
    }
    Ok(number)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn prefix(raw: &str) -> SeriesPrefix {
        SeriesPrefix::parse(raw, "prefix").unwrap()
    }

    #[test]
    fn the_financial_year_turns_at_midnight_ist_on_the_first_of_april() {
        // 31 March 2027 23:59:59 IST is 18:29:59 UTC; 1 April 00:00 IST is 18:30 UTC.
        let last = Utc.with_ymd_and_hms(2027, 3, 31, 18, 29, 59).unwrap();
        let first = Utc.with_ymd_and_hms(2027, 3, 31, 18, 30, 0).unwrap();
        assert_eq!(FinancialYear::of(last), FinancialYear(2026));
        assert_eq!(FinancialYear::of(first), FinancialYear(2027));
        assert_eq!(FinancialYear(2026).label(), "2026-27");
        assert_eq!(FinancialYear(2099).short(), "99-00");
    }

    #[test]
    fn numbers_fit_sixteen_characters() {
        let year = FinancialYear(2026);
        assert_eq!(document_number(&prefix("RM"), DocumentKind::Invoice, year, 123).unwrap(), "RM/26-27/000123");
        assert_eq!(document_number(&prefix("RM"), DocumentKind::CreditNote, year, 42).unwrap(), "RM/CN/26-27/0042");
        assert_eq!(document_number(&prefix("RM"), DocumentKind::Invoice, year, 9_999_999).unwrap().len(), 16);
        assert!(document_number(&prefix("RM"), DocumentKind::Invoice, year, 10_000_000).is_err());
        assert!(document_number(&prefix("RM"), DocumentKind::CreditNote, year, 10_000).is_err());
        assert_eq!(document_number(&prefix("R"), DocumentKind::CreditNote, year, 10_000).unwrap(), "R/CN/26-27/10000");
    }

    #[test]
    fn a_prefix_is_one_or_two_capitals_or_digits() {
        for bad in ["", "RMC", "rm", "R/", "R\0"] {
            assert!(SeriesPrefix::parse(bad, "INVOICE_PREFIX").is_err(), "{bad:?}");
        }
        assert_eq!(prefix("R2").as_str(), "R2");
    }
}
