//! Reports (SPEC §8): performance figures for any period, anonymised: counts
//! and rates by kind, stage, service, directorate, channel and category,
//! never a name or contact detail.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::learning_actions::LearningStatus;
use super::responses;
use crate::auth::{Caller, Staff};
use crate::db::reports::{self as repo, Scope};
use crate::db::services::{self, ServiceFilter};
use crate::db::{self, Database, DbConnection};
use crate::domain::case::{Channel, Kind, Outcome, Role, Stage};
use crate::domain::clock::{uk_date, uk_midnight_utc, Clock};
use crate::domain::performance::{figures, CaseFacts, Figures, GroupBy, ReferralFacts, StageFacts};
use crate::domain::triage::Decision;
use crate::error::{ApiError, FieldError};

/// The period and filters of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerformanceQuery {
    /// First day (`YYYY-MM-DD`) of cases received; default: the first of the month a year ago.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
    pub from: Option<String>,
    /// Last day, included; default today.
    #[param(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "super::query::blank_as_none")]
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

/// The period a report covers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Included.
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

/// A group's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Group {
    /// The month (`2026-03`), service id, directorate id, channel or category.
    pub key: String,
    pub figures: Figures,
}

/// Compliments received by a service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceCount {
    pub service: String,
    pub count: u64,
}

/// Learning actions of the services in the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LearningFigures {
    /// Agreed in the period.
    pub raised: u64,
    /// Completed in the period.
    pub completed: u64,
    /// Still to be done and past their due date, today.
    pub overdue: u64,
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
    pub learning_actions: LearningFigures,
}

/// A checked report request.
pub struct ReportRequest {
    pub period: Period,
    pub services: Option<Vec<String>>,
    pub directorate: Option<String>,
    pub group_by: Option<GroupBy>,
    pub group_by_name: Option<String>,
}

/// Only Heads of Service (for their services) and the complaints manager read reports.
fn reader(caller: &Caller) -> Result<(), ApiError> {
    if caller.has(Role::ComplaintsManager) || caller.has(Role::HeadOfService) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "reports are for Heads of Service and the complaints manager".into(),
        ))
    }
}

fn date_param(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw?;
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    if date.is_none() {
        errors.push(FieldError::new(field, "must be a date such as 2026-04-01"));
    }
    date
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
    reader(caller)?;
    let mut errors = Vec::new();
    let today = uk_date(db::now());
    let to_date = date_param(to, "to", &mut errors).unwrap_or(today);
    let from_date = date_param(from, "from", &mut errors).unwrap_or_else(|| {
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
    })
}

fn stored<T>(value: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| ApiError::internal(format!("stored {what} `{value}`")))
}

/// Works out the report.
pub fn performance_report(
    conn: &mut DbConnection,
    clock: &Clock,
    request: &ReportRequest,
) -> Result<PerformanceReport, ApiError> {
    let scope = Scope {
        from: uk_midnight_utc(request.period.from),
        before: uk_midnight_utc(request.period.to.succ_opt().unwrap_or(request.period.to)),
        services: request.services.clone(),
    };
    let directorate_of: HashMap<String, String> =
        services::list(conn, &ServiceFilter::default(), 100_000)?
            .into_iter()
            .map(|s| (s.id, s.directorate_id))
            .collect();
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
    let (total, groups) = figures(
        &cases,
        &stages,
        &referrals,
        request.group_by,
        clock.council_calendar(),
    );
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
    Ok(PerformanceReport {
        period: request.period.clone(),
        services: request.services.clone(),
        directorate: request.directorate.clone(),
        group_by: request.group_by_name.clone(),
        total,
        groups: groups
            .into_iter()
            .map(|(key, figures)| Group { key, figures })
            .collect(),
        compliments_by_service: compliments
            .into_iter()
            .map(|(service, count)| ServiceCount { service, count })
            .collect(),
        learning_actions: learning,
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
                   and decisions; compliments by service; learning actions raised, completed and \
                   overdue. Counts only: no personal data.",
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
    staff: Staff,
    db: web::Data<Database>,
    clock: web::Data<Clock>,
    query: web::Query<PerformanceQuery>,
) -> Result<web::Json<PerformanceReport>, ApiError> {
    let caller = staff.0;
    let query = query.into_inner();
    let report = db
        .read(move |conn| {
            let request = request_of(
                conn,
                &caller,
                query.from.as_deref(),
                query.to.as_deref(),
                query.service.as_deref(),
                query.directorate.as_deref(),
                query.group_by.as_deref(),
            )?;
            performance_report(conn, &clock, &request)
        })
        .await?;
    Ok(web::Json(report))
}
