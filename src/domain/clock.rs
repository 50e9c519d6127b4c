//! The service's clock: the council's policy, a working-day calendar for
//! each region, and the UK date an instant falls on.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::bank_holidays::Region;
use super::calendar::{Calendar, CalendarError};
use super::case::Kind;
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

    /// When a new case's acknowledgement is due: a complaint always, a
    /// compliment or comment only when the customer asked for a reply.
    /// `None` when nothing is due, or the date is outside the calendar.
    pub fn acknowledgement_due(
        &self,
        kind: Kind,
        received_at_utc: NaiveDateTime,
        response_requested: bool,
    ) -> Option<NaiveDate> {
        let working_days = match kind {
            Kind::Complaint => self.policy.stage_1.acknowledge_working_days,
            Kind::Compliment if response_requested => {
                self.policy.compliments.acknowledge_working_days
            }
            Kind::Comment if response_requested => self.policy.comments.acknowledge_working_days,
            Kind::Compliment | Kind::Comment => return None,
        };
        self.council_calendar()
            .add_working_days(uk_date(received_at_utc), working_days)
            .ok()
    }

    /// When the reply to a compliment or comment is due, counted from
    /// receipt: only when the customer asked for one. `None` for a
    /// complaint (its stages have their own clock).
    pub fn feedback_reply_due(
        &self,
        kind: Kind,
        received_at_utc: NaiveDateTime,
        response_requested: bool,
    ) -> Option<NaiveDate> {
        let working_days = match kind {
            Kind::Compliment if response_requested => self.policy.compliments.response_working_days,
            Kind::Comment if response_requested => self.policy.comments.response_working_days,
            _ => return None,
        };
        self.council_calendar()
            .add_working_days(uk_date(received_at_utc), working_days)
            .ok()
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
    use crate::domain::policy::Preset;

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

    #[test]
    fn a_complaint_is_acknowledged_within_the_policys_working_days_and_a_compliment_only_if_asked()
    {
        let clock = Clock::new(Policy::preset(Preset::ComplaintHandlingCode)).expect("clock");
        // Received Friday 18 December 2026: 5 working days skip the weekend,
        // Christmas Day and the Boxing Day substitute (Monday 28th).
        let due = clock.acknowledgement_due(Kind::Complaint, at("2026-12-18 10:00"), true);
        assert_eq!(due.map(|d| d.to_string()).as_deref(), Some("2026-12-29"));
        assert_eq!(
            clock.acknowledgement_due(Kind::Compliment, at("2026-12-18 10:00"), false),
            None
        );
        let asked = clock.acknowledgement_due(Kind::Compliment, at("2026-12-18 10:00"), true);
        assert_eq!(asked.map(|d| d.to_string()).as_deref(), Some("2027-01-06"));
    }

    #[test]
    fn redditch_acknowledges_in_two_working_days() {
        let clock = Clock::new(Policy::preset(Preset::Redditch)).expect("clock");
        let due = clock.acknowledgement_due(Kind::Complaint, at("2026-11-20 10:00"), true);
        assert_eq!(due.map(|d| d.to_string()).as_deref(), Some("2026-11-24"));
    }
}
