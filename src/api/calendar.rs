//! The clock as an API: due dates, working-day counts, bank holidays and the
//! council's policy, so a CRM computes deadlines exactly as this service does.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::responses;
use crate::auth::AnyCaller;
use crate::domain::bank_holidays::{holiday_source, HolidaySource, Region, FIRST_YEAR, LAST_YEAR};
use crate::domain::calendar::{CalendarError, NonWorkingReason, MAX_WORKING_DAYS};
use crate::domain::clock::Clock;
use crate::domain::policy::{Timescale, TimescaleUnit};
use crate::error::{ApiError, FieldError};

/// A day that does not count, and why.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SkippedDay {
    #[schema(value_type = String, format = Date, example = "2026-12-25")]
    pub date: NaiveDate,
    /// `weekend`, `bank_holiday` or `closure_day`.
    #[schema(example = "bank_holiday")]
    pub kind: String,
    /// The day of the week, the holiday's name or the closure's label.
    #[schema(example = "Christmas Day")]
    pub description: String,
}

impl SkippedDay {
    fn new(date: NaiveDate, reason: &NonWorkingReason) -> Self {
        SkippedDay {
            date,
            kind: reason.kind().to_string(),
            description: reason.description().to_string(),
        }
    }
}

/// A due date worked out in working days.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "from": "2026-12-18", "working_days": 5, "region": "england_and_wales",
    "day_zero": "2026-12-18", "due": "2026-12-29",
    "skipped": [
        {"date": "2026-12-19", "kind": "weekend", "description": "Saturday"},
        {"date": "2026-12-20", "kind": "weekend", "description": "Sunday"},
        {"date": "2026-12-25", "kind": "bank_holiday", "description": "Christmas Day"},
        {"date": "2026-12-26", "kind": "weekend", "description": "Saturday"},
        {"date": "2026-12-27", "kind": "weekend", "description": "Sunday"},
        {"date": "2026-12-28", "kind": "bank_holiday", "description": "Boxing Day (substitute day)"}
    ]
}))]
pub struct DueDateAnswer {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    pub working_days: u32,
    pub region: Region,
    /// The day counting starts from: `from` if it is a working day, else the next one.
    #[schema(value_type = String, format = Date)]
    pub day_zero: NaiveDate,
    /// The due date: always a working day. Something done on it is on time.
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    /// Every non-working day from `from` up to `due`, with why it does not count.
    pub skipped: Vec<SkippedDay>,
}

/// A count of working days.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WorkingDaysAnswer {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub region: Region,
    /// Working days from `from` to `to` (each moved to the next working day
    /// if it is not one); negative when `to` is before `from`. A deadline of
    /// N working days from `from` is met on `to` when this is at most N.
    pub working_days: i64,
}

/// A bank holiday.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BankHolidayItem {
    #[schema(value_type = String, format = Date, example = "2026-12-25")]
    pub date: NaiveDate,
    #[schema(example = "Christmas Day")]
    pub name: String,
}

/// Where a year's bank holiday dates come from.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The dates published on gov.uk.
    Official,
    /// Not yet published: worked out by the rules that make them.
    Projected,
}

/// A year's bank holidays in a region.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BankHolidayList {
    pub region: Region,
    pub year: i32,
    pub source: Source,
    pub items: Vec<BankHolidayItem>,
    /// Always null: the whole year is one page.
    pub next_cursor: Option<String>,
}

/// One of the policy's timescales.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyTimescale {
    /// What is timed, e.g. `acknowledge`, `response`, `extension_limit`, `request_window`.
    pub name: String,
    /// `stage_1`, `stage_2`, `complaint`, `compliment`, `comment` or `deadlines`.
    pub applies_to: String,
    pub value: u32,
    /// `working_days`, `calendar_months` or `months`.
    pub unit: String,
    /// What it is counted from, e.g. `receipt`, `acknowledgement`, `stage_1_response`.
    pub counted_from: String,
    /// Compliments and comments: only when the customer asks.
    pub only_if_customer_asks: bool,
    /// The environment variable that overrides it.
    pub setting: String,
}

impl From<Timescale> for PolicyTimescale {
    fn from(t: Timescale) -> Self {
        PolicyTimescale {
            name: t.name.into(),
            applies_to: t.applies_to.into(),
            value: t.value,
            unit: match t.unit {
                TimescaleUnit::WorkingDays => "working_days",
                TimescaleUnit::CalendarMonths => "calendar_months",
                TimescaleUnit::Months => "months",
            }
            .into(),
            counted_from: t.counted_from.into(),
            only_if_customer_asks: t.only_if_customer_asks,
            setting: t.setting.into(),
        }
    }
}

/// A council closure day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClosureDay {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub label: String,
}

/// The council's complaints policy in force.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyAnswer {
    /// `complaint_handling_code`, `dudley_2019`, `redditch` or `walsall_proposal`.
    #[schema(example = "complaint_handling_code")]
    pub preset: String,
    pub region: Region,
    /// Whether a stage 2 request must give grounds.
    pub stage_2_grounds_required: bool,
    /// Whether a complaint may be resolved informally before stage 1.
    pub informal_resolution_allowed: bool,
    pub closure_days: Vec<ClosureDay>,
    pub timescales: Vec<PolicyTimescale>,
}

/// `?from=&working_days=&region=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueDateQuery {
    /// The start date (day 0), `YYYY-MM-DD`, 2015 to 2040.
    #[param(value_type = String, format = Date, required = true, example = "2026-12-18")]
    #[serde(default)]
    pub from: Option<String>,
    /// Working days to add: 0 to 1000.
    #[param(value_type = u32, required = true, minimum = 0, maximum = 1000, example = 5)]
    #[serde(default)]
    pub working_days: Option<String>,
    /// Default: the policy's region.
    #[param(value_type = Option<Region>)]
    #[serde(default)]
    pub region: Option<String>,
}

/// `?from=&to=&region=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkingDaysQuery {
    /// The first day, `YYYY-MM-DD`, 2015 to 2040.
    #[param(value_type = String, format = Date, required = true, example = "2026-12-18")]
    #[serde(default)]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD`, 2015 to 2040.
    #[param(value_type = String, format = Date, required = true, example = "2027-01-06")]
    #[serde(default)]
    pub to: Option<String>,
    /// Default: the policy's region.
    #[param(value_type = Option<Region>)]
    #[serde(default)]
    pub region: Option<String>,
}

/// `?region=&year=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankHolidayQuery {
    /// Default: the policy's region.
    #[param(value_type = Option<Region>)]
    #[serde(default)]
    pub region: Option<String>,
    /// 2015 to 2040; default this year.
    #[param(value_type = Option<i32>, minimum = 2015, maximum = 2040)]
    #[serde(default)]
    pub year: Option<String>,
}

fn required<'a>(
    raw: &'a Option<String>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a str> {
    let value = raw.as_deref();
    if value.is_none() {
        errors.push(FieldError::new(field, "is required"));
    }
    value
}

fn date(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw?;
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if (FIRST_YEAR..=LAST_YEAR).contains(&chrono::Datelike::year(&date)) => Some(date),
        Ok(_) => {
            errors.push(FieldError::new(
                field,
                format!("must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"),
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(field, "must be a date written YYYY-MM-DD"));
            None
        }
    }
}

fn region(raw: Option<&str>, clock: &Clock, errors: &mut Vec<FieldError>) -> Region {
    match raw {
        None => clock.policy().region,
        Some(text) => Region::parse(text).unwrap_or_else(|| {
            errors.push(FieldError::new(
                "region",
                "must be one of england_and_wales, scotland, northern_ireland",
            ));
            clock.policy().region
        }),
    }
}

fn calendar_problem(error: CalendarError, field: &str) -> ApiError {
    ApiError::invalid(field, error.to_string())
}

#[utoipa::path(
    tag = "calendar",
    operation_id = "due_date",
    description = "Roles: any authenticated caller.\n\n\
                   The date `working_days` working days after `from`, skipping weekends, the \
                   region's bank holidays and the council's closure days. The day of receipt is \
                   day 0; a start on a non-working day counts from the next working day.",
    params(DueDateQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The due date and every day skipped", body = DueDateAnswer),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/calendar/due-date")]
pub async fn due_date_after(
    _caller: AnyCaller,
    clock: web::Data<Clock>,
    query: web::Query<DueDateQuery>,
) -> Result<web::Json<DueDateAnswer>, ApiError> {
    let mut errors = Vec::new();
    let from = required(&query.from, "from", &mut errors);
    let from = date(from, "from", &mut errors);
    let working_days = required(&query.working_days, "working_days", &mut errors).and_then(|raw| {
        match raw.parse::<u32>() {
            Ok(n) if n <= MAX_WORKING_DAYS => Some(n),
            _ => {
                errors.push(FieldError::new(
                    "working_days",
                    format!("must be a whole number from 0 to {MAX_WORKING_DAYS}"),
                ));
                None
            }
        }
    });
    let region = region(query.region.as_deref(), &clock, &mut errors);
    let (Some(from), Some(working_days), true) = (from, working_days, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let answer = clock
        .calendar(region)
        .due_date(from, working_days)
        .map_err(|e| calendar_problem(e, "working_days"))?;
    Ok(web::Json(DueDateAnswer {
        from,
        working_days,
        region,
        day_zero: answer.day_zero,
        due: answer.due,
        skipped: answer
            .skipped
            .iter()
            .map(|(date, reason)| SkippedDay::new(*date, reason))
            .collect(),
    }))
}

#[utoipa::path(
    tag = "calendar",
    operation_id = "working_days",
    description = "Roles: any authenticated caller.\n\n\
                   The number of working days from `from` to `to`: the inverse of the due date, \
                   so a step taken on `to` met an N-working-day deadline from `from` when the \
                   count is at most N.",
    params(WorkingDaysQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The count", body = WorkingDaysAnswer),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/calendar/working-days")]
pub async fn count_working_days(
    _caller: AnyCaller,
    clock: web::Data<Clock>,
    query: web::Query<WorkingDaysQuery>,
) -> Result<web::Json<WorkingDaysAnswer>, ApiError> {
    let mut errors = Vec::new();
    let from = required(&query.from, "from", &mut errors);
    let from = date(from, "from", &mut errors);
    let to = required(&query.to, "to", &mut errors);
    let to = date(to, "to", &mut errors);
    let region = region(query.region.as_deref(), &clock, &mut errors);
    let (Some(from), Some(to), true) = (from, to, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let count = clock
        .calendar(region)
        .working_days_between(from, to)
        .map_err(|e| calendar_problem(e, "to"))?;
    Ok(web::Json(WorkingDaysAnswer {
        from,
        to,
        region,
        working_days: count,
    }))
}

#[utoipa::path(
    tag = "calendar",
    operation_id = "bank_holidays",
    description = "Roles: none (public).\n\n\
                   A year's bank holidays in a region, as published on gov.uk (`official`) or, \
                   for years not yet published, worked out by the same rules (`projected`). \
                   Corrections configured for the council's region are applied.",
    params(BankHolidayQuery),
    responses(
        (status = 200, description = "The year's bank holidays", body = BankHolidayList),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/calendar/bank-holidays")]
pub async fn list_bank_holidays(
    clock: web::Data<Clock>,
    query: web::Query<BankHolidayQuery>,
) -> Result<web::Json<BankHolidayList>, ApiError> {
    let mut errors = Vec::new();
    let region = region(query.region.as_deref(), &clock, &mut errors);
    let year = match query.year.as_deref() {
        None => chrono::Datelike::year(&chrono::Utc::now().date_naive()),
        Some(raw) => match raw.parse::<i32>() {
            Ok(year) if (FIRST_YEAR..=LAST_YEAR).contains(&year) => year,
            _ => {
                errors.push(FieldError::new(
                    "year",
                    format!("must be a year from {FIRST_YEAR} to {LAST_YEAR}"),
                ));
                FIRST_YEAR
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let source = match holiday_source(region, year) {
        Some(HolidaySource::Official) => Source::Official,
        _ => Source::Projected,
    };
    let items = clock
        .calendar(region)
        .bank_holidays()
        .filter(|(date, _)| chrono::Datelike::year(date) == year)
        .map(|(date, name)| BankHolidayItem {
            date,
            name: name.to_string(),
        })
        .collect();
    Ok(web::Json(BankHolidayList {
        region,
        year,
        source,
        items,
        next_cursor: None,
    }))
}

#[utoipa::path(
    tag = "calendar",
    operation_id = "get_policy",
    description = "Roles: any authenticated caller.\n\n\
                   The complaints policy in force: the preset it started from and every \
                   timescale with its unit, what it counts from and the setting that overrides it.",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The policy", body = PolicyAnswer),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
    )
)]
#[get("/policy")]
pub async fn get_policy(_caller: AnyCaller, clock: web::Data<Clock>) -> web::Json<PolicyAnswer> {
    let policy = clock.policy();
    web::Json(PolicyAnswer {
        preset: policy.preset.as_str().to_string(),
        region: policy.region,
        stage_2_grounds_required: policy.stage_2_grounds_required,
        informal_resolution_allowed: policy.informal_resolution_allowed,
        closure_days: policy
            .closure_days
            .iter()
            .map(|(date, label)| ClosureDay {
                date: *date,
                label: label.clone(),
            })
            .collect(),
        timescales: policy
            .timescales()
            .into_iter()
            .map(PolicyTimescale::from)
            .collect(),
    })
}
