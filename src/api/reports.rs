//! Reports (SPEC §8): performance figures for any period, anonymised: counts
//! and rates by kind, stage, service, directorate, channel and category,
//! never a name or contact detail.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, put, web};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::database::{side_by_side, ApiDatabase};
use super::responses;
use crate::auth::{Caller, Senior, Staff};
use crate::db::projections;
use crate::db::reports::{self as repo, Scope};
use crate::db::services::{self, ServiceFilter};
use crate::db::{self, Database, DbConnection};
use crate::domain::case::{Channel, Kind, Outcome, Role, Stage};
use crate::domain::clock::{uk_date, uk_midnight_utc, Clock};
use crate::domain::learning::LearningStatus;
use crate::domain::performance::{
    figures, CaseFacts, Figures, GroupBy, ReferralFacts, StageCount, StageFacts, Tally,
};
use crate::domain::projection::{
    self, month_key, whole_months, Counters, Key as ProjectionKey, Measure, Part,
};
// Re-exported: the reports this module serves are made of them.
pub use crate::domain::reporting::{
    top_counts, CategoryCount, FluencyFigures, Group, LearningFigures, Period, ServiceCount,
    StaffCount,
};
use crate::domain::survey::{satisfaction, AnsweredSurvey, Satisfaction, SurveyRating};
use crate::domain::triage::Decision;
use crate::error::{ApiError, FieldError};

/// The period and filters of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// First day (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31) of cases received; default: the first of the month a
    /// year ago. Not after `to`; a report covers at most ten years.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31); default today.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub to: Option<String>,
    /// Only this service.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub service: Option<String>,
    /// Only this directorate's services.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub directorate: Option<String>,
    /// `month`, `service`, `directorate`, `channel` or `category`.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub group_by: Option<String>,
}

/// The performance report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PerformanceReport {
    pub period: Period,
    /// The services covered; null for every service.
    pub services: Option<Vec<String>>,
    pub directorate: Option<String>,
    pub group_by: Option<String>,
    pub total: Figures,
    /// In key order; empty without `group_by`.
    pub groups: Vec<Group>,
    /// Services in id order, those with none left out.
    pub compliments_by_service: Vec<ServiceCount>,
    /// The services most complimented, most first (ties in id order; at most ten).
    pub top_services_complimented: Vec<ServiceCount>,
    /// The staff most often named in the compliments, by staff id, most first (ties in id
    /// order; at most ten): those passed a compliment by id at forwarding (seed 003 §9:
    /// compliments form part of staff appraisals). Each one's compliments are at
    /// `GET /api/v1/reports/compliments?staff=`.
    pub top_staff_complimented: Vec<StaffCount>,
    /// Complaints about a customer-facing worker's English language fluency (category
    /// `english_fluency`), counted apart: received, and referred to the worker's manager.
    pub english_fluency: FluencyFigures,
    /// The categories of the complaints upheld in whole or part at stage 1, most first (at most ten).
    pub top_upheld_categories: Vec<CategoryCount>,
    pub learning_actions: LearningFigures,
    /// Satisfaction with how complaints were handled, from the surveys their customers
    /// answered: in all, by service and by the stage complaints ended at.
    pub satisfaction: Satisfaction,
}

/// A checked report request.
pub struct ReportRequest {
    pub period: Period,
    pub services: Option<Vec<String>>,
    pub directorate: Option<String>,
    pub group_by: Option<GroupBy>,
    pub group_by_name: Option<String>,
    /// Each service's directorate, from the directory read to check the request.
    pub directorate_of: HashMap<String, String>,
}

fn date_param(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw?;
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    match date {
        None => errors.push(FieldError::new(field, "must be a date such as 2026-04-01")),
        Some(date) if !crate::domain::dates::plausible(date) => {
            errors.push(FieldError::new(field, crate::domain::dates::range()))
        }
        Some(_) => {}
    }
    date.filter(|date| crate::domain::dates::plausible(*date))
}

/// The period asked for, each fault in `errors`: `to` defaults to today, `from` to the first
/// of the month a year before `to`; at most ten years.
fn period_of(from: Option<&str>, to: Option<&str>, errors: &mut Vec<FieldError>) -> Period {
    let today = uk_date(db::now());
    let to_date = date_param(to, "to", errors).unwrap_or(today);
    let from_date = date_param(from, "from", errors).unwrap_or_else(|| {
        to_date
            .with_day(1)
            .and_then(|d| d.checked_sub_months(Months::new(12)))
            .unwrap_or(to_date)
    });
    if from_date > to_date {
        errors.push(FieldError::new("from", "must not be after `to`"));
    }
    if (to_date - from_date).num_days() > 366 * 10 {
        errors.push(FieldError::new("from", "a report covers at most ten years"));
    }
    Period {
        from: from_date,
        to: to_date,
    }
}

/// The period, the services the caller may and asked to see, and the grouping.
pub fn request_of(
    conn: &mut DbConnection,
    caller: &Caller,
    from: Option<&str>,
    to: Option<&str>,
    service: Option<&str>,
    directorate: Option<&str>,
    group_by: Option<&str>,
) -> Result<ReportRequest, ApiError> {
    let mut errors = Vec::new();
    let Period {
        from: from_date,
        to: to_date,
    } = period_of(from, to, &mut errors);
    let grouping = group_by.map(|g| (g, GroupBy::parse(g)));
    if let Some((_, None)) = grouping {
        errors.push(FieldError::new(
            "group_by",
            "must be one of month, service, directorate, channel, category",
        ));
    }
    let directory = services::list(conn, &ServiceFilter::default(), 100_000)?;
    if let Some(service) = service {
        if !directory.iter().any(|s| s.id == service) {
            errors.push(FieldError::new("service", "is not a known service"));
        }
    }
    if let Some(directorate) = directorate {
        if !directory.iter().any(|s| s.directorate_id == directorate) {
            errors.push(FieldError::new("directorate", "is not a known directorate"));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut services: Option<Vec<String>> = None;
    if let Some(service) = service {
        services = Some(vec![service.to_string()]);
    }
    if let Some(directorate) = directorate {
        let in_directorate: Vec<String> = directory
            .iter()
            .filter(|s| s.directorate_id == directorate)
            .map(|s| s.id.clone())
            .collect();
        services = Some(match services {
            Some(chosen) => chosen
                .into_iter()
                .filter(|s| in_directorate.contains(s))
                .collect(),
            None => in_directorate,
        });
    }
    if !caller.has(Role::ComplaintsManager) {
        if let Some(service) = service {
            if !caller.services.iter().any(|s| s == service) {
                return Err(ApiError::Forbidden(format!(
                    "a Head of Service reads reports on their own services, not {service}"
                )));
            }
        }
        services = Some(match services {
            Some(chosen) => chosen
                .into_iter()
                .filter(|s| caller.services.contains(s))
                .collect(),
            None => caller.services.clone(),
        });
    }
    Ok(ReportRequest {
        period: Period {
            from: from_date,
            to: to_date,
        },
        services,
        directorate: directorate.map(String::from),
        group_by: grouping.and_then(|(_, g)| g),
        group_by_name: grouping.map(|(name, _)| name.to_string()),
        directorate_of: directory
            .into_iter()
            .map(|s| (s.id, s.directorate_id))
            .collect(),
    })
}

fn stored<T>(value: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| ApiError::internal(format!("stored {what} `{value}`")))
}

/// The facts of the cases a report covers.
pub struct Facts {
    pub scope: Scope,
    pub cases: Vec<CaseFacts>,
    pub stages: Vec<StageFacts>,
    pub referrals: Vec<ReferralFacts>,
    pub compliments: BTreeMap<String, u64>,
}

/// Reads the facts of each case received in the request's period, its
/// stages and referral: the reference the reports' counts are tested
/// against. It works the facts out from the dates by today's calendar,
/// where the counts use what was recorded when each thing happened.
pub fn load_facts(conn: &mut DbConnection, request: &ReportRequest) -> Result<Facts, ApiError> {
    let scope = scope_of(conn, request)?;
    let directorate_of = &request.directorate_of;
    let mut received: HashMap<i64, NaiveDate> = HashMap::new();
    let mut compliments: BTreeMap<String, u64> = BTreeMap::new();
    let cases = repo::cases(conn, &scope)?
        .into_iter()
        .map(
            |(id, kind, channel, service, category, received_at, triage)| {
                let kind = stored(&kind, Kind::parse, "kind")?;
                if kind == Kind::Compliment {
                    *compliments.entry(service.clone()).or_default() += 1;
                }
                received.insert(id, uk_date(received_at));
                Ok(CaseFacts {
                    id,
                    kind,
                    channel: stored(&channel, Channel::parse, "channel")?,
                    directorate: directorate_of.get(&service).cloned().unwrap_or_default(),
                    service,
                    category,
                    received: uk_date(received_at),
                    triage: triage
                        .as_deref()
                        .map(|t| stored(t, Decision::parse, "triage decision"))
                        .transpose()?,
                })
            },
        )
        .collect::<Result<Vec<_>, ApiError>>()?;
    let extended: std::collections::HashSet<i64> =
        repo::extended_stages(conn, &scope)?.into_iter().collect();
    let stages = repo::stages(conn, &scope)?
        .into_iter()
        .map(
            |(
                stage_id,
                case_id,
                stage,
                opened_at,
                ack_due,
                acknowledged_at,
                responded_at,
                on_time,
                outcome,
            )| {
                let stage = stored(&stage, Stage::parse, "stage")?;
                Ok(StageFacts {
                    case_id,
                    started: match stage {
                        Stage::Stage1 => received
                            .get(&case_id)
                            .copied()
                            .unwrap_or(uk_date(opened_at)),
                        _ => uk_date(opened_at),
                    },
                    stage,
                    acknowledgement_due: ack_due,
                    acknowledged: acknowledged_at.map(uk_date),
                    responded: responded_at.map(uk_date),
                    responded_on_time: on_time,
                    outcome: outcome
                        .as_deref()
                        .map(|o| stored(o, Outcome::parse, "outcome"))
                        .transpose()?,
                    extended: extended.contains(&stage_id),
                })
            },
        )
        .collect::<Result<Vec<_>, ApiError>>()?;
    let referrals: Vec<ReferralFacts> = repo::referrals(conn, &scope)?
        .into_iter()
        .map(|(case_id, decision)| ReferralFacts { case_id, decision })
        .collect();
    Ok(Facts {
        scope,
        cases,
        stages,
        referrals,
        compliments,
    })
}

impl Facts {
    /// The figures for all the cases and for each group.
    pub fn figures(&self, group_by: Option<GroupBy>, clock: &Clock) -> (Figures, Vec<Group>) {
        let (total, groups) = figures(
            &self.cases,
            &self.stages,
            &self.referrals,
            group_by,
            clock.council_calendar(),
        );
        (
            total,
            groups
                .into_iter()
                .map(|(key, figures)| Group { key, figures })
                .collect(),
        )
    }

    /// Compliments received by each service, in id order.
    pub fn compliments_by_service(&self) -> Vec<ServiceCount> {
        self.compliments
            .iter()
            .map(|(service, count)| ServiceCount {
                service: service.clone(),
                count: *count,
            })
            .collect()
    }
}

/// The counts behind a report, read once from the database and added up
/// by any grouping the breakdown they were read with allows.
pub struct Counted {
    pub scope: Scope,
    /// The first day of each month of the period, in order.
    months: Vec<NaiveDate>,
    counts: repo::Counts,
    /// The period's whole months, from the monthly projections.
    projected: Vec<Projected>,
    /// The period's whole months, and the rest of it, counted from the cases.
    pub parts: Parts,
    /// The services the report covers; `None`: all.
    services: Option<std::collections::HashSet<String>>,
    directorate_of: HashMap<String, String>,
}

/// The scope of a request: received in its period, in its services.
pub fn scope_of(conn: &mut DbConnection, request: &ReportRequest) -> Result<Scope, ApiError> {
    Ok(Scope::new(
        conn,
        uk_midnight_utc(request.period.from),
        uk_midnight_utc(request.period.to.succ_opt().unwrap_or(request.period.to)),
        request.services.clone(),
    )?)
}

/// Where a report's counts come from: the monthly projections for the period's whole months
/// (`2026-04` to `2027-03`), the cases for the partial months before and after them (or for
/// the whole period, when it holds no whole month).
pub struct Parts {
    /// The first and last whole month (`2026-04`).
    pub whole: Option<(String, String)>,
    pub scanned: Vec<Scope>,
    /// The services the report covers; `None`: all.
    pub services: Option<Vec<String>>,
}

impl Parts {
    /// The parts of `request`'s period, whose cases are `scope`.
    pub fn of(
        conn: &mut DbConnection,
        request: &ReportRequest,
        scope: &Scope,
    ) -> Result<Parts, ApiError> {
        let period = &request.period;
        let Some((first, last)) = whole_months(period.from, period.to) else {
            return Ok(Parts {
                whole: None,
                scanned: vec![Scope::new(
                    conn,
                    scope.from,
                    scope.before,
                    request.services.clone(),
                )?],
                services: request.services.clone(),
            });
        };
        let whole_from = uk_midnight_utc(first);
        let whole_before = uk_midnight_utc(
            last.checked_add_months(Months::new(1))
                .ok_or_else(|| ApiError::internal("a report's last month has no end"))?,
        );
        let mut scanned = Vec::new();
        for (from, before) in [(scope.from, whole_from), (whole_before, scope.before)] {
            if from < before {
                scanned.push(Scope::new(conn, from, before, request.services.clone())?);
            }
        }
        Ok(Parts {
            whole: Some((month_key(first), month_key(last))),
            scanned,
            services: request.services.clone(),
        })
    }
}

/// A row of the monthly projections, where the report counts it.
pub struct Projected {
    dims: repo::Dims,
    kind: Kind,
    part: Part,
    counters: Counters,
    /// How many of its stages took each number of working days.
    days: BTreeMap<i64, u64>,
}

/// The projection rows read for a report, placed in its months (and channels and categories
/// when broken down by them), each with its working days.
fn projected_rows(
    (rows, days): (Vec<projections::MonthRow>, Vec<projections::DayRow>),
    months: &[NaiveDate],
    breakdown: &repo::Breakdown,
) -> Result<Vec<Projected>, ApiError> {
    let mut taken: HashMap<ProjectionKey, BTreeMap<i64, u64>> = HashMap::new();
    for row in days {
        if let Some(key) = row.key() {
            *taken.entry(key).or_default().entry(row.days).or_default() += count_of(row.n);
        }
    }
    let month_index: HashMap<String, i32> = months
        .iter()
        .enumerate()
        .map(|(i, m)| (month_key(*m), i32::try_from(i).unwrap_or(i32::MAX)))
        .collect();
    let mut projected = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(key) = row.key() else {
            return Err(ApiError::internal(format!(
                "a projection row of stage `{}`",
                row.stage
            )));
        };
        let kind = stored(&key.kind, Kind::parse, "kind")?;
        let month = if breakdown.month_starts.is_empty() {
            0
        } else {
            month_index.get(&key.month).copied().ok_or_else(|| {
                ApiError::internal(format!("a projection row of month {}", key.month))
            })?
        };
        projected.push(Projected {
            dims: repo::Dims {
                month,
                service: key.service.clone(),
                channel: Some(key.channel.clone()),
                category: (!key.category.is_empty()).then(|| key.category.clone()),
            },
            kind,
            part: key.part,
            counters: row.counters(),
            days: taken.remove(&key).unwrap_or_default(),
        });
    }
    Ok(projected)
}

/// The first day of each month from `from`'s to `to`'s.
fn months_of(period: &Period) -> Vec<NaiveDate> {
    let mut months = Vec::new();
    let mut month = period.from.with_day(1).unwrap_or(period.from);
    while month <= period.to {
        months.push(month);
        match month.checked_add_months(Months::new(1)) {
            Some(next) => month = next,
            None => break,
        }
    }
    months
}

/// The rest a report reads, beside its counts: `.0` after the stages on
/// the first connection, `.1` after the cases on the second. The stage
/// counts take about as long as the case counts and referrals together, so
/// a report shares out the rest to finish both at about the same time.
pub type More<A, B> = (A, B);

/// Counts the cases of the request's period in the database, broken down
/// so that `group_bys` can be worked out from them: the stages on the first
/// connection while the cases and their referrals are read on the second,
/// each followed by its share of `more`. `themes_only`: of a breakdown by category, only
/// the complaints received by category are wanted (the digest's themes), beside the totals.
pub fn load_counts<A: Send, B: Send>(
    (first, second): (&mut DbConnection, &mut DbConnection),
    request: &ReportRequest,
    group_bys: &[GroupBy],
    themes_only: bool,
    more: More<
        impl FnOnce(&mut DbConnection, &Parts) -> Result<A, ApiError> + Send,
        impl FnOnce(&mut DbConnection, &Parts) -> Result<B, ApiError> + Send,
    >,
) -> Result<(Counted, More<A, B>), ApiError> {
    // The whole period's case ids are looked up only where its cases are read (Parts::of).
    let scope = Scope::of_period(
        uk_midnight_utc(request.period.from),
        uk_midnight_utc(request.period.to.succ_opt().unwrap_or(request.period.to)),
        request.services.clone(),
    );
    let months = months_of(&request.period);
    let breakdown = repo::Breakdown {
        month_starts: if group_bys.contains(&GroupBy::Month) {
            months.iter().skip(1).map(|m| uk_midnight_utc(*m)).collect()
        } else {
            Vec::new()
        },
        channel: group_bys.contains(&GroupBy::Channel),
        category: group_bys.contains(&GroupBy::Category),
    };
    let parts = Parts::of(first, request, &scope)?;
    let reading = if breakdown.channel || (breakdown.category && !themes_only) {
        projections::Reading::Finest
    } else if breakdown.category {
        projections::Reading::ComplaintCategories
    } else {
        projections::Reading::Totals
    };
    let (after_stages, after_cases) = more;
    let ((stages, more_a), ((cases, referrals, projected), more_b)) = side_by_side(
        first,
        second,
        |conn| {
            let mut stages = Vec::new();
            for scanned in &parts.scanned {
                stages.extend(repo::stage_counts(conn, scanned, &breakdown)?);
            }
            Ok((stages, after_stages(conn, &parts)?))
        },
        |conn| {
            let (mut cases, mut referrals) = (Vec::new(), Vec::new());
            for scanned in &parts.scanned {
                let (c, r) = repo::case_counts(conn, scanned, &breakdown)?;
                cases.extend(c);
                referrals.extend(r);
            }
            let projected = match &parts.whole {
                Some((first, last)) => projections::months(conn, first, last, reading)?,
                None => (Vec::new(), Vec::new()),
            };
            Ok(((cases, referrals, projected), after_cases(conn, &parts)?))
        },
    )?;
    let projected = projected_rows(projected, &months, &breakdown)?;
    let counted = Counted {
        services: request
            .services
            .as_ref()
            .map(|s| s.iter().cloned().collect()),
        scope,
        months,
        counts: repo::Counts {
            cases,
            stages,
            referrals,
        },
        projected,
        parts,
        directorate_of: request.directorate_of.clone(),
    };
    Ok((counted, (more_a, more_b)))
}

/// The learning actions of the request's services raised and completed in
/// its period, and overdue today.
fn learning_figures(
    conn: &mut DbConnection,
    request: &ReportRequest,
) -> Result<LearningFigures, ApiError> {
    let today = uk_date(db::now());
    let mut learning = LearningFigures::default();
    for (status, due, created_at, completed_on) in
        repo::learning(conn, request.services.as_deref())?
    {
        let created = uk_date(created_at);
        if created >= request.period.from && created <= request.period.to {
            learning.raised += 1;
        }
        if completed_on.is_some_and(|d| d >= request.period.from && d <= request.period.to) {
            learning.completed += 1;
        }
        if LearningStatus::parse(&status).is_some_and(|s| s.is_open()) && due < today {
            learning.overdue += 1;
        }
    }
    Ok(learning)
}

impl Counted {
    fn covers(&self, service: &str) -> bool {
        self.services.as_ref().is_none_or(|s| s.contains(service))
    }

    fn key(&self, group_by: GroupBy, dims: &repo::Dims) -> String {
        match group_by {
            GroupBy::Month => {
                let month = usize::try_from(dims.month)
                    .ok()
                    .and_then(|m| self.months.get(m))
                    .or(self.months.first())
                    .copied()
                    .unwrap_or(self.scope.from.date());
                format!("{:04}-{:02}", month.year(), month.month())
            }
            GroupBy::Service => dims.service.clone(),
            GroupBy::Directorate => self
                .directorate_of
                .get(&dims.service)
                .cloned()
                .unwrap_or_default(),
            GroupBy::Channel => dims.channel.clone().unwrap_or_default(),
            GroupBy::Category => dims.category.as_deref().unwrap_or(NO_CATEGORY).to_string(),
        }
    }

    /// The figures for all the cases and for each group, in key order.
    pub fn figures(&self, group_by: Option<GroupBy>) -> Result<(Figures, Vec<Group>), ApiError> {
        let mut total = Tally::default();
        let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
        let mut add = |dims: &repo::Dims, count: &dyn Fn(&mut Tally)| {
            if !self.covers(&dims.service) {
                return;
            }
            count(&mut total);
            if let Some(group_by) = group_by {
                count(groups.entry(self.key(group_by, dims)).or_default());
            }
        };
        for row in &self.counts.cases {
            let kind = stored(&row.kind, Kind::parse, "kind")?;
            let triage = row
                .triage
                .as_deref()
                .map(|t| stored(t, Decision::parse, "triage decision"))
                .transpose()?;
            let n = count_of(row.n);
            add(&row.dims, &|t| t.add_cases(kind, triage, n));
        }
        for row in &self.counts.stages {
            let stages = StageCount {
                stage: stored(&row.stage, Stage::parse, "stage")?,
                acknowledged: row.acknowledged,
                acknowledged_on_time: row.acknowledged_on_time == Some(true),
                responded: row.responded,
                responded_on_time: row.responded_on_time == Some(true),
                outcome: row
                    .outcome
                    .as_deref()
                    .map(|o| stored(o, Outcome::parse, "outcome"))
                    .transpose()?,
                working_days_taken: row.working_days_taken.map(i64::from),
                extended: row.extended,
                n: count_of(row.n),
            };
            add(&row.dims, &|t| t.add_stages(&stages));
        }
        for row in &self.counts.referrals {
            let n = count_of(row.n);
            add(&row.dims, &|t| t.add_referrals(row.decision.as_deref(), n));
        }
        for row in &self.projected {
            add(&row.dims, &|t| {
                t.add_projected(row.part, row.kind, &row.counters, &row.days)
            });
        }
        Ok((
            total.figures(),
            groups
                .into_iter()
                .map(|(key, tally)| Group {
                    key,
                    figures: tally.figures(),
                })
                .collect(),
        ))
    }

    /// Compliments received by each service, in id order.
    pub fn compliments_by_service(&self) -> Vec<ServiceCount> {
        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
        for row in &self.counts.cases {
            if row.kind == Kind::Compliment.as_str() && self.covers(&row.dims.service) {
                *by.entry(&row.dims.service).or_default() += count_of(row.n);
            }
        }
        for row in &self.projected {
            if row.part == Part::Received
                && row.kind == Kind::Compliment
                && self.covers(&row.dims.service)
            {
                *by.entry(&row.dims.service).or_default() += count_of(row.counters.n);
            }
        }
        by.into_iter()
            .map(|(service, count)| ServiceCount {
                service: service.to_string(),
                count,
            })
            .collect()
    }

    /// Complaints received by category (counted with a category breakdown).
    fn complaints_by_category(&self) -> BTreeMap<String, u64> {
        let mut by = BTreeMap::new();
        for row in &self.counts.cases {
            if row.kind == Kind::Complaint.as_str() && self.covers(&row.dims.service) {
                *by.entry(
                    row.dims
                        .category
                        .clone()
                        .unwrap_or_else(|| NO_CATEGORY.into()),
                )
                .or_default() += count_of(row.n);
            }
        }
        for row in &self.projected {
            if row.part == Part::Received
                && row.kind == Kind::Complaint
                && self.covers(&row.dims.service)
            {
                *by.entry(
                    row.dims
                        .category
                        .clone()
                        .unwrap_or_else(|| NO_CATEGORY.into()),
                )
                .or_default() += count_of(row.counters.n);
            }
        }
        by
    }

    /// Complaints upheld in whole or part at stage 1, by service and category: the whole
    /// months' from the tallies, the rest from the cases.
    pub fn upheld_at_stage_1(
        &self,
        conn: &mut DbConnection,
    ) -> Result<Vec<repo::UpheldCount>, ApiError> {
        let mut upheld = Vec::new();
        for scanned in &self.parts.scanned {
            upheld.extend(repo::upheld_at_stage_1(conn, scanned)?);
        }
        upheld.extend(
            tallied(conn, &self.parts, Measure::UpheldAtStage1)?
                .into_iter()
                .map(|row| repo::UpheldCount {
                    service: row.service_id,
                    category: (!row.value.is_empty()).then_some(row.value),
                    n: row.n,
                }),
        );
        Ok(upheld)
    }

    /// Complaints upheld in whole or part at stage 1, by category.
    /// Of [`repo::upheld_at_stage_1`]'s rows.
    fn upheld_by_category(&self, upheld: &[repo::UpheldCount]) -> BTreeMap<String, u64> {
        let mut by = BTreeMap::new();
        for row in upheld {
            if self.covers(&row.service) {
                *by.entry(row.category.clone().unwrap_or_else(|| NO_CATEGORY.into()))
                    .or_default() += count_of(row.n);
            }
        }
        by
    }

    /// The staff most often named in the compliments of the services covered, by staff id.
    /// Of [`repo::compliments_by_staff`]'s rows.
    pub fn top_staff_complimented(
        &self,
        by_staff: &[repo::StaffComplimentCount],
        at_most: usize,
    ) -> Vec<StaffCount> {
        let mut by: BTreeMap<&str, u64> = BTreeMap::new();
        for row in by_staff {
            if self.covers(&row.service) {
                *by.entry(&row.staff_id).or_default() += count_of(row.n);
            }
        }
        top_counts(by, at_most)
            .into_iter()
            .map(|(staff_id, count)| StaffCount {
                staff_id: staff_id.to_string(),
                count,
            })
            .collect()
    }

    /// The categories most often upheld, in whole or part, at stage 1.
    /// Of [`repo::upheld_at_stage_1`]'s rows.
    pub fn top_upheld_categories(
        &self,
        upheld: &[repo::UpheldCount],
        at_most: usize,
    ) -> Vec<CategoryCount> {
        let mut top: Vec<CategoryCount> = self
            .upheld_by_category(upheld)
            .into_iter()
            .map(|(category, count)| CategoryCount { category, count })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then(a.category.cmp(&b.category)));
        top.truncate(at_most);
        top
    }
}

/// The tallies of `measure` in the report's whole months, of its services.
fn tallied(
    conn: &mut DbConnection,
    parts: &Parts,
    measure: Measure,
) -> Result<Vec<projections::TallyRow>, ApiError> {
    Ok(match &parts.whole {
        Some((first, last)) => {
            projections::tallies(conn, (first, last), measure, parts.services.as_deref())?
        }
        None => Vec::new(),
    })
}

/// The report's complaints about a worker's English language fluency.
pub fn fluency_figures(conn: &mut DbConnection, parts: &Parts) -> Result<FluencyFigures, ApiError> {
    let mut figures = FluencyFigures::default();
    for scanned in &parts.scanned {
        let (received, referred) = repo::fluency_complaints(conn, scanned)?;
        figures.received += count_of(received);
        figures.referred_to_manager += count_of(referred);
    }
    for row in tallied(conn, parts, Measure::Fluency)? {
        match row.value.as_str() {
            "received" => figures.received += count_of(row.n),
            "referred" => figures.referred_to_manager += count_of(row.n),
            other => {
                return Err(ApiError::internal(format!(
                    "a fluency tally of value `{other}`"
                )))
            }
        }
    }
    Ok(figures)
}

/// An answered survey's ratings, each given.
fn rated(
    service: String,
    stage: Stage,
    ratings: [Option<SurveyRating>; 4],
) -> Result<AnsweredSurvey, ApiError> {
    match ratings {
        [Some(easy), Some(informed), Some(clear), Some(fair)] => Ok(AnsweredSurvey {
            service,
            stage,
            ratings: [easy, informed, clear, fair],
        }),
        _ => Err(ApiError::internal(
            "an answered survey without a rating for each question",
        )),
    }
}

/// Satisfaction with the handling of the report's complaints, from their answered surveys.
pub fn satisfaction_of(conn: &mut DbConnection, parts: &Parts) -> Result<Satisfaction, ApiError> {
    let mut answered = Vec::new();
    for scanned in &parts.scanned {
        for (service, stage, easy, informed, clear, fair) in repo::answered_surveys(conn, scanned)?
        {
            answered.push(rated(service, stage, [easy, informed, clear, fair])?);
        }
    }
    for row in tallied(conn, parts, Measure::Survey)? {
        let (stage, ratings, service) = projection::survey_of(&row.value)
            .ok_or_else(|| ApiError::internal(format!("a survey tally `{}`", row.value)))?;
        let survey = rated(service.to_string(), stage, ratings.map(SurveyRating::parse))?;
        for _ in 0..row.n {
            answered.push(survey.clone());
        }
    }
    Ok(satisfaction(&answered))
}

/// The compliments of the report's cases passed to each member of staff known by id, by
/// service.
pub fn compliments_by_staff(
    conn: &mut DbConnection,
    parts: &Parts,
) -> Result<Vec<repo::StaffComplimentCount>, ApiError> {
    let mut counts = Vec::new();
    for scanned in &parts.scanned {
        counts.extend(repo::compliments_by_staff(conn, scanned)?);
    }
    counts.extend(
        tallied(conn, parts, Measure::StaffCompliment)?
            .into_iter()
            .map(|row| repo::StaffComplimentCount {
                service: row.service_id,
                staff_id: row.value,
                n: row.n,
            }),
    );
    Ok(counts)
}

/// The complaints excluded from the procedure, by the procedure they belong to (`not
/// recorded` where triage named none).
pub fn exclusions_by_procedure(
    conn: &mut DbConnection,
    parts: &Parts,
) -> Result<BTreeMap<String, u64>, ApiError> {
    const NOT_RECORDED: &str = "not recorded";
    let mut procedures: BTreeMap<String, u64> = BTreeMap::new();
    for scanned in &parts.scanned {
        for (service, details) in repo::exclusions(conn, scanned)? {
            if !parts
                .services
                .as_ref()
                .is_none_or(|services| services.contains(&service))
            {
                continue;
            }
            let procedure = details
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .and_then(|d| d["procedure"].as_str().map(String::from))
                .unwrap_or_else(|| NOT_RECORDED.into());
            *procedures.entry(procedure).or_default() += 1;
        }
    }
    for row in tallied(conn, parts, Measure::Exclusion)? {
        let procedure = if row.value.is_empty() {
            NOT_RECORDED.to_string()
        } else {
            row.value
        };
        *procedures.entry(procedure).or_default() += count_of(row.n);
    }
    Ok(procedures)
}

/// By service: the complaints with an investigator at both stages, and those whose stage 2
/// investigator was someone else.
pub fn investigator_pairs(
    conn: &mut DbConnection,
    parts: &Parts,
) -> Result<Vec<repo::InvestigatorPairs>, ApiError> {
    let mut pairs = Vec::new();
    for scanned in &parts.scanned {
        pairs.extend(repo::investigator_pairs(conn, scanned)?);
    }
    for row in tallied(conn, parts, Measure::Investigators)? {
        let different = match row.value.as_str() {
            "same" => 0,
            "different" => row.n,
            other => {
                return Err(ApiError::internal(format!(
                    "an investigators tally of value `{other}`"
                )))
            }
        };
        pairs.push(repo::InvestigatorPairs {
            service: row.service_id,
            pairs: row.n,
            different: Some(different),
        });
    }
    Ok(pairs)
}

/// (stage, working days beyond the original due date, customer agreed) of each agreed
/// extension of the report's cases.
pub fn extensions(
    conn: &mut DbConnection,
    parts: &Parts,
) -> Result<Vec<(String, i32, bool)>, ApiError> {
    let mut extensions = Vec::new();
    for scanned in &parts.scanned {
        extensions.extend(repo::extensions(conn, scanned)?);
    }
    for row in tallied(conn, parts, Measure::Extension)? {
        let (stage, days, agreed) = projection::extension_of(&row.value)
            .ok_or_else(|| ApiError::internal(format!("an extension tally `{}`", row.value)))?;
        for _ in 0..row.n {
            extensions.push((stage.as_str().to_string(), days, agreed));
        }
    }
    Ok(extensions)
}

/// Nothing more to read beside the counts.
fn nothing(_: &mut DbConnection, _: &Parts) -> Result<(), ApiError> {
    Ok(())
}

/// What a case without a category is counted under.
const NO_CATEGORY: &str = "(none)";

/// A count from the database (never negative).
fn count_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Works out the report.
pub fn performance_report(
    (first, second): (&mut DbConnection, &mut DbConnection),
    request: &ReportRequest,
) -> Result<PerformanceReport, ApiError> {
    let (counted, (satisfaction, ())) = load_counts(
        (&mut *first, &mut *second),
        request,
        request.group_by.as_slice(),
        false,
        (satisfaction_of, nothing),
    )?;
    let upheld = counted.upheld_at_stage_1(first)?;
    let (total, groups) = counted.figures(request.group_by)?;
    let by_staff = compliments_by_staff(first, &counted.parts)?;
    let english_fluency = fluency_figures(first, &counted.parts)?;
    let compliments_by_service = counted.compliments_by_service();
    Ok(PerformanceReport {
        period: request.period.clone(),
        services: request.services.clone(),
        directorate: request.directorate.clone(),
        group_by: request.group_by_name.clone(),
        total,
        groups,
        top_services_complimented: top_counts(
            compliments_by_service
                .iter()
                .map(|c| (c.service.clone(), c.count)),
            10,
        )
        .into_iter()
        .map(|(service, count)| ServiceCount { service, count })
        .collect(),
        compliments_by_service,
        top_staff_complimented: counted.top_staff_complimented(&by_staff, 10),
        english_fluency,
        top_upheld_categories: counted.top_upheld_categories(&upheld, 10),
        learning_actions: learning_figures(first, request)?,
        satisfaction,
    })
}

#[utoipa::path(
    tag = "reports",
    operation_id = "performance_report",
    description = "Roles: head_of_service (their services only), complaints_manager (all).\n\n\
                   Complaint handling performance for the cases received in a period, optionally \
                   for one service or directorate and grouped by month, service, directorate, \
                   channel or category: received by kind; triage outcomes (informal \
                   resolutions, service requests and exclusions counted separately); per stage \
                   the acknowledgements and responses on time (counts and %), outcomes and \
                   upheld rate (upheld or partially upheld, of those responded to), working days \
                   taken from the stage's start to its response (mean and median) and \
                   extensions; the escalation rate from stage 1 to stage 2; Ombudsman referrals \
                   and decisions; compliments by service, the services most complimented and \
                   the staff most often named in compliments (by staff id, for appraisals; \
                   seed 003 §9); complaints about a worker's English language fluency \
                   (`english_fluency`: received and referred to the worker's manager), counted \
                   apart; learning actions raised, completed and \
                   overdue; the categories most often upheld; satisfaction with how complaints \
                   were handled, from the surveys their customers answered (per question the \
                   count of each rating and the share agreeing), in all, by service and by the \
                   stage they ended at. Counts only: no customer's personal data (staff appear by staff id only).",
    params(PerformanceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report", body = PerformanceReport),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/reports/performance")]
pub async fn performance(
    caller: Senior,
    db: web::Data<Database>,
    query: web::Query<PerformanceQuery>,
) -> Result<web::Json<PerformanceReport>, ApiError> {
    let caller = caller.0;
    let query = query.into_inner();
    let report = db
        .report(move |first, second| {
            let request = request_of(
                first,
                &caller,
                query.from.as_deref(),
                query.to.as_deref(),
                query.service.as_deref(),
                query.directorate.as_deref(),
                query.group_by.as_deref(),
            )?;
            performance_report((first, second), &request)
        })
        .await?;
    Ok(web::Json(report))
}

/// Whose compliments, and the period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplimentsQuery {
    /// The staff member's id (the `sub` of their token), as compliments were passed to them
    /// (`POST /api/v1/cases/{reference}/forwarding`). Required.
    #[param(
        required = true,
        min_length = 1,
        max_length = 200,
        example = "jo.bloggs"
    )]
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub staff: Option<String>,
    /// First day (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31) of compliments received; default: the
    /// first of the month a year before `to`. Not after `to`; at most ten years.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31); default today.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub to: Option<String>,
}

/// The compliments passed to one member of staff in a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "staff_id": "jo.bloggs", "period": {"from": "2026-04-01", "to": "2027-03-31"},
    "services": null, "count": 1,
    "items": [{"reference": "CPL-2026-000007", "service": "waste-care",
               "received_on": "2026-11-20", "name_used": "Jo from the bin crew"}]
}))]
pub struct StaffComplimentsReport {
    pub staff_id: String,
    pub period: Period,
    /// The services they were read from: a Head of Service's own; null for every service
    /// (the staff member themselves, the complaints manager).
    pub services: Option<Vec<String>>,
    /// How many compliments named them: one for each compliment, `items.len()`.
    pub count: u64,
    /// Oldest first.
    pub items: Vec<StaffCompliment>,
}

/// A compliment that named a member of staff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffCompliment {
    #[schema(example = "CPL-2026-000007")]
    pub reference: String,
    /// The service the compliment was about.
    pub service: String,
    /// The UK date it was received.
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    /// The name the customer used for them.
    pub name_used: String,
}

#[utoipa::path(
    tag = "reports",
    operation_id = "staff_compliments_report",
    description = "Roles: the member of staff themselves (investigating_officer, head_of_service \
                   or complaints_manager whose token's `sub` is `staff`), head_of_service (the \
                   compliments of the services they head), complaints_manager (all).\n\n\
                   The compliments received in a period that were passed to a member of staff \
                   by their staff id (`POST …/forwarding` with `{\"name\", \"staff_id\"}`), \
                   for their appraisal (seed 003 §9): the count, and each compliment's \
                   reference, service, the date it was received and the name the customer \
                   used. Compliments passed on by name only are not counted here. Any other \
                   caller (another officer, a customer, a partner) is refused (403).",
    params(ComplimentsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The compliments", body = StaffComplimentsReport),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/reports/compliments")]
pub async fn staff_compliments(
    staff: Staff,
    db: web::Data<Database>,
    query: web::Query<ComplimentsQuery>,
) -> Result<web::Json<StaffComplimentsReport>, ApiError> {
    let caller = staff.0;
    let query = query.into_inner();
    let mut errors = Vec::new();
    let staff_id = query.staff.as_deref().map(str::trim).unwrap_or_default();
    if staff_id.is_empty() {
        errors.push(FieldError::new("staff", "is required: a staff id"));
    } else if staff_id.chars().count() > 200 {
        errors.push(FieldError::new("staff", "must be at most 200 characters"));
    }
    let period = period_of(query.from.as_deref(), query.to.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let staff_id = staff_id.to_string();
    let report = db
        .read(move |conn| {
            let found = crate::app::feedback::compliments_naming(
                conn,
                &caller,
                &staff_id,
                uk_midnight_utc(period.from),
                uk_midnight_utc(period.to.succ_opt().unwrap_or(period.to)),
            )?;
            let items: Vec<StaffCompliment> = found
                .compliments
                .into_iter()
                .map(
                    |(reference, service, received_at, name_used)| StaffCompliment {
                        reference,
                        service,
                        received_on: uk_date(received_at),
                        name_used,
                    },
                )
                .collect();
            Ok(StaffComplimentsReport {
                staff_id,
                period,
                services: found.services,
                count: items.len() as u64,
                items,
            })
        })
        .await?;
    Ok(web::Json(report))
}

/// The year or period of the annual report, and how it is published.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnnualQuery {
    /// The financial year starting 1 April of this year (`2025` is 1 April 2025 to 31 March 2026).
    /// Give `year`, or a period with both `from` and `to`: one of the two, not both.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    #[serde(default)]
    pub year: Option<String>,
    /// Or a period: its first day (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31), with `to`; at most ten years.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub from: Option<String>,
    /// The period's last day, included (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31), with `from`.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub to: Option<String>,
    /// Only this service.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub service: Option<String>,
    /// Only this directorate's services.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub directorate: Option<String>,
    /// For publishing: withhold counts from 1 to this minus one (e.g. 5), so no one can be identified.
    #[param(value_type = Option<u32>, minimum = 2, maximum = 100)]
    #[serde(default)]
    pub suppress_below: Option<String>,
}

/// The form the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Json,
    Csv,
    Html,
}

/// Reads `Accept`: JSON unless CSV or HTML is preferred; 406 for anything
/// this report cannot be.
fn form_of(req: &actix_web::HttpRequest) -> Result<Form, ApiError> {
    let Some(accept) = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Form::Json);
    };
    let mut best: Option<(f32, Form)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let quality = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let form = match media.as_str() {
            "application/json" | "application/*" | "*/*" => Form::Json,
            "text/csv" => Form::Csv,
            "text/html" | "text/*" => Form::Html,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, form));
        }
    }
    best.map(|(_, form)| form).ok_or_else(|| {
        ApiError::NotAcceptable(
            "the annual report is available as application/json, text/csv or text/html".into(),
        )
    })
}

/// The self-assessment lines only the complaints manager can answer.
pub const MANAGER_ITEMS: &[(&str, &str)] = &[
    (
        "member_responsible",
        "A Member Responsible for Complaints is named and kept informed",
    ),
    (
        "policy_published",
        "The complaints policy is published, and easy to find and use",
    ),
    (
        "staff_trained",
        "Staff who handle complaints are trained and supported to do it",
    ),
    (
        "learning_reported",
        "Learning from complaints is reported to the governing body",
    ),
    (
        "self_assessment_published",
        "This self-assessment is published with the annual report",
    ),
];

fn manager_item(
    item: &str,
    requirement: &str,
    answer: Option<&repo::AnswerRow>,
) -> crate::report::annual::SelfAssessmentItem {
    crate::report::annual::SelfAssessmentItem {
        item: item.into(),
        requirement: requirement.into(),
        source: "manager".into(),
        met: answer.map(|a| a.met),
        evidence: answer
            .map(|a| a.evidence.clone())
            .unwrap_or_else(|| "The complaints manager's answer is not recorded yet".into()),
    }
}

/// The financial year (starting 1 April) a day falls in.
pub fn financial_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// What the annual report reads besides the counts, beside them.
struct AnnualFacts {
    /// The complaints excluded, by the procedure they belong to.
    exclusions: BTreeMap<String, u64>,
    investigators: Vec<repo::InvestigatorPairs>,
    /// (stage, working days beyond the original due date, customer agreed).
    extensions: Vec<(String, i32, bool)>,
}

/// The UK day a scope starts on: its UTC start is at most an hour before.
fn scope_start(scope: &Scope) -> NaiveDate {
    uk_date(scope.from + chrono::Duration::hours(1))
}

/// The self-assessment lines the cases prove, and those the manager answers.
fn self_assessment(
    conn: &mut DbConnection,
    clock: &Clock,
    counted: &Counted,
    figures: &Figures,
    side: &AnnualFacts,
) -> Result<Vec<crate::report::annual::SelfAssessmentItem>, ApiError> {
    use crate::report::annual::SelfAssessmentItem;
    let policy = clock.policy();
    let data =
        |item: &str, requirement: String, met: Option<bool>, evidence: String| SelfAssessmentItem {
            item: item.into(),
            requirement,
            source: "data".into(),
            met,
            evidence,
        };
    let all_on_time = |on_time: u64, of: u64| (of > 0).then_some(on_time == of);
    let mut items = vec![
        data(
            "acknowledged_in_time",
            format!(
                "Complaints are acknowledged within {} working days of receipt",
                policy.stage_1.acknowledge_working_days
            ),
            all_on_time(
                figures.stage_1.acknowledged_on_time,
                figures.stage_1.acknowledged,
            ),
            format!(
                "{} of {} stage 1 acknowledgements on time",
                figures.stage_1.acknowledged_on_time, figures.stage_1.acknowledged
            ),
        ),
        data(
            "stage_1_in_time",
            format!(
                "Stage 1 responses within {} working days, or an agreed extension",
                policy.stage_1.response_working_days
            ),
            all_on_time(figures.stage_1.responded_on_time, figures.stage_1.responded),
            format!(
                "{} of {} stage 1 responses on time",
                figures.stage_1.responded_on_time, figures.stage_1.responded
            ),
        ),
        data(
            "stage_2_in_time",
            format!(
                "Stage 2 responses within {} working days, or an agreed extension",
                policy.stage_2.response_working_days
            ),
            all_on_time(figures.stage_2.responded_on_time, figures.stage_2.responded),
            format!(
                "{} of {} stage 2 responses on time",
                figures.stage_2.responded_on_time, figures.stage_2.responded
            ),
        ),
    ];
    let scope = &counted.scope;
    let (mut pairs, mut different) = (0, 0);
    for row in &side.investigators {
        if counted.covers(&row.service) {
            pairs += count_of(row.pairs);
            different += count_of(row.different.unwrap_or(0));
        }
    }
    items.push(data(
        "different_stage_2_investigator",
        "Stage 2 is investigated by someone other than the stage 1 investigator".into(),
        (pairs > 0).then_some(different == pairs),
        format!("{different} of {pairs} stage 2 investigations by a different officer"),
    ));
    let extensions = &side.extensions;
    let within = extensions
        .iter()
        .filter(|(stage, beyond, agreed)| {
            let limit = match Stage::parse(stage) {
                Some(Stage::Stage2) => policy.stage_2.extension_limit_working_days,
                _ => policy.stage_1.extension_limit_working_days,
            };
            *agreed || (*beyond >= 0 && *beyond as u32 <= limit)
        })
        .count();
    items.push(data(
        "extensions_within_limits",
        format!(
            "Extensions are no longer than {} working days at stage 1 and {} at stage 2 unless the customer agrees",
            policy.stage_1.extension_limit_working_days, policy.stage_2.extension_limit_working_days
        ),
        (!extensions.is_empty()).then_some(within == extensions.len()),
        format!("{within} of {} extensions within the limit or agreed", extensions.len()),
    ));
    items.push(data(
        "no_stage_0",
        "There is no informal stage before stage 1".into(),
        Some(!policy.informal_resolution_allowed),
        if policy.informal_resolution_allowed {
            "The policy allows informal resolution before stage 1".into()
        } else {
            "The policy sends every complaint straight to stage 1".into()
        },
    ));
    items.push(data(
        "stage_2_without_grounds",
        "A customer can go to stage 2 without having to give grounds".into(),
        Some(!policy.stage_2_grounds_required),
        if policy.stage_2_grounds_required {
            "The policy asks for grounds".into()
        } else {
            "The policy asks only why the customer is still dissatisfied".into()
        },
    ));
    let year = financial_year(scope_start(scope));
    let answers: HashMap<String, repo::AnswerRow> = repo::answers(conn, year)?
        .into_iter()
        .map(|a| (a.item.clone(), a))
        .collect();
    for (item, requirement) in MANAGER_ITEMS {
        items.push(manager_item(item, requirement, answers.get(*item)));
    }
    Ok(items)
}

#[utoipa::path(
    tag = "reports",
    operation_id = "annual_report",
    description = "Roles: head_of_service (their services only), complaints_manager (all).\n\n\
                   The annual complaints performance and service improvement report for a \
                   financial year (`?year=2025`: 1 April 2025 to 31 March 2026) or a period \
                   (`from`, `to`): headline figures; received by month and by service; outcomes \
                   and timeliness by stage; the types of complaint refused; complaints about a \
                   worker's English language fluency (`english_fluency`: received, referred to \
                   the worker's manager), counted apart; compliments; the \
                   learning and service improvements; the self-assessment against the Complaint \
                   Handling Code (worked out from the cases where they prove it, the complaints \
                   manager's answers for the rest); the Ombudsman's figures; satisfaction with \
                   how complaints were handled, from the surveys their customers answered, in \
                   all, by service and by the stage they ended at. By `Accept`: \
                   `application/json` (default), `text/csv` (each table with its own header \
                   row), or `text/html` (one self-contained page with SVG charts, for \
                   publishing); anything else is 406. `suppress_below=5` withholds counts from \
                   1 to 4 for a published version (the satisfaction counts too; shares, like \
                   every rate, stay). No personal data.",
    params(AnnualQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The report", content(
            (crate::report::annual::AnnualReport = "application/json"),
            (String = "text/csv"),
            (String = "text/html")
        )),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 406, description = "Not JSON, CSV or HTML", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/reports/annual")]
pub async fn annual(
    req: actix_web::HttpRequest,
    caller: Senior,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    query: web::Query<AnnualQuery>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let form = form_of(&req)?;
    let caller = caller.0;
    let query = query.into_inner();
    let mut errors = Vec::new();
    let year = query.year.as_deref().and_then(|y| {
        let year = y.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            errors.push(FieldError::new("year", "must be a year from 2000 to 2100"));
        }
        year
    });
    if year.is_some() && (query.from.is_some() || query.to.is_some()) {
        errors.push(FieldError::new(
            "year",
            "give a year or a period (from, to), not both",
        ));
    }
    if year.is_none() && query.year.is_none() && (query.from.is_none() || query.to.is_none()) {
        errors.push(FieldError::new(
            "year",
            "give a year, or a period with from and to",
        ));
    }
    let threshold = query.suppress_below.as_deref().and_then(|t| {
        let t = t.parse::<u64>().ok().filter(|t| (2..=100).contains(t));
        if t.is_none() {
            errors.push(FieldError::new(
                "suppress_below",
                "must be a number from 2 to 100",
            ));
        }
        t
    });
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let (from, to) = match year {
        Some(y) => (Some(format!("{y}-04-01")), Some(format!("{}-03-31", y + 1))),
        None => (query.from.clone(), query.to.clone()),
    };
    let report = db
        .report(move |first, second| {
            let request = request_of(
                first,
                &caller,
                from.as_deref(),
                to.as_deref(),
                query.service.as_deref(),
                query.directorate.as_deref(),
                None,
            )?;
            let (counted, ((exclusions, satisfaction), (investigators, extensions))) = load_counts(
                (first, second),
                &request,
                &[GroupBy::Month],
                false,
                (
                    |conn: &mut DbConnection, parts: &Parts| {
                        Ok((
                            exclusions_by_procedure(conn, parts)?,
                            satisfaction_of(conn, parts)?,
                        ))
                    },
                    |conn: &mut DbConnection, parts: &Parts| {
                        Ok((investigator_pairs(conn, parts)?, extensions(conn, parts)?))
                    },
                ),
            )?;
            let side = AnnualFacts {
                exclusions,
                investigators,
                extensions,
            };
            let conn = first;
            let (total, by_month) = counted.figures(Some(GroupBy::Month))?;
            let (_, by_service) = counted.figures(Some(GroupBy::Service))?;
            let mut excluded_by_procedure: Vec<crate::report::annual::ProcedureCount> = side
                .exclusions
                .iter()
                .map(|(procedure, count)| (procedure.clone(), *count))
                .map(|(procedure, count)| crate::report::annual::ProcedureCount {
                    procedure,
                    count,
                })
                .collect();
            excluded_by_procedure
                .sort_by(|a, b| b.count.cmp(&a.count).then(a.procedure.cmp(&b.procedure)));
            let improvements = crate::db::learning::list(
                conn,
                &crate::db::learning::LearningFilter {
                    services: request.services.clone(),
                    ..Default::default()
                },
                100_000,
            )?
            .into_iter()
            .filter(|a| {
                let created = uk_date(a.created_at);
                let in_period = |d: NaiveDate| d >= request.period.from && d <= request.period.to;
                in_period(created) || a.completed_on.is_some_and(in_period)
            })
            .map(|a| crate::report::annual::Improvement {
                service: a.service_id,
                learned: a.learned,
                change_agreed: a.change_agreed,
                status: a.status.as_str().to_string(),
                due: a.due,
                completed_on: a.completed_on,
            })
            .collect();
            let self_assessment = self_assessment(conn, &clock, &counted, &total, &side)?;
            let period = &request.period;
            let title = match year {
                Some(y) => format!(
                    "Annual complaints performance and service improvement report {y}/{:02}",
                    (y + 1) % 100
                ),
                None => format!(
                    "Complaints performance and service improvement report, {} to {}",
                    period.from, period.to
                ),
            };
            Ok(crate::report::annual::AnnualReport {
                title,
                period: period.clone(),
                services: request.services.clone(),
                suppressed_below: threshold,
                headline: crate::report::annual::Headline {
                    complaints_received: total.received.complaints,
                    compliments_received: total.received.compliments,
                    comments_received: total.received.comments,
                    stage_1_responded_on_time_pct: total.stage_1.responded_on_time_pct,
                    stage_2_responded_on_time_pct: total.stage_2.responded_on_time_pct,
                    stage_1_upheld_rate_pct: total.stage_1.upheld_rate_pct,
                    escalation_rate_pct: total.escalation_rate_pct,
                    ombudsman_referrals: total.ombudsman.referrals,
                },
                refused: crate::report::annual::Refused {
                    service_requests: total.triage.service_requests,
                    excluded: total.triage.excluded,
                    excluded_by_procedure,
                    outside_remit: total.triage.outside_remit,
                    out_of_time: total.triage.out_of_time,
                },
                figures: total,
                by_month,
                by_service,
                compliments_by_service: counted.compliments_by_service(),
                english_fluency: fluency_figures(conn, &counted.parts)?,
                learning_actions: learning_figures(conn, &request)?,
                improvements,
                self_assessment,
                satisfaction,
            })
        })
        .await?;
    use crate::report::annual;
    let vary = (actix_web::http::header::VARY, "Accept");
    Ok(match form {
        Form::Json => actix_web::HttpResponse::Ok()
            .insert_header(vary)
            .json(annual::to_json(&report)),
        Form::Csv => actix_web::HttpResponse::Ok()
            .insert_header(vary)
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"annual-complaints-report.csv\"",
            ))
            .content_type("text/csv; charset=utf-8; header=present")
            .body(annual::to_csv(&report)),
        Form::Html => actix_web::HttpResponse::Ok()
            .insert_header(vary)
            .content_type("text/html; charset=utf-8")
            .body(annual::to_html(&report)),
    })
}

/// The period a member digest covers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DigestQuery {
    /// First day (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31); compared with the same number of days just before it.
    #[param(value_type = String, format = Date, required = true)]
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, 1900-01-01 to 2199-12-31), not before `from`.
    #[param(value_type = String, format = Date, required = true)]
    #[serde(default)]
    pub to: Option<String>,
    /// Only this service.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub service: Option<String>,
    /// Only this directorate's services.
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub directorate: Option<String>,
}

/// A figure now and in the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub current: f64,
    pub previous: f64,
    /// Current minus previous.
    pub change: f64,
    /// The change as a share of the previous figure; null when it was 0.
    pub change_pct: Option<f64>,
}

impl Change {
    fn of(current: f64, previous: f64) -> Change {
        Change {
            current,
            previous,
            change: ((current - previous) * 10.0).round() / 10.0,
            change_pct: (previous != 0.0)
                .then(|| (((current - previous) / previous) * 1000.0).round() / 10.0),
        }
    }

    fn of_counts(current: u64, previous: u64) -> Change {
        Change::of(current as f64, previous as f64)
    }

    /// A rate that may be missing (nothing to measure) in either period.
    fn of_rates(current: Option<f64>, previous: Option<f64>) -> Option<Change> {
        Some(Change::of(current?, previous?))
    }
}

/// Complaints about one category now and before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Theme {
    pub category: String,
    pub complaints: Change,
    /// Of the theme's complaints answered at stage 1 in the period, upheld in whole or part.
    pub upheld: u64,
}

/// The regular update for the Member Responsible for Complaints (seed 001 §9.7).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Digest {
    pub period: Period,
    /// The same number of days just before.
    pub previous_period: Period,
    pub services: Option<Vec<String>>,
    pub complaints: Change,
    pub compliments: Change,
    pub comments: Change,
    pub stage_1_responded_on_time_pct: Option<Change>,
    pub stage_2_responded_on_time_pct: Option<Change>,
    pub stage_1_upheld_rate_pct: Option<Change>,
    pub escalation_rate_pct: Option<Change>,
    pub ombudsman_referrals: Change,
    /// Complaints by category, most first.
    pub categories: Vec<Theme>,
    /// The categories whose complaints rose most (at most five).
    pub rising_themes: Vec<Theme>,
    pub learning_actions: LearningFigures,
}

fn themes(current: &Counted, upheld: &[repo::UpheldCount], previous: &Counted) -> Vec<Theme> {
    let (now, before) = (
        current.complaints_by_category(),
        previous.complaints_by_category(),
    );
    let upheld = current.upheld_by_category(upheld);
    let mut all: Vec<Theme> = now
        .keys()
        .chain(before.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|category| Theme {
            category: category.clone(),
            complaints: Change::of_counts(
                now.get(category).copied().unwrap_or(0),
                before.get(category).copied().unwrap_or(0),
            ),
            upheld: upheld.get(category).copied().unwrap_or(0),
        })
        .collect();
    all.sort_by(|a, b| {
        b.complaints
            .current
            .total_cmp(&a.complaints.current)
            .then(a.category.cmp(&b.category))
    });
    all
}

#[utoipa::path(
    tag = "reports",
    operation_id = "member_digest",
    description = "Roles: head_of_service (their services only), complaints_manager (all).\n\n\
                   The regular update for the Member Responsible for Complaints: volumes, \
                   outcomes and handling performance for a period, each beside the same number \
                   of days just before it, complaints by category, and the themes rising most. \
                   Counts and rates only: no personal data.",
    params(DigestQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The digest", body = Digest),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[get("/reports/digest")]
pub async fn digest(
    caller: Senior,
    db: web::Data<Database>,
    query: web::Query<DigestQuery>,
) -> Result<web::Json<Digest>, ApiError> {
    let caller = caller.0;
    let query = query.into_inner();
    let mut missing = Vec::new();
    if query.from.is_none() {
        missing.push(FieldError::new("from", "is required"));
    }
    if query.to.is_none() {
        missing.push(FieldError::new("to", "is required"));
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let digest = db
        .report(move |first, second| {
            let request = request_of(
                first,
                &caller,
                query.from.as_deref(),
                query.to.as_deref(),
                query.service.as_deref(),
                query.directorate.as_deref(),
                None,
            )?;
            let days = (request.period.to - request.period.from).num_days() + 1;
            let previous_to = request
                .period
                .from
                .pred_opt()
                .unwrap_or(request.period.from);
            let previous = ReportRequest {
                period: Period {
                    from: previous_to - chrono::Duration::days(days - 1),
                    to: previous_to,
                },
                services: request.services.clone(),
                directorate: request.directorate.clone(),
                group_by: None,
                group_by_name: None,
                directorate_of: request.directorate_of.clone(),
            };
            let by_category = [GroupBy::Category];
            let (now_counts, ((), ())) = load_counts(
                (first, second),
                &request,
                &by_category,
                true,
                (nothing, nothing),
            )?;
            let upheld = now_counts.upheld_at_stage_1(first)?;
            let (before_counts, _) = load_counts(
                (first, second),
                &previous,
                &by_category,
                true,
                (nothing, nothing),
            )?;
            let (now, _) = now_counts.figures(None)?;
            let (before, _) = before_counts.figures(None)?;
            let categories = themes(&now_counts, &upheld, &before_counts);
            let mut rising: Vec<Theme> = categories
                .iter()
                .filter(|t| t.complaints.change > 0.0)
                .cloned()
                .collect();
            rising.sort_by(|a, b| {
                b.complaints
                    .change
                    .total_cmp(&a.complaints.change)
                    .then(a.category.cmp(&b.category))
            });
            rising.truncate(5);
            Ok(Digest {
                period: request.period.clone(),
                previous_period: previous.period.clone(),
                services: request.services.clone(),
                complaints: Change::of_counts(now.received.complaints, before.received.complaints),
                compliments: Change::of_counts(
                    now.received.compliments,
                    before.received.compliments,
                ),
                comments: Change::of_counts(now.received.comments, before.received.comments),
                stage_1_responded_on_time_pct: Change::of_rates(
                    now.stage_1.responded_on_time_pct,
                    before.stage_1.responded_on_time_pct,
                ),
                stage_2_responded_on_time_pct: Change::of_rates(
                    now.stage_2.responded_on_time_pct,
                    before.stage_2.responded_on_time_pct,
                ),
                stage_1_upheld_rate_pct: Change::of_rates(
                    now.stage_1.upheld_rate_pct,
                    before.stage_1.upheld_rate_pct,
                ),
                escalation_rate_pct: Change::of_rates(
                    now.escalation_rate_pct,
                    before.escalation_rate_pct,
                ),
                ombudsman_referrals: Change::of_counts(
                    now.ombudsman.referrals,
                    before.ombudsman.referrals,
                ),
                categories,
                rising_themes: rising,
                learning_actions: learning_figures(first, &request)?,
            })
        })
        .await?;
    Ok(web::Json(digest))
}

/// The complaints manager's answer to a self-assessment line.
#[derive(Debug, Clone, Deserialize, Serialize, validator::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"met": true, "evidence": "Cllr Example was named Member Responsible for Complaints on 12 May 2025 and receives the quarterly digest"}))]
pub struct SelfAssessmentAnswer {
    #[validate(required(message = "is required"))]
    #[schema(value_type = bool)]
    pub met: Option<bool>,
    #[validate(
        required(message = "is required"),
        custom(function = "super::validation::not_blank"),
        length(max = 5000)
    )]
    #[schema(value_type = String, min_length = 1, max_length = 5000)]
    pub evidence: Option<String>,
}

fn answer_year(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::NotFound(format!("there is no financial year {raw}")))
}

#[utoipa::path(
    tag = "reports",
    operation_id = "answer_self_assessment",
    description = "Roles: complaints_manager.\n\n\
                   Records the complaints manager's answer, with the evidence, to a line of the \
                   self-assessment against the Complaint Handling Code that the cases cannot \
                   prove (`member_responsible`, `policy_published`, `staff_trained`, \
                   `learning_reported`, `self_assessment_published`) for a financial year. A \
                   later answer replaces the earlier one. The annual report shows it.",
    params(
        ("year" = i32, Path, description = "The financial year's first year: 2025 is 2025/26", minimum = 2000, maximum = 2100, example = 2025),
        ("item" = String, Path, description = "The line", example = "member_responsible")
    ),
    request_body = SelfAssessmentAnswer,
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The line as the report shows it", body = crate::report::annual::SelfAssessmentItem),
        (status = 400, response = responses::MalformedJson),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
        (status = 422, response = responses::ValidationFailed),
    )
)]
#[put("/reports/self-assessment/{year}/{item}")]
pub async fn answer_self_assessment(
    manager: crate::auth::ComplaintsManager,
    db: web::Data<Database>,
    path: web::Path<(String, String)>,
    body: super::json::JsonBody<SelfAssessmentAnswer>,
) -> Result<web::Json<crate::report::annual::SelfAssessmentItem>, ApiError> {
    let (year, item) = path.into_inner();
    let year = answer_year(&year)?;
    let Some((item, requirement)) = MANAGER_ITEMS.iter().find(|(i, _)| *i == item) else {
        return Err(ApiError::NotFound(format!(
            "{item} is not a line the complaints manager answers; they are {}",
            MANAGER_ITEMS
                .iter()
                .map(|(i, _)| *i)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let errors = super::validation::report_of(&body.value);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let row = repo::AnswerRow {
        year,
        item: item.to_string(),
        met: body.value.met.unwrap_or_default(),
        evidence: body
            .value
            .evidence
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string(),
        answered_by: manager.0.subject.clone(),
        answered_at: db::now(),
    };
    let stored = row.clone();
    db.write(move |conn| Ok(repo::answer(conn, &row)?)).await?;
    Ok(web::Json(manager_item(item, requirement, Some(&stored))))
}

#[utoipa::path(
    tag = "reports",
    operation_id = "list_self_assessment_answers",
    description = "Roles: head_of_service, complaints_manager.\n\n\
                   The lines of the self-assessment the complaints manager answers, with the \
                   answers recorded for a financial year.",
    params(("year" = i32, Path, description = "The financial year's first year: 2025 is 2025/26", minimum = 2000, maximum = 2100, example = 2025)),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The manager's lines", body = Vec<crate::report::annual::SelfAssessmentItem>),
        (status = 401, response = responses::Unauthorized),
        (status = 403, response = responses::Forbidden),
        (status = 404, response = responses::NotFound),
    )
)]
#[get("/reports/self-assessment/{year}")]
pub async fn self_assessment_answers(
    _: Senior,
    db: web::Data<Database>,
    year: web::Path<String>,
) -> Result<web::Json<Vec<crate::report::annual::SelfAssessmentItem>>, ApiError> {
    let year = answer_year(&year.into_inner())?;
    let answers: HashMap<String, repo::AnswerRow> = db
        .read(move |conn| Ok(repo::answers(conn, year)?))
        .await?
        .into_iter()
        .map(|a| (a.item.clone(), a))
        .collect();
    Ok(web::Json(
        MANAGER_ITEMS
            .iter()
            .map(|(item, requirement)| manager_item(item, requirement, answers.get(*item)))
            .collect(),
    ))
}
