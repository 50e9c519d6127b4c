//! The council's complaints policy as data: the timescales of each preset in SPEC §4 (from the
//! Complaint Handling Code and seeds 002-004), overridable one value at a time from settings.
//!
//! Where a preset's source document is silent on a value, the preset takes the Complaint
//! Handling Code's value; each such borrowing is stated on [`Policy::preset`]. The Code is the
//! default because councils are expected to follow it.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::bank_holidays::Region;
use super::calendar::{
    BankHolidayCorrection, Calendar, CalendarError, FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE,
};

/// A named set of policy values a council can start from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Preset {
    /// The joint Housing Ombudsman / LGSCO Complaint Handling Code (2024). The default.
    #[default]
    #[serde(rename = "complaint_handling_code")]
    ComplaintHandlingCode,
    /// Dudley MBC Corporate Customer Feedback Procedure, June 2019 (seed 003).
    #[serde(rename = "dudley_2019")]
    Dudley2019,
    /// Redditch Borough Council draft customer feedback policy (seed 004).
    #[serde(rename = "redditch")]
    Redditch,
    /// Walsall Council's proposed corporate complaints policy (seed 002).
    #[serde(rename = "walsall_proposal")]
    WalsallProposal,
}

impl Preset {
    /// Every preset, default first.
    pub const ALL: [Preset; 4] = [
        Preset::ComplaintHandlingCode,
        Preset::Dudley2019,
        Preset::Redditch,
        Preset::WalsallProposal,
    ];

    /// Reads a preset from its snake_case name, ignoring surrounding spaces and letter case.
    pub fn parse(text: &str) -> Option<Preset> {
        let wanted = text.trim().to_ascii_lowercase();
        Preset::ALL
            .into_iter()
            .find(|preset| preset.as_str() == wanted)
    }

    /// The snake_case name used in settings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::ComplaintHandlingCode => "complaint_handling_code",
            Preset::Dudley2019 => "dudley_2019",
            Preset::Redditch => "redditch",
            Preset::WalsallProposal => "walsall_proposal",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a stage's response time is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseClock {
    /// From receipt: of the complaint at stage 1, of the stage 2 request at stage 2.
    FromReceipt,
    /// From the stage's acknowledgement (the Code): from the day it is sent, or from its due
    /// date while it has not been sent.
    FromAcknowledgement,
}

impl ResponseClock {
    /// Every clock.
    pub const ALL: [ResponseClock; 2] = [
        ResponseClock::FromReceipt,
        ResponseClock::FromAcknowledgement,
    ];

    /// Reads a clock from its snake_case name.
    pub fn parse(text: &str) -> Option<ResponseClock> {
        let wanted = text.trim().to_ascii_lowercase();
        ResponseClock::ALL
            .into_iter()
            .find(|clock| clock.as_str() == wanted)
    }

    /// The snake_case name used in settings and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseClock::FromReceipt => "from_receipt",
            ResponseClock::FromAcknowledgement => "from_acknowledgement",
        }
    }
}

/// The timescales of one formal stage, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StageTimescales {
    /// Acknowledge within this many working days of receipt (of the complaint, or of the stage 2
    /// request). 0 means on the day of receipt.
    pub acknowledge_working_days: u32,
    /// Respond within this many working days, counted as `response_clock` says.
    pub response_working_days: u32,
    /// What the response time is counted from.
    pub response_clock: ResponseClock,
    /// The longest extension, in working days after the original response due date, that may be
    /// set without the customer's agreement. 0 means no extension.
    pub extension_limit_working_days: u32,
}

/// Walsall's two grades of complaint: the stage 1 response time depends on the grade the team
/// gives a complaint for its nature and complexity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ComplaintGrades {
    /// Response working days for a grade 1 (straightforward) complaint.
    pub grade_1_working_days: u32,
    /// Response working days for a grade 2 (complex) complaint.
    pub grade_2_working_days: u32,
}

/// Timescales that apply only if the customer asks for an acknowledgement or a reply
/// (compliments and comments, seed 002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OnRequestTimescales {
    /// Acknowledge within this many working days, if asked.
    pub acknowledge_working_days: u32,
    /// Reply within this many working days, if asked.
    pub response_working_days: u32,
}

/// The council's policy: every timescale and switch the service needs, plus the calendar
/// configuration they are counted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The preset these values started from.
    pub preset: Preset,
    /// Whose bank holidays the working days skip.
    pub region: Region,
    /// Stage 1: acknowledgement, response and extension.
    pub stage_1: StageTimescales,
    /// Stage 2: acknowledgement of the request, response and extension. Every preset has one;
    /// those whose source has no stage 2 take the Code's.
    pub stage_2: StageTimescales,
    /// Working days after the stage 1 response within which stage 2 may be requested; `None`
    /// means no window (a manager can always accept a late request with a reason).
    pub stage_2_request_window_working_days: Option<u32>,
    /// Whether a stage 2 request must give grounds (factual error, overlooked evidence, new
    /// evidence). The Code forbids insisting on grounds.
    pub stage_2_grounds_required: bool,
    /// Whether a complaint may be resolved informally before stage 1. The Code forbids a
    /// "stage 0".
    pub informal_resolution_allowed: bool,
    /// Walsall's grades; `None` where stage 1 has one response time.
    pub grades: Option<ComplaintGrades>,
    /// No complaint may take longer than this many calendar months from receipt, extensions
    /// included (Walsall: 3); `None` for no ceiling.
    pub calendar_month_ceiling: Option<u32>,
    /// A complaint must be raised within this many months of the problem arising or coming to
    /// light, unless a manager records special circumstances.
    pub time_limit_to_raise_months: u32,
    /// A matter outside the council's remit is referred to the right organisation within this
    /// many working days.
    pub outside_remit_referral_working_days: u32,
    /// Compliments: acknowledge and reply only if the customer asks.
    pub compliments: OnRequestTimescales,
    /// Comments: acknowledge and reply only if the customer asks.
    pub comments: OnRequestTimescales,
    /// Warn this many working days before a deadline (0: on the day).
    pub deadline_reminder_working_days: u32,
    /// Council closure days (date, label), skipped like bank holidays.
    pub closure_days: Vec<(NaiveDate, String)>,
    /// Corrections to the region's bank holidays for late-announced one-offs.
    pub bank_holiday_corrections: Vec<BankHolidayCorrection>,
}

/// Upper bound on any working-day value: a year of working days.
pub const MAX_POLICY_WORKING_DAYS: u32 = 260;
const MAX_CEILING_MONTHS: u32 = 24;
const MAX_TIME_LIMIT_MONTHS: u32 = 120;
const DEFAULT_CLOSURE_LABEL: &str = "Council closure day";
const DEFAULT_CORRECTION_NAME: &str = "Bank holiday";

/// `POLICY_PRESET`
pub const POLICY_PRESET: &str = "POLICY_PRESET";
/// `CALENDAR_REGION`
pub const CALENDAR_REGION: &str = "CALENDAR_REGION";
const ACKNOWLEDGE: &str = "POLICY_ACKNOWLEDGE_WORKING_DAYS";
const STAGE_1_RESPONSE: &str = "POLICY_STAGE_1_RESPONSE_WORKING_DAYS";
const STAGE_1_CLOCK: &str = "POLICY_STAGE_1_RESPONSE_CLOCK";
const STAGE_1_EXTENSION: &str = "POLICY_STAGE_1_EXTENSION_LIMIT_WORKING_DAYS";
const STAGE_2_ACKNOWLEDGE: &str = "POLICY_STAGE_2_ACKNOWLEDGE_WORKING_DAYS";
const STAGE_2_RESPONSE: &str = "POLICY_STAGE_2_RESPONSE_WORKING_DAYS";
const STAGE_2_CLOCK: &str = "POLICY_STAGE_2_RESPONSE_CLOCK";
const STAGE_2_EXTENSION: &str = "POLICY_STAGE_2_EXTENSION_LIMIT_WORKING_DAYS";
const STAGE_2_WINDOW: &str = "POLICY_STAGE_2_REQUEST_WINDOW_WORKING_DAYS";
const STAGE_2_GROUNDS: &str = "POLICY_STAGE_2_GROUNDS_REQUIRED";
const INFORMAL: &str = "POLICY_INFORMAL_RESOLUTION_ALLOWED";
const GRADE_1: &str = "POLICY_GRADE_1_RESPONSE_WORKING_DAYS";
const GRADE_2: &str = "POLICY_GRADE_2_RESPONSE_WORKING_DAYS";
const CEILING: &str = "POLICY_CALENDAR_MONTH_CEILING";
const TIME_LIMIT: &str = "POLICY_TIME_LIMIT_TO_RAISE_MONTHS";
const OUTSIDE_REMIT: &str = "POLICY_OUTSIDE_REMIT_REFERRAL_WORKING_DAYS";
const COMPLIMENT_ACKNOWLEDGE: &str = "POLICY_COMPLIMENT_ACKNOWLEDGE_WORKING_DAYS";
const COMPLIMENT_RESPONSE: &str = "POLICY_COMPLIMENT_RESPONSE_WORKING_DAYS";
const COMMENT_ACKNOWLEDGE: &str = "POLICY_COMMENT_ACKNOWLEDGE_WORKING_DAYS";
const COMMENT_RESPONSE: &str = "POLICY_COMMENT_RESPONSE_WORKING_DAYS";
const REMINDER: &str = "POLICY_DEADLINE_REMINDER_WORKING_DAYS";
/// `COUNCIL_CLOSURE_DAYS`
pub const COUNCIL_CLOSURE_DAYS: &str = "COUNCIL_CLOSURE_DAYS";
/// `BANK_HOLIDAY_CORRECTIONS`
pub const BANK_HOLIDAY_CORRECTIONS: &str = "BANK_HOLIDAY_CORRECTIONS";

/// Every setting [`Policy::from_settings`] reads, with a one-line description, for
/// `.env.example` and the operator documentation. An unset or blank variable keeps the preset's
/// value.
pub const SETTINGS: &[(&str, &str)] = &[
    (POLICY_PRESET, "Policy preset: complaint_handling_code (default), dudley_2019, redditch or walsall_proposal"),
    (CALENDAR_REGION, "Bank holiday region: england_and_wales (default), scotland or northern_ireland"),
    (ACKNOWLEDGE, "Stage 1: acknowledge a complaint within this many working days of receipt (0 = same day)"),
    (STAGE_1_RESPONSE, "Stage 1: respond within this many working days (1-260)"),
    (STAGE_1_CLOCK, "Stage 1: response counted from_receipt or from_acknowledgement"),
    (STAGE_1_EXTENSION, "Stage 1: longest extension, in working days after the original due date (0-260)"),
    (STAGE_2_ACKNOWLEDGE, "Stage 2: acknowledge a stage 2 request within this many working days"),
    (STAGE_2_RESPONSE, "Stage 2: respond within this many working days (1-260)"),
    (STAGE_2_CLOCK, "Stage 2: response counted from_receipt (of the request) or from_acknowledgement"),
    (STAGE_2_EXTENSION, "Stage 2: longest extension, in working days after the original due date (0-260)"),
    (STAGE_2_WINDOW, "Stage 2 may be requested within this many working days of the stage 1 response, or none"),
    (STAGE_2_GROUNDS, "Whether a stage 2 request must give grounds: true or false"),
    (INFORMAL, "Whether a complaint may be resolved informally before stage 1: true or false"),
    (GRADE_1, "Stage 1 response working days for a grade 1 complaint, or none for no grades"),
    (GRADE_2, "Stage 1 response working days for a grade 2 (complex) complaint, or none for no grades"),
    (CEILING, "No complaint may take longer than this many calendar months, or none"),
    (TIME_LIMIT, "A complaint must be raised within this many months of the problem (1-120)"),
    (OUTSIDE_REMIT, "Refer a matter outside the council's remit within this many working days"),
    (COMPLIMENT_ACKNOWLEDGE, "Acknowledge a compliment within this many working days, if the customer asks"),
    (COMPLIMENT_RESPONSE, "Reply to a compliment within this many working days, if the customer asks"),
    (COMMENT_ACKNOWLEDGE, "Acknowledge a comment within this many working days, if the customer asks"),
    (COMMENT_RESPONSE, "Reply to a comment within this many working days, if the customer asks"),
    (REMINDER, "Warn this many working days before a deadline (0 = on the day)"),
    (COUNCIL_CLOSURE_DAYS, "Council closure days: comma-separated YYYY-MM-DD or YYYY-MM-DD=Label"),
    (BANK_HOLIDAY_CORRECTIONS, "Bank holiday corrections: comma-separated +YYYY-MM-DD=Name to add, -YYYY-MM-DD to remove"),
];

/// A setting that cannot be used. Its `Display` is one line naming the variable and the fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The value could not be read at all.
    Unreadable {
        /// The setting.
        variable: &'static str,
        /// What it held.
        value: String,
        /// What it should hold.
        expected: &'static str,
    },
    /// A number outside the range the policy allows.
    OutOfBounds {
        /// The setting.
        variable: &'static str,
        /// The number given.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
        /// Its unit, e.g. "working days".
        unit: &'static str,
    },
    /// A value that contradicts another.
    Inconsistent {
        /// The setting to change.
        variable: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// One item of a list setting is wrong.
    BadItem {
        /// The list setting.
        variable: &'static str,
        /// The item as given.
        item: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl PolicyError {
    /// The setting at fault.
    pub fn variable(&self) -> &'static str {
        match self {
            PolicyError::Unreadable { variable, .. }
            | PolicyError::OutOfBounds { variable, .. }
            | PolicyError::Inconsistent { variable, .. }
            | PolicyError::BadItem { variable, .. } => variable,
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::Unreadable {
                variable,
                value,
                expected,
            } => write!(f, "{variable}: '{value}' is not {expected}"),
            PolicyError::OutOfBounds {
                variable,
                value,
                min,
                max,
                unit,
            } => write!(
                f,
                "{variable}: {value} {unit} is outside the allowed range {min} to {max}"
            ),
            PolicyError::Inconsistent { variable, problem } => write!(f, "{variable}: {problem}"),
            PolicyError::BadItem {
                variable,
                item,
                problem,
            } => write!(f, "{variable}: item '{item}' {problem}"),
        }
    }
}

impl std::error::Error for PolicyError {}

/// The unit of a [`Timescale`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimescaleUnit {
    /// Working days on the policy's calendar.
    WorkingDays,
    /// Calendar months (a ceiling on the whole complaint).
    CalendarMonths,
    /// Months (the time limit to raise a complaint).
    Months,
}

/// One timescale of the policy, for display (`GET /api/v1/policy`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Timescale {
    /// What is timed: `acknowledge`, `response`, `extension_limit`, `request_window`,
    /// `grade_1_response`, `grade_2_response`, `calendar_month_ceiling`, `time_limit_to_raise`,
    /// `outside_remit_referral` or `deadline_reminder`.
    pub name: &'static str,
    /// What it applies to: `stage_1`, `stage_2`, `complaint`, `compliment`, `comment` or
    /// `deadlines`.
    pub applies_to: &'static str,
    /// The number of units.
    pub value: u32,
    /// The unit.
    pub unit: TimescaleUnit,
    /// What it counts from: `receipt`, `acknowledgement`, `stage_2_request`, `stage_1_response`,
    /// `original_due_date`, `problem_arose_or_came_to_light`, or `before_due_date`.
    pub counted_from: &'static str,
    /// True for compliments and comments: only if the customer asks.
    pub only_if_customer_asks: bool,
    /// The setting that overrides it.
    pub setting: &'static str,
}

const CODE_STAGE_1: StageTimescales = StageTimescales {
    acknowledge_working_days: 5,
    response_working_days: 10,
    response_clock: ResponseClock::FromAcknowledgement,
    extension_limit_working_days: 10,
};

const CODE_STAGE_2: StageTimescales = StageTimescales {
    acknowledge_working_days: 5,
    response_working_days: 20,
    response_clock: ResponseClock::FromAcknowledgement,
    extension_limit_working_days: 20,
};

const ON_REQUEST: OnRequestTimescales = OnRequestTimescales {
    acknowledge_working_days: 10,
    response_working_days: 20,
};

impl Policy {
    /// The values of a preset (SPEC §4), with England and Wales bank holidays and no closure days.
    ///
    /// - **Complaint Handling Code**: stage 1 acknowledged within 5 WD of receipt, response 10 WD
    ///   from the acknowledgement, extension up to 10 WD; stage 2 acknowledged within 5 WD of the
    ///   request, response 20 WD from that acknowledgement, extension up to 20 WD; no stage 2
    ///   window and no grounds required; no informal stage; 12 months to raise a complaint.
    /// - **Dudley 2019**: acknowledge 5 WD, stage 1 response 20 WD from receipt; stage 2 within 20
    ///   WD of the stage 1 response, grounds required, response 20 WD from the request; informal
    ///   resolution allowed. Dudley sets no extension limit ("keep the customer informed"), no
    ///   stage 2 acknowledgement time and no time limit to raise: those are the Code's (10 / 20 WD,
    ///   5 WD, 12 months).
    /// - **Redditch**: acknowledge 2 WD, response 15 WD from receipt. Redditch has no stage 2, no
    ///   extension limit ("tell the customer why and when"), no informal stage and no time limit:
    ///   those are the Code's, so stage 2 is the Code's stage 2.
    /// - **Walsall proposal**: acknowledge 5 WD; grade 1 response 20 WD, grade 2 30 WD, from
    ///   receipt (an ungraded complaint gets grade 1's 20 WD); never more than 3 calendar months;
    ///   12 months to raise; outside remit referred within 10 WD; the informal stage is dropped.
    ///   Walsall has no stage 2 timescales or extension limit: those are the Code's.
    ///
    /// Every preset: outside-remit referral within 10 WD (SPEC §3); compliments and comments
    /// acknowledged within 10 WD and answered within 20 WD if the customer asks (seed 002; the
    /// others are silent); deadline reminders 2 WD before (SPEC §4's example).
    pub fn preset(preset: Preset) -> Policy {
        let code = Policy {
            preset,
            region: Region::EnglandAndWales,
            stage_1: CODE_STAGE_1,
            stage_2: CODE_STAGE_2,
            stage_2_request_window_working_days: None,
            stage_2_grounds_required: false,
            informal_resolution_allowed: false,
            grades: None,
            calendar_month_ceiling: None,
            time_limit_to_raise_months: 12,
            outside_remit_referral_working_days: 10,
            compliments: ON_REQUEST,
            comments: ON_REQUEST,
            deadline_reminder_working_days: 2,
            closure_days: Vec::new(),
            bank_holiday_corrections: Vec::new(),
        };
        match preset {
            Preset::ComplaintHandlingCode => code,
            Preset::Dudley2019 => Policy {
                stage_1: StageTimescales {
                    acknowledge_working_days: 5,
                    response_working_days: 20,
                    response_clock: ResponseClock::FromReceipt,
                    ..CODE_STAGE_1
                },
                stage_2: StageTimescales {
                    response_working_days: 20,
                    response_clock: ResponseClock::FromReceipt,
                    ..CODE_STAGE_2
                },
                stage_2_request_window_working_days: Some(20),
                stage_2_grounds_required: true,
                informal_resolution_allowed: true,
                ..code
            },
            Preset::Redditch => Policy {
                stage_1: StageTimescales {
                    acknowledge_working_days: 2,
                    response_working_days: 15,
                    response_clock: ResponseClock::FromReceipt,
                    ..CODE_STAGE_1
                },
                ..code
            },
            Preset::WalsallProposal => Policy {
                stage_1: StageTimescales {
                    acknowledge_working_days: 5,
                    response_working_days: 20,
                    response_clock: ResponseClock::FromReceipt,
                    ..CODE_STAGE_1
                },
                grades: Some(ComplaintGrades {
                    grade_1_working_days: 20,
                    grade_2_working_days: 30,
                }),
                calendar_month_ceiling: Some(3),
                ..code
            },
        }
    }

    /// Reads the policy from settings: `lookup(name)` returns a variable's value (e.g. from the
    /// environment). Starts from `POLICY_PRESET` (default `complaint_handling_code`) and
    /// `CALENDAR_REGION` (default `england_and_wales`), applies every override in [`SETTINGS`]
    /// that is set and not blank, then checks the result with [`Policy::validate`].
    pub fn from_settings(lookup: impl Fn(&str) -> Option<String>) -> Result<Policy, PolicyError> {
        let get = |variable: &'static str| {
            lookup(variable)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let preset = match get(POLICY_PRESET) {
            Some(value) => Preset::parse(&value).ok_or(PolicyError::Unreadable {
                variable: POLICY_PRESET,
                value,
                expected: "one of complaint_handling_code, dudley_2019, redditch, walsall_proposal",
            })?,
            None => Preset::default(),
        };
        let mut policy = Policy::preset(preset);
        if let Some(value) = get(CALENDAR_REGION) {
            policy.region = Region::parse(&value).ok_or(PolicyError::Unreadable {
                variable: CALENDAR_REGION,
                value,
                expected: "one of england_and_wales, scotland, northern_ireland",
            })?;
        }

        let days = |variable: &'static str, target: &mut u32| -> Result<(), PolicyError> {
            if let Some(value) = get(variable) {
                *target = whole_number(variable, &value)?;
            }
            Ok(())
        };
        days(ACKNOWLEDGE, &mut policy.stage_1.acknowledge_working_days)?;
        days(STAGE_1_RESPONSE, &mut policy.stage_1.response_working_days)?;
        days(
            STAGE_1_EXTENSION,
            &mut policy.stage_1.extension_limit_working_days,
        )?;
        days(
            STAGE_2_ACKNOWLEDGE,
            &mut policy.stage_2.acknowledge_working_days,
        )?;
        days(STAGE_2_RESPONSE, &mut policy.stage_2.response_working_days)?;
        days(
            STAGE_2_EXTENSION,
            &mut policy.stage_2.extension_limit_working_days,
        )?;
        days(TIME_LIMIT, &mut policy.time_limit_to_raise_months)?;
        days(
            OUTSIDE_REMIT,
            &mut policy.outside_remit_referral_working_days,
        )?;
        days(
            COMPLIMENT_ACKNOWLEDGE,
            &mut policy.compliments.acknowledge_working_days,
        )?;
        days(
            COMPLIMENT_RESPONSE,
            &mut policy.compliments.response_working_days,
        )?;
        days(
            COMMENT_ACKNOWLEDGE,
            &mut policy.comments.acknowledge_working_days,
        )?;
        days(COMMENT_RESPONSE, &mut policy.comments.response_working_days)?;
        days(REMINDER, &mut policy.deadline_reminder_working_days)?;

        for (variable, clock) in [
            (STAGE_1_CLOCK, &mut policy.stage_1.response_clock),
            (STAGE_2_CLOCK, &mut policy.stage_2.response_clock),
        ] {
            if let Some(value) = get(variable) {
                *clock = ResponseClock::parse(&value).ok_or(PolicyError::Unreadable {
                    variable,
                    value,
                    expected: "from_receipt or from_acknowledgement",
                })?;
            }
        }
        for (variable, switch) in [
            (STAGE_2_GROUNDS, &mut policy.stage_2_grounds_required),
            (INFORMAL, &mut policy.informal_resolution_allowed),
        ] {
            if let Some(value) = get(variable) {
                *switch = flag(variable, &value)?;
            }
        }
        if let Some(value) = get(STAGE_2_WINDOW) {
            policy.stage_2_request_window_working_days = optional_number(STAGE_2_WINDOW, &value)?;
        }
        if let Some(value) = get(CEILING) {
            policy.calendar_month_ceiling = optional_number(CEILING, &value)?;
        }

        let grade_1 = get(GRADE_1)
            .map(|value| optional_number(GRADE_1, &value))
            .transpose()?;
        let grade_2 = get(GRADE_2)
            .map(|value| optional_number(GRADE_2, &value))
            .transpose()?;
        if grade_1.is_some() || grade_2.is_some() {
            let grade_1 = grade_1.unwrap_or(policy.grades.map(|g| g.grade_1_working_days));
            let grade_2 = grade_2.unwrap_or(policy.grades.map(|g| g.grade_2_working_days));
            policy.grades = match (grade_1, grade_2) {
                (Some(grade_1_working_days), Some(grade_2_working_days)) => Some(ComplaintGrades {
                    grade_1_working_days,
                    grade_2_working_days,
                }),
                (None, None) => None,
                (Some(_), None) => return Err(grades_need_both(GRADE_2, GRADE_1)),
                (None, Some(_)) => return Err(grades_need_both(GRADE_1, GRADE_2)),
            };
        }

        if let Some(value) = get(COUNCIL_CLOSURE_DAYS) {
            policy.closure_days = parse_closure_days(&value)?;
        }
        if let Some(value) = get(BANK_HOLIDAY_CORRECTIONS) {
            policy.bank_holiday_corrections = parse_corrections(&value)?;
        }

        policy.validate()?;
        Ok(policy)
    }

    /// Checks every value is in bounds and the values agree with each other; the error names
    /// the setting to change.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let wd = "working days";
        let max = MAX_POLICY_WORKING_DAYS;
        for (stage, ack, response, extension) in [
            (
                &self.stage_1,
                ACKNOWLEDGE,
                STAGE_1_RESPONSE,
                STAGE_1_EXTENSION,
            ),
            (
                &self.stage_2,
                STAGE_2_ACKNOWLEDGE,
                STAGE_2_RESPONSE,
                STAGE_2_EXTENSION,
            ),
        ] {
            bounded(ack, stage.acknowledge_working_days, 0, max, wd)?;
            bounded(response, stage.response_working_days, 1, max, wd)?;
            bounded(extension, stage.extension_limit_working_days, 0, max, wd)?;
            if stage.response_clock == ResponseClock::FromReceipt
                && stage.acknowledge_working_days > stage.response_working_days
            {
                return Err(PolicyError::Inconsistent {
                    variable: ack,
                    problem: format!(
                        "acknowledging within {} working days would come after the response, due {} working days from receipt",
                        stage.acknowledge_working_days, stage.response_working_days
                    ),
                });
            }
        }
        if let Some(window) = self.stage_2_request_window_working_days {
            bounded(STAGE_2_WINDOW, window, 1, max, wd)?;
        }
        if let Some(grades) = self.grades {
            bounded(GRADE_1, grades.grade_1_working_days, 1, max, wd)?;
            bounded(GRADE_2, grades.grade_2_working_days, 1, max, wd)?;
            if grades.grade_2_working_days < grades.grade_1_working_days {
                return Err(PolicyError::Inconsistent {
                    variable: GRADE_2,
                    problem: format!(
                        "a grade 2 (complex) complaint cannot have less time ({} working days) than grade 1 ({})",
                        grades.grade_2_working_days, grades.grade_1_working_days
                    ),
                });
            }
        }
        if let Some(ceiling) = self.calendar_month_ceiling {
            bounded(CEILING, ceiling, 1, MAX_CEILING_MONTHS, "calendar months")?;
        }
        bounded(
            TIME_LIMIT,
            self.time_limit_to_raise_months,
            1,
            MAX_TIME_LIMIT_MONTHS,
            "months",
        )?;
        bounded(
            OUTSIDE_REMIT,
            self.outside_remit_referral_working_days,
            0,
            max,
            wd,
        )?;
        for (timescales, ack, response, what) in [
            (
                &self.compliments,
                COMPLIMENT_ACKNOWLEDGE,
                COMPLIMENT_RESPONSE,
                "compliment",
            ),
            (
                &self.comments,
                COMMENT_ACKNOWLEDGE,
                COMMENT_RESPONSE,
                "comment",
            ),
        ] {
            bounded(ack, timescales.acknowledge_working_days, 0, max, wd)?;
            bounded(response, timescales.response_working_days, 1, max, wd)?;
            if timescales.acknowledge_working_days > timescales.response_working_days {
                return Err(PolicyError::Inconsistent {
                    variable: ack,
                    problem: format!(
                        "acknowledging a {what} within {} working days would come after the reply, due within {}",
                        timescales.acknowledge_working_days, timescales.response_working_days
                    ),
                });
            }
        }
        bounded(REMINDER, self.deadline_reminder_working_days, 0, max, wd)?;

        let outside =
            |date: NaiveDate| !(FIRST_SUPPORTED_DATE..=LAST_SUPPORTED_DATE).contains(&date);
        let range_problem = format!(
            "is outside the supported range {FIRST_SUPPORTED_DATE} to {LAST_SUPPORTED_DATE}"
        );
        for (index, (date, _)) in self.closure_days.iter().enumerate() {
            if outside(*date) {
                return Err(bad_item(COUNCIL_CLOSURE_DAYS, date, &range_problem));
            }
            if self.closure_days[..index]
                .iter()
                .any(|(earlier, _)| earlier == date)
            {
                return Err(bad_item(COUNCIL_CLOSURE_DAYS, date, "is listed twice"));
            }
        }
        for correction in &self.bank_holiday_corrections {
            let (BankHolidayCorrection::Add { date, .. } | BankHolidayCorrection::Remove { date }) =
                correction;
            if outside(*date) {
                return Err(bad_item(BANK_HOLIDAY_CORRECTIONS, date, &range_problem));
            }
        }
        match self.calendar() {
            Ok(_) => Ok(()),
            Err(CalendarError::NotABankHoliday { date, region }) => Err(bad_item(
                BANK_HOLIDAY_CORRECTIONS,
                format!("-{date}"),
                &format!("removes a day that is not a bank holiday in {region}"),
            )),
            Err(CalendarError::ConflictingCorrections { date }) => Err(bad_item(
                BANK_HOLIDAY_CORRECTIONS,
                date,
                "is both added and removed",
            )),
            Err(other) => Err(PolicyError::Inconsistent {
                variable: BANK_HOLIDAY_CORRECTIONS,
                problem: other.to_string(),
            }),
        }
    }

    /// Builds the working-day calendar: the region's bank holidays with the corrections applied,
    /// and the closure days.
    pub fn calendar(&self) -> Result<Calendar, CalendarError> {
        let mut builder = Calendar::new(self.region);
        for (date, label) in &self.closure_days {
            builder = builder.with_closure_day(*date, label.clone());
        }
        for correction in &self.bank_holiday_corrections {
            builder = builder.with_correction(correction.clone());
        }
        builder.build()
    }

    /// Every timescale with its unit, what it applies to and counts from, for display.
    pub fn timescales(&self) -> Vec<Timescale> {
        let stage_1_clock = match self.stage_1.response_clock {
            ResponseClock::FromReceipt => "receipt",
            ResponseClock::FromAcknowledgement => "acknowledgement",
        };
        let stage_2_clock = match self.stage_2.response_clock {
            ResponseClock::FromReceipt => "stage_2_request",
            ResponseClock::FromAcknowledgement => "acknowledgement",
        };
        let working_days = |name, applies_to, value, counted_from, setting| Timescale {
            name,
            applies_to,
            value,
            unit: TimescaleUnit::WorkingDays,
            counted_from,
            only_if_customer_asks: false,
            setting,
        };
        let on_request = |name, applies_to, value, setting| Timescale {
            only_if_customer_asks: true,
            ..working_days(name, applies_to, value, "receipt", setting)
        };

        let mut list = vec![
            working_days(
                "acknowledge",
                "stage_1",
                self.stage_1.acknowledge_working_days,
                "receipt",
                ACKNOWLEDGE,
            ),
            working_days(
                "response",
                "stage_1",
                self.stage_1.response_working_days,
                stage_1_clock,
                STAGE_1_RESPONSE,
            ),
        ];
        if let Some(grades) = self.grades {
            list.push(working_days(
                "grade_1_response",
                "stage_1",
                grades.grade_1_working_days,
                stage_1_clock,
                GRADE_1,
            ));
            list.push(working_days(
                "grade_2_response",
                "stage_1",
                grades.grade_2_working_days,
                stage_1_clock,
                GRADE_2,
            ));
        }
        list.push(working_days(
            "extension_limit",
            "stage_1",
            self.stage_1.extension_limit_working_days,
            "original_due_date",
            STAGE_1_EXTENSION,
        ));
        if let Some(window) = self.stage_2_request_window_working_days {
            list.push(working_days(
                "request_window",
                "stage_2",
                window,
                "stage_1_response",
                STAGE_2_WINDOW,
            ));
        }
        list.push(working_days(
            "acknowledge",
            "stage_2",
            self.stage_2.acknowledge_working_days,
            "stage_2_request",
            STAGE_2_ACKNOWLEDGE,
        ));
        list.push(working_days(
            "response",
            "stage_2",
            self.stage_2.response_working_days,
            stage_2_clock,
            STAGE_2_RESPONSE,
        ));
        list.push(working_days(
            "extension_limit",
            "stage_2",
            self.stage_2.extension_limit_working_days,
            "original_due_date",
            STAGE_2_EXTENSION,
        ));
        if let Some(ceiling) = self.calendar_month_ceiling {
            list.push(Timescale {
                unit: TimescaleUnit::CalendarMonths,
                ..working_days(
                    "calendar_month_ceiling",
                    "complaint",
                    ceiling,
                    "receipt",
                    CEILING,
                )
            });
        }
        list.push(Timescale {
            unit: TimescaleUnit::Months,
            ..working_days(
                "time_limit_to_raise",
                "complaint",
                self.time_limit_to_raise_months,
                "problem_arose_or_came_to_light",
                TIME_LIMIT,
            )
        });
        list.push(working_days(
            "outside_remit_referral",
            "complaint",
            self.outside_remit_referral_working_days,
            "receipt",
            OUTSIDE_REMIT,
        ));
        list.push(on_request(
            "acknowledge",
            "compliment",
            self.compliments.acknowledge_working_days,
            COMPLIMENT_ACKNOWLEDGE,
        ));
        list.push(on_request(
            "response",
            "compliment",
            self.compliments.response_working_days,
            COMPLIMENT_RESPONSE,
        ));
        list.push(on_request(
            "acknowledge",
            "comment",
            self.comments.acknowledge_working_days,
            COMMENT_ACKNOWLEDGE,
        ));
        list.push(on_request(
            "response",
            "comment",
            self.comments.response_working_days,
            COMMENT_RESPONSE,
        ));
        list.push(working_days(
            "deadline_reminder",
            "deadlines",
            self.deadline_reminder_working_days,
            "before_due_date",
            REMINDER,
        ));
        list
    }
}

fn bounded(
    variable: &'static str,
    value: u32,
    min: u32,
    max: u32,
    unit: &'static str,
) -> Result<(), PolicyError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(PolicyError::OutOfBounds {
            variable,
            value,
            min,
            max,
            unit,
        })
    }
}

fn bad_item(variable: &'static str, item: impl ToString, problem: &str) -> PolicyError {
    PolicyError::BadItem {
        variable,
        item: item.to_string(),
        problem: problem.to_owned(),
    }
}

fn grades_need_both(missing: &'static str, given: &'static str) -> PolicyError {
    PolicyError::Inconsistent {
        variable: missing,
        problem: format!(
            "grades need both grade response times: set it as well as {given}, or set both to none"
        ),
    }
}

fn whole_number(variable: &'static str, value: &str) -> Result<u32, PolicyError> {
    value.parse::<u32>().map_err(|_| PolicyError::Unreadable {
        variable,
        value: value.to_owned(),
        expected: "a whole number",
    })
}

fn optional_number(variable: &'static str, value: &str) -> Result<Option<u32>, PolicyError> {
    if value.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    value
        .parse::<u32>()
        .map(Some)
        .map_err(|_| PolicyError::Unreadable {
            variable,
            value: value.to_owned(),
            expected: "a whole number or none",
        })
}

fn flag(variable: &'static str, value: &str) -> Result<bool, PolicyError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Ok(true),
        "false" | "no" | "0" | "off" => Ok(false),
        _ => Err(PolicyError::Unreadable {
            variable,
            value: value.to_owned(),
            expected: "true or false",
        }),
    }
}

/// Reads a strict `YYYY-MM-DD` date.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    if bytes.len() != 10
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    NaiveDate::from_ymd_opt(
        text[0..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    )
}

fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn dated_item(variable: &'static str, item: &str, text: &str) -> Result<NaiveDate, PolicyError> {
    iso_date(text.trim())
        .ok_or_else(|| bad_item(variable, item, "is not a date in YYYY-MM-DD form"))
}

fn parse_closure_days(value: &str) -> Result<Vec<(NaiveDate, String)>, PolicyError> {
    list_items(value)
        .map(|item| {
            let (date, label) = match item.split_once('=') {
                Some((date, label)) => (date, label.trim()),
                None => (item, DEFAULT_CLOSURE_LABEL),
            };
            if label.is_empty() {
                return Err(bad_item(
                    COUNCIL_CLOSURE_DAYS,
                    item,
                    "has an empty label after '='",
                ));
            }
            Ok((
                dated_item(COUNCIL_CLOSURE_DAYS, item, date)?,
                label.to_owned(),
            ))
        })
        .collect()
}

fn parse_corrections(value: &str) -> Result<Vec<BankHolidayCorrection>, PolicyError> {
    list_items(value)
        .map(|item| {
            if let Some(rest) = item.strip_prefix('+') {
                let (date, name) = match rest.split_once('=') {
                    Some((date, name)) => (date, name.trim()),
                    None => (rest, DEFAULT_CORRECTION_NAME),
                };
                if name.is_empty() {
                    return Err(bad_item(
                        BANK_HOLIDAY_CORRECTIONS,
                        item,
                        "has an empty name after '='",
                    ));
                }
                Ok(BankHolidayCorrection::Add {
                    date: dated_item(BANK_HOLIDAY_CORRECTIONS, item, date)?,
                    name: name.to_owned(),
                })
            } else if let Some(rest) = item.strip_prefix('-') {
                if rest.contains('=') {
                    return Err(bad_item(
                        BANK_HOLIDAY_CORRECTIONS,
                        item,
                        "removes a day, so takes no name",
                    ));
                }
                Ok(BankHolidayCorrection::Remove {
                    date: dated_item(BANK_HOLIDAY_CORRECTIONS, item, rest)?,
                })
            } else {
                Err(bad_item(
                    BANK_HOLIDAY_CORRECTIONS,
                    item,
                    "must start with + (add a bank holiday) or - (remove one)",
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::{BTreeSet, HashMap};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("test dates are valid")
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<Policy, PolicyError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Policy::from_settings(|name| map.get(name).cloned())
    }

    fn error(pairs: &[(&str, &str)]) -> PolicyError {
        settings(pairs).expect_err("these settings are invalid")
    }

    #[test]
    fn complaint_handling_code_is_the_default_with_no_stage_0_and_no_grounds() {
        let policy = settings(&[]).expect("defaults are valid");
        assert_eq!(policy, Policy::preset(Preset::ComplaintHandlingCode));
        assert_eq!(policy.region, Region::EnglandAndWales);
        assert_eq!(
            policy.stage_1,
            StageTimescales {
                acknowledge_working_days: 5,
                response_working_days: 10,
                response_clock: ResponseClock::FromAcknowledgement,
                extension_limit_working_days: 10,
            }
        );
        assert_eq!(
            policy.stage_2,
            StageTimescales {
                acknowledge_working_days: 5,
                response_working_days: 20,
                response_clock: ResponseClock::FromAcknowledgement,
                extension_limit_working_days: 20,
            }
        );
        assert_eq!(policy.stage_2_request_window_working_days, None);
        assert!(!policy.stage_2_grounds_required);
        assert!(!policy.informal_resolution_allowed);
        assert_eq!(policy.grades, None);
        assert_eq!(policy.calendar_month_ceiling, None);
        assert_eq!(policy.time_limit_to_raise_months, 12);
        assert_eq!(policy.outside_remit_referral_working_days, 10);
    }

    #[test]
    fn dudley_2019_allows_informal_resolution_and_requires_grounds_within_20_working_days() {
        let policy = Policy::preset(Preset::Dudley2019);
        assert_eq!(policy.stage_1.acknowledge_working_days, 5);
        assert_eq!(policy.stage_1.response_working_days, 20);
        assert_eq!(policy.stage_1.response_clock, ResponseClock::FromReceipt);
        assert_eq!(policy.stage_2.response_working_days, 20);
        assert_eq!(policy.stage_2.response_clock, ResponseClock::FromReceipt);
        assert_eq!(policy.stage_2_request_window_working_days, Some(20));
        assert!(policy.stage_2_grounds_required);
        assert!(policy.informal_resolution_allowed);
        // Silent in Dudley: the Code's values.
        assert_eq!(policy.stage_1.extension_limit_working_days, 10);
        assert_eq!(policy.stage_2.extension_limit_working_days, 20);
        assert_eq!(policy.stage_2.acknowledge_working_days, 5);
        assert_eq!(policy.time_limit_to_raise_months, 12);
    }

    #[test]
    fn redditch_acknowledges_in_2_and_responds_in_15_working_days_with_the_codes_stage_2() {
        let policy = Policy::preset(Preset::Redditch);
        assert_eq!(policy.stage_1.acknowledge_working_days, 2);
        assert_eq!(policy.stage_1.response_working_days, 15);
        assert_eq!(policy.stage_1.response_clock, ResponseClock::FromReceipt);
        assert_eq!(policy.stage_2, CODE_STAGE_2);
        assert_eq!(policy.stage_2_request_window_working_days, None);
        assert!(!policy.stage_2_grounds_required);
        assert!(!policy.informal_resolution_allowed);
    }

    #[test]
    fn walsall_proposal_has_two_grades_a_three_month_ceiling_and_a_12_month_limit() {
        let policy = Policy::preset(Preset::WalsallProposal);
        assert_eq!(policy.stage_1.acknowledge_working_days, 5);
        assert_eq!(policy.stage_1.response_working_days, 20);
        assert_eq!(
            policy.grades,
            Some(ComplaintGrades {
                grade_1_working_days: 20,
                grade_2_working_days: 30,
            })
        );
        assert_eq!(policy.calendar_month_ceiling, Some(3));
        assert_eq!(policy.time_limit_to_raise_months, 12);
        assert_eq!(policy.outside_remit_referral_working_days, 10);
        assert_eq!(policy.stage_2, CODE_STAGE_2);
        assert!(!policy.informal_resolution_allowed);
    }

    #[test]
    fn compliments_and_comments_are_acknowledged_in_10_and_answered_in_20_if_asked() {
        for preset in Preset::ALL {
            let policy = Policy::preset(preset);
            assert_eq!(policy.compliments, ON_REQUEST);
            assert_eq!(policy.comments, ON_REQUEST);
            assert_eq!(ON_REQUEST.acknowledge_working_days, 10);
            assert_eq!(ON_REQUEST.response_working_days, 20);
            assert_eq!(policy.validate(), Ok(()), "{preset}");
        }
    }

    #[test]
    fn presets_and_clocks_round_trip_through_their_names() {
        for preset in Preset::ALL {
            assert_eq!(Preset::parse(preset.as_str()), Some(preset));
            assert_eq!(
                settings(&[(POLICY_PRESET, preset.as_str())]),
                Ok(Policy::preset(preset))
            );
        }
        assert_eq!(Preset::parse(" Dudley_2019 "), Some(Preset::Dudley2019));
        for clock in ResponseClock::ALL {
            assert_eq!(ResponseClock::parse(clock.as_str()), Some(clock));
        }
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        for preset in Preset::ALL {
            let input: StrDeserializer<Error> = preset.as_str().into_deserializer();
            assert_eq!(Preset::deserialize(input), Ok(preset));
        }
    }

    #[test]
    fn every_value_can_be_overridden() {
        let policy = settings(&[
            (POLICY_PRESET, "walsall_proposal"),
            (CALENDAR_REGION, "scotland"),
            (ACKNOWLEDGE, "3"),
            (STAGE_1_RESPONSE, "12"),
            (STAGE_1_CLOCK, "from_acknowledgement"),
            (STAGE_1_EXTENSION, "7"),
            (STAGE_2_ACKNOWLEDGE, "4"),
            (STAGE_2_RESPONSE, "25"),
            (STAGE_2_CLOCK, "from_receipt"),
            (STAGE_2_EXTENSION, "15"),
            (STAGE_2_WINDOW, "30"),
            (STAGE_2_GROUNDS, "yes"),
            (INFORMAL, "TRUE"),
            (GRADE_1, "15"),
            (GRADE_2, "35"),
            (CEILING, "none"),
            (TIME_LIMIT, "6"),
            (OUTSIDE_REMIT, "5"),
            (COMPLIMENT_ACKNOWLEDGE, "1"),
            (COMPLIMENT_RESPONSE, "2"),
            (COMMENT_ACKNOWLEDGE, "3"),
            (COMMENT_RESPONSE, "4"),
            (REMINDER, "0"),
            (
                COUNCIL_CLOSURE_DAYS,
                "2026-12-29=Christmas closure, 2026-12-30",
            ),
            (
                BANK_HOLIDAY_CORRECTIONS,
                "+2031-05-09=Special holiday,-2031-05-05",
            ),
        ])
        .expect("valid overrides");
        assert_eq!(
            policy,
            Policy {
                preset: Preset::WalsallProposal,
                region: Region::Scotland,
                stage_1: StageTimescales {
                    acknowledge_working_days: 3,
                    response_working_days: 12,
                    response_clock: ResponseClock::FromAcknowledgement,
                    extension_limit_working_days: 7,
                },
                stage_2: StageTimescales {
                    acknowledge_working_days: 4,
                    response_working_days: 25,
                    response_clock: ResponseClock::FromReceipt,
                    extension_limit_working_days: 15,
                },
                stage_2_request_window_working_days: Some(30),
                stage_2_grounds_required: true,
                informal_resolution_allowed: true,
                grades: Some(ComplaintGrades {
                    grade_1_working_days: 15,
                    grade_2_working_days: 35,
                }),
                calendar_month_ceiling: None,
                time_limit_to_raise_months: 6,
                outside_remit_referral_working_days: 5,
                compliments: OnRequestTimescales {
                    acknowledge_working_days: 1,
                    response_working_days: 2,
                },
                comments: OnRequestTimescales {
                    acknowledge_working_days: 3,
                    response_working_days: 4,
                },
                deadline_reminder_working_days: 0,
                closure_days: vec![
                    (date(2026, 12, 29), "Christmas closure".to_owned()),
                    (date(2026, 12, 30), "Council closure day".to_owned()),
                ],
                bank_holiday_corrections: vec![
                    BankHolidayCorrection::Add {
                        date: date(2031, 5, 9),
                        name: "Special holiday".to_owned(),
                    },
                    BankHolidayCorrection::Remove {
                        date: date(2031, 5, 5),
                    },
                ],
            }
        );
    }

    #[test]
    fn blank_settings_keep_the_preset_values() {
        let policy = settings(&[
            (POLICY_PRESET, "  "),
            (STAGE_1_RESPONSE, ""),
            (COUNCIL_CLOSURE_DAYS, " , "),
        ])
        .expect("blank is unset");
        assert_eq!(policy, Policy::preset(Preset::ComplaintHandlingCode));
    }

    #[test]
    fn settings_lists_every_variable_the_policy_reads() {
        let asked = RefCell::new(BTreeSet::new());
        let _ = Policy::from_settings(|name| {
            asked.borrow_mut().insert(name.to_owned());
            None
        });
        let listed: BTreeSet<String> = SETTINGS
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
        assert_eq!(asked.into_inner(), listed);
        for (name, description) in SETTINGS {
            assert!(
                !description.is_empty() && !description.contains('\n'),
                "{name}"
            );
        }
    }

    #[test]
    fn unreadable_values_name_the_variable_and_what_was_expected() {
        let cases: &[(&str, &str, &str)] = &[
            (POLICY_PRESET, "walsall", "POLICY_PRESET: 'walsall' is not one of complaint_handling_code, dudley_2019, redditch, walsall_proposal"),
            (CALENDAR_REGION, "wales", "CALENDAR_REGION: 'wales' is not one of england_and_wales, scotland, northern_ireland"),
            (STAGE_1_RESPONSE, "ten", "POLICY_STAGE_1_RESPONSE_WORKING_DAYS: 'ten' is not a whole number"),
            (ACKNOWLEDGE, "-1", "POLICY_ACKNOWLEDGE_WORKING_DAYS: '-1' is not a whole number"),
            (STAGE_1_CLOCK, "from_ack", "POLICY_STAGE_1_RESPONSE_CLOCK: 'from_ack' is not from_receipt or from_acknowledgement"),
            (STAGE_2_CLOCK, "later", "POLICY_STAGE_2_RESPONSE_CLOCK: 'later' is not from_receipt or from_acknowledgement"),
            (STAGE_2_GROUNDS, "maybe", "POLICY_STAGE_2_GROUNDS_REQUIRED: 'maybe' is not true or false"),
            (INFORMAL, "2", "POLICY_INFORMAL_RESOLUTION_ALLOWED: '2' is not true or false"),
            (STAGE_2_WINDOW, "never", "POLICY_STAGE_2_REQUEST_WINDOW_WORKING_DAYS: 'never' is not a whole number or none"),
            (CEILING, "3 months", "POLICY_CALENDAR_MONTH_CEILING: '3 months' is not a whole number or none"),
            (GRADE_1, "x", "POLICY_GRADE_1_RESPONSE_WORKING_DAYS: 'x' is not a whole number or none"),
            (TIME_LIMIT, "1.5", "POLICY_TIME_LIMIT_TO_RAISE_MONTHS: '1.5' is not a whole number"),
        ];
        for (variable, value, message) in cases {
            let problem = error(&[(variable, value)]);
            assert_eq!(problem.variable(), *variable);
            assert_eq!(problem.to_string(), *message);
        }
    }

    #[test]
    fn zero_response_days_and_absurd_limits_are_refused() {
        let cases: &[(&str, &str, &str)] = &[
            (STAGE_1_RESPONSE, "0", "POLICY_STAGE_1_RESPONSE_WORKING_DAYS: 0 working days is outside the allowed range 1 to 260"),
            (STAGE_2_RESPONSE, "0", "POLICY_STAGE_2_RESPONSE_WORKING_DAYS: 0 working days is outside the allowed range 1 to 260"),
            (STAGE_1_EXTENSION, "261", "POLICY_STAGE_1_EXTENSION_LIMIT_WORKING_DAYS: 261 working days is outside the allowed range 0 to 260"),
            (STAGE_2_EXTENSION, "1000", "POLICY_STAGE_2_EXTENSION_LIMIT_WORKING_DAYS: 1000 working days is outside the allowed range 0 to 260"),
            (STAGE_2_ACKNOWLEDGE, "300", "POLICY_STAGE_2_ACKNOWLEDGE_WORKING_DAYS: 300 working days is outside the allowed range 0 to 260"),
            (STAGE_2_WINDOW, "0", "POLICY_STAGE_2_REQUEST_WINDOW_WORKING_DAYS: 0 working days is outside the allowed range 1 to 260"),
            (CEILING, "0", "POLICY_CALENDAR_MONTH_CEILING: 0 calendar months is outside the allowed range 1 to 24"),
            (TIME_LIMIT, "0", "POLICY_TIME_LIMIT_TO_RAISE_MONTHS: 0 months is outside the allowed range 1 to 120"),
            (OUTSIDE_REMIT, "261", "POLICY_OUTSIDE_REMIT_REFERRAL_WORKING_DAYS: 261 working days is outside the allowed range 0 to 260"),
            (COMPLIMENT_RESPONSE, "0", "POLICY_COMPLIMENT_RESPONSE_WORKING_DAYS: 0 working days is outside the allowed range 1 to 260"),
            (COMMENT_RESPONSE, "0", "POLICY_COMMENT_RESPONSE_WORKING_DAYS: 0 working days is outside the allowed range 1 to 260"),
            (REMINDER, "999", "POLICY_DEADLINE_REMINDER_WORKING_DAYS: 999 working days is outside the allowed range 0 to 260"),
            (STAGE_1_RESPONSE, "99999999999", "POLICY_STAGE_1_RESPONSE_WORKING_DAYS: '99999999999' is not a whole number"),
        ];
        for (variable, value, message) in cases {
            assert_eq!(error(&[(variable, value)]).to_string(), *message);
        }
        let grade = error(&[(POLICY_PRESET, "walsall_proposal"), (GRADE_2, "0")]);
        assert_eq!(grade.variable(), GRADE_2);
    }

    #[test]
    fn contradictory_values_are_refused() {
        let late_ack = error(&[(POLICY_PRESET, "redditch"), (ACKNOWLEDGE, "20")]);
        assert_eq!(
            late_ack.to_string(),
            "POLICY_ACKNOWLEDGE_WORKING_DAYS: acknowledging within 20 working days would come after the response, due 15 working days from receipt"
        );
        // Counting from the acknowledgement, a long acknowledgement time is not a contradiction.
        assert!(settings(&[(ACKNOWLEDGE, "20")]).is_ok());
        let late_stage_2_ack =
            error(&[(STAGE_2_CLOCK, "from_receipt"), (STAGE_2_ACKNOWLEDGE, "21")]);
        assert_eq!(late_stage_2_ack.variable(), STAGE_2_ACKNOWLEDGE);
        let grade_2_shorter = error(&[(POLICY_PRESET, "walsall_proposal"), (GRADE_2, "10")]);
        assert_eq!(
            grade_2_shorter.to_string(),
            "POLICY_GRADE_2_RESPONSE_WORKING_DAYS: a grade 2 (complex) complaint cannot have less time (10 working days) than grade 1 (20)"
        );
        let compliment = error(&[(COMPLIMENT_ACKNOWLEDGE, "30")]);
        assert_eq!(
            compliment.to_string(),
            "POLICY_COMPLIMENT_ACKNOWLEDGE_WORKING_DAYS: acknowledging a compliment within 30 working days would come after the reply, due within 20"
        );
        assert_eq!(
            error(&[(COMMENT_ACKNOWLEDGE, "21")]).variable(),
            COMMENT_ACKNOWLEDGE
        );
    }

    #[test]
    fn grades_need_both_values_or_none() {
        let one_grade = error(&[(GRADE_1, "20")]);
        assert_eq!(
            one_grade.to_string(),
            "POLICY_GRADE_2_RESPONSE_WORKING_DAYS: grades need both grade response times: set it as well as POLICY_GRADE_1_RESPONSE_WORKING_DAYS, or set both to none"
        );
        assert_eq!(error(&[(GRADE_2, "30")]).variable(), GRADE_1);
        let added = settings(&[(GRADE_1, "20"), (GRADE_2, "30")]).expect("both given");
        assert!(added.grades.is_some());
        let removed = settings(&[
            (POLICY_PRESET, "walsall_proposal"),
            (GRADE_1, "none"),
            (GRADE_2, "none"),
        ])
        .expect("both none");
        assert_eq!(removed.grades, None);
        assert_eq!(
            error(&[(POLICY_PRESET, "walsall_proposal"), (GRADE_1, "none")]).variable(),
            GRADE_1
        );
        let adjusted =
            settings(&[(POLICY_PRESET, "walsall_proposal"), (GRADE_2, "40")]).expect("one changed");
        assert_eq!(
            adjusted.grades,
            Some(ComplaintGrades {
                grade_1_working_days: 20,
                grade_2_working_days: 40,
            })
        );
    }

    #[test]
    fn closure_day_errors_name_the_item() {
        let cases: &[(&str, &str)] = &[
            ("2026-13-01", "COUNCIL_CLOSURE_DAYS: item '2026-13-01' is not a date in YYYY-MM-DD form"),
            ("2026-12-29,29/12/2026", "COUNCIL_CLOSURE_DAYS: item '29/12/2026' is not a date in YYYY-MM-DD form"),
            ("2026-1-5", "COUNCIL_CLOSURE_DAYS: item '2026-1-5' is not a date in YYYY-MM-DD form"),
            ("2026-12-29=", "COUNCIL_CLOSURE_DAYS: item '2026-12-29=' has an empty label after '='"),
            ("2041-01-02", "COUNCIL_CLOSURE_DAYS: item '2041-01-02' is outside the supported range 2015-01-01 to 2040-12-31"),
            ("2026-12-29,2026-12-29=Again", "COUNCIL_CLOSURE_DAYS: item '2026-12-29' is listed twice"),
        ];
        for (value, message) in cases {
            assert_eq!(
                error(&[(COUNCIL_CLOSURE_DAYS, value)]).to_string(),
                *message
            );
        }
    }

    /// (setting value, other settings, expected message)
    type CorrectionCase = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
    );

    #[test]
    fn bank_holiday_correction_errors_name_the_item() {
        let cases: &[CorrectionCase] = &[
            ("2031-05-09=Special", &[], "BANK_HOLIDAY_CORRECTIONS: item '2031-05-09=Special' must start with + (add a bank holiday) or - (remove one)"),
            ("+2031-5-9=Special", &[], "BANK_HOLIDAY_CORRECTIONS: item '+2031-5-9=Special' is not a date in YYYY-MM-DD form"),
            ("+2031-05-09=", &[], "BANK_HOLIDAY_CORRECTIONS: item '+2031-05-09=' has an empty name after '='"),
            ("-2031-05-05=Early May", &[], "BANK_HOLIDAY_CORRECTIONS: item '-2031-05-05=Early May' removes a day, so takes no name"),
            ("-2031-05-06", &[], "BANK_HOLIDAY_CORRECTIONS: item '-2031-05-06' removes a day that is not a bank holiday in england_and_wales"),
            ("-2026-04-06", &[(CALENDAR_REGION, "scotland")], "BANK_HOLIDAY_CORRECTIONS: item '-2026-04-06' removes a day that is not a bank holiday in scotland"),
            ("+2031-05-05=X,-2031-05-05", &[], "BANK_HOLIDAY_CORRECTIONS: item '2031-05-05' is both added and removed"),
            ("+2045-01-02=Far", &[], "BANK_HOLIDAY_CORRECTIONS: item '2045-01-02' is outside the supported range 2015-01-01 to 2040-12-31"),
        ];
        for (value, extra, message) in cases {
            let mut pairs = vec![(BANK_HOLIDAY_CORRECTIONS, *value)];
            pairs.extend_from_slice(extra);
            assert_eq!(error(&pairs).to_string(), *message);
        }
        let unnamed =
            settings(&[(BANK_HOLIDAY_CORRECTIONS, "+2031-05-09")]).expect("name optional");
        assert_eq!(
            unnamed.bank_holiday_corrections,
            vec![BankHolidayCorrection::Add {
                date: date(2031, 5, 9),
                name: "Bank holiday".to_owned(),
            }]
        );
    }

    #[test]
    fn every_error_message_is_one_line_naming_its_variable() {
        let samples = [
            error(&[(POLICY_PRESET, "x")]),
            error(&[(STAGE_1_RESPONSE, "0")]),
            error(&[(GRADE_1, "1")]),
            error(&[(COUNCIL_CLOSURE_DAYS, "x")]),
        ];
        for sample in samples {
            let text = sample.to_string();
            assert!(text.starts_with(sample.variable()), "{text}");
            assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn the_policy_builds_its_calendar_with_closures_and_corrections() {
        let policy = settings(&[
            (CALENDAR_REGION, "northern_ireland"),
            (
                COUNCIL_CLOSURE_DAYS,
                "2026-12-29=Christmas closure,2026-12-30,2026-12-31",
            ),
            (
                BANK_HOLIDAY_CORRECTIONS,
                "+2031-05-09=Special holiday,-2031-05-05",
            ),
        ])
        .expect("valid");
        let calendar = policy.calendar().expect("valid");
        assert_eq!(calendar.region(), Region::NorthernIreland);
        assert!(!calendar.is_working_day(date(2026, 7, 13))); // Boyne substitute
        assert_eq!(
            calendar.add_working_days(date(2026, 12, 24), 1),
            Ok(date(2027, 1, 4))
        );
        assert!(calendar.is_working_day(date(2031, 5, 5)));
        assert!(!calendar.is_working_day(date(2031, 5, 9)));
    }

    #[test]
    fn timescales_list_every_value_with_its_unit() {
        let code = Policy::preset(Preset::ComplaintHandlingCode).timescales();
        let find = |list: &[Timescale], name: &str, applies_to: &str| {
            list.iter()
                .find(|t| t.name == name && t.applies_to == applies_to)
                .cloned()
        };
        let response = find(&code, "response", "stage_1").expect("listed");
        assert_eq!(
            (response.value, response.unit, response.counted_from),
            (10, TimescaleUnit::WorkingDays, "acknowledgement")
        );
        assert_eq!(find(&code, "request_window", "stage_2"), None);
        assert_eq!(find(&code, "calendar_month_ceiling", "complaint"), None);
        let limit = find(&code, "time_limit_to_raise", "complaint").expect("listed");
        assert_eq!((limit.value, limit.unit), (12, TimescaleUnit::Months));
        let compliment = find(&code, "response", "compliment").expect("listed");
        assert!(compliment.only_if_customer_asks);
        assert_eq!(compliment.value, 20);

        let walsall = Policy::preset(Preset::WalsallProposal).timescales();
        let ceiling = find(&walsall, "calendar_month_ceiling", "complaint").expect("listed");
        assert_eq!(
            (ceiling.value, ceiling.unit),
            (3, TimescaleUnit::CalendarMonths)
        );
        assert_eq!(
            find(&walsall, "grade_2_response", "stage_1").map(|t| t.value),
            Some(30)
        );
        assert_eq!(
            find(&walsall, "response", "stage_1").map(|t| t.counted_from),
            Some("receipt")
        );

        let dudley = Policy::preset(Preset::Dudley2019).timescales();
        let window = find(&dudley, "request_window", "stage_2").expect("listed");
        assert_eq!(
            (window.value, window.counted_from),
            (20, "stage_1_response")
        );

        for preset in Preset::ALL {
            for timescale in Policy::preset(preset).timescales() {
                assert!(SETTINGS.iter().any(|(name, _)| *name == timescale.setting));
            }
        }
    }
}
