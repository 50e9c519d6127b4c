//! The annual complaints performance and service improvement report
//! (seed 001 §9.6–9.7, SPEC §8): the year's figures, the types of complaint
//! refused, the learning and improvements, the self-assessment against the
//! Complaint Handling Code and the Ombudsman's figures; as data, as CSV
//! tables and as one self-contained HTML page with charts.
//!
//! Published versions can suppress small counts so that no one can be
//! identified: a count from 1 to the threshold minus one is withheld.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::charts::{self, Bar, BarChart};
use crate::domain::performance::Figures;
use crate::domain::reporting::{FluencyFigures, Group, LearningFigures, Period, ServiceCount};
use crate::domain::survey::{Satisfaction, SatisfactionFigures, SurveyQuestion};

/// The year's headline figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Headline {
    pub complaints_received: u64,
    pub compliments_received: u64,
    pub comments_received: u64,
    pub stage_1_responded_on_time_pct: Option<f64>,
    pub stage_2_responded_on_time_pct: Option<f64>,
    pub stage_1_upheld_rate_pct: Option<f64>,
    pub escalation_rate_pct: Option<f64>,
    pub ombudsman_referrals: u64,
}

/// How many exclusions named a procedure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProcedureCount {
    pub procedure: String,
    pub count: u64,
}

/// The types of complaint refused or handled elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Refused {
    /// First requests for a service, not complaints.
    pub service_requests: u64,
    pub excluded: u64,
    /// The other procedures that applied, most first.
    pub excluded_by_procedure: Vec<ProcedureCount>,
    pub outside_remit: u64,
    pub out_of_time: u64,
}

/// A learning action as the published report shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Improvement {
    pub service: String,
    pub learned: String,
    pub change_agreed: String,
    pub status: String,
    #[schema(value_type = String, format = Date)]
    pub due: chrono::NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub completed_on: Option<chrono::NaiveDate>,
}

/// One line of the self-assessment against the Complaint Handling Code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SelfAssessmentItem {
    /// A stable id, e.g. `acknowledged_in_time`.
    pub item: String,
    /// What the Code asks.
    pub requirement: String,
    /// `data`: the service worked it out from the cases; `manager`: the complaints manager's answer.
    pub source: String,
    /// Whether it is met; null when there is nothing to judge by or no answer yet.
    pub met: Option<bool>,
    /// The figures or the manager's evidence.
    pub evidence: String,
}

/// The whole annual report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnnualReport {
    pub title: String,
    pub period: Period,
    /// The services covered; null for the whole council.
    pub services: Option<Vec<String>>,
    /// Counts from 1 to this minus one are withheld (null in JSON, `<N` in CSV and HTML).
    pub suppressed_below: Option<u64>,
    pub headline: Headline,
    pub figures: Figures,
    pub by_month: Vec<Group>,
    pub by_service: Vec<Group>,
    pub refused: Refused,
    pub compliments_by_service: Vec<ServiceCount>,
    /// Complaints about a customer-facing worker's English language fluency (category
    /// `english_fluency`, seed 002), counted apart: received, and referred to the worker's
    /// manager.
    pub english_fluency: FluencyFigures,
    pub learning_actions: LearningFigures,
    /// Learning actions agreed or completed in the period.
    pub improvements: Vec<Improvement>,
    pub self_assessment: Vec<SelfAssessmentItem>,
    /// Satisfaction with how complaints were handled, from the surveys their customers
    /// answered: in all, by service and by the stage they ended at. Its counts are withheld
    /// like every other; its shares, like every rate, are kept.
    pub satisfaction: Satisfaction,
}

/// Withholds small counts: `Some(n)` is shown; `None` is withheld.
pub fn shown(count: u64, threshold: Option<u64>) -> Option<u64> {
    match threshold {
        Some(t) if count > 0 && count < t => None,
        _ => Some(count),
    }
}

/// The report as JSON, with small counts withheld (null).
pub fn to_json(report: &AnnualReport) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let Some(threshold) = report.suppressed_below {
        withhold(&mut value, threshold, None);
    }
    value
}

/// Every count in the document: integers, except the threshold itself.
fn withhold(value: &mut serde_json::Value, threshold: u64, key: Option<&str>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                withhold(v, threshold, Some(k));
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                withhold(v, threshold, key);
            }
        }
        serde_json::Value::Number(n)
            if key != Some("suppressed_below")
                && n.as_u64().is_some_and(|c| c > 0 && c < threshold) =>
        {
            *value = serde_json::Value::Null;
        }
        _ => {}
    }
}

fn count_text(count: u64, threshold: Option<u64>) -> String {
    match shown(count, threshold) {
        Some(n) => n.to_string(),
        None => format!("<{}", threshold.unwrap_or_default()),
    }
}

fn pct_text(pct: Option<f64>) -> String {
    pct.map(|p| format!("{p:.1}")).unwrap_or_default()
}

/// One table: a name, its columns and its rows.
pub struct Table {
    pub name: &'static str,
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

fn figure_columns() -> Vec<&'static str> {
    vec![
        "group",
        "complaints",
        "compliments",
        "comments",
        "stage_1_responded",
        "stage_1_on_time_pct",
        "stage_1_upheld",
        "stage_1_partially_upheld",
        "stage_1_not_upheld",
        "stage_1_median_working_days",
        "stage_2_responded",
        "stage_2_on_time_pct",
        "escalation_rate_pct",
    ]
}

fn figure_row(key: &str, f: &Figures, t: Option<u64>) -> Vec<String> {
    vec![
        key.to_string(),
        count_text(f.received.complaints, t),
        count_text(f.received.compliments, t),
        count_text(f.received.comments, t),
        count_text(f.stage_1.responded, t),
        pct_text(f.stage_1.responded_on_time_pct),
        count_text(f.stage_1.outcomes.upheld, t),
        count_text(f.stage_1.outcomes.partially_upheld, t),
        count_text(f.stage_1.outcomes.not_upheld, t),
        f.stage_1
            .working_days_taken
            .median
            .map(charts::format_value)
            .unwrap_or_default(),
        count_text(f.stage_2.responded, t),
        pct_text(f.stage_2.responded_on_time_pct),
        pct_text(f.escalation_rate_pct),
    ]
}

/// The satisfaction table's columns: the breakdown and group, the surveys answered, then for
/// each question how many agreed and the share.
fn satisfaction_columns() -> Vec<&'static str> {
    vec![
        "breakdown",
        "group",
        "responses",
        "easy_to_complain_agreeing",
        "easy_to_complain_agreeing_pct",
        "kept_informed_agreeing",
        "kept_informed_agreeing_pct",
        "response_clear_agreeing",
        "response_clear_agreeing_pct",
        "treated_fairly_agreeing",
        "treated_fairly_agreeing_pct",
    ]
}

fn satisfaction_row(
    breakdown: &str,
    group: &str,
    f: &SatisfactionFigures,
    t: Option<u64>,
) -> Vec<String> {
    let mut row = vec![
        breakdown.to_string(),
        group.to_string(),
        count_text(f.responses, t),
    ];
    for question in SurveyQuestion::ALL {
        let figures = f.questions.iter().find(|q| q.question == *question);
        row.push(count_text(figures.map_or(0, |q| q.agreeing), t));
        row.push(pct_text(figures.and_then(|q| q.agreeing_pct)));
    }
    row
}

/// The report's tables, as the CSV and the HTML page show them.
pub fn tables(report: &AnnualReport) -> Vec<Table> {
    let t = report.suppressed_below;
    let f = &report.figures;
    let stage_row = |s: &crate::domain::performance::StageFigures| {
        vec![
            s.stage.as_str().to_string(),
            count_text(s.opened, t),
            count_text(s.acknowledged_on_time, t),
            pct_text(s.acknowledged_on_time_pct),
            count_text(s.responded, t),
            count_text(s.responded_on_time, t),
            pct_text(s.responded_on_time_pct),
            count_text(s.outcomes.upheld, t),
            count_text(s.outcomes.partially_upheld, t),
            count_text(s.outcomes.not_upheld, t),
            pct_text(s.upheld_rate_pct),
            s.working_days_taken
                .mean
                .map(charts::format_value)
                .unwrap_or_default(),
            s.working_days_taken
                .median
                .map(charts::format_value)
                .unwrap_or_default(),
            count_text(s.extended, t),
        ]
    };
    let o = &f.ombudsman;
    vec![
        Table {
            name: "headline",
            title: "Headline figures",
            columns: vec!["measure", "value"],
            rows: vec![
                vec![
                    "complaints received".into(),
                    count_text(report.headline.complaints_received, t),
                ],
                vec![
                    "compliments received".into(),
                    count_text(report.headline.compliments_received, t),
                ],
                vec![
                    "comments received".into(),
                    count_text(report.headline.comments_received, t),
                ],
                vec![
                    "stage 1 responses on time (%)".into(),
                    pct_text(report.headline.stage_1_responded_on_time_pct),
                ],
                vec![
                    "stage 2 responses on time (%)".into(),
                    pct_text(report.headline.stage_2_responded_on_time_pct),
                ],
                vec![
                    "stage 1 upheld rate (%)".into(),
                    pct_text(report.headline.stage_1_upheld_rate_pct),
                ],
                vec![
                    "escalated to stage 2 (%)".into(),
                    pct_text(report.headline.escalation_rate_pct),
                ],
                vec![
                    "referred to the Ombudsman".into(),
                    count_text(report.headline.ombudsman_referrals, t),
                ],
            ],
        },
        Table {
            name: "stages",
            title: "Timeliness and outcomes by stage",
            columns: vec![
                "stage",
                "opened",
                "acknowledged_on_time",
                "acknowledged_on_time_pct",
                "responded",
                "responded_on_time",
                "responded_on_time_pct",
                "upheld",
                "partially_upheld",
                "not_upheld",
                "upheld_rate_pct",
                "mean_working_days",
                "median_working_days",
                "extended",
            ],
            rows: vec![stage_row(&f.stage_1), stage_row(&f.stage_2)],
        },
        Table {
            name: "by_month",
            title: "Received and handled, by month received",
            columns: figure_columns(),
            rows: report
                .by_month
                .iter()
                .map(|g| figure_row(&g.key, &g.figures, t))
                .collect(),
        },
        Table {
            name: "by_service",
            title: "Received and handled, by service",
            columns: figure_columns(),
            rows: report
                .by_service
                .iter()
                .map(|g| figure_row(&g.key, &g.figures, t))
                .collect(),
        },
        Table {
            name: "refused",
            title: "Types of complaint refused or handled elsewhere",
            columns: vec!["type", "count"],
            rows: [
                (
                    "service request (not a complaint)".to_string(),
                    report.refused.service_requests,
                ),
                (
                    "outside the council's remit".to_string(),
                    report.refused.outside_remit,
                ),
                ("out of time".to_string(), report.refused.out_of_time),
            ]
            .into_iter()
            .chain(report.refused.excluded_by_procedure.iter().map(|p| {
                (
                    format!("excluded: {}", p.procedure.replace('_', " ")),
                    p.count,
                )
            }))
            .map(|(kind, n)| vec![kind, count_text(n, t)])
            .collect(),
        },
        Table {
            name: "compliments",
            title: "Compliments by service",
            columns: vec!["service", "compliments"],
            rows: report
                .compliments_by_service
                .iter()
                .map(|c| vec![c.service.clone(), count_text(c.count, t)])
                .collect(),
        },
        Table {
            name: "english_fluency",
            title: "Complaints about a worker's English language fluency",
            columns: vec!["measure", "count"],
            rows: [
                ("received", report.english_fluency.received),
                (
                    "referred to the worker's manager",
                    report.english_fluency.referred_to_manager,
                ),
            ]
            .into_iter()
            .map(|(measure, n)| vec![measure.to_string(), count_text(n, t)])
            .collect(),
        },
        Table {
            name: "satisfaction",
            title: "Satisfaction with complaint handling (agree or strongly agree)",
            columns: satisfaction_columns(),
            rows: std::iter::once(satisfaction_row(
                "all",
                "all",
                &report.satisfaction.total,
                t,
            ))
            .chain(
                report
                    .satisfaction
                    .by_service
                    .iter()
                    .map(|g| satisfaction_row("service", &g.key, &g.figures, t)),
            )
            .chain(
                report
                    .satisfaction
                    .by_stage
                    .iter()
                    .map(|g| satisfaction_row("stage", &g.key, &g.figures, t)),
            )
            .collect(),
        },
        Table {
            name: "ombudsman",
            title: "The Ombudsman",
            columns: vec!["measure", "count"],
            rows: [
                ("referrals", o.referrals),
                ("not investigated", o.not_investigated),
                ("premature", o.premature),
                ("not upheld", o.not_upheld),
                ("upheld: fault found", o.upheld_fault),
                ("awaiting a decision", o.awaiting_decision),
            ]
            .into_iter()
            .map(|(m, n)| vec![m.to_string(), count_text(n, t)])
            .collect(),
        },
        Table {
            name: "improvements",
            title: "Learning and service improvements",
            columns: vec![
                "service",
                "learned",
                "change_agreed",
                "status",
                "due",
                "completed_on",
            ],
            rows: report
                .improvements
                .iter()
                .map(|i| {
                    vec![
                        i.service.clone(),
                        i.learned.clone(),
                        i.change_agreed.clone(),
                        i.status.replace('_', " "),
                        i.due.to_string(),
                        i.completed_on.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        },
        Table {
            name: "self_assessment",
            title: "Self-assessment against the Complaint Handling Code",
            columns: vec!["item", "requirement", "source", "met", "evidence"],
            rows: report
                .self_assessment
                .iter()
                .map(|s| {
                    vec![
                        s.item.clone(),
                        s.requirement.clone(),
                        s.source.clone(),
                        match s.met {
                            Some(true) => "yes".into(),
                            Some(false) => "no".into(),
                            None => "not yet known".into(),
                        },
                        s.evidence.clone(),
                    ]
                })
                .collect(),
        },
    ]
}

/// A value as one CSV cell: quoted where it holds a comma, a quote or a line break, and, where
/// a spreadsheet would read it as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return and is not a number), led by a `'` so that it is shown as text (OWASP's
/// advice on CSV injection).
fn csv_field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// The tables as CSV: each table a block, its first column naming the table
/// and its own header row, blocks separated by an empty line.
pub fn to_csv(report: &AnnualReport) -> String {
    let mut out = String::new();
    for (i, table) in tables(report).iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let header: Vec<String> = std::iter::once("table".to_string())
            .chain(table.columns.iter().map(|c| c.to_string()))
            .collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &table.rows {
            let line: Vec<String> = std::iter::once(table.name.to_string())
                .chain(row.iter().map(|v| csv_field(v)))
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn bars_description(bars: &[Bar], unit: &str) -> String {
    if bars.is_empty() {
        return "No data.".into();
    }
    bars.iter()
        .map(|b| format!("{}: {} {unit}", b.label, charts::format_value(b.value)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The charts: received by month, outcomes by stage, timeliness against
/// the target, and by service. Withheld counts are drawn as 0 and said so.
fn charts_of(report: &AnnualReport) -> Vec<String> {
    let t = report.suppressed_below;
    let count = |n: u64| shown(n, t).unwrap_or(0) as f64;
    let f = &report.figures;
    let month_bars: Vec<Bar> = report
        .by_month
        .iter()
        .map(|g| Bar {
            label: g.key.clone(),
            value: count(g.figures.received.complaints),
        })
        .collect();
    let outcome_bars: Vec<Bar> = [(&f.stage_1, "Stage 1"), (&f.stage_2, "Stage 2")]
        .into_iter()
        .flat_map(|(s, name)| {
            [
                (format!("{name}: upheld"), s.outcomes.upheld),
                (
                    format!("{name}: partially upheld"),
                    s.outcomes.partially_upheld,
                ),
                (format!("{name}: not upheld"), s.outcomes.not_upheld),
            ]
        })
        .map(|(label, n)| Bar {
            label,
            value: count(n),
        })
        .collect();
    let timeliness_bars: Vec<Bar> = [
        (
            "Stage 1 acknowledged on time",
            f.stage_1.acknowledged_on_time_pct,
        ),
        ("Stage 1 answered on time", f.stage_1.responded_on_time_pct),
        (
            "Stage 2 acknowledged on time",
            f.stage_2.acknowledged_on_time_pct,
        ),
        ("Stage 2 answered on time", f.stage_2.responded_on_time_pct),
    ]
    .into_iter()
    .map(|(label, pct)| Bar {
        label: label.into(),
        value: pct.unwrap_or(0.0),
    })
    .collect();
    let mut service_bars: Vec<Bar> = report
        .by_service
        .iter()
        .map(|g| Bar {
            label: g.key.clone(),
            value: count(g.figures.received.complaints),
        })
        .collect();
    service_bars.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.label.cmp(&b.label)));
    service_bars.truncate(15);
    let withheld = if t.is_some() {
        " Counts withheld to protect privacy are drawn as 0."
    } else {
        ""
    };
    [
        BarChart {
            id: "chart-by-month",
            title: "Complaints received by month",
            description: format!("{}.{withheld}", bars_description(&month_bars, "complaints")),
            unit: "complaints",
            bars: month_bars,
            target: None,
        },
        BarChart {
            id: "chart-outcomes",
            title: "Outcomes by stage",
            description: format!(
                "{}.{withheld}",
                bars_description(&outcome_bars, "complaints")
            ),
            unit: "complaints",
            bars: outcome_bars,
            target: None,
        },
        BarChart {
            id: "chart-timeliness",
            title: "Timeliness against the target of 100% on time",
            description: format!(
                "{}. The target line is at 100%.",
                bars_description(&timeliness_bars, "%")
            ),
            unit: "% on time",
            bars: timeliness_bars,
            target: Some(100.0),
        },
        BarChart {
            id: "chart-by-service",
            title: "Complaints received by service (the fifteen with most)",
            description: format!(
                "{}.{withheld}",
                bars_description(&service_bars, "complaints")
            ),
            unit: "complaints",
            bars: service_bars,
            target: None,
        },
    ]
    .iter()
    .map(charts::svg)
    .collect()
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#0b0c0c;line-height:1.4}h1{font-size:1.8rem}h2{margin-top:2.5rem;\
border-bottom:2px solid #1d70b8}table{border-collapse:collapse;width:100%;margin:1rem 0;\
font-size:.9rem}th,td{border:1px solid #b1b4b6;padding:.3rem .5rem;text-align:left;\
vertical-align:top}th{background:#f3f2f1}td.n{text-align:right}.headline{display:flex;\
flex-wrap:wrap;gap:1rem;list-style:none;padding:0}.headline li{border-left:5px solid #1d70b8;\
padding:.5rem 1rem;background:#f3f2f1;min-width:12rem}.headline strong{display:block;\
font-size:1.6rem}figure{margin:1.5rem 0}figure svg{max-width:100%;height:auto}.wide{overflow-x:auto}\
@media print{h2{page-break-after:avoid}figure,table{page-break-inside:avoid}}";

fn html_table(table: &Table) -> String {
    let mut out = format!(
        "<div class=\"wide\"><table id=\"table-{}\"><caption>{}</caption><thead><tr>",
        table.name,
        html_escape(table.title)
    );
    for column in &table.columns {
        out.push_str(&format!(
            "<th scope=\"col\">{}</th>",
            html_escape(&column.replace('_', " "))
        ));
    }
    out.push_str("</tr></thead><tbody>");
    if table.rows.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\">None in this period.</td></tr>",
            table.columns.len()
        ));
    }
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let numeric = i > 0 && (cell.parse::<f64>().is_ok() || cell.starts_with('<'));
            if i == 0 {
                out.push_str(&format!("<th scope=\"row\">{}</th>", html_escape(cell)));
            } else if numeric {
                out.push_str(&format!("<td class=\"n\">{}</td>", html_escape(cell)));
            } else {
                out.push_str(&format!("<td>{}</td>", html_escape(cell)));
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The report as one HTML page: no scripts, fonts, images or styles from
/// anywhere else, charts inline as SVG, readable in print and by a screen reader.
pub fn to_html(report: &AnnualReport) -> String {
    let t = report.suppressed_below;
    let h = &report.headline;
    let tables = tables(report);
    let table = |name: &str| {
        tables
            .iter()
            .find(|t| t.name == name)
            .map(html_table)
            .unwrap_or_default()
    };
    let charts = charts_of(report);
    let figure = |i: usize| {
        format!(
            "<figure>{}</figure>",
            charts.get(i).cloned().unwrap_or_default()
        )
    };
    let headline = [
        (count_text(h.complaints_received, t), "complaints received"),
        (
            count_text(h.compliments_received, t),
            "compliments received",
        ),
        (
            pct_text(h.stage_1_responded_on_time_pct) + "%",
            "stage 1 answers on time",
        ),
        (
            pct_text(h.stage_1_upheld_rate_pct) + "%",
            "stage 1 complaints upheld in whole or part",
        ),
        (pct_text(h.escalation_rate_pct) + "%", "went on to stage 2"),
        (
            count_text(h.ombudsman_referrals, t),
            "referred to the Ombudsman",
        ),
    ]
    .iter()
    .map(|(value, label)| format!("<li><strong>{}</strong>{}</li>", html_escape(value), label))
    .collect::<String>();
    let scope = match &report.services {
        None => "all of the council's services".to_string(),
        Some(services) => services.join(", "),
    };
    let suppression = match t {
        Some(threshold) => format!(
            "<p>To protect people's privacy, counts from 1 to {} are shown as &lt;{threshold}.</p>",
            threshold - 1
        ),
        None => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title}</title><style>{STYLE}</style></head><body><main>\
<h1>{title}</h1><p>Complaints, compliments and comments received from {from} to {to}, \
for {scope}. Working days exclude weekends, bank holidays and the council's closure days.</p>{suppression}\
<h2>Headline figures</h2><ul class=\"headline\">{headline}</ul>\
<h2>Complaints received</h2>{chart_month}{by_month}\
<h2>Outcomes</h2>{chart_outcomes}{stages}\
<h2>Timeliness</h2>{chart_timeliness}\
<h2>By service</h2>{chart_service}{by_service}{compliments}\
<h2>Types of complaint refused</h2>{refused}\
<h2>English language fluency</h2><p>Complaints about the spoken English of a customer-facing \
worker, under the Code of Practice on the English language requirements for public sector \
workers, each referred to the worker's manager.</p>{english_fluency}\
<h2>Learning and service improvements</h2>{improvements}\
<h2>Satisfaction with complaint handling</h2><p>From the surveys customers answered when \
their complaint closed: how many agreed or strongly agreed that it was easy to complain, that \
they were kept informed, that the response was clear and that they were treated fairly.</p>{satisfaction}\
<h2>Self-assessment against the Complaint Handling Code</h2>{self_assessment}\
<h2>The Ombudsman</h2>{ombudsman}\
</main></body></html>\n",
        title = html_escape(&report.title),
        from = report.period.from,
        to = report.period.to,
        scope = html_escape(&scope),
        chart_month = figure(0),
        chart_outcomes = figure(1),
        chart_timeliness = figure(2),
        chart_service = figure(3),
        by_month = table("by_month"),
        stages = table("stages"),
        by_service = table("by_service"),
        compliments = table("compliments"),
        refused = table("refused"),
        english_fluency = table("english_fluency"),
        improvements = table("improvements"),
        self_assessment = table("self_assessment"),
        satisfaction = table("satisfaction"),
        ombudsman = table("ombudsman"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_withheld_but_zero_and_larger_ones_shown() {
        assert_eq!(shown(0, Some(5)), Some(0));
        assert_eq!(shown(3, Some(5)), None);
        assert_eq!(shown(5, Some(5)), Some(5));
        assert_eq!(shown(3, None), Some(3));
        assert_eq!(count_text(4, Some(5)), "<5");
    }

    #[test]
    fn withholding_in_json_leaves_rates_and_the_threshold() {
        let mut value = serde_json::json!({"a": 3, "b": 7, "c": 0, "rate_pct": 2.5, "suppressed_below": 5, "list": [{"count": 1}]});
        withhold(&mut value, 5, None);
        assert_eq!(
            value,
            serde_json::json!({"a": null, "b": 7, "c": 0, "rate_pct": 2.5, "suppressed_below": 5, "list": [{"count": null}]})
        );
    }

    #[test]
    fn csv_fields_with_commas_quotes_or_lines_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_shown_as_text() {
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("+44 1384 811561"), "'+44 1384 811561");
        assert_eq!(csv_field("-Ops manager"), "'-Ops manager");
        assert_eq!(csv_field("@SUM(A1:A9)"), "'@SUM(A1:A9)");
        assert_eq!(csv_field("\tcmd"), "'\tcmd");
        assert_eq!(csv_field("\rcmd"), "\"'\rcmd\"");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://evil.example/\",\"Open\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"Open\"\")\""
        );
        // Numbers stay numbers, negative ones too.
        assert_eq!(csv_field("-12.5"), "-12.5");
        assert_eq!(csv_field("+3"), "+3");
        assert_eq!(csv_field("42"), "42");
    }
}
