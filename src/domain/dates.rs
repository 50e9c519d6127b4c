//! The dates the service takes from a caller: anything from 1900 to 2199. Older or later dates
//! are no council's business and lie outside what both databases store alike (PostgreSQL's
//! timestamps end where SQLite's text does not), so they are refused as values, never sent
//! to a query.

use chrono::{NaiveDate, NaiveDateTime};

/// The earliest date taken.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(date) => date,
    None => panic!("1900-01-01 is a date"),
};

/// The latest date taken.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(date) => date,
    None => panic!("2199-12-31 is a date"),
};

/// Whether `date` is one the service takes.
pub fn plausible(date: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&date)
}

/// Whether the day of `at` is one the service takes.
pub fn plausible_instant(at: NaiveDateTime) -> bool {
    plausible(at.date())
}

/// What a caller is told of a date outside the range.
pub fn range() -> String {
    format!("must be a date from {EARLIEST} to {LATEST}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn dates_from_1900_to_2199_are_taken_and_no_others() {
        assert!(plausible(date("1900-01-01")));
        assert!(plausible(date("2026-12-01")));
        assert!(plausible(date("2199-12-31")));
        assert!(!plausible(date("1899-12-31")));
        assert!(!plausible(date("2200-01-01")));
        assert!(!plausible(date("0000-01-01")));
        assert!(!plausible(date("9999-12-31")));
        assert!(!plausible(date("-5000-01-01")));
        assert_eq!(range(), "must be a date from 1900-01-01 to 2199-12-31");
    }
}
