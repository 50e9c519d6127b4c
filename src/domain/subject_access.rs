//! Subject-access requests (UK GDPR Article 15; issue 15 §3): when the council must answer,
//! by the Information Commissioner's Office's rules on the right of access.
//!
//! - The time limit is one calendar month, counted from the day the request is received:
//!   received on 3 September, due on 3 October.
//! - Where the next month has no such day, the due date is that month's last day (received on
//!   31 January, due on 28 February, or the 29th in a leap year).
//! - Where the due date is a weekend or a bank holiday, it is the next working day.
//! - It can be extended by a further two months for a complex request, if the person is told
//!   within the first month why: the extended date is then three calendar months from receipt,
//!   with the same two rules (the month-end clamp, then the next working day). Counting from
//!   receipt rather than adding two months to a due date that a weekend already moved keeps
//!   the extension at exactly "a further two months" of the original limit.
//!
//! The working days are the council's calendar's (its region's bank holidays and its closure
//! days), as every other due date is.

use chrono::{Months, NaiveDate};

use super::calendar::{Calendar, CalendarError};

/// Calendar months a request has before it is due.
pub const MONTHS_TO_ANSWER: u32 = 1;
/// Calendar months an extension adds.
pub const EXTENSION_MONTHS: u32 = 2;

/// The day `months` calendar months after `received` (clamped to the month's end), or the
/// first working day after it.
fn months_later(
    calendar: &Calendar,
    received: NaiveDate,
    months: u32,
) -> Result<NaiveDate, CalendarError> {
    let same_day = received
        .checked_add_months(Months::new(months))
        .ok_or(CalendarError::DateOutOfRange { date: received })?;
    calendar.add_working_days(same_day, 0)
}

/// When a request received on `received` must be answered.
pub fn due_on(calendar: &Calendar, received: NaiveDate) -> Result<NaiveDate, CalendarError> {
    months_later(calendar, received, MONTHS_TO_ANSWER)
}

/// When a request received on `received` must be answered once extended.
pub fn extended_due_on(
    calendar: &Calendar,
    received: NaiveDate,
) -> Result<NaiveDate, CalendarError> {
    months_later(calendar, received, MONTHS_TO_ANSWER + EXTENSION_MONTHS)
}

/// Why a request's extension is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtensionRefused {
    /// A request is extended once only.
    AlreadyExtended,
    /// The request has been answered.
    Answered,
    /// The extension (and telling the person) must be within the first month: by the original
    /// due date.
    TooLate { original_due: NaiveDate },
    /// The person was told on a day before the request arrived, after the original due date
    /// or in the future.
    ToldOutsideTheMonth,
}

/// The request as far as its extension goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestClock {
    pub received: NaiveDate,
    pub original_due: NaiveDate,
    pub extended: bool,
    pub answered: bool,
}

/// Whether a request may be extended `today`, the person having been told on `told`.
pub fn check_extension(
    request: RequestClock,
    today: NaiveDate,
    told: NaiveDate,
) -> Result<(), ExtensionRefused> {
    if request.extended {
        return Err(ExtensionRefused::AlreadyExtended);
    }
    if request.answered {
        return Err(ExtensionRefused::Answered);
    }
    if today > request.original_due {
        return Err(ExtensionRefused::TooLate {
            original_due: request.original_due,
        });
    }
    if told < request.received || told > request.original_due || told > today {
        return Err(ExtensionRefused::ToldOutsideTheMonth);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::bank_holidays::Region;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn england() -> Calendar {
        Calendar::new(Region::EnglandAndWales)
            .build()
            .expect("calendar")
    }

    #[test]
    fn a_month_runs_to_the_same_date_next_month() {
        // Wednesday 3 September 2025 → Friday 3 October 2025.
        assert_eq!(
            due_on(&england(), date("2025-09-03")),
            Ok(date("2025-10-03"))
        );
    }

    #[test]
    fn a_day_the_next_month_lacks_is_its_last_day() {
        // 2025 is not a leap year: Friday 28 February.
        assert_eq!(
            due_on(&england(), date("2025-01-31")),
            Ok(date("2025-02-28"))
        );
        // 2024 is: Thursday 29 February.
        assert_eq!(
            due_on(&england(), date("2024-01-31")),
            Ok(date("2024-02-29"))
        );
    }

    #[test]
    fn a_due_date_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day() {
        // 6 December 2025 is a Saturday: Monday 8 December.
        assert_eq!(
            due_on(&england(), date("2025-11-06")),
            Ok(date("2025-12-08"))
        );
        // 25 December 2025 is Christmas Day (Thursday), 26th Boxing Day, then the weekend:
        // Monday 29 December.
        assert_eq!(
            due_on(&england(), date("2025-11-25")),
            Ok(date("2025-12-29"))
        );
        // Clamped to Saturday 28 February 2026, then Monday 2 March.
        assert_eq!(
            due_on(&england(), date("2026-01-31")),
            Ok(date("2026-03-02"))
        );
    }

    #[test]
    fn an_extension_runs_three_months_from_receipt_by_the_same_rules() {
        // 31 January 2025 + 3 months: 30 April 2025 (Wednesday).
        assert_eq!(
            extended_due_on(&england(), date("2025-01-31")),
            Ok(date("2025-04-30"))
        );
        // 6 September 2025 + 3 months: Saturday 6 December → Monday 8 December.
        assert_eq!(
            extended_due_on(&england(), date("2025-09-06")),
            Ok(date("2025-12-08"))
        );
    }

    #[test]
    fn an_extension_is_once_only_and_within_the_first_month() {
        let request = RequestClock {
            received: date("2025-01-31"),
            original_due: date("2025-02-28"),
            extended: false,
            answered: false,
        };
        assert_eq!(
            check_extension(request, date("2025-02-28"), date("2025-02-20")),
            Ok(())
        );
        assert_eq!(
            check_extension(request, date("2025-03-01"), date("2025-02-20")),
            Err(ExtensionRefused::TooLate {
                original_due: date("2025-02-28")
            })
        );
        assert_eq!(
            check_extension(
                RequestClock {
                    extended: true,
                    ..request
                },
                date("2025-02-10"),
                date("2025-02-10")
            ),
            Err(ExtensionRefused::AlreadyExtended)
        );
        assert_eq!(
            check_extension(request, date("2025-02-10"), date("2025-01-30")),
            Err(ExtensionRefused::ToldOutsideTheMonth)
        );
        assert_eq!(
            check_extension(request, date("2025-02-10"), date("2025-02-11")),
            Err(ExtensionRefused::ToldOutsideTheMonth)
        );
    }
}
