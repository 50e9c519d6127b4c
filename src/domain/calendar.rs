//! Working days: the council's calendar and the due-date arithmetic built on it.
//!
//! A working day is a weekday that is neither a bank holiday of the policy's region nor a
//! configured council closure day. The day a case is received is day 0; a case received on a
//! non-working day starts from the next working day. So `n` working days from a Monday with no
//! holidays is the Monday `n / 5` weeks later plus `n % 5` days, and 0 working days from a
//! Saturday is the Monday.
//!
//! A [`Calendar`] precomputes, for every day of the supported range
//! ([`FIRST_SUPPORTED_DATE`]..=[`LAST_SUPPORTED_DATE`]), how many working days come before it, and
//! keeps the list of working days, so adding and counting working days are two array reads.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::bank_holidays::{self, Region};

/// First date the calendar knows: 1 January of [`bank_holidays::FIRST_YEAR`].
pub const FIRST_SUPPORTED_DATE: NaiveDate = ymd_or_min(bank_holidays::FIRST_YEAR, 1, 1);
/// Last date the calendar knows: 31 December of [`bank_holidays::LAST_YEAR`].
pub const LAST_SUPPORTED_DATE: NaiveDate = ymd_or_min(bank_holidays::LAST_YEAR, 12, 31);
/// The largest number of working days a single calculation accepts (about four years). Policy
/// timescales are a few weeks; anything near this is a mistake in the request.
pub const MAX_WORKING_DAYS: u32 = 1_000;

const fn ymd_or_min(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

/// Why a day is not a working day.
///
/// When several reasons apply, the bank holiday wins, then the weekend, then the closure: a
/// Christmas Day inside a closure week reads "Christmas Day", and a Saturday inside it reads
/// "Saturday".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NonWorkingReason {
    /// Saturday or Sunday.
    Weekend(Weekday),
    /// A bank holiday of the calendar's region, with its name (e.g. "Christmas Day").
    BankHoliday(String),
    /// A council closure day from configuration, with its label.
    ClosureDay(String),
}

impl NonWorkingReason {
    /// A stable machine-readable kind: `weekend`, `bank_holiday` or `closure_day`.
    pub fn kind(&self) -> &'static str {
        match self {
            NonWorkingReason::Weekend(_) => "weekend",
            NonWorkingReason::BankHoliday(_) => "bank_holiday",
            NonWorkingReason::ClosureDay(_) => "closure_day",
        }
    }

    /// What a person reads: "Saturday", "Christmas Day", or the closure day's label.
    pub fn description(&self) -> &str {
        match self {
            NonWorkingReason::Weekend(Weekday::Sun) => "Sunday",
            NonWorkingReason::Weekend(_) => "Saturday",
            NonWorkingReason::BankHoliday(name) => name,
            NonWorkingReason::ClosureDay(label) => label,
        }
    }
}

impl fmt::Display for NonWorkingReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Serialises as `{"kind": "bank_holiday", "description": "Christmas Day"}`.
impl Serialize for NonWorkingReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("NonWorkingReason", 2)?;
        state.serialize_field("kind", self.kind())?;
        state.serialize_field("description", self.description())?;
        state.end()
    }
}

/// A change to the region's bank holidays, for one-offs announced after the table was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BankHolidayCorrection {
    /// Treat `date` as a bank holiday called `name` (replacing the name if it already is one).
    Add {
        /// The extra bank holiday.
        date: NaiveDate,
        /// Its name, shown as the reason the day is skipped.
        name: String,
    },
    /// Treat `date`, which must be a bank holiday of the region, as an ordinary day.
    Remove {
        /// The bank holiday that no longer applies (e.g. one moved by proclamation).
        date: NaiveDate,
    },
}

/// Why a calendar could not be built or a calculation could not be made. Every message is a
/// sentence a client can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// A date outside [`FIRST_SUPPORTED_DATE`]..=[`LAST_SUPPORTED_DATE`].
    DateOutOfRange {
        /// The date asked about.
        date: NaiveDate,
    },
    /// More than [`MAX_WORKING_DAYS`] working days asked for.
    TooManyWorkingDays {
        /// The count asked for.
        requested: u32,
    },
    /// The answer would fall after [`LAST_SUPPORTED_DATE`].
    ResultOutOfRange {
        /// The starting date.
        start: NaiveDate,
        /// The working days to add.
        working_days: u32,
    },
    /// A correction removes a date that is not a bank holiday of the region.
    NotABankHoliday {
        /// The date the correction names.
        date: NaiveDate,
        /// The calendar's region.
        region: Region,
    },
    /// The same date is both added and removed as a bank holiday.
    ConflictingCorrections {
        /// The date corrected both ways.
        date: NaiveDate,
    },
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalendarError::DateOutOfRange { date } => write!(
                f,
                "date {date} is outside the supported range {FIRST_SUPPORTED_DATE} to {LAST_SUPPORTED_DATE}"
            ),
            CalendarError::TooManyWorkingDays { requested } => write!(
                f,
                "{requested} working days is more than the {MAX_WORKING_DAYS} a calculation allows"
            ),
            CalendarError::ResultOutOfRange {
                start,
                working_days,
            } => write!(
                f,
                "{working_days} working days from {start} falls after {LAST_SUPPORTED_DATE}, the last supported date"
            ),
            CalendarError::NotABankHoliday { date, region } => write!(
                f,
                "cannot remove {date}: it is not a bank holiday in {region}"
            ),
            CalendarError::ConflictingCorrections { date } => write!(
                f,
                "{date} is both added and removed as a bank holiday"
            ),
        }
    }
}

impl std::error::Error for CalendarError {}

/// A due date and the non-working days passed over to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDate {
    /// The working day the count starts from (day 0): the start date itself when it is a working
    /// day, otherwise the next working day.
    pub day_zero: NaiveDate,
    /// The due date; always a working day. A response is late if sent after the end of it.
    pub due: NaiveDate,
    /// Every non-working day from the start date up to the due date, in date order, with why.
    pub skipped: Vec<(NaiveDate, NonWorkingReason)>,
}

/// Collects a region's configuration before [`CalendarBuilder::build`] precomputes the tables.
#[derive(Debug, Clone)]
pub struct CalendarBuilder {
    region: Region,
    closure_days: Vec<(NaiveDate, String)>,
    corrections: Vec<BankHolidayCorrection>,
}

impl CalendarBuilder {
    /// Adds a council closure day with the label shown as its reason. A later label for the same
    /// date replaces an earlier one.
    pub fn with_closure_day(mut self, date: NaiveDate, label: impl Into<String>) -> Self {
        self.closure_days.push((date, label.into()));
        self
    }

    /// Adds a bank holiday the table does not know (a late-announced one-off).
    pub fn with_added_bank_holiday(mut self, date: NaiveDate, name: impl Into<String>) -> Self {
        self.corrections.push(BankHolidayCorrection::Add {
            date,
            name: name.into(),
        });
        self
    }

    /// Removes a bank holiday the table has (e.g. one moved to another day).
    pub fn with_removed_bank_holiday(mut self, date: NaiveDate) -> Self {
        self.corrections
            .push(BankHolidayCorrection::Remove { date });
        self
    }

    /// Applies a correction read from configuration.
    pub fn with_correction(mut self, correction: BankHolidayCorrection) -> Self {
        self.corrections.push(correction);
        self
    }

    /// Checks the configuration and precomputes the working-day tables for the whole supported
    /// range. Fails if a closure day or correction is outside the range, if a removed date is not
    /// a bank holiday, or if a date is both added and removed.
    pub fn build(self) -> Result<Calendar, CalendarError> {
        let mut holidays: BTreeMap<NaiveDate, String> = BTreeMap::new();
        for year in bank_holidays::FIRST_YEAR..=bank_holidays::LAST_YEAR {
            for holiday in bank_holidays::bank_holidays(self.region, year).unwrap_or_default() {
                holidays.insert(holiday.date, holiday.name.to_owned());
            }
        }

        let in_range = |date: NaiveDate| {
            if (FIRST_SUPPORTED_DATE..=LAST_SUPPORTED_DATE).contains(&date) {
                Ok(date)
            } else {
                Err(CalendarError::DateOutOfRange { date })
            }
        };

        let mut removed: Vec<NaiveDate> = Vec::new();
        let mut added: Vec<(NaiveDate, String)> = Vec::new();
        for correction in self.corrections {
            match correction {
                BankHolidayCorrection::Add { date, name } => added.push((in_range(date)?, name)),
                BankHolidayCorrection::Remove { date } => removed.push(in_range(date)?),
            }
        }
        for (date, _) in &added {
            if removed.contains(date) {
                return Err(CalendarError::ConflictingCorrections { date: *date });
            }
        }
        for date in removed {
            if holidays.remove(&date).is_none() {
                return Err(CalendarError::NotABankHoliday {
                    date,
                    region: self.region,
                });
            }
        }
        holidays.extend(added);

        let mut closure_days = BTreeMap::new();
        for (date, label) in self.closure_days {
            closure_days.insert(in_range(date)?, label);
        }

        Ok(Calendar::precompute(self.region, holidays, closure_days))
    }
}

/// A region's working-day calendar with the council's closure days and bank-holiday corrections,
/// precomputed over the supported range. Cheap to share (`Arc`) and to query.
#[derive(Clone)]
pub struct Calendar {
    region: Region,
    first_day_from_ce: i32,
    bank_holidays: BTreeMap<NaiveDate, String>,
    closure_days: BTreeMap<NaiveDate, String>,
    /// For each day of the range: the number of working days strictly before it, which is also
    /// the index in `working_days` of the first working day on or after it.
    working_days_before: Vec<u32>,
    /// Every working day of the range, in order.
    working_days: Vec<NaiveDate>,
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("region", &self.region)
            .field("bank_holidays", &self.bank_holidays.len())
            .field("closure_days", &self.closure_days)
            .field("working_days", &self.working_days.len())
            .finish()
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Starts a calendar for `region`; add closure days and corrections, then
    /// [`CalendarBuilder::build`].
    #[allow(clippy::new_ret_no_self)]
    pub fn new(region: Region) -> CalendarBuilder {
        CalendarBuilder {
            region,
            closure_days: Vec::new(),
            corrections: Vec::new(),
        }
    }

    fn precompute(
        region: Region,
        bank_holidays: BTreeMap<NaiveDate, String>,
        closure_days: BTreeMap<NaiveDate, String>,
    ) -> Calendar {
        let first_day_from_ce = FIRST_SUPPORTED_DATE.num_days_from_ce();
        let day_count =
            usize::try_from(LAST_SUPPORTED_DATE.num_days_from_ce() - first_day_from_ce + 1)
                .unwrap_or(0);
        let mut working_days_before = Vec::with_capacity(day_count);
        let mut working_days = Vec::with_capacity(day_count);
        for date in FIRST_SUPPORTED_DATE.iter_days().take(day_count) {
            // At most ~9,500 days, so the count always fits.
            working_days_before.push(u32::try_from(working_days.len()).unwrap_or(u32::MAX));
            let working = !is_weekend(date)
                && !bank_holidays.contains_key(&date)
                && !closure_days.contains_key(&date);
            if working {
                working_days.push(date);
            }
        }
        Calendar {
            region,
            first_day_from_ce,
            bank_holidays,
            closure_days,
            working_days_before,
            working_days,
        }
    }

    /// The region whose bank holidays this calendar skips.
    pub fn region(&self) -> Region {
        self.region
    }

    /// The bank holidays in force (table, projection and corrections), in date order.
    pub fn bank_holidays(&self) -> impl Iterator<Item = (NaiveDate, &str)> + '_ {
        self.bank_holidays
            .iter()
            .map(|(date, name)| (*date, name.as_str()))
    }

    /// The configured closure days, in date order.
    pub fn closure_days(&self) -> impl Iterator<Item = (NaiveDate, &str)> + '_ {
        self.closure_days
            .iter()
            .map(|(date, label)| (*date, label.as_str()))
    }

    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        usize::try_from(date.num_days_from_ce() - self.first_day_from_ce)
            .ok()
            .filter(|index| *index < self.working_days_before.len())
            .ok_or(CalendarError::DateOutOfRange { date })
    }

    /// Position of the first working day on or after `date` in the list of working days.
    fn position(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        let index = self.index(date)?;
        Ok(self.working_days_before[index] as usize)
    }

    /// Why `date` is not a working day, or `None` if it is one. Outside the supported range only
    /// weekends are known.
    pub fn non_working_reason(&self, date: NaiveDate) -> Option<NonWorkingReason> {
        if let Some(name) = self.bank_holidays.get(&date) {
            return Some(NonWorkingReason::BankHoliday(name.clone()));
        }
        if is_weekend(date) {
            return Some(NonWorkingReason::Weekend(date.weekday()));
        }
        self.closure_days
            .get(&date)
            .map(|label| NonWorkingReason::ClosureDay(label.clone()))
    }

    /// Whether `date` is a working day. Outside the supported range the calendar knows no bank
    /// holidays or closures, so only weekends count as non-working there; the calculations below
    /// refuse such dates instead.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.position(date) {
            Ok(position) => self.working_days.get(position) == Some(&date),
            Err(_) => !is_weekend(date),
        }
    }

    /// The working day `working_days` after `start`, counting `start` as day 0 when it is a
    /// working day and the next working day as day 0 when it is not. The result is always a
    /// working day; with `working_days == 0` it is the first working day on or after `start`.
    pub fn add_working_days(
        &self,
        start: NaiveDate,
        working_days: u32,
    ) -> Result<NaiveDate, CalendarError> {
        if working_days > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyWorkingDays {
                requested: working_days,
            });
        }
        let position = self.position(start)? + working_days as usize;
        self.working_days
            .get(position)
            .copied()
            .ok_or(CalendarError::ResultOutOfRange {
                start,
                working_days,
            })
    }

    /// The working day `working_days` before `date`, counting `date` as day 0 when it is a
    /// working day and the last working day before it as day 0 when it is not: with
    /// `working_days == 0` it is the last working day on or before `date`.
    pub fn subtract_working_days(
        &self,
        date: NaiveDate,
        working_days: u32,
    ) -> Result<NaiveDate, CalendarError> {
        if working_days > MAX_WORKING_DAYS {
            return Err(CalendarError::TooManyWorkingDays {
                requested: working_days,
            });
        }
        // The first working day on or after `date`, and one back when `date` is not one.
        let on_or_after = self.position(date)?;
        let day_zero = if self.is_working_day(date) {
            Some(on_or_after)
        } else {
            on_or_after.checked_sub(1)
        };
        day_zero
            .and_then(|p| p.checked_sub(working_days as usize))
            .and_then(|p| self.working_days.get(p))
            .copied()
            .ok_or(CalendarError::DateOutOfRange { date })
    }

    /// Like [`Calendar::add_working_days`], with day 0 and every non-working day passed over
    /// between `start` and the due date.
    pub fn due_date(&self, start: NaiveDate, working_days: u32) -> Result<DueDate, CalendarError> {
        let day_zero = self.add_working_days(start, 0)?;
        let due = self.add_working_days(start, working_days)?;
        let skipped = start
            .iter_days()
            .take_while(|date| *date < due)
            .filter(|date| !self.is_working_day(*date))
            .filter_map(|date| self.non_working_reason(date).map(|reason| (date, reason)))
            .collect();
        Ok(DueDate {
            day_zero,
            due,
            skipped,
        })
    }

    /// Working days from `from` to `to`: the inverse of [`Calendar::add_working_days`].
    ///
    /// Each date is first moved to the first working day on or after it (the day-0 rule), and the
    /// result is the number of working days from the first to the second; negative when `to` is
    /// before `from`. So for any `from`, `to` and `n`:
    ///
    /// - `working_days_between(from, add_working_days(from, n)) == n`;
    /// - `working_days_between(from, to) <= n` exactly when `to <= add_working_days(from, n)`, so
    ///   a response sent on `to` is on time exactly when this count is at most the allowance (a
    ///   response sent on the Saturday after a Friday due date counts one day over);
    /// - two dates in the same run of non-working days are 0 apart, and
    ///   `working_days_between(a, b) == -working_days_between(b, a)`.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let from = self.position(from)?;
        let to = self.position(to)?;
        Ok(to as i64 - from as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Days;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn calendar(region: Region) -> Calendar {
        Calendar::new(region)
            .build()
            .expect("plain calendar builds")
    }

    fn england() -> Calendar {
        calendar(Region::EnglandAndWales)
    }

    #[test]
    fn counting_back_takes_the_due_date_as_day_zero_and_skips_what_is_not_worked() {
        let cal = england();
        // Thursday 7 May 2026, 2 working days back: Tuesday 5 May (Monday 4 May is the Early
        // May bank holiday, so 3 working days back is Friday 1 May).
        assert_eq!(
            cal.subtract_working_days(date(2026, 5, 7), 0),
            Ok(date(2026, 5, 7))
        );
        assert_eq!(
            cal.subtract_working_days(date(2026, 5, 7), 2),
            Ok(date(2026, 5, 5))
        );
        assert_eq!(
            cal.subtract_working_days(date(2026, 5, 7), 3),
            Ok(date(2026, 5, 1))
        );
        // A Saturday: day 0 is the Friday before.
        assert_eq!(
            cal.subtract_working_days(date(2026, 3, 7), 0),
            Ok(date(2026, 3, 6))
        );
        assert_eq!(
            cal.subtract_working_days(date(2026, 3, 7), 2),
            Ok(date(2026, 3, 4))
        );
        // Christmas 2026: Friday 25 and Monday 28 December are bank holidays; two working
        // days before Tuesday 29 December are Wednesday 23 and Thursday 24.
        assert_eq!(
            cal.subtract_working_days(date(2026, 12, 29), 1),
            Ok(date(2026, 12, 24))
        );
        assert_eq!(
            cal.subtract_working_days(date(2026, 12, 29), 2),
            Ok(date(2026, 12, 23))
        );
    }

    #[test]
    fn day_of_receipt_is_day_zero() {
        let cal = england();
        // Wednesday 4 March 2026: no holidays nearby.
        assert_eq!(
            cal.add_working_days(date(2026, 3, 4), 0),
            Ok(date(2026, 3, 4))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 4), 1),
            Ok(date(2026, 3, 5))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 4), 5),
            Ok(date(2026, 3, 11))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 4), 10),
            Ok(date(2026, 3, 18))
        );
    }

    #[test]
    fn case_received_at_the_weekend_starts_from_the_next_working_day() {
        let cal = england();
        // Saturday 7 March 2026.
        assert_eq!(
            cal.add_working_days(date(2026, 3, 7), 0),
            Ok(date(2026, 3, 9))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 8), 0),
            Ok(date(2026, 3, 9))
        );
        assert_eq!(
            cal.add_working_days(date(2026, 3, 7), 5),
            Ok(date(2026, 3, 16))
        );
        let due = cal.due_date(date(2026, 3, 7), 5).expect("in range");
        assert_eq!(due.day_zero, date(2026, 3, 9));
    }

    #[test]
    fn case_received_on_a_bank_holiday_starts_from_the_next_working_day() {
        let cal = england();
        // Good Friday 3 April 2026; Easter Monday 6 April.
        assert_eq!(
            cal.add_working_days(date(2026, 4, 3), 0),
            Ok(date(2026, 4, 7))
        );
    }

    #[test]
    fn counting_across_christmas_skips_both_holidays_and_the_weekend() {
        let cal = england();
        // Thursday 24 December 2026; Christmas Friday, Boxing Day (substitute) Monday 28th.
        let due = cal.due_date(date(2026, 12, 24), 1).expect("in range");
        assert_eq!(due.due, date(2026, 12, 29));
        let skipped: Vec<(NaiveDate, &str, &str)> = due
            .skipped
            .iter()
            .map(|(d, reason)| (*d, reason.kind(), reason.description()))
            .collect();
        assert_eq!(
            skipped,
            vec![
                (date(2026, 12, 25), "bank_holiday", "Christmas Day"),
                (date(2026, 12, 26), "weekend", "Saturday"),
                (date(2026, 12, 27), "weekend", "Sunday"),
                (
                    date(2026, 12, 28),
                    "bank_holiday",
                    "Boxing Day (substitute day)"
                ),
            ]
        );
        // Into the new year: 1 January 2027 is a Friday.
        assert_eq!(
            cal.add_working_days(date(2026, 12, 24), 4),
            Ok(date(2027, 1, 4))
        );
    }

    #[test]
    fn counting_across_easter_depends_on_the_region() {
        // Thursday 2 April 2026, before Good Friday.
        let start = date(2026, 4, 2);
        assert_eq!(england().add_working_days(start, 1), Ok(date(2026, 4, 7)));
        assert_eq!(
            calendar(Region::NorthernIreland).add_working_days(start, 1),
            Ok(date(2026, 4, 7))
        );
        // No Easter Monday in Scotland.
        assert_eq!(
            calendar(Region::Scotland).add_working_days(start, 1),
            Ok(date(2026, 4, 6))
        );
    }

    #[test]
    fn moved_spring_holidays_of_2020_and_2022_are_honoured() {
        let cal = england();
        // 2020: early May moved from Monday 4th to Friday 8th (VE day).
        assert!(cal.is_working_day(date(2020, 5, 4)));
        assert!(!cal.is_working_day(date(2020, 5, 8)));
        assert_eq!(
            cal.add_working_days(date(2020, 5, 7), 1),
            Ok(date(2020, 5, 11))
        );
        // 2022: spring moved from Monday 30 May to Thursday 2 June, plus Friday 3 June.
        assert!(cal.is_working_day(date(2022, 5, 30)));
        assert!(!cal.is_working_day(date(2022, 6, 2)));
        assert!(!cal.is_working_day(date(2022, 6, 3)));
        assert_eq!(
            cal.add_working_days(date(2022, 6, 1), 1),
            Ok(date(2022, 6, 6))
        );
        assert_eq!(
            cal.working_days_between(date(2022, 5, 27), date(2022, 6, 6)),
            Ok(4)
        );
        // The Queen's funeral and the coronation.
        assert!(!cal.is_working_day(date(2022, 9, 19)));
        assert!(!cal.is_working_day(date(2023, 5, 8)));
    }

    #[test]
    fn scotland_skips_the_world_cup_bank_holiday_2026() {
        let scotland = calendar(Region::Scotland);
        assert_eq!(
            scotland.non_working_reason(date(2026, 6, 15)),
            Some(NonWorkingReason::BankHoliday(
                "World Cup bank holiday".to_owned()
            ))
        );
        assert!(england().is_working_day(date(2026, 6, 15)));
    }

    #[test]
    fn closure_days_are_skipped_with_their_label() {
        let cal = Calendar::new(Region::EnglandAndWales)
            .with_closure_day(date(2026, 12, 29), "Christmas closure")
            .with_closure_day(date(2026, 12, 30), "Christmas closure")
            .with_closure_day(date(2026, 12, 31), "Christmas closure")
            .build()
            .expect("valid closures");
        assert_eq!(
            cal.add_working_days(date(2026, 12, 24), 1),
            Ok(date(2027, 1, 4))
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 30)),
            Some(NonWorkingReason::ClosureDay("Christmas closure".to_owned()))
        );
        assert_eq!(cal.closure_days().count(), 3);
    }

    #[test]
    fn a_bank_holiday_inside_a_closure_reads_as_the_bank_holiday() {
        let cal = Calendar::new(Region::EnglandAndWales)
            .with_closure_day(date(2026, 12, 25), "Closed")
            .with_closure_day(date(2026, 12, 26), "Closed")
            .build()
            .expect("valid closures");
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 25)).map(|r| r.kind()),
            Some("bank_holiday")
        );
        assert_eq!(
            cal.non_working_reason(date(2026, 12, 26)).map(|r| r.kind()),
            Some("weekend")
        );
    }

    #[test]
    fn late_announced_bank_holidays_can_be_added_and_moved_ones_removed() {
        let cal = Calendar::new(Region::EnglandAndWales)
            .with_added_bank_holiday(date(2031, 5, 9), "Special holiday")
            .with_removed_bank_holiday(date(2031, 5, 5))
            .build()
            .expect("valid corrections");
        assert!(cal.is_working_day(date(2031, 5, 5)));
        assert_eq!(
            cal.non_working_reason(date(2031, 5, 9)),
            Some(NonWorkingReason::BankHoliday("Special holiday".to_owned()))
        );
        assert_eq!(
            cal.add_working_days(date(2031, 5, 8), 1),
            Ok(date(2031, 5, 12))
        );
    }

    #[test]
    fn removing_a_day_that_is_not_a_bank_holiday_is_refused() {
        let error = Calendar::new(Region::Scotland)
            .with_removed_bank_holiday(date(2026, 4, 6))
            .build()
            .expect_err("Easter Monday is not a Scottish bank holiday");
        assert_eq!(
            error.to_string(),
            "cannot remove 2026-04-06: it is not a bank holiday in scotland"
        );
    }

    #[test]
    fn adding_and_removing_the_same_date_is_refused() {
        let error = Calendar::new(Region::EnglandAndWales)
            .with_correction(BankHolidayCorrection::Remove {
                date: date(2031, 5, 5),
            })
            .with_correction(BankHolidayCorrection::Add {
                date: date(2031, 5, 5),
                name: "Early May".to_owned(),
            })
            .build()
            .expect_err("contradiction");
        assert_eq!(
            error,
            CalendarError::ConflictingCorrections {
                date: date(2031, 5, 5)
            }
        );
    }

    #[test]
    fn configuration_outside_the_supported_range_is_refused() {
        let error = Calendar::new(Region::EnglandAndWales)
            .with_closure_day(date(2041, 1, 2), "Too late")
            .build()
            .expect_err("out of range");
        assert_eq!(
            error.to_string(),
            "date 2041-01-02 is outside the supported range 2015-01-01 to 2040-12-31"
        );
        assert!(Calendar::new(Region::EnglandAndWales)
            .with_added_bank_holiday(date(2014, 12, 31), "Too early")
            .build()
            .is_err());
    }

    #[test]
    fn dates_and_counts_outside_the_supported_range_are_refused_with_readable_errors() {
        let cal = england();
        assert_eq!(
            cal.add_working_days(date(2014, 12, 31), 1),
            Err(CalendarError::DateOutOfRange {
                date: date(2014, 12, 31)
            })
        );
        assert!(cal.add_working_days(date(2041, 1, 1), 0).is_err());
        assert!(cal
            .working_days_between(date(2026, 1, 5), date(2041, 1, 1))
            .is_err());
        let too_many = cal.add_working_days(date(2026, 1, 5), MAX_WORKING_DAYS + 1);
        assert_eq!(
            too_many.map_err(|e| e.to_string()),
            Err("1001 working days is more than the 1000 a calculation allows".to_owned())
        );
        let past_end = cal.add_working_days(date(2040, 12, 1), 40);
        assert_eq!(
            past_end.map_err(|e| e.to_string()),
            Err(
                "40 working days from 2040-12-01 falls after 2040-12-31, the last supported date"
                    .to_owned()
            )
        );
        assert!(cal
            .add_working_days(date(2015, 1, 1), MAX_WORKING_DAYS)
            .is_ok());
        assert!(cal.due_date(date(2040, 12, 1), 40).is_err());
    }

    #[test]
    fn the_first_and_last_supported_days_work() {
        let cal = england();
        // 1 January 2015 is a bank holiday; Friday 2nd is day 0.
        assert_eq!(
            cal.add_working_days(FIRST_SUPPORTED_DATE, 0),
            Ok(date(2015, 1, 2))
        );
        // Monday 31 December 2040 is the last working day.
        assert_eq!(
            cal.add_working_days(LAST_SUPPORTED_DATE, 0),
            Ok(LAST_SUPPORTED_DATE)
        );
        assert!(cal.add_working_days(LAST_SUPPORTED_DATE, 1).is_err());
        // Both days of the final weekend roll to the same (unsupported) next working day.
        assert_eq!(
            cal.working_days_between(date(2040, 12, 29), date(2040, 12, 30)),
            Ok(0)
        );
    }

    #[test]
    fn working_days_between_counts_non_working_endpoints_as_the_next_working_day() {
        let cal = england();
        let friday = date(2026, 3, 6);
        let saturday = date(2026, 3, 7);
        let sunday = date(2026, 3, 8);
        let monday = date(2026, 3, 9);
        assert_eq!(cal.working_days_between(friday, friday), Ok(0));
        assert_eq!(cal.working_days_between(friday, saturday), Ok(1));
        assert_eq!(cal.working_days_between(friday, monday), Ok(1));
        assert_eq!(cal.working_days_between(saturday, sunday), Ok(0));
        assert_eq!(cal.working_days_between(saturday, monday), Ok(0));
        assert_eq!(cal.working_days_between(monday, friday), Ok(-1));
        assert_eq!(
            cal.working_days_between(date(2026, 3, 4), date(2026, 3, 18)),
            Ok(10)
        );
    }

    #[test]
    fn a_response_sent_the_day_after_the_due_date_is_over_the_allowance() {
        let cal = england();
        let received = date(2026, 3, 2); // Monday
        let due = cal.add_working_days(received, 4).expect("in range");
        assert_eq!(due, date(2026, 3, 6)); // Friday
        assert_eq!(cal.working_days_between(received, due), Ok(4));
        assert_eq!(cal.working_days_between(received, date(2026, 3, 7)), Ok(5));
    }

    #[test]
    fn non_working_reasons_render_kind_and_description() {
        let cal = england();
        let reason = cal.non_working_reason(date(2026, 3, 7)).expect("Saturday");
        assert_eq!(
            (reason.kind(), reason.description()),
            ("weekend", "Saturday")
        );
        assert_eq!(reason.to_string(), "Saturday");
        assert_eq!(cal.non_working_reason(date(2026, 3, 4)), None);
        // Outside the range only weekends are known.
        assert_eq!(
            cal.non_working_reason(date(2041, 1, 5)).map(|r| r.kind()),
            Some("weekend")
        );
        assert!(cal.is_working_day(date(2041, 1, 7)));
    }

    /// A tiny linear congruential generator (Knuth's MMIX constants), so the property tests are
    /// repeatable without a dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, bound: u64) -> u64 {
            self.next() % bound
        }

        fn date(&mut self) -> NaiveDate {
            let span = (LAST_SUPPORTED_DATE - FIRST_SUPPORTED_DATE).num_days() as u64 + 1;
            FIRST_SUPPORTED_DATE + Days::new(self.below(span))
        }
    }

    /// The obvious day-by-day loop the tables must agree with.
    fn add_slowly(cal: &Calendar, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = start;
        while !cal.is_working_day(day) {
            day = day.succ_opt()?;
        }
        for _ in 0..n {
            day = day.succ_opt()?;
            while !cal.is_working_day(day) {
                day = day.succ_opt()?;
            }
        }
        (day <= LAST_SUPPORTED_DATE).then_some(day)
    }

    fn calendars() -> Vec<Calendar> {
        let mut all: Vec<Calendar> = Region::ALL.into_iter().map(calendar).collect();
        all.push(
            Calendar::new(Region::EnglandAndWales)
                .with_closure_day(date(2027, 12, 29), "Closure")
                .with_closure_day(date(2027, 12, 30), "Closure")
                .with_closure_day(date(2027, 12, 31), "Closure")
                .with_added_bank_holiday(date(2031, 5, 9), "Special")
                .build()
                .expect("valid"),
        );
        all
    }

    #[test]
    fn adding_then_counting_back_gives_the_same_number_of_working_days() {
        let mut rng = Lcg(2026);
        for cal in calendars() {
            for _ in 0..20_000 {
                let start = rng.date();
                let n = rng.below(300) as u32;
                let Ok(due) = cal.add_working_days(start, n) else {
                    continue;
                };
                assert_eq!(
                    cal.working_days_between(start, due),
                    Ok(i64::from(n)),
                    "{start} + {n}"
                );
                assert_eq!(cal.working_days_between(due, start), Ok(-i64::from(n)));
            }
        }
    }

    #[test]
    fn a_due_date_is_always_a_working_day_and_later_for_more_days() {
        let mut rng = Lcg(7);
        for cal in calendars() {
            for _ in 0..20_000 {
                let start = rng.date();
                let n = rng.below(300) as u32;
                let (Ok(due), Ok(next)) = (
                    cal.add_working_days(start, n),
                    cal.add_working_days(start, n + 1),
                ) else {
                    continue;
                };
                assert!(cal.is_working_day(due), "{start} + {n} = {due}");
                assert!(cal.non_working_reason(due).is_none());
                assert!(due >= start && next > due);
            }
        }
    }

    #[test]
    fn tables_agree_with_counting_day_by_day() {
        let mut rng = Lcg(99);
        for cal in calendars() {
            for _ in 0..2_000 {
                let start = rng.date();
                let n = rng.below(60) as u32;
                assert_eq!(
                    cal.add_working_days(start, n).ok(),
                    add_slowly(&cal, start, n),
                    "{start} + {n}"
                );
            }
        }
    }

    #[test]
    fn on_time_exactly_when_within_the_allowance() {
        let mut rng = Lcg(4242);
        let cal = england();
        for _ in 0..20_000 {
            let start = rng.date();
            let n = rng.below(40) as u32;
            let Ok(due) = cal.add_working_days(start, n) else {
                continue;
            };
            let Some(sent) = start.checked_add_days(Days::new(rng.below(80))) else {
                continue;
            };
            let Ok(taken) = cal.working_days_between(start, sent) else {
                continue;
            };
            assert_eq!(
                taken <= i64::from(n),
                sent <= due,
                "{start} + {n}, sent {sent}"
            );
        }
    }

    #[test]
    fn skipped_days_are_exactly_the_non_working_days_before_the_due_date() {
        let mut rng = Lcg(17);
        let cal = calendar(Region::NorthernIreland);
        for _ in 0..2_000 {
            let start = rng.date();
            let n = rng.below(30) as u32;
            let Ok(due) = cal.due_date(start, n) else {
                continue;
            };
            let expected: Vec<NaiveDate> = start
                .iter_days()
                .take_while(|d| *d < due.due)
                .filter(|d| !cal.is_working_day(*d))
                .collect();
            let listed: Vec<NaiveDate> = due.skipped.iter().map(|(d, _)| *d).collect();
            assert_eq!(listed, expected);
            let span = cal.working_days_between(start, due.due).expect("in range");
            let calendar_days = (due.due - due.day_zero).num_days();
            let skipped_after_day_zero = due
                .skipped
                .iter()
                .filter(|(d, _)| *d > due.day_zero)
                .count();
            assert_eq!(span + skipped_after_day_zero as i64, calendar_days);
        }
    }

    /// Not a correctness test: run with
    /// `cargo test --release -- --ignored --nocapture due_dates_per_second`.
    #[test]
    #[ignore]
    fn due_dates_per_second() {
        let cal = england();
        let starts: Vec<NaiveDate> = {
            let mut rng = Lcg(1);
            (0..1024).map(|_| rng.date()).collect()
        };
        let rounds = 5_000_000usize;
        let began = std::time::Instant::now();
        let mut checksum = 0i64;
        for i in 0..rounds {
            let start = starts[i % starts.len()];
            if let Ok(due) = cal.add_working_days(start, (i % 40) as u32) {
                checksum += i64::from(due.day());
            }
        }
        let per_second = rounds as f64 / began.elapsed().as_secs_f64();
        println!("{per_second:.0} add_working_days per second (checksum {checksum})");
        assert!(per_second > 1_000_000.0);
    }
}
