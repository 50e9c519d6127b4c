use awc::http::Method;
use serde_json::json;

use crate::helpers::*;

#[actix_web::test]
async fn a_due_date_skips_weekends_bank_holidays_and_closure_days_and_says_why() {
    let app = spawn_app_with(&[(
        "COUNCIL_CLOSURE_DAYS",
        "2026-12-29=Christmas closure,2026-12-30,2026-12-31",
    )])
    .await;
    let token = app.customer("c-1");
    let answer = app
        .get(
            "/api/v1/calendar/due-date?from=2026-12-18&working_days=5",
            &token,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["due"], "2027-01-04");
    assert_eq!(body["day_zero"], "2026-12-18");
    assert_eq!(body["region"], "england_and_wales");
    let skipped: Vec<(String, String, String)> = body["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap_or_default().into(),
                d["kind"].as_str().unwrap_or_default().into(),
                d["description"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    let expect = |date: &str, kind: &str, description: &str| {
        (date.to_string(), kind.to_string(), description.to_string())
    };
    assert!(
        skipped.contains(&expect("2026-12-19", "weekend", "Saturday")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&expect("2026-12-25", "bank_holiday", "Christmas Day")),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&expect("2026-12-29", "closure_day", "Christmas closure")),
        "{skipped:?}"
    );
    assert!(
        skipped
            .iter()
            .any(|(d, k, _)| d == "2027-01-01" && k == "bank_holiday"),
        "{skipped:?}"
    );
    assert_eq!(skipped.len(), 12, "{skipped:?}");
}

#[actix_web::test]
async fn a_start_on_a_non_working_day_counts_from_the_next_working_day() {
    let app = spawn_app().await;
    let token = app.customer("c-1");
    // Easter 2026: Good Friday 3 April, Easter Monday 6 April.
    let body = app
        .get(
            "/api/v1/calendar/due-date?from=2026-04-03&working_days=0",
            &token,
        )
        .await
        .json();
    assert_eq!(body["day_zero"], "2026-04-07");
    assert_eq!(body["due"], "2026-04-07");
    let body = app
        .get(
            "/api/v1/calendar/due-date?from=2026-04-02&working_days=1",
            &token,
        )
        .await
        .json();
    assert_eq!(body["due"], "2026-04-07");
    // Scotland has no Easter Monday.
    let body = app
        .get(
            "/api/v1/calendar/due-date?from=2026-04-02&working_days=1&region=scotland",
            &token,
        )
        .await
        .json();
    assert_eq!(body["due"], "2026-04-06");
}

#[actix_web::test]
async fn working_days_count_back_what_the_due_date_added() {
    let app = spawn_app().await;
    let token = app.officer("o-1", &[]);
    for (from, n) in [
        ("2026-12-18", 5),
        ("2022-05-27", 7),
        ("2023-05-05", 3),
        ("2020-05-01", 10),
    ] {
        let due = app
            .get(
                &format!("/api/v1/calendar/due-date?from={from}&working_days={n}"),
                &token,
            )
            .await
            .json();
        let due = due["due"].as_str().expect("due").to_string();
        let count = app
            .get(
                &format!("/api/v1/calendar/working-days?from={from}&to={due}"),
                &token,
            )
            .await
            .json();
        assert_eq!(count["working_days"], n, "{from} + {n} = {due}");
    }
    let backwards = app
        .get(
            "/api/v1/calendar/working-days?from=2026-12-29&to=2026-12-18",
            &token,
        )
        .await
        .json();
    assert_eq!(backwards["working_days"], -5);
}

#[actix_web::test]
async fn bank_holidays_are_public_official_where_published_and_projected_after() {
    let app = spawn_app().await;
    let official = app
        .send(
            Method::GET,
            "/api/v1/calendar/bank-holidays?year=2022",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(official.status, 200);
    let body = official.json();
    assert_eq!(body["source"], "official");
    let dates: Vec<&str> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|h| h["date"].as_str())
        .collect();
    for one_off in ["2022-06-02", "2022-06-03", "2022-09-19"] {
        assert!(dates.contains(&one_off), "{dates:?}");
    }
    assert!(
        !dates.contains(&"2022-05-30"),
        "the spring holiday moved in 2022"
    );

    let projected = app
        .send(
            Method::GET,
            "/api/v1/calendar/bank-holidays?year=2035&region=northern_ireland",
            None,
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(projected["source"], "projected");
    let names: Vec<&str> = projected["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|h| h["name"].as_str())
        .collect();
    assert!(names.iter().any(|n| n.contains("St Patrick")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("Boyne")), "{names:?}");
}

#[actix_web::test]
async fn a_correction_adds_a_late_announced_holiday() {
    let app = spawn_app_with(&[(
        "BANK_HOLIDAY_CORRECTIONS",
        "+2031-05-09=Special bank holiday",
    )])
    .await;
    let body = app
        .send(
            Method::GET,
            "/api/v1/calendar/bank-holidays?year=2031",
            None,
            &[],
            None,
        )
        .await
        .json();
    assert!(body["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|h| h["date"] == "2031-05-09" && h["name"] == "Special bank holiday"));
    let due = app
        .get(
            "/api/v1/calendar/due-date?from=2031-05-08&working_days=1",
            &app.manager(),
        )
        .await
        .json();
    assert_eq!(due["due"], "2031-05-12");
}

#[actix_web::test]
async fn bad_calendar_questions_get_422_naming_the_parameter() {
    let app = spawn_app().await;
    let token = app.customer("c-1");
    let fields = |path: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            let mut fields = app.get(path, &token).await.invalid_fields();
            fields.sort();
            fields
        }
    };
    assert_eq!(
        fields("/api/v1/calendar/due-date").await,
        vec!["from", "working_days"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=2026-02-30&working_days=5").await,
        vec!["from"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=tomorrow&working_days=5").await,
        vec!["from"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=2026-01-05&working_days=-1").await,
        vec!["working_days"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=2026-01-05&working_days=1000000").await,
        vec!["working_days"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=2026-01-05&working_days=5&region=atlantis").await,
        vec!["region"]
    );
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=1999-01-05&working_days=5").await,
        vec!["from"]
    );
    // Inside the range, but the answer would fall after it.
    assert_eq!(
        fields("/api/v1/calendar/due-date?from=2040-12-20&working_days=100").await,
        vec!["working_days"]
    );
    assert_eq!(
        fields("/api/v1/calendar/working-days?from=2026-01-05").await,
        vec!["to"]
    );
    assert_eq!(
        fields("/api/v1/calendar/bank-holidays?year=2041").await,
        vec!["year"]
    );
    assert_eq!(
        fields("/api/v1/calendar/bank-holidays?year=twenty").await,
        vec!["year"]
    );
    app.send(
        Method::GET,
        "/api/v1/calendar/due-date?from=2026-01-05&working_days=5",
        None,
        &[],
        None,
    )
    .await
    .problem(401, "/problems/unauthorized");
}

/// (preset, acknowledge, stage 1 response, stage 2 window, grounds required)
const PRESETS: &[(&str, u64, u64, Option<u64>, bool)] = &[
    ("complaint_handling_code", 5, 10, None, false),
    ("dudley_2019", 5, 20, Some(20), true),
    ("redditch", 2, 15, None, false),
    ("walsall_proposal", 5, 20, None, false),
];

pub fn timescale<'a>(
    policy: &'a serde_json::Value,
    name: &str,
    applies_to: &str,
) -> Option<&'a serde_json::Value> {
    policy["timescales"]
        .as_array()
        .expect("timescales")
        .iter()
        .find(|t| t["name"] == name && t["applies_to"] == applies_to)
}

#[actix_web::test]
async fn each_preset_sets_the_policy_and_the_acknowledgement_due_date_of_new_complaints() {
    for (preset, acknowledge, respond, window, grounds) in PRESETS {
        let app = spawn_app_with(&[("POLICY_PRESET", preset)]).await;
        let token = app.officer("o-1", &[]);
        let policy = app.get("/api/v1/policy", &token).await.json();
        assert_eq!(policy["preset"], *preset);
        assert_eq!(policy["stage_2_grounds_required"], *grounds, "{preset}");
        let ack = timescale(&policy, "acknowledge", "stage_1").expect("acknowledge");
        assert_eq!(ack["value"], *acknowledge, "{preset}");
        assert_eq!(ack["unit"], "working_days");
        assert_eq!(
            timescale(&policy, "response", "stage_1").expect("response")["value"],
            *respond,
            "{preset}"
        );
        assert_eq!(
            timescale(&policy, "request_window", "stage_2")
                .map(|t| t["value"].as_u64().unwrap_or_default()),
            *window,
            "{preset}"
        );

        // A complaint received on Friday 19 December 2025, and what the clock says.
        let body = with(
            complaint(),
            json!({"channel": "letter", "received_at": "2025-12-19T10:00:00Z", "received_at_reason": "post"}),
        );
        let case = app.create_case(&token, &body).await;
        let clock = app
            .get(
                &format!("/api/v1/calendar/due-date?from=2025-12-19&working_days={acknowledge}"),
                &token,
            )
            .await
            .json();
        assert_eq!(case["acknowledgement_due"], clock["due"], "{preset}");
    }
    let walsall = spawn_app_with(&[("POLICY_PRESET", "walsall_proposal")]).await;
    let policy = walsall
        .get("/api/v1/policy", &walsall.manager())
        .await
        .json();
    assert_eq!(
        timescale(&policy, "grade_2_response", "stage_1").expect("grade 2")["value"],
        30
    );
    let ceiling = timescale(&policy, "calendar_month_ceiling", "complaint").expect("ceiling");
    assert_eq!(
        (ceiling["value"].as_u64(), ceiling["unit"].as_str()),
        (Some(3), Some("calendar_months"))
    );
}

#[actix_web::test]
async fn a_preset_value_can_be_overridden() {
    let app = spawn_app_with(&[
        ("POLICY_PRESET", "redditch"),
        ("POLICY_ACKNOWLEDGE_WORKING_DAYS", "3"),
    ])
    .await;
    let policy = app.get("/api/v1/policy", &app.manager()).await.json();
    assert_eq!(
        timescale(&policy, "acknowledge", "stage_1").expect("acknowledge")["value"],
        3
    );
    assert_eq!(
        timescale(&policy, "response", "stage_1").expect("response")["value"],
        15
    );
}

#[actix_web::test]
async fn compliments_get_an_acknowledgement_date_only_when_the_customer_asks() {
    let app = spawn_app().await;
    let token = app.customer("c-1");
    let quiet = app
        .create_case(&token, &with(complaint(), json!({"kind": "compliment"})))
        .await;
    assert_eq!(quiet["acknowledgement_due"], serde_json::Value::Null);
    let asked = app
        .create_case(
            &token,
            &with(
                complaint(),
                json!({"kind": "compliment", "response_requested": true}),
            ),
        )
        .await;
    assert!(asked["acknowledgement_due"].is_string());
    let complaint = app.create_case(&token, &complaint()).await;
    assert!(complaint["acknowledgement_due"].is_string());
}
