//! The reports count in the database, from facts recorded on each stage
//! when it was acknowledged and answered. The reference works every figure
//! out case by case from the stored dates instead. On a seeded council's
//! cases the two agree for every grouping, for the manager and for a Head
//! of Service, with the facts the seeder recorded and with the facts the
//! service fills in at start-up for stages from before they were recorded.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::{json, Value};

use council_feedback::api::reports::{load_facts, Period, ReportRequest};
use council_feedback::db::schema::case_stages;
use council_feedback::db::services::{self, ServiceFilter};
use council_feedback::db::stages::record_missing_facts;
use council_feedback::domain::clock::Clock;
use council_feedback::domain::performance::GroupBy;
use council_feedback::seed::{seed, SeedOptions};

use crate::helpers::*;

const FROM: &str = "2024-04-01";
const TO: &str = "2026-06-30";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// The report worked out case by case, as the API would answer it.
fn reference(app: &TestApp, clock: &Clock, services: Option<&[&str]>, group_by: &str) -> Value {
    let mut conn = app.db.connection().expect("connection");
    let directory = services::list(&mut conn, &ServiceFilter::default(), 10_000).expect("services");
    let request = ReportRequest {
        period: Period {
            from: date(FROM),
            to: date(TO),
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
    json!({
        "total": total,
        "groups": groups,
        "compliments_by_service": facts.compliments_by_service(),
    })
}

async fn compare(app: &TestApp, clock: &Clock, when: &str) {
    let head = app.head_of_service("head-1", &["waste-care", "highways"]);
    let manager = app.manager();
    let mut seen_groups = 0;
    for group_by in ["month", "service", "directorate", "channel", "category"] {
        for (token, services) in [
            (&manager, None),
            (&head, Some(&["waste-care", "highways"][..])),
        ] {
            let report = app
                .get(
                    &format!("/api/v1/reports/performance?from={FROM}&to={TO}&group_by={group_by}"),
                    token,
                )
                .await;
            assert_eq!(report.status, 200, "{}", report.text());
            let report = report.json();
            let expected = reference(app, clock, services, group_by);
            for part in ["total", "groups", "compliments_by_service"] {
                assert_eq!(
                    report[part], expected[part],
                    "{when}: {part} by {group_by} for {services:?}"
                );
            }
            seen_groups += report["groups"].as_array().map_or(0, Vec::len);
        }
    }
    // Not an empty comparison: a council's cases, in many groups.
    assert!(seen_groups > 60, "{seen_groups} groups");

    let annual = app
        .get(
            &format!("/api/v1/reports/annual?from={FROM}&to={TO}"),
            &manager,
        )
        .await;
    assert_eq!(annual.status, 200, "{}", annual.text());
    let annual = annual.json();
    assert_eq!(
        annual["by_month"],
        reference(app, clock, None, "month")["groups"],
        "{when}: the annual report by month"
    );
    assert_eq!(
        annual["by_service"],
        reference(app, clock, None, "service")["groups"],
        "{when}: the annual report by service"
    );
}

#[actix_web::test]
async fn the_counts_agree_with_the_figures_worked_out_case_by_case() {
    let app = spawn_app().await;
    let clock = Clock::new(settings_for("sqlite://unused.db", &[]).policy).expect("clock");
    let options = SeedOptions {
        cases: 1_500,
        seed: 5,
        from: date(FROM),
        to: date(TO),
    };
    seed(&app.db, &clock, &options, |_| {}).expect("seeded");
    let total = app
        .get(
            &format!("/api/v1/reports/performance?from={FROM}&to={TO}"),
            &app.manager(),
        )
        .await
        .json();
    assert_eq!(total["total"]["received"]["total"], 1_500);
    assert!(total["total"]["stage_2"]["extended"].as_u64() > Some(0));
    assert!(total["total"]["ombudsman"]["referrals"].as_u64() > Some(0));
    compare(&app, &clock, "as seeded").await;

    // A database from before the facts were recorded: the start-up fills
    // them in, and the figures are the same.
    let mut conn = app.db.connection().expect("connection");
    let forgotten = diesel::update(case_stages::table)
        .set((
            case_stages::acknowledged_on_time.eq(None::<bool>),
            case_stages::working_days_taken.eq(None::<i32>),
        ))
        .execute(&mut **conn)
        .expect("forget");
    let filled = record_missing_facts(&mut conn, clock.council_calendar()).expect("filled");
    drop(conn);
    assert!(
        filled > 500 && filled <= forgotten,
        "{filled} of {forgotten}"
    );
    compare(&app, &clock, "filled in at start-up").await;
}
