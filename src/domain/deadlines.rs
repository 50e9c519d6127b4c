//! Every due date a case has, in one place (SPEC §3–5): counted in working
//! days on the council's calendar, from what the policy's preset says each
//! one counts from.
//!
//! The day of receipt is day 0, and a case received on a non-working day
//! starts from the next working day (see [`Calendar::add_working_days`]).
//! Every date here is a UK date: callers turn instants into dates with
//! [`super::clock::uk_date`] first.

use chrono::{Months, NaiveDate};

use super::calendar::{Calendar, CalendarError};
use super::case::{Kind, Stage, Status};
use super::policy::{Policy, ResponseClock, StageTimescales};

/// Why a due date could not be worked out or a date cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineError {
    /// The calendar cannot count from or to this date (outside 2015–2040).
    Calendar(CalendarError),
    /// An extension to a date past the policy's calendar-month ceiling.
    PastCeiling {
        /// The last working day the complaint may run to.
        ceiling: NaiveDate,
        /// The calendar months the policy allows.
        months: u32,
    },
    /// An extension further past the original due date than the policy allows without the
    /// customer's agreement.
    NeedsCustomerAgreement {
        /// Working days past the original due date.
        beyond: i64,
        /// The policy's limit.
        limit: u32,
        /// The stage's original due date.
        original: NaiveDate,
    },
}

impl std::fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeadlineError::Calendar(e) => e.fmt(f),
            DeadlineError::PastCeiling { ceiling, months } => write!(
                f,
                "the council's policy allows no complaint to take longer than {months} calendar \
                 months: the latest response date is {ceiling}"
            ),
            DeadlineError::NeedsCustomerAgreement {
                beyond,
                limit,
                original,
            } => write!(
                f,
                "{beyond} working days past the original due date {original}; beyond the \
                 policy's {limit} the customer's agreement must be recorded"
            ),
        }
    }
}

impl std::error::Error for DeadlineError {}

impl From<CalendarError> for DeadlineError {
    fn from(e: CalendarError) -> Self {
        DeadlineError::Calendar(e)
    }
}

/// The dates a stage's response time can count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageStart {
    /// When the complaint was received.
    pub complaint_received: NaiveDate,
    /// When this stage was asked for: the complaint's receipt for stage 1, the stage 2
    /// request for stage 2.
    pub stage_received: NaiveDate,
    /// When the stage was acknowledged.
    pub acknowledged: NaiveDate,
}

/// The council's deadlines: its policy counted on its calendar.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines<'a> {
    policy: &'a Policy,
    calendar: &'a Calendar,
}

impl<'a> Deadlines<'a> {
    /// The deadlines of `policy`, counted on `calendar` (the policy's region, with its
    /// closure days).
    pub fn new(policy: &'a Policy, calendar: &'a Calendar) -> Self {
        Deadlines { policy, calendar }
    }

    /// The policy the deadlines come from.
    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// The calendar they are counted on.
    pub fn calendar(&self) -> &'a Calendar {
        self.calendar
    }

    fn timescales(&self, stage: Stage) -> StageTimescales {
        match stage {
            Stage::Stage2 => self.policy.stage_2,
            _ => self.policy.stage_1,
        }
    }

    /// When a new case's acknowledgement is due, from its receipt: a complaint always (the
    /// stage 1 acknowledgement), a compliment or comment only when the customer asked for a
    /// reply. `None` when nothing is due, or the date is outside the calendar.
    pub fn acknowledgement_due(
        &self,
        kind: Kind,
        received: NaiveDate,
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
        self.calendar.add_working_days(received, working_days).ok()
    }

    /// When the reply to a compliment or comment is due, counted from receipt: only when the
    /// customer asked for one. `None` for a complaint (its stages have their own clock).
    pub fn feedback_reply_due(
        &self,
        kind: Kind,
        received: NaiveDate,
        response_requested: bool,
    ) -> Option<NaiveDate> {
        let working_days = match kind {
            Kind::Compliment if response_requested => self.policy.compliments.response_working_days,
            Kind::Comment if response_requested => self.policy.comments.response_working_days,
            _ => return None,
        };
        self.calendar.add_working_days(received, working_days).ok()
    }

    /// When a stage's acknowledgement is due, from the day it was asked for: stage 1 from the
    /// complaint's receipt (or from the day a complaint resolved informally went formal),
    /// stage 2 from the request.
    pub fn stage_acknowledgement_due(
        &self,
        stage: Stage,
        asked: NaiveDate,
    ) -> Result<NaiveDate, DeadlineError> {
        let days = self.timescales(stage).acknowledge_working_days;
        Ok(self.calendar.add_working_days(asked, days)?)
    }

    /// The last working day a complaint received on `received` may run to, where the policy
    /// sets a calendar-month ceiling (Walsall: "no longer than 3 calendar months"): the
    /// working day on or before the same date `months` later. The ceiling bounds the graded
    /// (stage 1) response; a stage 2 runs on its own clock.
    pub fn ceiling(&self, received: NaiveDate) -> Option<NaiveDate> {
        let months = self.policy.calendar_month_ceiling?;
        let mut last = received.checked_add_months(Months::new(months))?;
        while !self.calendar.is_working_day(last) && last > received {
            last = last.pred_opt()?;
        }
        Some(last)
    }

    /// When a stage's response is due: counted from receipt (of the complaint at stage 1, of
    /// the request at stage 2) or from the acknowledgement, as the preset says; by the grade
    /// where the policy grades complaints (ungraded is grade 1); and at stage 1 never past the
    /// calendar-month ceiling.
    pub fn response_due(
        &self,
        stage: Stage,
        start: StageStart,
        grade: Option<i32>,
    ) -> Result<NaiveDate, DeadlineError> {
        let timescales = self.timescales(stage);
        let working_days = match (stage, self.policy.grades) {
            (Stage::Stage1, Some(grades)) if grade == Some(2) => grades.grade_2_working_days,
            (Stage::Stage1, Some(grades)) => grades.grade_1_working_days,
            _ => timescales.response_working_days,
        };
        let from = match timescales.response_clock {
            ResponseClock::FromReceipt => start.stage_received,
            ResponseClock::FromAcknowledgement => start.acknowledged,
        };
        let due = self.calendar.add_working_days(from, working_days)?;
        Ok(match self.ceiling(start.complaint_received) {
            Some(ceiling) if stage == Stage::Stage1 => due.min(ceiling),
            _ => due,
        })
    }

    /// Whether an extension of `stage`'s response to `new_due` is within the policy: at most
    /// the extension limit in working days past the `original` due date unless the customer
    /// agreed, and at stage 1 never past the calendar-month ceiling from `complaint_received`,
    /// agreement or not. Gives the working days past the original due date.
    pub fn check_extension(
        &self,
        stage: Stage,
        complaint_received: NaiveDate,
        original: NaiveDate,
        new_due: NaiveDate,
        customer_agreed: bool,
    ) -> Result<i64, DeadlineError> {
        if stage == Stage::Stage1 {
            if let (Some(ceiling), Some(months)) = (
                self.ceiling(complaint_received),
                self.policy.calendar_month_ceiling,
            ) {
                if new_due > ceiling {
                    return Err(DeadlineError::PastCeiling { ceiling, months });
                }
            }
        }
        let beyond = self.calendar.working_days_between(original, new_due)?;
        let limit = self.timescales(stage).extension_limit_working_days;
        if beyond > i64::from(limit) && !customer_agreed {
            return Err(DeadlineError::NeedsCustomerAgreement {
                beyond,
                limit,
                original,
            });
        }
        Ok(beyond)
    }

    /// The last day to ask for stage 2 after a stage 1 response sent on `sent_on`, where the
    /// policy sets a window; none after stage 2 (the next step is the Ombudsman, on its own
    /// time limits).
    pub fn stage_2_window_closes(&self, answered: Stage, sent_on: NaiveDate) -> Option<NaiveDate> {
        if answered != Stage::Stage1 {
            return None;
        }
        let days = self.policy.stage_2_request_window_working_days?;
        self.calendar.add_working_days(sent_on, days).ok()
    }

    /// Whether a response sent on `sent_on` also stands as the stage's acknowledgement: a full
    /// response sent within the acknowledgement time ("acknowledgement, or full response if
    /// possible", seed 004).
    pub fn response_stands_as_acknowledgement(
        &self,
        acknowledgement_due: NaiveDate,
        sent_on: NaiveDate,
    ) -> bool {
        sent_on <= acknowledgement_due
    }

    /// When a matter outside the council's remit must be referred to the right organisation:
    /// counted from receipt (seed 002: "if outside council remit – 10 working days").
    pub fn outside_remit_referral_due(&self, received: NaiveDate) -> Option<NaiveDate> {
        self.calendar
            .add_working_days(received, self.policy.outside_remit_referral_working_days)
            .ok()
    }

    /// Whether a complaint received on `received` about a problem that arose or came to light
    /// on `problem` is past the policy's time limit to raise it. An unknown problem date is
    /// never out of time.
    pub fn is_out_of_time(&self, problem: Option<NaiveDate>, received: NaiveDate) -> bool {
        let months = Months::new(self.policy.time_limit_to_raise_months);
        match problem.and_then(|p| p.checked_add_months(months)) {
            Some(limit) => received > limit,
            None => false,
        }
    }
}

/// Whether a remedy promised for `due` is overdue on `today`: promised and past the end of
/// its due date.
pub fn remedy_overdue(due: NaiveDate, done: bool, today: NaiveDate) -> bool {
    !done && due < today
}

/// What a stage's clock holds, as far as deadlines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageDates {
    pub acknowledgement_due: NaiveDate,
    pub acknowledged: bool,
    pub response_due: Option<NaiveDate>,
    pub responded: bool,
}

/// What is due next on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Acknowledgement,
    Response,
}

impl Due {
    /// The word the work queue stores and shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Due::Acknowledgement => "acknowledgement",
            Due::Response => "response",
        }
    }
}

/// A complaint's next deadline for the work queue: the acknowledgement of a received case
/// (when one is due), then at the current stage its acknowledgement, then its response.
/// Nothing once the response is sent or the case is no longer being handled.
pub fn next_for_complaint(
    status: Status,
    acknowledgement_due: Option<NaiveDate>,
    current: Option<StageDates>,
) -> Option<(NaiveDate, Due)> {
    match status {
        Status::Received => acknowledgement_due.map(|d| (d, Due::Acknowledgement)),
        Status::Open => {
            let stage = current?;
            if !stage.acknowledged {
                Some((stage.acknowledgement_due, Due::Acknowledgement))
            } else if !stage.responded {
                stage.response_due.map(|d| (d, Due::Response))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A compliment's or comment's next deadline: its acknowledgement, then its reply, while it
/// is being handled and only where the customer asked (the dates are `None` otherwise).
pub fn next_for_feedback(
    status: Status,
    acknowledgement_due: Option<NaiveDate>,
    reply_due: Option<NaiveDate>,
    acknowledged: bool,
    replied: bool,
) -> Option<(NaiveDate, Due)> {
    if !matches!(status, Status::Received | Status::Open) || replied {
        return None;
    }
    if !acknowledged {
        return acknowledgement_due.map(|d| (d, Due::Acknowledgement));
    }
    reply_due.map(|d| (d, Due::Response))
}

#[cfg(test)]
mod tests {
    //! Every expected date below was counted by hand on a calendar, skipping weekends and the
    //! England and Wales bank holidays from gov.uk (2026: 1 Jan, 3 and 6 Apr, 4 and 25 May,
    //! 31 Aug, 25 and 28 Dec; 2027: 1 Jan, 26 and 29 Mar, 3 and 31 May, 30 Aug, 27 and 28 Dec),
    //! or Scotland's where a test says so.

    use super::*;
    use crate::domain::bank_holidays::Region;
    use crate::domain::policy::Preset;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn policy(preset: Preset) -> Policy {
        Policy::preset(preset)
    }

    fn calendar(policy: &Policy) -> Calendar {
        policy.calendar().expect("calendar")
    }

    fn start(received: &str, stage_received: &str, acknowledged: &str) -> StageStart {
        StageStart {
            complaint_received: date(received),
            stage_received: date(stage_received),
            acknowledged: date(acknowledged),
        }
    }

    const ALL_PRESETS: [Preset; 4] = [
        Preset::ComplaintHandlingCode,
        Preset::Dudley2019,
        Preset::Redditch,
        Preset::WalsallProposal,
    ];

    // ------------------------------------------------------------ acknowledgement

    #[test]
    fn a_complaint_is_acknowledged_within_five_working_days_under_the_code_dudley_and_walsall() {
        // Friday 18 Dec 2026: 21, 22, 23, 24 Dec, then 29 Dec (25th and the Boxing Day
        // substitute, Monday 28th, are bank holidays).
        for preset in [
            Preset::ComplaintHandlingCode,
            Preset::Dudley2019,
            Preset::WalsallProposal,
        ] {
            let p = policy(preset);
            let c = calendar(&p);
            let due = Deadlines::new(&p, &c).acknowledgement_due(
                Kind::Complaint,
                date("2026-12-18"),
                true,
            );
            assert_eq!(due, Some(date("2026-12-29")), "{preset}");
        }
    }

    #[test]
    fn redditch_acknowledges_a_complaint_within_two_working_days() {
        let p = policy(Preset::Redditch);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Friday 20 Nov 2026: Monday 23rd is day 1, Tuesday 24th day 2.
        assert_eq!(
            d.acknowledgement_due(Kind::Complaint, date("2026-11-20"), true),
            Some(date("2026-11-24"))
        );
        // Thursday 2 Apr 2026: Good Friday and Easter Monday pass over: day 1 is Tue 7 Apr,
        // day 2 Wed 8 Apr.
        assert_eq!(
            d.acknowledgement_due(Kind::Complaint, date("2026-04-02"), true),
            Some(date("2026-04-08"))
        );
    }

    #[test]
    fn a_complaint_received_at_the_weekend_counts_from_the_next_working_day() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        // Saturday 21 Nov 2026: day 0 is Monday 23rd, day 5 is Monday 30th.
        assert_eq!(
            Deadlines::new(&p, &c).acknowledgement_due(Kind::Complaint, date("2026-11-21"), true),
            Some(date("2026-11-30"))
        );
    }

    #[test]
    fn compliments_and_comments_are_acknowledged_within_ten_working_days_only_when_asked() {
        for preset in ALL_PRESETS {
            let p = policy(preset);
            let c = calendar(&p);
            let d = Deadlines::new(&p, &c);
            // Friday 18 Dec 2026 + 10 working days: 21–24 Dec (4), 29–31 Dec (7), 4–6 Jan (10).
            for kind in [Kind::Compliment, Kind::Comment] {
                assert_eq!(
                    d.acknowledgement_due(kind, date("2026-12-18"), true),
                    Some(date("2027-01-06")),
                    "{preset} {kind}"
                );
                assert_eq!(d.acknowledgement_due(kind, date("2026-12-18"), false), None);
                // + 20 working days: 7–8 Jan (12), 11–15 (17), 18–20 Jan (20).
                assert_eq!(
                    d.feedback_reply_due(kind, date("2026-12-18"), true),
                    Some(date("2027-01-20")),
                    "{preset} {kind}"
                );
                assert_eq!(d.feedback_reply_due(kind, date("2026-12-18"), false), None);
            }
            assert_eq!(
                d.feedback_reply_due(Kind::Complaint, date("2026-12-18"), true),
                None
            );
        }
    }

    #[test]
    fn a_stage_2_request_is_acknowledged_within_five_working_days_of_the_request() {
        for preset in ALL_PRESETS {
            let p = policy(preset);
            let c = calendar(&p);
            // Requested Wednesday 26 Aug 2026: 27, 28 Aug, (31 Aug is a bank holiday),
            // 1, 2, 3 Sep.
            assert_eq!(
                Deadlines::new(&p, &c).stage_acknowledgement_due(Stage::Stage2, date("2026-08-26")),
                Ok(date("2026-09-03")),
                "{preset}"
            );
        }
    }

    // ------------------------------------------------------------ stage 1 response

    #[test]
    fn under_the_code_stage_1_is_answered_within_ten_working_days_of_the_acknowledgement() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        // Received Mon 2 Nov, acknowledged Fri 6 Nov 2026: 10 working days later is Fri 20 Nov.
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage1,
            start("2026-11-02", "2026-11-02", "2026-11-06"),
            None,
        );
        assert_eq!(due, Ok(date("2026-11-20")));
    }

    #[test]
    fn under_dudley_stage_1_is_answered_within_twenty_working_days_of_receipt() {
        let p = policy(Preset::Dudley2019);
        let c = calendar(&p);
        // Received Mon 2 Nov 2026, acknowledged whenever: Mon 30 Nov.
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage1,
            start("2026-11-02", "2026-11-02", "2026-11-06"),
            None,
        );
        assert_eq!(due, Ok(date("2026-11-30")));
    }

    #[test]
    fn under_redditch_stage_1_is_answered_within_fifteen_working_days_of_receipt() {
        let p = policy(Preset::Redditch);
        let c = calendar(&p);
        // Received Mon 14 Dec 2026: 15–18 (4), 21–24 (8), 29–31 (11), 4–7 Jan (15).
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage1,
            start("2026-12-14", "2026-12-14", "2026-12-15"),
            None,
        );
        assert_eq!(due, Ok(date("2027-01-07")));
    }

    #[test]
    fn under_walsall_grade_1_takes_twenty_and_grade_2_thirty_working_days_from_receipt() {
        let p = policy(Preset::WalsallProposal);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        let s = start("2026-11-02", "2026-11-02", "2026-11-03");
        assert_eq!(
            d.response_due(Stage::Stage1, s, Some(1)),
            Ok(date("2026-11-30"))
        );
        // Ungraded is grade 1.
        assert_eq!(
            d.response_due(Stage::Stage1, s, None),
            Ok(date("2026-11-30"))
        );
        // 30 working days: 1–4 Dec (24), 7–11 (29), 14 Dec (30).
        assert_eq!(
            d.response_due(Stage::Stage1, s, Some(2)),
            Ok(date("2026-12-14"))
        );
    }

    #[test]
    fn under_walsall_no_response_is_due_past_three_calendar_months_from_receipt() {
        let mut p = policy(Preset::WalsallProposal);
        // A council that sets grade 2 at 80 working days still stops at the ceiling.
        p.grades = p.grades.map(|g| crate::domain::policy::ComplaintGrades {
            grade_2_working_days: 80,
            ..g
        });
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Received Mon 2 Nov 2026: the ceiling is Tue 2 Feb 2027, a working day.
        assert_eq!(d.ceiling(date("2026-11-02")), Some(date("2027-02-02")));
        let s = start("2026-11-02", "2026-11-02", "2026-11-03");
        assert_eq!(
            d.response_due(Stage::Stage1, s, Some(2)),
            Ok(date("2027-02-02"))
        );
        // Received Sat 7 Nov 2026: 7 Feb 2027 is a Sunday, so the last working day is Fri 5 Feb.
        assert_eq!(d.ceiling(date("2026-11-07")), Some(date("2027-02-05")));
    }

    #[test]
    fn only_walsall_has_a_ceiling() {
        for preset in [
            Preset::ComplaintHandlingCode,
            Preset::Dudley2019,
            Preset::Redditch,
        ] {
            let p = policy(preset);
            let c = calendar(&p);
            assert_eq!(Deadlines::new(&p, &c).ceiling(date("2026-11-02")), None);
        }
    }

    // ------------------------------------------------------------ stage 2 response

    #[test]
    fn under_the_code_stage_2_is_answered_within_twenty_working_days_of_its_acknowledgement() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        // Requested Mon 1 Mar 2027, acknowledged Wed 3 Mar: 4–5 Mar (2), 8–12 (7), 15–19 (12),
        // 22–25 (16), Good Friday 26 and Easter Monday 29 Mar pass, 30 Mar–2 Apr (20).
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage2,
            start("2026-11-02", "2027-03-01", "2027-03-03"),
            None,
        );
        assert_eq!(due, Ok(date("2027-04-02")));
    }

    #[test]
    fn under_dudley_stage_2_is_answered_within_twenty_working_days_of_the_request_not_the_complaint(
    ) {
        let p = policy(Preset::Dudley2019);
        let c = calendar(&p);
        // The complaint came in on 2 Nov 2026; stage 2 was asked for on Mon 1 Mar 2027:
        // 2–5 Mar (4), 8–12 (9), 15–19 (14), 22–25 (18), then Tue 30 (19) and Wed 31 Mar (20).
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage2,
            start("2026-11-02", "2027-03-01", "2027-03-05"),
            None,
        );
        assert_eq!(due, Ok(date("2027-03-31")));
    }

    #[test]
    fn redditch_and_walsall_take_the_codes_stage_2_without_the_ceiling() {
        for preset in [Preset::Redditch, Preset::WalsallProposal] {
            let p = policy(preset);
            let c = calendar(&p);
            // As the Code: acknowledged Wed 3 Mar 2027, due Fri 2 Apr; Walsall's ceiling from
            // the complaint's receipt (2 Feb 2027) does not cut stage 2 short.
            let due = Deadlines::new(&p, &c).response_due(
                Stage::Stage2,
                start("2026-11-02", "2027-03-01", "2027-03-03"),
                None,
            );
            assert_eq!(due, Ok(date("2027-04-02")), "{preset}");
        }
    }

    #[test]
    fn a_due_date_outside_the_calendar_is_an_error() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        let due = Deadlines::new(&p, &c).response_due(
            Stage::Stage1,
            start("2040-12-20", "2040-12-20", "2040-12-28"),
            None,
        );
        assert!(matches!(due, Err(DeadlineError::Calendar(_))), "{due:?}");
    }

    // ------------------------------------------------------------ extensions

    #[test]
    fn under_the_code_stage_1_extends_by_ten_working_days_without_agreement() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Original due Fri 20 Nov 2026; + 10 working days is Fri 4 Dec.
        let check = |new: &str, agreed| {
            d.check_extension(
                Stage::Stage1,
                date("2026-11-02"),
                date("2026-11-20"),
                date(new),
                agreed,
            )
        };
        assert_eq!(check("2026-12-04", false), Ok(10));
        assert_eq!(
            check("2026-12-07", false),
            Err(DeadlineError::NeedsCustomerAgreement {
                beyond: 11,
                limit: 10,
                original: date("2026-11-20")
            })
        );
        assert_eq!(check("2026-12-07", true), Ok(11));
    }

    #[test]
    fn under_the_code_stage_2_extends_by_twenty_working_days_without_agreement() {
        let p = policy(Preset::ComplaintHandlingCode);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Original due Mon 2 Nov 2026: + 20 working days is Mon 30 Nov; Tue 1 Dec is 21.
        let check = |new: &str| {
            d.check_extension(
                Stage::Stage2,
                date("2026-06-01"),
                date("2026-11-02"),
                date(new),
                false,
            )
        };
        assert_eq!(check("2026-11-30"), Ok(20));
        assert!(matches!(
            check("2026-12-01"),
            Err(DeadlineError::NeedsCustomerAgreement { beyond: 21, .. })
        ));
    }

    #[test]
    fn under_walsall_an_extension_past_three_calendar_months_is_refused_even_with_agreement() {
        let p = policy(Preset::WalsallProposal);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Received Mon 2 Nov 2026, due Mon 30 Nov; the ceiling is Tue 2 Feb 2027.
        let check = |new: &str| {
            d.check_extension(
                Stage::Stage1,
                date("2026-11-02"),
                date("2026-11-30"),
                date(new),
                true,
            )
        };
        assert!(check("2027-02-02").is_ok());
        assert_eq!(
            check("2027-02-03"),
            Err(DeadlineError::PastCeiling {
                ceiling: date("2027-02-02"),
                months: 3
            })
        );
    }

    #[test]
    fn dudley_and_redditch_set_no_extension_limit_of_their_own_so_the_codes_applies() {
        for preset in [Preset::Dudley2019, Preset::Redditch] {
            let p = policy(preset);
            let c = calendar(&p);
            let d = Deadlines::new(&p, &c);
            let beyond = d.check_extension(
                Stage::Stage1,
                date("2026-11-02"),
                date("2026-11-20"),
                date("2026-12-07"),
                false,
            );
            assert!(
                matches!(
                    beyond,
                    Err(DeadlineError::NeedsCustomerAgreement { limit: 10, .. })
                ),
                "{preset}: {beyond:?}"
            );
        }
    }

    // ------------------------------------------------------------ the stage 2 window

    #[test]
    fn under_dudley_stage_2_may_be_asked_for_within_twenty_working_days_of_the_response() {
        let p = policy(Preset::Dudley2019);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        // Sent Tue 1 Dec 2026: 2–4 (3), 7–11 (8), 14–18 (13), 21–24 (17), 29–31 Dec (20).
        assert_eq!(
            d.stage_2_window_closes(Stage::Stage1, date("2026-12-01")),
            Some(date("2026-12-31"))
        );
        assert_eq!(
            d.stage_2_window_closes(Stage::Stage2, date("2026-12-01")),
            None
        );
    }

    #[test]
    fn the_code_redditch_and_walsall_set_no_stage_2_window() {
        for preset in [
            Preset::ComplaintHandlingCode,
            Preset::Redditch,
            Preset::WalsallProposal,
        ] {
            let p = policy(preset);
            let c = calendar(&p);
            assert_eq!(
                Deadlines::new(&p, &c).stage_2_window_closes(Stage::Stage1, date("2026-12-01")),
                None,
                "{preset}"
            );
        }
    }

    // ------------------------------------------------------------ triage

    #[test]
    fn an_outside_remit_referral_is_due_ten_working_days_from_receipt() {
        for preset in ALL_PRESETS {
            let p = policy(preset);
            let c = calendar(&p);
            // Received Thu 2 Apr 2026: 7–9 Apr (3; Good Friday and Easter Monday pass),
            // 10 (4), 13–17 (9), 20 Apr (10). Triaged weeks later, still due on 20 Apr.
            assert_eq!(
                Deadlines::new(&p, &c).outside_remit_referral_due(date("2026-04-02")),
                Some(date("2026-04-20")),
                "{preset}"
            );
        }
    }

    #[test]
    fn a_complaint_is_out_of_time_only_more_than_twelve_months_after_the_problem() {
        for preset in ALL_PRESETS {
            let p = policy(preset);
            let c = calendar(&p);
            let d = Deadlines::new(&p, &c);
            let received = date("2026-11-20");
            assert!(
                !d.is_out_of_time(Some(date("2025-11-20")), received),
                "{preset}"
            );
            assert!(
                d.is_out_of_time(Some(date("2025-11-19")), received),
                "{preset}"
            );
            assert!(!d.is_out_of_time(Some(date("2026-06-01")), received));
            assert!(!d.is_out_of_time(None, received));
        }
    }

    // ------------------------------------------------------------ full response

    #[test]
    fn a_full_response_within_the_acknowledgement_time_stands_as_the_acknowledgement() {
        let p = policy(Preset::Redditch);
        let c = calendar(&p);
        let d = Deadlines::new(&p, &c);
        assert!(d.response_stands_as_acknowledgement(date("2026-11-24"), date("2026-11-24")));
        assert!(!d.response_stands_as_acknowledgement(date("2026-11-24"), date("2026-11-25")));
    }

    // ------------------------------------------------------------ regions

    #[test]
    fn in_scotland_st_andrews_day_is_passed_over() {
        let mut p = policy(Preset::ComplaintHandlingCode);
        p.region = Region::Scotland;
        let c = calendar(&p);
        // Received Wed 25 Nov 2026: 26, 27, (Mon 30 Nov St Andrew's Day), 1, 2, 3 Dec.
        assert_eq!(
            Deadlines::new(&p, &c).acknowledgement_due(Kind::Complaint, date("2026-11-25"), true),
            Some(date("2026-12-03"))
        );
    }

    // ------------------------------------------------------------ remedies

    #[test]
    fn a_remedy_is_overdue_the_day_after_its_due_date_until_done() {
        assert!(!remedy_overdue(
            date("2026-12-18"),
            false,
            date("2026-12-18")
        ));
        assert!(remedy_overdue(
            date("2026-12-18"),
            false,
            date("2026-12-19")
        ));
        assert!(!remedy_overdue(
            date("2026-12-18"),
            true,
            date("2026-12-19")
        ));
    }

    // ------------------------------------------------------------ the work queue

    #[test]
    fn the_next_deadline_follows_the_stage_clock() {
        let stage = StageDates {
            acknowledgement_due: date("2026-01-08"),
            acknowledged: false,
            response_due: None,
            responded: false,
        };
        assert_eq!(
            next_for_complaint(Status::Received, Some(date("2026-01-08")), None),
            Some((date("2026-01-08"), Due::Acknowledgement))
        );
        assert_eq!(
            next_for_complaint(Status::Open, None, Some(stage)),
            Some((date("2026-01-08"), Due::Acknowledgement))
        );
        let acknowledged = StageDates {
            acknowledged: true,
            response_due: Some(date("2026-01-22")),
            ..stage
        };
        assert_eq!(
            next_for_complaint(Status::Open, None, Some(acknowledged)),
            Some((date("2026-01-22"), Due::Response))
        );
        let answered = StageDates {
            responded: true,
            ..acknowledged
        };
        assert_eq!(next_for_complaint(Status::Open, None, Some(answered)), None);
        assert_eq!(
            next_for_complaint(Status::Closed, Some(date("2026-01-08")), Some(stage)),
            None
        );
    }

    #[test]
    fn a_compliments_next_deadline_is_its_acknowledgement_then_its_reply() {
        let ack = Some(date("2027-01-06"));
        let reply = Some(date("2027-01-20"));
        assert_eq!(
            next_for_feedback(Status::Received, ack, reply, false, false),
            Some((date("2027-01-06"), Due::Acknowledgement))
        );
        assert_eq!(
            next_for_feedback(Status::Open, ack, reply, true, false),
            Some((date("2027-01-20"), Due::Response))
        );
        assert_eq!(
            next_for_feedback(Status::Open, ack, reply, true, true),
            None
        );
        assert_eq!(
            next_for_feedback(Status::Closed, ack, reply, false, false),
            None
        );
        assert_eq!(
            next_for_feedback(Status::Received, None, None, false, false),
            None
        );
    }
}
