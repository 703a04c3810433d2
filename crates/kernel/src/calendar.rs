//! The store's calendar: India Standard Time (UTC+05:30, no daylight saving), in which
//! every admin day, week and month is counted.

use chrono::{DateTime, Datelike as _, Days, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};

use crate::InvalidInput;

/// India Standard Time.
pub const IST: FixedOffset = match FixedOffset::east_opt(5 * 3600 + 30 * 60) {
    Some(offset) => offset,
    None => panic!("UTC+05:30 is a valid offset"),
};

/// The IST day an instant falls on.
pub fn ist_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&IST).date_naive()
}

/// The instant an IST day starts (`None` only where chrono's range ends).
pub fn ist_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_time(NaiveTime::MIN).and_local_timezone(IST).single().map(|at| at.with_timezone(&Utc))
}

/// The first day of the day's month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The Monday of the day's week (weeks start on Monday).
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day.week(Weekday::Mon).first_day()
}

/// The years an admin's day (`from`, `to`) may fall in: enough for any store, and far
/// from where date arithmetic runs out.
pub const ADMIN_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// Refuses the first of these days (parameter name, day) outside [`ADMIN_YEARS`], naming it.
pub fn check_admin_days(days: &[(&str, Option<NaiveDate>)]) -> Result<(), InvalidInput> {
    match days.iter().find(|(_, day)| day.is_some_and(|day| !ADMIN_YEARS.contains(&day.year()))) {
        Some((field, _)) => Err(InvalidInput::field(*field, "must be a day between the years 1900 and 9999")),
        None => Ok(()),
    }
}

/// The day after, when there is one.
pub fn next_day(day: NaiveDate) -> Option<NaiveDate> {
    day.checked_add_days(Days::new(1))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn day(raw: &str) -> NaiveDate {
        raw.parse().unwrap()
    }

    #[test]
    fn an_instant_falls_on_its_ist_day_not_its_utc_day() {
        // 23:59 IST on the 21st is 18:29 UTC; 00:01 IST on the 22nd is 18:31 UTC the 21st.
        assert_eq!(ist_day(Utc.with_ymd_and_hms(2026, 11, 21, 18, 29, 0).unwrap()), day("2026-11-21"));
        assert_eq!(ist_day(Utc.with_ymd_and_hms(2026, 11, 21, 18, 31, 0).unwrap()), day("2026-11-22"));
    }

    #[test]
    fn an_ist_day_starts_at_half_past_six_the_evening_before_in_utc() {
        assert_eq!(ist_midnight(day("2026-11-22")), Some(Utc.with_ymd_and_hms(2026, 11, 21, 18, 30, 0).unwrap()));
    }

    #[test]
    fn an_admin_day_outside_the_years_1900_to_9999_is_refused_naming_it() {
        assert!(check_admin_days(&[("from", Some(day("1900-01-01"))), ("to", Some(day("9999-12-31")))]).is_ok());
        assert!(check_admin_days(&[("from", None), ("to", None)]).is_ok());
        let refused = check_admin_days(&[("from", Some(day("2026-01-01"))), ("to", Some(day("1899-12-31")))]);
        assert_eq!(refused.unwrap_err().0[0].field, "to");
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-11-26 is a Thursday.
        assert_eq!(week_start(day("2026-11-26")), day("2026-11-23"));
        assert_eq!(week_start(day("2026-11-23")), day("2026-11-23"));
        assert_eq!(week_start(day("2026-11-22")), day("2026-11-16"));
        assert_eq!(month_start(day("2026-11-26")), day("2026-11-01"));
    }
}
