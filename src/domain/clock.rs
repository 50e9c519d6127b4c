//! The service's clock: the council's policy, a working-day calendar for
//! each region, and the UK date an instant falls on.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::bank_holidays::Region;
use super::calendar::{Calendar, CalendarError};
use super::deadlines::Deadlines;
use super::policy::Policy;

/// The policy and its calendars, built once at start-up.
#[derive(Debug)]
pub struct Clock {
    policy: Policy,
    /// Indexed like `Region::ALL`. The policy's region carries the bank
    /// holiday corrections; every region carries the council's closure days.
    calendars: Vec<Calendar>,
}

impl Clock {
    /// Builds every region's calendar for this policy.
    pub fn new(policy: Policy) -> Result<Clock, CalendarError> {
        let calendars = Region::ALL
            .iter()
            .map(|region| {
                if *region == policy.region {
                    policy.calendar()
                } else {
                    let mut builder = Calendar::new(*region);
                    for (date, label) in &policy.closure_days {
                        builder = builder.with_closure_day(*date, label.clone());
                    }
                    builder.build()
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Clock { policy, calendars })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The calendar of a region.
    pub fn calendar(&self, region: Region) -> &Calendar {
        let index = Region::ALL.iter().position(|r| *r == region).unwrap_or(0);
        &self.calendars[index]
    }

    /// The calendar the council's deadlines are counted on.
    pub fn council_calendar(&self) -> &Calendar {
        self.calendar(self.policy.region)
    }

    /// The council's deadlines: its policy counted on its calendar.
    pub fn deadlines(&self) -> Deadlines<'_> {
        Deadlines::new(&self.policy, self.council_calendar())
    }
}

/// The date in the UK (GMT, or BST from 01:00 UTC on the last Sunday of March
/// to 01:00 UTC on the last Sunday of October) of a UTC instant: the day of
/// receipt is the council's day, not UTC's.
pub fn uk_date(utc: NaiveDateTime) -> NaiveDate {
    let year = utc.year();
    let starts = last_sunday(year, 3).and_hms_opt(1, 0, 0);
    let ends = last_sunday(year, 10).and_hms_opt(1, 0, 0);
    let summer = matches!((starts, ends), (Some(s), Some(e)) if utc >= s && utc < e);
    if summer {
        (utc + TimeDelta::hours(1)).date()
    } else {
        utc.date()
    }
}

/// The UTC instant a UK day starts: midnight GMT, or 23:00 UTC the day
/// before in summer time.
pub fn uk_midnight_utc(date: NaiveDate) -> NaiveDateTime {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    let summer = midnight - TimeDelta::hours(1);
    if uk_date(summer) == date {
        summer
    } else {
        midnight
    }
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, month, 31).unwrap_or(NaiveDate::MIN);
    let back = last.weekday().num_days_from_sunday();
    last - TimeDelta::days(i64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("instant")
    }

    #[test]
    fn a_uk_day_starts_at_midnight_in_winter_and_23_00_utc_in_summer() {
        let day = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").expect("date");
        assert_eq!(uk_midnight_utc(day("2026-01-15")), at("2026-01-15 00:00"));
        assert_eq!(uk_midnight_utc(day("2026-07-01")), at("2026-06-30 23:00"));
        // The clocks go forward at 01:00 UTC on 29 March 2026: that day starts in GMT.
        assert_eq!(uk_midnight_utc(day("2026-03-29")), at("2026-03-29 00:00"));
        assert_eq!(uk_midnight_utc(day("2026-03-30")), at("2026-03-29 23:00"));
    }

    #[test]
    fn the_day_of_receipt_is_the_uk_date() {
        // BST: 23:30 UTC on a summer evening is already the next day in the UK.
        assert_eq!(uk_date(at("2026-07-01 23:30")).to_string(), "2026-07-02");
        assert_eq!(uk_date(at("2026-07-01 22:59")).to_string(), "2026-07-01");
        // GMT in winter.
        assert_eq!(uk_date(at("2026-12-01 23:30")).to_string(), "2026-12-01");
        // The changeovers: 29 March and 25 October 2026, at 01:00 UTC.
        assert_eq!(uk_date(at("2026-03-29 00:59")).to_string(), "2026-03-29");
        assert_eq!(uk_date(at("2026-03-28 23:30")).to_string(), "2026-03-28");
        assert_eq!(uk_date(at("2026-10-24 23:30")).to_string(), "2026-10-25");
        assert_eq!(uk_date(at("2026-10-25 23:30")).to_string(), "2026-10-25");
    }
}
