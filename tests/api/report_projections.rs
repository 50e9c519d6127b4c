//! The reports read the monthly projections for whole months (issue 17), and count the
//! partial first and last months from the cases. On a seeded council every figure of the
//! performance and annual reports equals the reference worked out case by case
//! (`load_facts`), for periods that start and end on month boundaries and in mid-month, for
//! the complaints manager and a Head of Service; again after changes made through the API,
//! which keep the projections up to date in their own transactions; and again after a
//! rebuild, which gives the very rows the changes left.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use council_feedback::api::reports::{
    self as api_reports, load_facts, scope_of, Parts, Period, ReportRequest,
};
use council_feedback::app::time::Now;
use council_feedback::db::projections::{
    self, CaseTallyRow, DayRow, LineRow, MonthRow, Pace, Progress, Start, TallyRow, TotalDayRow,
    TotalRow,
};
use council_feedback::db::reports as repo;
use council_feedback::db::schema::{
    cases, report_case_tallies, report_lines, report_month_days, report_month_total_days,
    report_month_totals, report_months, report_tallies, surveys,
};
use council_feedback::db::services::{self, ServiceFilter};
use council_feedback::domain::case::{Outcome, Stage};
use council_feedback::domain::clock::Clock;
use council_feedback::domain::performance::GroupBy;
use council_feedback::domain::reporting::top_counts;
use council_feedback::domain::survey::{satisfaction, AnsweredSurvey};
use council_feedback::seed::{seed, SeedOptions};

use crate::helpers::*;
use crate::lifecycle::{change, draft};

/// The clock of the changes made through the API: mid-June 2026, inside the seeded months.
const NOW: &str = "2026-06-15 10:00:00";
const HEAD_SERVICES: &[&str] = &["waste-care", "highways"];

/// The periods compared: whole months only; starting mid-month; ending mid-month (the
/// changes' month counted from the cases); both; inside one month.
const PERIODS: &[(&str, &str)] = &[
    ("2024-04-01", "2026-06-30"),
    ("2024-04-17", "2026-06-30"),
    ("2025-01-01", "2026-06-20"),
    ("2024-11-09", "2025-08-12"),
    ("2025-02-03", "2025-02-26"),
];

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

fn instant(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("instant")
}

/// The report worked out case by case.
fn reference(
    app: &TestApp,
    clock: &Clock,
    (from, to): (&str, &str),
    services: Option<&[&str]>,
    group_by: &str,
) -> Value {
    let mut conn = app.db.connection().expect("connection");
    let directory = services::list(&mut conn, &ServiceFilter::default(), 10_000).expect("services");
    let request = ReportRequest {
        period: Period {
            from: date(from),
            to: date(to),
        },
        services: services.map(|s| s.iter().map(|s| s.to_string()).collect()),
        directorate: None,
        group_by: GroupBy::parse(group_by),
        group_by_name: Some(group_by.to_string()),
        directorate_of: directory
            .into_iter()
            .map(|s| (s.id, s.directorate_id))
            .collect(),
    };
    let facts = load_facts(&mut conn, &request).expect("facts");
    let (total, groups) = facts.figures(request.group_by, clock);
    // Complaints upheld in whole or part at stage 1, by category, most first.
    let category_of: std::collections::HashMap<i64, String> = facts
        .cases
        .iter()
        .map(|c| (c.id, c.category.clone().unwrap_or_else(|| "(none)".into())))
        .collect();
    let mut upheld: std::collections::BTreeMap<String, u64> = Default::default();
    for stage in &facts.stages {
        if stage.stage == Stage::Stage1
            && matches!(
                stage.outcome,
                Some(Outcome::Upheld) | Some(Outcome::PartiallyUpheld)
            )
        {
            *upheld
                .entry(category_of[&stage.case_id].clone())
                .or_default() += 1;
        }
    }
    let mut top: Vec<(String, u64)> = upheld.clone().into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    json!({
        "total": total,
        "groups": groups,
        "compliments_by_service": facts.compliments_by_service(),
        "upheld_by_category": upheld,
        "top_upheld_categories": top
            .into_iter()
            .map(|(category, count)| json!({"category": category, "count": count}))
            .collect::<Vec<_>>(),
    })
}

/// The request for a report of `period` in `services`, as the handlers build it.
fn request_for(
    app: &TestApp,
    (from, to): (&str, &str),
    services: Option<&[&str]>,
) -> ReportRequest {
    let mut conn = app.db.connection().expect("connection");
    let directory = services::list(&mut conn, &ServiceFilter::default(), 10_000).expect("services");
    ReportRequest {
        period: Period {
            from: date(from),
            to: date(to),
        },
        services: services.map(|s| s.iter().map(|s| s.to_string()).collect()),
        directorate: None,
        group_by: None,
        group_by_name: None,
        directorate_of: directory
            .into_iter()
            .map(|s| (s.id, s.directorate_id))
            .collect(),
    }
}

/// Investigator pairs (pairs, different) by service, of the services a report covers (every
/// service is counted; the report keeps those it covers).
fn by_service(
    rows: Vec<repo::InvestigatorPairs>,
    services: Option<&[&str]>,
) -> std::collections::BTreeMap<String, (i64, i64)> {
    let mut investigators: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for row in rows {
        if !services.is_none_or(|s| s.contains(&row.service.as_str())) {
            continue;
        }
        let entry = investigators.entry(row.service).or_default();
        entry.0 += row.pairs;
        entry.1 += row.different.unwrap_or(0);
    }
    investigators
}

/// The figures the reports take from the tallies (issue 17's second step), worked out from
/// the cases of the whole period with the queries they used before: satisfaction, the staff
/// most complimented, the fluency complaints, the exclusions by procedure, the investigators
/// of both stages by service and the agreed extensions.
fn tallied_reference(app: &TestApp, period: (&str, &str), services: Option<&[&str]>) -> Value {
    let request = request_for(app, period, services);
    let mut conn = app.db.connection().expect("connection");
    let scope = scope_of(&mut conn, &request).expect("scope");
    let answered: Vec<AnsweredSurvey> = repo::answered_surveys(&mut conn, &scope)
        .expect("surveys")
        .into_iter()
        .map(|(service, stage, a, b, c, d)| AnsweredSurvey {
            service,
            stage,
            ratings: [
                a.expect("rated"),
                b.expect("rated"),
                c.expect("rated"),
                d.expect("rated"),
            ],
        })
        .collect();
    let mut by_staff: std::collections::BTreeMap<String, u64> = Default::default();
    for row in repo::compliments_by_staff(&mut conn, &scope).expect("staff") {
        if services.is_none_or(|s| s.contains(&row.service.as_str())) {
            *by_staff.entry(row.staff_id).or_default() += row.n as u64;
        }
    }
    let (received, referred) = repo::fluency_complaints(&mut conn, &scope).expect("fluency");
    let mut procedures: std::collections::BTreeMap<String, u64> = Default::default();
    for (service, details) in repo::exclusions(&mut conn, &scope).expect("exclusions") {
        if !services.is_none_or(|s| s.contains(&service.as_str())) {
            continue;
        }
        let procedure = details
            .and_then(|d| serde_json::from_str::<Value>(&d).ok())
            .and_then(|d| d["procedure"].as_str().map(String::from))
            .unwrap_or_else(|| "not recorded".into());
        *procedures.entry(procedure).or_default() += 1;
    }
    let investigators = by_service(
        repo::investigator_pairs(&mut conn, &scope).expect("pairs"),
        services,
    );
    let mut extensions = repo::extensions(&mut conn, &scope).expect("extensions");
    extensions.sort();
    json!({
        "satisfaction": satisfaction(&answered),
        "top_staff_complimented": top_counts(by_staff, 10)
            .into_iter()
            .map(|(staff_id, count)| json!({"staff_id": staff_id, "count": count}))
            .collect::<Vec<_>>(),
        "english_fluency": {"received": received, "referred_to_manager": referred},
        "excluded_by_procedure": procedures,
        "investigators": investigators,
        "extensions": extensions,
    })
}

/// The same figures as the reports now work them out: the whole months from the tallies,
/// the rest from the cases.
fn tallied_now(app: &TestApp, period: (&str, &str), services: Option<&[&str]>) -> Value {
    let request = request_for(app, period, services);
    let mut conn = app.db.connection().expect("connection");
    let scope = scope_of(&mut conn, &request).expect("scope");
    let parts = Parts::of(&mut conn, &request, &scope).expect("parts");
    let investigators = by_service(
        api_reports::investigator_pairs(&mut conn, &parts).expect("pairs"),
        services,
    );
    let mut extensions = api_reports::extensions(&mut conn, &parts).expect("extensions");
    extensions.sort();
    json!({
        "investigators": investigators,
        "extensions": extensions,
        "tallies_read": parts.whole.is_some(),
    })
}

/// Every period, grouping and caller: the reports equal the reference.
async fn compare(app: &TestApp, clock: &Clock, when: &str) {
    let head = app.head_of_service("head-1", HEAD_SERVICES);
    let manager = app.manager();
    let mut seen_groups = 0;
    let (mut tallied_periods, mut seen_tallies) = (0, 0);
    for &period in PERIODS {
        let (from, to) = period;
        for (token, services) in [(&manager, None), (&head, Some(HEAD_SERVICES))] {
            for group_by in ["month", "service", "directorate", "channel", "category"] {
                let report = app
                    .get(
                        &format!(
                            "/api/v1/reports/performance?from={from}&to={to}&group_by={group_by}"
                        ),
                        token,
                    )
                    .await;
                assert_eq!(report.status, 200, "{}", report.text());
                let report = report.json();
                let expected = reference(app, clock, period, services, group_by);
                for part in [
                    "total",
                    "groups",
                    "compliments_by_service",
                    "top_upheld_categories",
                ] {
                    assert_eq!(
                        report[part], expected[part],
                        "{when}: {part} by {group_by} from {from} to {to} for {services:?}"
                    );
                }
                seen_groups += report["groups"].as_array().map_or(0, Vec::len);
                let tallied = tallied_reference(app, period, services);
                for part in ["satisfaction", "top_staff_complimented", "english_fluency"] {
                    assert_eq!(
                        report[part], tallied[part],
                        "{when}: {part} by {group_by} from {from} to {to} for {services:?}"
                    );
                }
            }
            let annual = app
                .get(
                    &format!("/api/v1/reports/annual?from={from}&to={to}"),
                    token,
                )
                .await;
            assert_eq!(annual.status, 200, "{}", annual.text());
            let annual = annual.json();
            let by_month = reference(app, clock, period, services, "month");
            let by_service = reference(app, clock, period, services, "service");
            assert_eq!(
                annual["figures"], by_month["total"],
                "{when}: annual figures from {from} to {to} for {services:?}"
            );
            assert_eq!(
                annual["by_month"], by_month["groups"],
                "{when}: annual by month from {from} to {to} for {services:?}"
            );
            assert_eq!(
                annual["by_service"], by_service["groups"],
                "{when}: annual by service from {from} to {to} for {services:?}"
            );
            assert_eq!(
                annual["compliments_by_service"], by_month["compliments_by_service"],
                "{when}: annual compliments from {from} to {to} for {services:?}"
            );
            let tallied = tallied_reference(app, period, services);
            let procedures: std::collections::BTreeMap<String, u64> = annual["refused"]
                ["excluded_by_procedure"]
                .as_array()
                .expect("procedures")
                .iter()
                .map(|p| {
                    (
                        p["procedure"].as_str().expect("procedure").to_string(),
                        p["count"].as_u64().expect("count"),
                    )
                })
                .collect();
            assert_eq!(
                json!(procedures),
                tallied["excluded_by_procedure"],
                "{when}: annual exclusions from {from} to {to} for {services:?}"
            );
            for part in ["satisfaction", "english_fluency"] {
                assert_eq!(
                    annual[part], tallied[part],
                    "{when}: annual {part} from {from} to {to} for {services:?}"
                );
            }
            let now = tallied_now(app, period, services);
            for part in ["investigators", "extensions"] {
                assert_eq!(
                    now[part], tallied[part],
                    "{when}: {part} from {from} to {to} for {services:?}"
                );
            }
            tallied_periods += usize::from(now["tallies_read"] == json!(true));
            seen_tallies += tallied["extensions"].as_array().map_or(0, Vec::len)
                + tallied["investigators"].as_object().map_or(0, |o| o.len());
        }
    }
    for &period in PERIODS {
        for (token, services) in [(&manager, None), (&head, Some(HEAD_SERVICES))] {
            digest(app, clock, token, period, services, when).await;
        }
    }
    // Not an empty comparison: a council's cases, in many groups.
    assert!(seen_groups > 300, "{seen_groups} groups");
    // The tallies were read, and held investigators and extensions to compare.
    assert!(
        tallied_periods >= 6,
        "{tallied_periods} periods read tallies"
    );
    assert!(
        seen_tallies > 50,
        "{seen_tallies} extensions and services with investigators"
    );
}

/// The member digest: each figure now and in the days just before equals the reference's.
async fn digest(
    app: &TestApp,
    clock: &Clock,
    token: &str,
    (from, to): (&str, &str),
    services: Option<&[&str]>,
    when: &str,
) {
    let response = app
        .get(
            &format!("/api/v1/reports/digest?from={from}&to={to}"),
            token,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let digest = response.json();
    let before = (
        digest["previous_period"]["from"].as_str().expect("from"),
        digest["previous_period"]["to"].as_str().expect("to"),
    );
    let now = reference(app, clock, (from, to), services, "category");
    let then = reference(app, clock, before, services, "category");
    let context = format!("{when}: digest from {from} to {to} for {services:?}");
    for (figure, path) in [
        ("complaints", ["received", "complaints"]),
        ("compliments", ["received", "compliments"]),
        ("comments", ["received", "comments"]),
        ("ombudsman_referrals", ["ombudsman", "referrals"]),
    ] {
        assert_eq!(
            digest[figure]["current"].as_f64(),
            now["total"][path[0]][path[1]].as_f64(),
            "{context}: {figure}"
        );
        assert_eq!(
            digest[figure]["previous"].as_f64(),
            then["total"][path[0]][path[1]].as_f64(),
            "{context}: {figure} before"
        );
    }
    for (figure, stage, rate) in [
        (
            "stage_1_responded_on_time_pct",
            "stage_1",
            "responded_on_time_pct",
        ),
        (
            "stage_2_responded_on_time_pct",
            "stage_2",
            "responded_on_time_pct",
        ),
        ("stage_1_upheld_rate_pct", "stage_1", "upheld_rate_pct"),
    ] {
        let (current, previous) = (&now["total"][stage][rate], &then["total"][stage][rate]);
        if current.is_null() || previous.is_null() {
            assert!(digest[figure].is_null(), "{context}: {figure}");
        } else {
            assert_eq!(digest[figure]["current"], *current, "{context}: {figure}");
            assert_eq!(digest[figure]["previous"], *previous, "{context}: {figure}");
        }
    }
    let complaints_in = |report: &Value, category: &str| {
        report["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["key"] == category)
            .map_or(0.0, |g| {
                g["figures"]["received"]["complaints"]
                    .as_f64()
                    .expect("complaints")
            })
    };
    let categories = digest["categories"].as_array().expect("categories");
    for theme in categories {
        let category = theme["category"].as_str().expect("category");
        assert_eq!(
            theme["complaints"]["current"].as_f64(),
            Some(complaints_in(&now, category)),
            "{context}: {category}"
        );
        assert_eq!(
            theme["complaints"]["previous"].as_f64(),
            Some(complaints_in(&then, category)),
            "{context}: {category} before"
        );
        assert_eq!(
            theme["upheld"].as_u64(),
            Some(now["upheld_by_category"][category].as_u64().unwrap_or(0)),
            "{context}: {category} upheld"
        );
    }
}

/// The projection rows that count something, in key order.
fn projection_rows(app: &TestApp) -> Vec<String> {
    let mut conn = app.db.connection().expect("connection");
    let rows: Vec<MonthRow> = report_months::table
        .order((
            report_months::month,
            report_months::service_id,
            report_months::channel,
            report_months::category,
            report_months::kind,
            report_months::stage,
        ))
        .load(&mut **conn)
        .expect("projections");
    let mut shown: Vec<String> = rows
        .into_iter()
        .filter(|row| row.counters() != Default::default())
        .map(|row| format!("{row:?}"))
        .collect();
    let tallies: Vec<TallyRow> = report_tallies::table
        .filter(report_tallies::n.ne(0))
        .order((
            report_tallies::month,
            report_tallies::measure,
            report_tallies::service_id,
            report_tallies::value,
        ))
        .load(&mut **conn)
        .expect("tallies");
    shown.extend(tallies.into_iter().map(|row| format!("{row:?}")));
    let case_tallies: Vec<CaseTallyRow> = report_case_tallies::table
        .order((
            report_case_tallies::case_id,
            report_case_tallies::measure,
            report_case_tallies::value,
        ))
        .load(&mut **conn)
        .expect("case tallies");
    shown.extend(case_tallies.into_iter().map(|row| format!("{row:?}")));
    let totals: Vec<TotalRow> = report_month_totals::table
        .order((
            report_month_totals::month,
            report_month_totals::service_id,
            report_month_totals::kind,
            report_month_totals::stage,
        ))
        .load(&mut **conn)
        .expect("totals");
    shown.extend(
        totals
            .into_iter()
            .filter(|row| row.counters() != Default::default())
            .map(|row| format!("{row:?}")),
    );
    let days: Vec<DayRow> = report_month_days::table
        .filter(report_month_days::n.ne(0))
        .order((
            report_month_days::month,
            report_month_days::service_id,
            report_month_days::channel,
            report_month_days::category,
            report_month_days::kind,
            report_month_days::stage,
            report_month_days::days,
        ))
        .load(&mut **conn)
        .expect("days");
    shown.extend(days.into_iter().map(|row| format!("{row:?}")));
    let total_days: Vec<TotalDayRow> = report_month_total_days::table
        .filter(report_month_total_days::n.ne(0))
        .order((
            report_month_total_days::month,
            report_month_total_days::service_id,
            report_month_total_days::kind,
            report_month_total_days::stage,
            report_month_total_days::days,
        ))
        .load(&mut **conn)
        .expect("total days");
    shown.extend(total_days.into_iter().map(|row| format!("{row:?}")));
    let lines: Vec<LineRow> = report_lines::table
        .order((
            report_lines::case_id,
            report_lines::stage,
            report_lines::source_id,
        ))
        .load(&mut **conn)
        .expect("lines");
    shown.extend(lines.into_iter().map(|row| format!("{row:?}")));
    shown
}

/// A complaint about a problem before [`NOW`].
fn complaint() -> Value {
    with(
        crate::helpers::complaint(),
        json!({"problem_date": "2026-06-01"}),
    )
}

/// Sends a change and gives the case's new ETag.
async fn step(app: &TestApp, path: &str, token: &str, etag: &str, body: Value) -> String {
    let response = change(app, path, token, Some(etag), body).await;
    assert!(
        response.status == 200 || response.status == 201,
        "{path}: {} {}",
        response.status,
        response.text()
    );
    response.header("etag").expect("etag")
}

/// A complaint logged through the API and accepted: its reference and ETag.
async fn accepted(app: &TestApp, customer: &str, body: Value) -> (String, String) {
    let case = app.create_case(&app.customer(customer), &body).await;
    let reference = case["reference"].as_str().expect("reference").to_string();
    let etag = step(
        app,
        &format!("/api/v1/cases/{reference}/triage"),
        &app.manager(),
        "\"1\"",
        json!({"decision": "accept"}),
    )
    .await;
    (reference, etag)
}

/// Acknowledges the case's current stage.
async fn acknowledge(app: &TestApp, reference: &str, etag: &str) -> String {
    step(
        app,
        &format!("/api/v1/cases/{reference}/acknowledgement"),
        &app.manager(),
        etag,
        json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
    )
    .await
}

/// Drafts and sends the current stage's response.
async fn respond(app: &TestApp, reference: &str, etag: &str, outcome: &str) -> String {
    let base = format!("/api/v1/cases/{reference}");
    let drafted = app
        .post(
            &format!("{base}/responses"),
            &app.officer("officer-17", &["waste-care"]),
            &draft(outcome, Some("We are sorry the bin was missed")),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    let id = drafted.json()["id"].as_i64().expect("id");
    step(
        app,
        &format!("{base}/responses/{id}/approval"),
        &app.manager(),
        etag,
        json!({}),
    )
    .await
}

/// The changes a council makes in a day, through the API: new cases of each kind, a complaint
/// taken through both stages with an extension, one referred to the Ombudsman and decided,
/// one moved to a service outside the Head of Service's, one withdrawn, closed and reopened,
/// and a seeded complaint of an earlier month moved to another service.
async fn make_changes(app: &TestApp) {
    let manager = app.manager();
    let head = app.head_of_service("h-waste", &["waste-care"]);

    // Two stages, an extension agreed at stage 1.
    let (both, etag) = accepted(app, "ann", complaint()).await;
    let base = format!("/api/v1/cases/{both}");
    let etag = acknowledge(app, &both, &etag).await;
    let etag = step(
        app,
        &format!("{base}/assignment"),
        &head,
        &etag,
        json!({"investigator": "officer-17"}),
    )
    .await;
    let case = app.get(&base, &manager).await.json();
    let due = date(case["stages"][0]["response_due"].as_str().expect("due"));
    let asked = change(
        app,
        &format!("{base}/extensions"),
        &app.officer("officer-17", &["waste-care"]),
        Some(&etag),
        json!({"reason": "Waiting for the crew's records",
               "new_response_due": (due + chrono::Duration::days(7)).to_string()}),
    )
    .await;
    assert_eq!(asked.status, 201, "{}", asked.text());
    let extension = asked.json()["id"].as_i64().expect("id");
    let etag = step(
        app,
        &format!("{base}/extensions/{extension}/decision"),
        &head,
        &asked.header("etag").expect("etag"),
        json!({"decision": "agree", "customer_told_at": "2026-06-15T09:30:00Z"}),
    )
    .await;
    let etag = respond(app, &both, &etag, "not_upheld").await;
    let etag = step(
        app,
        &format!("{base}/escalations"),
        &app.customer("ann"),
        &etag,
        json!({"reason": "The response did not deal with my second point"}),
    )
    .await;
    let etag = acknowledge(app, &both, &etag).await;
    // Stage 2 investigated by another officer than stage 1's.
    step(
        app,
        &format!("/api/v1/cases/{both}/assignment"),
        &head,
        &etag,
        json!({"investigator": "h-senior", "investigator_role": "head_of_service"}),
    )
    .await;

    // Answered at stage 1, then referred to the Ombudsman, who decided.
    let (referred, etag) = accepted(app, "bea", complaint()).await;
    let etag = acknowledge(app, &referred, &etag).await;
    let etag = step(
        app,
        &format!("/api/v1/cases/{referred}/assignment"),
        &head,
        &etag,
        json!({"investigator": "officer-17"}),
    )
    .await;
    let etag = respond(app, &referred, &etag, "not_upheld").await;
    let base = format!("/api/v1/cases/{referred}");
    let etag = step(
        app,
        &format!("{base}/ombudsman-referral"),
        &manager,
        &etag,
        json!({"body": "lgsco", "their_reference": "LG-1", "referred_on": "2026-06-15"}),
    )
    .await;
    step(
        app,
        &format!("{base}/ombudsman-decision"),
        &manager,
        &etag,
        json!({"decision": "upheld_fault", "decided_on": "2026-06-15"}),
    )
    .await;

    // Acknowledged, then moved out of the Head of Service's services.
    let (moved, etag) = accepted(
        app,
        "cal",
        with(complaint(), json!({"category": "road works"})),
    )
    .await;
    let etag = acknowledge(app, &moved, &etag).await;
    step(
        app,
        &format!("/api/v1/cases/{moved}/lead-service"),
        &manager,
        &etag,
        json!({"service": "street-care", "reason": "It is about the pavement"}),
    )
    .await;

    // Withdrawn, closed and reopened; a compliment and a complaint waiting for triage.
    let waiting = app.create_case(&app.customer("dee"), &complaint()).await;
    let base = format!(
        "/api/v1/cases/{}",
        waiting["reference"].as_str().expect("reference")
    );
    let etag = step(
        app,
        &format!("{base}/withdrawal"),
        &app.customer("dee"),
        "\"1\"",
        json!({}),
    )
    .await;
    let etag = step(
        app,
        &format!("{base}/closure"),
        &manager,
        &etag,
        json!({"reason": "withdrawn by the customer"}),
    )
    .await;
    step(
        app,
        &format!("{base}/reopening"),
        &manager,
        &etag,
        json!({"reason": "The customer changed their mind"}),
    )
    .await;
    app.create_case(
        &app.customer("eve"),
        &with(
            complaint(),
            json!({"kind": "compliment", "summary": "Thank you", "description": "The crew were kind.",
                   "desired_outcome": null, "category": null, "problem_date": null}),
        ),
    )
    .await;
    app.create_case(&app.customer("fay"), &complaint()).await;

    // Excluded: another procedure applies.
    let excluded = app.create_case(&app.customer("gil"), &complaint()).await;
    step(
        app,
        &format!(
            "/api/v1/cases/{}/triage",
            excluded["reference"].as_str().expect("reference")
        ),
        &manager,
        "\"1\"",
        json!({"decision": "excluded", "procedure": "information_rights",
               "referral": "Ask the Information Governance team for a review."}),
    )
    .await;

    // About a worker's English language fluency, referred to the worker's manager.
    let fluency = app
        .create_case(
            &app.customer("hal"),
            &with(complaint(), json!({"category": "english_fluency"})),
        )
        .await;
    step(
        app,
        &format!(
            "/api/v1/cases/{}/triage",
            fluency["reference"].as_str().expect("reference")
        ),
        &manager,
        "\"1\"",
        json!({"decision": "accept", "worker_manager": "crew.manager"}),
    )
    .await;

    // A compliment passed to the staff it names, one known by staff id twice.
    let compliment = app
        .create_case(
            &app.customer("ivy"),
            &with(
                complaint(),
                json!({"kind": "compliment", "summary": "Thank you", "description": "Jo and Sam were kind.",
                       "desired_outcome": null, "category": null, "problem_date": null}),
            ),
        )
        .await;
    step(
        app,
        &format!(
            "/api/v1/cases/{}/forwarding",
            compliment["reference"].as_str().expect("reference")
        ),
        &app.officer("o-forward", &["waste-care"]),
        "\"1\"",
        json!({"staff": [{"name": "Jo Bloggs", "staff_id": "jo.bloggs"},
                         {"name": "Sam", "staff_id": "sam.smith"}]}),
    )
    .await;

    // Answered at stage 1 and closed: its customer answers the satisfaction survey.
    let (surveyed, etag) = accepted(app, "jon", complaint()).await;
    let etag = acknowledge(app, &surveyed, &etag).await;
    let etag = step(
        app,
        &format!("/api/v1/cases/{surveyed}/assignment"),
        &head,
        &etag,
        json!({"investigator": "officer-17"}),
    )
    .await;
    // Partly upheld: the response sets out its remedy, promised first.
    let promised = app
        .post(
            &format!("/api/v1/cases/{surveyed}/remedies"),
            &manager,
            &json!({"type": "apology", "description": "A written apology",
                    "due": "2026-07-15", "owner": "officer-17"}),
        )
        .await;
    assert_eq!(promised.status, 201, "{}", promised.text());
    let etag = respond(app, &surveyed, &etag, "partially_upheld").await;
    step(
        app,
        &format!("/api/v1/cases/{surveyed}/closure"),
        &manager,
        &etag,
        json!({"outstanding_remedies_reason": "The apology is sent with the next letter"}),
    )
    .await;
    let token: String = {
        let mut conn = app.db.connection().expect("connection");
        surveys::table
            .inner_join(cases::table)
            .filter(cases::reference.eq(&surveyed))
            .select(surveys::token)
            .first(&mut **conn)
            .expect("the survey's invitation")
    };
    let answered = app
        .send(
            awc::http::Method::POST,
            &format!("/api/v1/surveys/{token}"),
            None,
            &[],
            Some(
                json!({"easy_to_complain": "agree", "kept_informed": "disagree",
                       "response_clear": "strongly_agree", "treated_fairly": "agree"})
                .to_string()
                .into_bytes(),
            ),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text());

    // A seeded complaint of an earlier month, answered and closed, is reopened and moved to
    // highways.
    let seeded: String = {
        let mut conn = app.db.connection().expect("connection");
        cases::table
            .filter(cases::service_id.eq("waste-care"))
            .filter(cases::kind.eq("complaint"))
            .filter(cases::triage_decision.eq("accept"))
            .filter(cases::status.eq("closed"))
            .filter(cases::received_at.lt(instant("2025-06-01 00:00:00")))
            .filter(cases::received_at.ge(instant("2025-03-01 00:00:00")))
            .order(cases::id.asc())
            .select(cases::reference)
            .first(&mut **conn)
            .expect("a seeded complaint")
    };
    let base = format!("/api/v1/cases/{seeded}");
    let current = app.get(&base, &manager).await;
    assert_eq!(current.status, 200, "{}", current.text());
    let etag = step(
        app,
        &format!("{base}/reopening"),
        &manager,
        &current.header("etag").expect("etag"),
        json!({"reason": "The customer sent new evidence"}),
    )
    .await;
    step(
        app,
        &format!("{base}/lead-service"),
        &manager,
        &etag,
        json!({"service": "highways", "reason": "It was about the road, not the bins"}),
    )
    .await;
}

#[actix_web::test]
async fn the_reports_read_from_the_projections_equal_the_reference_before_and_after_changes_and_a_rebuild(
) {
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 1_500,
        seed: 11,
        from: date("2024-04-01"),
        to: date("2026-06-14"),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    compare(&app, &clock, "as seeded").await;

    // The reports do read the projections for whole months: a row of the totals changed by
    // hand shows.
    let changed = {
        let mut conn = app.db.connection().expect("connection");
        diesel::update(
            report_month_totals::table
                .filter(report_month_totals::month.eq("2025-05"))
                .filter(report_month_totals::stage.eq("received"))
                .filter(report_month_totals::kind.eq("comment")),
        )
        .set(report_month_totals::n.eq(report_month_totals::n + 1000))
        .execute(&mut **conn)
        .expect("changed by hand") as u64
    };
    assert!(changed > 0);
    let url = "/api/v1/reports/performance?from=2025-05-01&to=2025-05-31";
    let comments = |report: Value| report["total"]["received"]["comments"].as_u64();
    let shown = comments(app.get(url, &app.manager()).await.json());
    let counted = comments(reference(
        &app,
        &clock,
        ("2025-05-01", "2025-05-31"),
        None,
        "month",
    ));
    assert_eq!(shown, counted.map(|n| n + 1000 * changed));
    // A report by channel reads the monthly rows by channel and category, not their totals.
    let shown = comments(
        app.get(&format!("{url}&group_by=channel"), &app.manager())
            .await
            .json(),
    );
    assert_eq!(shown, counted);
    let changed = {
        let mut conn = app.db.connection().expect("connection");
        diesel::update(
            report_months::table
                .filter(report_months::month.eq("2025-05"))
                .filter(report_months::stage.eq("received"))
                .filter(report_months::kind.eq("comment")),
        )
        .set(report_months::n.eq(report_months::n + 1000))
        .execute(&mut **conn)
        .expect("changed by hand") as u64
    };
    let shown = comments(
        app.get(&format!("{url}&group_by=channel"), &app.manager())
            .await
            .json(),
    );
    assert_eq!(shown, counted.map(|n| n + 1000 * changed));
    // And the tallies: exclusions changed by hand show in the annual report.
    let changed = {
        let mut conn = app.db.connection().expect("connection");
        diesel::update(
            report_tallies::table
                .filter(report_tallies::month.eq("2025-05"))
                .filter(report_tallies::measure.eq("exclusion")),
        )
        .set(report_tallies::n.eq(report_tallies::n + 1000))
        .execute(&mut **conn)
        .expect("changed by hand") as u64
    };
    assert!(changed > 0);
    let excluded = |report: Value| -> u64 {
        report["refused"]["excluded_by_procedure"]
            .as_array()
            .expect("procedures")
            .iter()
            .map(|p| p["count"].as_u64().expect("count"))
            .sum()
    };
    let annual = app
        .get(
            "/api/v1/reports/annual?from=2025-05-01&to=2025-05-31",
            &app.manager(),
        )
        .await;
    assert_eq!(annual.status, 200, "{}", annual.text());
    let counted: u64 = tallied_reference(&app, ("2025-05-01", "2025-05-31"), None)
        ["excluded_by_procedure"]
        .as_object()
        .expect("procedures")
        .values()
        .map(|n| n.as_u64().expect("count"))
        .sum();
    assert!(counted > 0, "seeded exclusions in May 2025");
    assert_eq!(excluded(annual.json()), counted + 1000 * changed);
    let mut conn = app.db.connection().expect("connection");
    let rebuilt = projections::rebuild(&mut conn, Start::Afresh, Pace::Alone).expect("rebuilt");
    // The three rows changed by hand, put right; every case read, none of their lines wrong.
    assert_eq!((rebuilt.cases, rebuilt.rewritten), (1_500, 0));
    assert!(rebuilt.sums >= 3, "{rebuilt}");
    drop(conn);
    compare(&app, &clock, "rebuilt after a change by hand").await;

    make_changes(&app).await;
    compare(&app, &clock, "after changes through the API").await;

    // A rebuild from the cases gives the very rows the changes left.
    let kept = projection_rows(&app);
    let mut conn = app.db.connection().expect("connection");
    let rebuilt = projections::rebuild(&mut conn, Start::Afresh, Pace::Alone).expect("rebuilt");
    assert_eq!((rebuilt.cases, rebuilt.rewritten), (1_500 + 10, 0));
    assert!(projections::up_to_date(&mut conn).expect("checked"));
    drop(conn);
    assert_eq!(projection_rows(&app), kept);
    compare(&app, &clock, "after a rebuild").await;
}

#[actix_web::test]
async fn concurrent_creates_and_changes_sharing_a_projection_row_are_each_counted_once() {
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let token = app.manager();
    let bodies: Vec<Value> = (0..16)
        .map(|i| {
            with(
                complaint(),
                json!({"channel": "email", "customer": {"name": format!("Customer {i}")}}),
            )
        })
        .collect();
    let created = join_all(
        bodies
            .iter()
            .map(|body| app.post("/api/v1/cases", &token, body)),
    )
    .await;
    let mut references = Vec::new();
    for response in &created {
        assert_eq!(response.status, 201, "{}", response.text());
        references.push(
            response.json()["reference"]
                .as_str()
                .expect("reference")
                .to_string(),
        );
    }
    // Every case's triage and then its acknowledgement at once: each change adds to the same
    // rows (June, waste-care, email, missed collection, complaint).
    let mut etags = Vec::new();
    for (what, body) in [
        ("triage", json!({"decision": "accept"})),
        (
            "acknowledgement",
            json!({"understanding": "The bin was missed three weeks running", "method": "email"}),
        ),
    ] {
        let sent = join_all(references.iter().enumerate().map(|(i, reference)| {
            let etag = etags.get(i).cloned().unwrap_or_else(|| "\"1\"".to_string());
            let path = format!("/api/v1/cases/{reference}/{what}");
            let body = body.clone();
            let token = token.clone();
            let app = &app;
            async move { change(app, &path, &token, Some(&etag), body).await }
        }))
        .await;
        etags = sent
            .iter()
            .map(|response| {
                assert_eq!(response.status, 200, "{what}: {}", response.text());
                response.header("etag").expect("etag")
            })
            .collect();
    }
    let report = app
        .get(
            "/api/v1/reports/performance?from=2026-06-01&to=2026-06-30",
            &token,
        )
        .await
        .json();
    assert_eq!(report["total"]["received"]["complaints"], 16);
    assert_eq!(report["total"]["triage"]["accepted"], 16);
    assert_eq!(report["total"]["triage"]["awaiting"], 0);
    assert_eq!(report["total"]["stage_1"]["opened"], 16);
    assert_eq!(report["total"]["stage_1"]["acknowledged"], 16);
    assert_eq!(report["total"]["stage_1"]["acknowledged_on_time"], 16);
    let mut conn = app.db.connection().expect("connection");
    assert!(projections::up_to_date(&mut conn).expect("checked"));
}

#[actix_web::test]
async fn start_up_and_the_rebuild_command_recompute_projections_that_were_lost() {
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let manager = app.manager();
    app.create_case(&app.customer("gil"), &complaint()).await;
    app.create_case(
        &app.customer("hal"),
        &with(
            complaint(),
            json!({"service": "highways", "category": null}),
        ),
    )
    .await;
    let url = "/api/v1/reports/performance?from=2026-06-01&to=2026-06-30";
    let received = |report: Value| report["total"]["received"]["complaints"].as_u64();
    assert_eq!(received(app.get(url, &manager).await.json()), Some(2));

    // Lost: the sums say nothing, and start-up sees they do not count every case and
    // rebuilds them.
    let lose = |app: &TestApp| {
        let mut conn = app.db.connection().expect("connection");
        diesel::delete(report_months::table)
            .execute(&mut **conn)
            .expect("lost");
        // Either table lost is seen.
        assert!(!projections::up_to_date(&mut conn).expect("checked"));
        diesel::delete(report_month_totals::table)
            .execute(&mut **conn)
            .expect("lost");
    };
    lose(&app);
    assert_eq!(received(app.get(url, &manager).await.json()), Some(0));
    {
        let restarted = app.at(Now::Fixed(instant(NOW))).await;
        assert_eq!(received(restarted.get(url, &manager).await.json()), Some(2));
    }

    // Lost again, and rebuilt by hand.
    lose(&app);
    assert_eq!(received(app.get(url, &manager).await.json()), Some(0));
    let rebuild = std::process::Command::new(env!("CARGO_BIN_EXE_council-feedback"))
        .args(["projections", "rebuild"])
        .env_clear()
        .env("DATABASE_URL", &app.database_url)
        .env("JWT_SECRET", SECRET)
        .env(
            "DATA_DIR",
            std::env::temp_dir().join(format!("cf-projections-{}", uuid::Uuid::new_v4().simple())),
        )
        .env("RUST_LOG", "off")
        .output()
        .expect("projections rebuild");
    let said = String::from_utf8_lossy(&rebuild.stdout).to_string();
    assert!(
        rebuild.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&rebuild.stderr)
    );
    assert!(
        said.starts_with(
            "rebuilt the report projections: 2 cases read, 0 rewritten, 4 rows of sums written, "
        ),
        "{said}"
    );
    assert_eq!(received(app.get(url, &manager).await.json()), Some(2));
    let mut conn = app.db.connection().expect("connection");
    assert!(projections::up_to_date(&mut conn).expect("checked"));
}

/// Spoils the projections of a seeded council in every way a rebuild has to put right: half
/// the cases' lines lost, a monthly row and a row of totals changed, the tallies' sums lost,
/// and lines and a tally of a case that does not exist.
fn spoil(app: &TestApp) {
    let mut conn = app.db.connection().expect("connection");
    let ids: Vec<i64> = cases::table
        .select(cases::id)
        .order(cases::id.asc())
        .load(&mut **conn)
        .expect("cases");
    let middle = ids[ids.len() / 2];
    let lost = diesel::delete(report_lines::table.filter(report_lines::case_id.lt(middle)))
        .execute(&mut **conn)
        .expect("lines lost");
    assert!(lost > 100, "{lost}");
    // A later case's lines say it counts five times.
    let wrong = diesel::update(
        report_lines::table.filter(report_lines::case_id.eq(ids[ids.len() * 3 / 4])),
    )
    .set(report_lines::n.eq(5))
    .execute(&mut **conn)
    .expect("changed by hand");
    assert!(wrong > 0);
    for month in ["2025-03", "2026-01"] {
        let changed = diesel::update(report_months::table.filter(report_months::month.eq(month)))
            .set(report_months::n.eq(report_months::n + 7))
            .execute(&mut **conn)
            .expect("changed by hand");
        assert!(changed > 0, "{month}");
    }
    diesel::update(report_month_totals::table.filter(report_month_totals::month.eq("2025-08")))
        .set(report_month_totals::responded.eq(report_month_totals::responded + 1))
        .execute(&mut **conn)
        .expect("changed by hand");
    let lost = diesel::delete(report_tallies::table)
        .execute(&mut **conn)
        .expect("tallies lost");
    assert!(lost > 0);
    let mut line: LineRow = report_lines::table.first(&mut **conn).expect("a line");
    line.case_id = 900_000_000;
    diesel::insert_into(report_lines::table)
        .values(line)
        .execute(&mut **conn)
        .expect("a line of no case");
    let mut tally: CaseTallyRow = report_case_tallies::table
        .first(&mut **conn)
        .expect("a tally");
    tally.case_id = 900_000_000;
    diesel::insert_into(report_case_tallies::table)
        .values(tally)
        .execute(&mut **conn)
        .expect("a tally of no case");
    assert!(!projections::up_to_date(&mut conn).expect("checked"));
}

fn case_count(app: &TestApp) -> u64 {
    let mut conn = app.db.connection().expect("connection");
    let n: i64 = cases::table
        .count()
        .get_result(&mut **conn)
        .expect("counted");
    n as u64
}

/// A rebuild afresh of projections that are right finds nothing to rewrite, and leaves every
/// row that counts as it was.
fn nothing_left_to_rebuild(app: &TestApp, context: &str) {
    let rows = projection_rows(app);
    let mut conn = app.db.connection().expect("connection");
    let again = projections::rebuild(&mut conn, Start::Afresh, Pace::Alone).expect("rebuilt");
    assert_eq!(again.cases, case_count(app), "{context}: {again}");
    assert_eq!(again.rewritten, 0, "{context}: {again}");
    drop(conn);
    assert_eq!(projection_rows(app), rows, "{context}");
}

#[actix_web::test]
async fn a_rebuild_stopped_part_way_is_taken_up_where_it_stopped_with_the_changes_made_meanwhile() {
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 400,
        seed: 23,
        from: date("2025-01-01"),
        to: date("2026-06-14"),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    spoil(&app);

    // Begun, and stopped after 200 cases.
    let mut conn = app.db.connection().expect("connection");
    assert!(!projections::begin(&mut conn, Start::Afresh).expect("begun"));
    for _ in 0..10 {
        assert_eq!(
            projections::step(&mut conn, 20).expect("a step"),
            Progress::Going
        );
    }
    assert!(projections::unfinished(&mut conn).expect("checked"));
    assert!(!projections::up_to_date(&mut conn).expect("checked"));
    drop(conn);

    // Changes through the API meanwhile, to cases on both sides of where it stopped, and new
    // ones.
    make_changes(&app).await;

    // Taken up where it stopped: every case read once, by the two runs together.
    let mut conn = app.db.connection().expect("connection");
    let rebuilt = projections::rebuild(&mut conn, Start::Resume, Pace::Alone).expect("rebuilt");
    assert!(rebuilt.resumed, "{rebuilt}");
    assert_eq!(rebuilt.cases, case_count(&app), "{rebuilt}");
    assert!(rebuilt.rewritten >= 200, "{rebuilt}");
    assert!(!projections::unfinished(&mut conn).expect("checked"));
    assert!(projections::up_to_date(&mut conn).expect("checked"));
    // What was stored for a case that does not exist is gone.
    let of_no_case: i64 = report_lines::table
        .filter(report_lines::case_id.eq(900_000_000))
        .count()
        .get_result(&mut **conn)
        .expect("counted");
    let tallies_of_no_case: i64 = report_case_tallies::table
        .filter(report_case_tallies::case_id.eq(900_000_000))
        .count()
        .get_result(&mut **conn)
        .expect("counted");
    assert_eq!((of_no_case, tallies_of_no_case), (0, 0));
    drop(conn);
    compare(&app, &clock, "after a rebuild stopped and taken up").await;
    nothing_left_to_rebuild(&app, "after a rebuild stopped and taken up");

    // Stopped again, and taken up by start-up.
    spoil(&app);
    let mut conn = app.db.connection().expect("connection");
    assert!(!projections::begin(&mut conn, Start::Resume).expect("begun"));
    for _ in 0..3 {
        assert_eq!(
            projections::step(&mut conn, 50).expect("a step"),
            Progress::Going
        );
    }
    drop(conn);
    // (Read through the restarted app from here: the first one's client has sat idle while
    // start-up ran on this thread.)
    let restarted = app.at(Now::Fixed(instant(NOW))).await;
    let mut conn = restarted.db.connection().expect("connection");
    assert!(!projections::unfinished(&mut conn).expect("checked"));
    assert!(projections::up_to_date(&mut conn).expect("checked"));
    drop(conn);
    compare(&restarted, &clock, "after start-up took up a rebuild").await;
    nothing_left_to_rebuild(&restarted, "after start-up took up a rebuild");
}

#[actix_web::test]
async fn two_rebuilds_at_once_while_changes_are_made_leave_every_figure_right() {
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 300,
        seed: 29,
        from: date("2025-01-01"),
        to: date("2026-06-14"),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    spoil(&app);

    // Two processes' rebuilds, a few cases a step, on connections of their own, while the
    // council's changes go through the API.
    let mut conn = app.db.connection().expect("connection");
    projections::begin(&mut conn, Start::Afresh).expect("begun");
    drop(conn);
    let rebuilders: Vec<_> = (0..2)
        .map(|_| {
            let db = app.db.clone();
            std::thread::spawn(move || {
                let mut conn = db.connection().expect("connection");
                let mut steps = 0;
                loop {
                    steps += 1;
                    match projections::step(&mut conn, 3).expect("a step") {
                        Progress::Going => continue,
                        Progress::Finished(done) => return (steps, Some(done)),
                        Progress::Idle => return (steps, None),
                    }
                }
            })
        })
        .collect();
    make_changes(&app).await;
    let done: Vec<(u64, Option<projections::Rebuilt>)> = rebuilders
        .into_iter()
        .map(|rebuilder| rebuilder.join().expect("a rebuilder"))
        .collect();
    // One finished it, after the steps both took.
    let finished: Vec<projections::Rebuilt> = done.iter().filter_map(|(_, r)| *r).collect();
    assert_eq!(finished.len(), 1, "{done:?}");
    let taken: u64 = done.iter().map(|(steps, _)| steps - 1).sum::<u64>() + 1;
    assert_eq!(finished[0].steps, taken, "{done:?}");
    let mut conn = app.db.connection().expect("connection");
    assert!(projections::up_to_date(&mut conn).expect("checked"));
    drop(conn);
    compare(&app, &clock, "after two rebuilds alongside changes").await;
    nothing_left_to_rebuild(&app, "after two rebuilds alongside changes");
}

/// Moves case `id` to highways as a lead-service move does, and refreshes its projections,
/// in a transaction held open while `meanwhile` runs a rebuild's step on a connection of its
/// own: the step waits for the change, or (where it need not) does not touch what it wrote.
fn move_while_a_step_runs(app: &TestApp, id: i64, cases_per_step: i64) -> Progress {
    use council_feedback::db::projections::Moved;
    use council_feedback::domain::projection::Measure;
    let mut conn = app.db.connection().expect("connection");
    let db = app.db.clone();
    let mut stepped = None;
    diesel::Connection::transaction::<_, diesel::result::Error, _>(&mut **conn, |conn| {
        diesel::update(cases::table.find(id))
            .set(cases::service_id.eq("highways"))
            .execute(conn)?;
        projections::refresh(
            conn,
            id,
            &Moved {
                figures: true,
                referred: false,
                measures: Measure::ALL.to_vec(),
            },
        )?;
        let step = std::thread::spawn(move || {
            let mut conn = db.connection().expect("connection");
            projections::step(&mut conn, cases_per_step).expect("a step")
        });
        // Long enough for the step to reach what the change holds.
        std::thread::sleep(std::time::Duration::from_millis(600));
        stepped = Some(step);
        Ok(())
    })
    .expect("moved");
    stepped.expect("stepped").join().expect("the step")
}

#[actix_web::test]
async fn a_rebuild_step_waits_for_a_change_in_flight_and_keeps_its_difference() {
    use council_feedback::domain::clock::uk_date;
    use council_feedback::domain::projection::month_key;
    let app = spawn_app_at(Now::Fixed(instant(NOW)), &[]).await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 400,
        seed: 31,
        from: date("2024-04-01"),
        to: date("2026-06-14"),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    // Two cases of one month, outside highways.
    let mut conn = app.db.connection().expect("connection");
    let all: Vec<(i64, String, NaiveDateTime)> = cases::table
        .select((cases::id, cases::service_id, cases::received_at))
        .order(cases::id.asc())
        .load(&mut **conn)
        .expect("cases");
    let mut by_month: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for (id, service, received) in &all {
        if service != "highways" {
            by_month
                .entry(month_key(uk_date(*received)))
                .or_default()
                .push(*id);
        }
    }
    let (month, ids) = by_month
        .iter()
        .max_by_key(|(_, ids)| ids.len())
        .expect("a month");
    let (first, second) = (ids[0], ids[ids.len() - 1]);
    // Both the case's lines and the month's sums are wrong, so the rebuild rewrites them.
    diesel::update(report_lines::table.filter(report_lines::case_id.eq(first)))
        .set(report_lines::n.eq(5))
        .execute(&mut **conn)
        .expect("changed by hand");
    let service = all
        .iter()
        .find(|(id, _, _)| *id == second)
        .expect("the second case")
        .1
        .clone();
    let spoiled = diesel::update(
        report_months::table
            .filter(report_months::month.eq(month))
            .filter(report_months::service_id.eq(&service)),
    )
    .set(report_months::n.eq(report_months::n + 7))
    .execute(&mut **conn)
    .expect("changed by hand");
    assert!(spoiled > 0);
    projections::begin(&mut conn, Start::Afresh).expect("begun");
    drop(conn);

    // The lines phase, every case in one step, while the first case is moved: the step reads
    // the case as moved.
    let cases = all.len() as i64;
    assert_eq!(
        move_while_a_step_runs(&app, first, cases + 1),
        Progress::Going
    );
    let mut conn = app.db.connection().expect("connection");
    let line_services: Vec<String> = report_lines::table
        .filter(report_lines::case_id.eq(first))
        .select(report_lines::service_id)
        .load(&mut **conn)
        .expect("lines");
    // One line for the case, one for each formal stage, one for each Ombudsman referral: all
    // in highways.
    use council_feedback::db::schema::{case_stages, ombudsman_referrals};
    let stages: i64 = case_stages::table
        .filter(case_stages::case_id.eq(first))
        .filter(case_stages::stage.eq_any(["stage_1", "stage_2"]))
        .count()
        .get_result(&mut **conn)
        .expect("stages");
    let referrals: i64 = ombudsman_referrals::table
        .filter(ombudsman_referrals::case_id.eq(first))
        .count()
        .get_result(&mut **conn)
        .expect("referrals");
    assert_eq!(
        line_services,
        vec!["highways".to_string(); (1 + stages + referrals) as usize]
    );
    // To the sums phase, next at the two cases' month.
    assert_eq!(
        projections::step(&mut conn, cases + 1).expect("a step"),
        Progress::Going
    );
    // Next at the month's sums of the second case's service: after the service before it.
    let before: String = council_feedback::db::schema::services::table
        .filter(council_feedback::db::schema::services::id.lt(&service))
        .select(diesel::dsl::max(council_feedback::db::schema::services::id))
        .get_result::<Option<String>>(&mut **conn)
        .expect("services")
        .unwrap_or_default();
    diesel::sql_query(format!(
        "UPDATE report_rebuild SET phase = 'sums', after_month = '{month}', \
         after_service = '{before}'"
    ))
    .execute(&mut **conn)
    .expect("placed");
    drop(conn);

    // The sums of the month and the second case's service added up while the case is moved:
    // the move's difference is kept (the step counted its lines before, or waited and counted
    // them after).
    assert_eq!(
        move_while_a_step_runs(&app, second, cases + 1),
        Progress::Going
    );
    let mut conn = app.db.connection().expect("connection");
    let rebuilt = projections::rebuild(&mut conn, Start::Resume, Pace::Alone).expect("rebuilt");
    assert!(rebuilt.resumed, "{rebuilt}");
    drop(conn);
    compare(
        &app,
        &clock,
        "after changes in flight during a rebuild's steps",
    )
    .await;
}
