//! `seed --cases N`: fills a database with realistic cases for demos and
//! benchmarks. Each case is played forward from its receipt up to the
//! horizon (`--to`, default today) by the council's own clock: triaged,
//! acknowledged, assigned, sometimes extended, answered, escalated, referred
//! to the Ombudsman, put right and closed, in the proportions a council sees.
//! The rows are those the API writes for the same steps, so every endpoint
//! and report reads seeded cases as it reads real ones.
//!
//! Reproducible: a case's data comes from the options and its number alone,
//! so the same options on an empty database give the same data. Cases are
//! received in the order of their numbers, so their ids follow the dates of
//! receipt as in a real database, and the reports read them as they would
//! a council's.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use diesel::Connection;

mod batch;
use batch::Batch;

use crate::db::cases::{CustomerRow, NewCaseRow};
use crate::db::events::NewEvent;
use crate::db::extensions::ExtensionRow;
use crate::db::feedback::FeedbackRow;
use crate::db::ombudsman::ReferralRow;
use crate::db::remedies::RemedyRow;
use crate::db::responses::ResponseRow;
use crate::db::stages::StageRow;
use crate::db::{services, Database, DbConnection};
use crate::domain::acknowledgement::AcknowledgementMethod;
use crate::domain::case::events::{Acknowledgement, CaseEvent, Instant, TriageDetails};
use crate::domain::case::{Channel, Kind, Outcome, Role, Stage, Status};
use crate::domain::clock::{uk_date, Clock};
use crate::domain::deadlines::{self, StageStart};
use crate::domain::extension::ExtensionStatus;
use crate::domain::feedback::CommentAction;
use crate::domain::ombudsman::{OmbudsmanBody, OmbudsmanDecision};
use crate::domain::performance::{stage_started, working_days_taken};
use crate::domain::reference::Reference;
use crate::domain::remedy::{RemedyStatus, RemedyType};
use crate::domain::response::ResponseStatus;
use crate::domain::triage::Decision;
use crate::error::ApiError;

/// What to seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOptions {
    pub cases: u64,
    pub seed: u64,
    /// Cases are received from this date...
    pub from: NaiveDate,
    /// ...to this one, which is also the horizon: nothing happens after it.
    pub to: NaiveDate,
}

/// Cases written per transaction.
const BATCH: u64 = 2_000;

/// Seeds `options.cases` cases; calls `progress` with the number written
/// after each batch.
pub fn seed(
    db: &Database,
    clock: &Clock,
    options: &SeedOptions,
    mut progress: impl FnMut(u64),
) -> Result<u64, ApiError> {
    if options.from > options.to {
        return Err(ApiError::BadRequest("--from must not be after --to".into()));
    }
    let mut conn = db.connection()?;
    let conn: &mut DbConnection = &mut conn;
    let active = services::ServiceFilter {
        active: Some(true),
        ..services::ServiceFilter::default()
    };
    let directory: Vec<(String, u32)> = services::list(conn, &active, 10_000)?
        .into_iter()
        .map(|s| {
            let weight = service_weight(&s.id);
            (s.id, weight)
        })
        .collect();
    if directory.is_empty() {
        return Err(ApiError::BadRequest(
            "the service directory is empty".into(),
        ));
    }
    let mut batch = Batch::after_stored(conn)?;
    let mut written = 0;
    while written < options.cases {
        let cases = BATCH.min(options.cases - written);
        for number in written..written + cases {
            let mut rng = Rng::for_case(options.seed, number);
            let story = Story::new(&mut rng, clock, options, number, &directory);
            story.write(&mut batch, &mut rng, clock);
        }
        conn.transaction(|conn| batch.write(conn))?;
        written += cases;
        progress(written);
    }
    Batch::advance_sequences(conn)?;
    // The cases are written in bulk, without the events' own path: the reports' projections
    // are worked out from them once, at the end.
    crate::db::projections::rebuild(
        conn,
        crate::db::projections::Start::Afresh,
        crate::db::projections::Pace::Alone,
    )?;
    // Fresh statistics for the planner, and on PostgreSQL the dead row
    // versions of the final updates cleared from the indexes.
    let tidy = match conn {
        DbConnection::Pg(_) => "VACUUM ANALYZE",
        DbConnection::Sqlite(_) => "ANALYZE",
    };
    diesel::sql_query(tidy).execute(conn)?;
    Ok(written)
}

/// How often a service gets feedback: the busy front-line services most.
fn service_weight(id: &str) -> u32 {
    match id {
        "waste-care" => 20,
        "housing-estates-communities" => 14,
        "highways" => 12,
        "revenues-benefits" => 10,
        "housing-options-support" => 8,
        "street-care" => 8,
        "customer-services" => 6,
        "green-care" | "environmental-health" | "adult-social-care" => 4,
        _ => 2,
    }
}

/// splitmix64: small, fast and the same everywhere, so a seed means the
/// same data on every machine and every version of every crate.
struct Rng(u64);

impl Rng {
    fn for_case(seed: u64, number: u64) -> Rng {
        let mut rng = Rng(seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// In `low..=high`.
    fn between(&mut self, low: u32, high: u32) -> u32 {
        low + self.below(u64::from(high.saturating_sub(low)) + 1) as u32
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            if roll < u64::from(*weight) {
                return item;
            }
            roll -= u64::from(*weight);
        }
        &items[items.len() - 1].0
    }

    fn one_of<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The people seeded cases' customers are.
const PEOPLE: u64 = 400_000;

const FIRST_NAMES: &[&str] = &[
    "Alex", "Sam", "Jordan", "Priya", "Mohammed", "Olivia", "Jack", "Amelia", "Harry", "Isla",
    "Noah", "Ava", "George", "Fatima", "Oscar", "Grace", "Leo", "Chloe", "Arjun", "Megan",
];
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "Khan", "Roberts", "Green", "Hall",
];
const STREETS: &[&str] = &[
    "High Street",
    "Church Road",
    "Station Road",
    "Park Lane",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Mill Lane",
    "Queens Road",
    "Priory Way",
];
const POSTCODES: &[&str] = &[
    "DY1 1HF", "DY2 8PS", "DY3 2NX", "DY5 1DE", "DY8 1QL", "DY9 7ND", "B62 8RH", "B63 3BL",
    "WV14 9JE", "B98 8AH",
];
const CATEGORIES: &[(&str, u32)] = &[
    ("missed collection", 18),
    ("delay", 16),
    ("quality of service", 14),
    ("communication", 12),
    ("staff conduct", 8),
    ("repairs", 10),
    ("policy or decision", 8),
    ("billing", 8),
    ("access and adjustments", 6),
];
const CHANNELS: &[(Channel, u32)] = &[
    (Channel::OnlineForm, 45),
    (Channel::Email, 20),
    (Channel::Telephone, 17),
    (Channel::Letter, 5),
    (Channel::InPerson, 4),
    (Channel::SocialMedia, 3),
    (Channel::Partner, 6),
];

/// A noon-ish instant on a date (UTC; the UK date is the same).
fn at(date: NaiveDate, rng: &mut Rng) -> NaiveDateTime {
    let minutes = rng.between(8 * 60, 17 * 60);
    date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes))
}

/// One case as it happened, decided before anything is written.
struct Story {
    kind: Kind,
    channel: Channel,
    service: String,
    category: &'static str,
    received_at: NaiveDateTime,
    response_requested: bool,
    horizon: NaiveDate,
}

impl Story {
    fn new(
        rng: &mut Rng,
        clock: &Clock,
        options: &SeedOptions,
        number: u64,
        directory: &[(String, u32)],
    ) -> Story {
        // Spread evenly over the period in the order of their numbers, as a
        // council's cases are created in the order they arrive: the ids
        // follow the dates of receipt, as they do in a real database.
        let days = (options.to - options.from).num_days().max(0) as u64;
        let day = u128::from(number) * u128::from(days + 1) / u128::from(options.cases.max(1));
        let mut date = options.from + Duration::days(i64::try_from(day).unwrap_or(0));
        let channel = *rng.pick(CHANNELS);
        // Post, phones and counters are worked on working days.
        if !matches!(
            channel,
            Channel::OnlineForm | Channel::Email | Channel::SocialMedia
        ) {
            date = clock
                .council_calendar()
                .add_working_days(date, 0)
                .unwrap_or(date)
                .min(options.to);
        }
        let kind = *rng.pick(&[
            (Kind::Complaint, 70),
            (Kind::Compliment, 20),
            (Kind::Comment, 10),
        ]);
        let response_requested = kind == Kind::Complaint || rng.chance(25);
        let category = *rng.pick(CATEGORIES);
        Story {
            kind,
            channel,
            service: rng.pick(directory).clone(),
            category,
            received_at: at(date, rng),
            response_requested,
            horizon: options.to,
        }
    }

    fn write(&self, batch: &mut Batch, rng: &mut Rng, clock: &Clock) {
        // Drawn and set aside, so that every value drawn after them is as it was before
        // people were seeded: the name now comes from the person.
        rng.one_of(FIRST_NAMES);
        rng.one_of(SURNAMES);
        let customer_number = rng.below(1_000_000);
        // 400,000 people: a case's customer is the person of its number, named for them, so
        // that their cases agree on who they are (contact details vary from case to case).
        let person = customer_number % PEOPLE;
        let first = FIRST_NAMES[(person % FIRST_NAMES.len() as u64) as usize];
        let last = SURNAMES[((person / FIRST_NAMES.len() as u64) % SURNAMES.len() as u64) as usize];
        let subject = (self.channel == Channel::OnlineForm).then(|| format!("customer-{person}"));
        let mut customer = CustomerRow {
            id: 0,
            subject: subject.clone(),
            name: format!("{first} {last}"),
            email: rng.chance(75).then(|| {
                format!(
                    "{}.{}.{person}@example.org",
                    first.to_lowercase(),
                    last.to_lowercase(),
                )
            }),
            phone: rng
                .chance(45)
                .then(|| format!("01632 960{:03}", customer_number % 1000)),
            address: rng
                .chance(60)
                .then(|| format!("{} {}", 1 + customer_number % 120, rng.one_of(STREETS))),
            postcode: Some(rng.one_of(POSTCODES).to_string()),
            preferred_contact: Some(
                rng.one_of(&["email", "email", "telephone", "letter"])
                    .into(),
            ),
            interpreter_language: rng.chance(3).then(|| "Punjabi".to_string()),
            large_print: rng.chance(4),
            audio: rng.chance(1),
            other_adjustments: None,
            created_at: self.received_at,
            person_id: None,
            person_match: None,
            person_match_uncertain: false,
        };
        batch.person(person, &mut customer);
        let customer_id = batch.customer(customer);
        let year = self.received_at.year();
        let number = batch.reference_number(self.kind.reference_prefix(), year);
        let reference = Reference::new(self.kind, year, number);
        let acknowledgement_due = clock.deadlines().acknowledgement_due(
            self.kind,
            uk_date(self.received_at),
            self.response_requested,
        );
        let partner = self.channel == Channel::Partner;
        let (summary, description, staff_named) = match self.kind {
            Kind::Complaint => (
                format!("Complaint about {}", self.category),
                format!(
                    "I am unhappy about {} from the {} service and want it put right.",
                    self.category, self.service
                ),
                None,
            ),
            Kind::Compliment => (
                "Thank you to the team".to_string(),
                format!("The {} team were helpful and quick.", self.service),
                Some("[\"Sam Driver\"]".to_string()),
            ),
            Kind::Comment => (
                format!("A suggestion about {}", self.category),
                "It would help if you could tell people in advance.".to_string(),
                None,
            ),
        };
        let created_by = match (&subject, partner) {
            (Some(subject), _) => (subject.clone(), Role::Customer),
            (None, true) => ("partner-acme-housing".to_string(), Role::Partner),
            (None, false) => (
                format!("officer-{}-1", self.service),
                Role::InvestigatingOfficer,
            ),
        };
        let problem_date = Some(uk_date(self.received_at) - Duration::days(rng.below(40) as i64));
        let case_id = batch.case(NewCaseRow {
            reference: reference.to_string(),
            kind: self.kind,
            status: Status::Received,
            stage: None,
            channel: self.channel,
            received_at: self.received_at,
            received_at_reason: None,
            summary,
            description,
            desired_outcome: (self.kind == Kind::Complaint)
                .then(|| "Put it right and tell me why it happened".to_string()),
            service_id: self.service.clone(),
            category: Some(self.category.to_string()),
            problem_date,
            response_requested: self.response_requested,
            staff_named,
            customer_id,
            customer_subject: subject,
            created_by_subject: created_by.0.clone(),
            created_by_role: created_by.1,
            partner_client_id: partner.then(|| "partner-acme-housing".into()),
            partner_reference: partner.then(|| format!("ACME-{number}")),
            acknowledgement_due,
            version: 1,
            created_at: self.received_at,
            updated_at: self.received_at,
            next_deadline: acknowledgement_due,
            next_deadline_kind: acknowledgement_due.map(|_| "acknowledgement".into()),
        });
        let mut history = History {
            case_id,
            events: 1,
            last: self.received_at,
            remedies: vec![],
        };
        history.event(
            batch,
            (created_by.0.as_str(), created_by.1),
            self.received_at,
            CaseEvent::Received {
                kind: self.kind,
                channel: self.channel,
                service: self.service.clone(),
                received_at: Instant(self.received_at),
                back_dated_because: None,
            },
        );
        let end = match self.kind {
            Kind::Complaint => self.complaint(
                batch,
                rng,
                clock,
                &mut history,
                acknowledgement_due,
                problem_date,
            ),
            _ => self.feedback(batch, rng, clock, &mut history, acknowledgement_due),
        };
        if let Some(case) = batch.case_mut() {
            let row = &mut case.row;
            row.status = end.status;
            row.stage = end.stage;
            row.next_deadline = end.next.map(|(d, _)| d);
            row.next_deadline_kind = end.next.map(|(_, k)| k.into());
            row.version = history.events;
            row.updated_at = history.last;
            if let Some((decision, details, at)) = end.triage {
                case.triage_decision = Some(decision.as_str().into());
                case.triage_details = details;
                case.triaged_at = Some(at);
            }
            case.investigator = end.investigator;
        }
    }

    fn in_time(&self, at: NaiveDateTime) -> bool {
        uk_date(at) <= self.horizon
    }

    /// A compliment or comment: passed on, answered when asked, closed.
    fn feedback(
        &self,
        batch: &mut Batch,
        rng: &mut Rng,
        clock: &Clock,
        history: &mut History,
        acknowledgement_due: Option<NaiveDate>,
    ) -> End {
        let calendar = clock.council_calendar();
        let received = uk_date(self.received_at);
        let officer = format!("officer-{}-{}", self.service, rng.between(1, 4));
        let mut handling = FeedbackRow {
            case_id: history.case_id,
            response_due: clock.deadlines().feedback_reply_due(
                self.kind,
                received,
                self.response_requested,
            ),
            ..FeedbackRow::default()
        };
        let mut status = Status::Received;
        let forwarded_at = at(
            calendar
                .add_working_days(received, rng.between(0, 3))
                .unwrap_or(received),
            rng,
        );
        if self.in_time(forwarded_at) {
            handling.forwarded_at = Some(forwarded_at);
            handling.forwarded_by = Some(officer.clone());
            // The staff the customer named: the service passes it to them by default.
            let staff: &[&str] = if self.kind == Kind::Compliment {
                &["Sam Driver"]
            } else {
                &[]
            };
            handling.forwarded_to_staff = Some(serde_json::Value::from(staff).to_string());
            status = Status::Open;
            history.event(
                batch,
                (&officer, Role::InvestigatingOfficer),
                forwarded_at,
                CaseEvent::Forwarded {
                    service: self.service.clone(),
                    staff: staff.len(),
                },
            );
        }
        if self.response_requested {
            let replied_at = at(
                calendar
                    .add_working_days(received, rng.between(2, 22))
                    .unwrap_or(received),
                rng,
            );
            if self.in_time(replied_at) {
                handling.acknowledged_at = Some(replied_at);
                handling.acknowledgement_method = Some(AcknowledgementMethod::Email);
                handling.acknowledged_by = Some(officer.clone());
                handling.replied_at = Some(replied_at);
                handling.reply_method = Some(AcknowledgementMethod::Email);
                handling.replied_by = Some(officer.clone());
                handling.reply = Some("Thank you for taking the time to tell us.".into());
                history.event(
                    batch,
                    (&officer, Role::InvestigatingOfficer),
                    replied_at,
                    CaseEvent::Replied {
                        method: "email".into(),
                        replied_at: Instant(replied_at),
                        on_time: handling.response_due.map(|due| uk_date(replied_at) <= due),
                        // Nothing acknowledged it before: the reply stands for that too.
                        stands_for_acknowledgement: true,
                    },
                );
            }
        }
        if self.kind == Kind::Comment && handling.forwarded_at.is_some() {
            let recorded_at = at(
                calendar
                    .add_working_days(received, rng.between(3, 15))
                    .unwrap_or(received),
                rng,
            );
            if self.in_time(recorded_at) {
                let action = *rng.pick(&[
                    (CommentAction::Adopted, 20),
                    (CommentAction::Planned, 15),
                    (CommentAction::UnderConsideration, 20),
                    (CommentAction::NotAdopted, 20),
                    (CommentAction::Noted, 25),
                ]);
                let details = "Considered by the service's management team.";
                handling.action = Some(action);
                handling.action_details = Some(details.into());
                handling.action_recorded_by = Some(officer.clone());
                handling.action_recorded_at = Some(recorded_at);
                history.event(
                    batch,
                    (&officer, Role::InvestigatingOfficer),
                    recorded_at,
                    CaseEvent::CommentActionRecorded {
                        action: action.as_str().into(),
                        details: details.into(),
                    },
                );
            }
        }
        let done = crate::db::feedback::handling(Some(&handling));
        let closed_at = at(
            calendar
                .add_working_days(uk_date(history.last), rng.between(1, 5))
                .unwrap_or(received),
            rng,
        );
        let finished = crate::domain::feedback::check(
            crate::domain::feedback::Step::Close,
            self.kind,
            status,
            self.response_requested,
            done,
        )
        .is_ok();
        if finished && self.in_time(closed_at) {
            history.event(
                batch,
                (&format!("head-{}", self.service), Role::HeadOfService),
                closed_at,
                CaseEvent::Closed {
                    from: status,
                    to: Status::Closed,
                    reason: None,
                    outstanding_remedies: None,
                    outstanding_remedies_reason: None,
                },
            );
            status = Status::Closed;
        }
        if handling.forwarded_at.is_some() || handling.replied_at.is_some() {
            batch.feedback(handling.clone());
        }
        End {
            status,
            stage: None,
            triage: None,
            next: deadlines::next_for_feedback(
                status,
                acknowledgement_due,
                handling.response_due,
                done.acknowledged,
                done.replied,
            )
            .map(|(date, due)| (date, due.as_str())),
            investigator: None,
        }
    }

    /// A complaint, from triage to wherever it had got to by the horizon.
    fn complaint(
        &self,
        batch: &mut Batch,
        rng: &mut Rng,
        clock: &Clock,
        history: &mut History,
        acknowledgement_due: Option<NaiveDate>,
        problem_date: Option<NaiveDate>,
    ) -> End {
        let policy = clock.policy();
        let calendar = clock.council_calendar();
        let received = uk_date(self.received_at);
        let manager = ("manager-1", Role::ComplaintsManager);
        let head = format!("head-{}", self.service);
        let mut end = End {
            status: Status::Received,
            stage: None,
            triage: None,
            next: acknowledgement_due.map(|d| (d, "acknowledgement")),
            investigator: None,
        };
        let wd = |date: NaiveDate, n: u32| calendar.add_working_days(date, n).unwrap_or(date);

        let triaged_at = at(wd(received, rng.between(0, 2)), rng).max(self.received_at);
        if !self.in_time(triaged_at) {
            return end;
        }
        let mut decisions = vec![
            (Decision::Accept, 78),
            (Decision::ServiceRequest, 8),
            (Decision::Excluded, 4),
            (Decision::OutsideRemit, 3),
            (Decision::OutOfTime, 2),
        ];
        if policy.informal_resolution_allowed {
            decisions.push((Decision::ResolveInformally, 5));
        }
        let decision = *rng.pick(&decisions);
        // What the service records with the decision (and keeps on the case).
        let mut details = TriageDetails {
            out_of_time: clock.deadlines().is_out_of_time(problem_date, received),
            ..TriageDetails::default()
        };
        match decision {
            Decision::Excluded => {
                details.procedure = Some("appeal_route".into());
                details.referral = Some("Your appeal goes to the tribunal.".into());
            }
            Decision::OutsideRemit => {
                details.organisation = Some("the water company".into());
                details.referral_due = clock.deadlines().outside_remit_referral_due(received);
            }
            Decision::ServiceRequest => {
                details.referral = Some("Passed to the service as a first request.".into());
            }
            Decision::ResolveInformally => {
                details.resolution = Some("Put right on the day.".into());
            }
            Decision::Accept | Decision::OutOfTime => {}
        }
        end.triage = Some((decision, serde_json::to_string(&details).ok(), triaged_at));
        end.status = decision.status();
        end.stage = decision.opens();
        end.next = None;
        history.event(
            batch,
            manager,
            triaged_at,
            CaseEvent::Triaged {
                decision,
                status: decision.status(),
                stage: decision.opens(),
                details,
            },
        );
        if decision != Decision::Accept {
            let closed_at = at(wd(uk_date(triaged_at), rng.between(1, 5)), rng);
            if self.in_time(closed_at) {
                end.status = Status::Closed;
                history.event(
                    batch,
                    manager,
                    closed_at,
                    CaseEvent::Closed {
                        from: decision.status(),
                        to: Status::Closed,
                        reason: None,
                        outstanding_remedies: None,
                        outstanding_remedies_reason: None,
                    },
                );
            }
            return end;
        }

        let mut stage = Stage::Stage1;
        let mut opened_at = triaged_at;
        let mut ack_due = acknowledgement_due
            .unwrap_or_else(|| wd(received, policy.stage_1.acknowledge_working_days));
        let mut previous_investigator: Option<String> = None;
        loop {
            let mut row = StageRow {
                requested_by: (stage == Stage::Stage2).then(|| "customer".into()),
                request_reason: (stage == Stage::Stage2)
                    .then(|| "The response did not deal with all my points.".into()),
                ..StageRow::opened(history.case_id, stage, opened_at, ack_due)
            };
            let dates = self.play_stage(
                rng,
                clock,
                &mut row,
                previous_investigator.as_deref(),
                &head,
            );
            let stage_id = batch.stage(row.clone());
            if stage == Stage::Stage2 {
                // Asked within the window, with no grounds given, while the case was open.
                history.event(
                    batch,
                    ("customer", Role::Customer),
                    opened_at,
                    CaseEvent::Escalated {
                        stage,
                        grounds: vec![],
                        late: false,
                        reopened: false,
                        late_acceptance_reason: None,
                        acknowledgement_due: row.acknowledgement_due,
                    },
                );
            }
            if let (Some(ack), Some(method), Some(response_due)) = (
                row.acknowledged_at,
                &row.acknowledgement_method,
                row.original_response_due,
            ) {
                history.event(
                    batch,
                    (&head, Role::HeadOfService),
                    ack,
                    CaseEvent::Acknowledged(Acknowledgement::Stage {
                        stage,
                        method: method.as_str().into(),
                        acknowledged_at: Instant(ack),
                        on_time: uk_date(ack) <= row.acknowledgement_due,
                        response_due,
                    }),
                );
            }
            if let (Some(investigator), Some(assigned_at)) = (&row.investigator, row.assigned_at) {
                // Each stage is assigned once, so no one had it before.
                history.event(
                    batch,
                    (&head, Role::HeadOfService),
                    assigned_at,
                    CaseEvent::Assigned {
                        stage,
                        investigator: investigator.clone(),
                        previous_investigator: None,
                    },
                );
                end.investigator = Some(investigator.clone());
            }
            if let Some((asked_at, previous, new_due)) = dates.extension {
                let reason = "Waiting for a contractor's report";
                let extension = batch.extension(ExtensionRow {
                    id: 0,
                    case_id: history.case_id,
                    stage_id,
                    status: ExtensionStatus::Agreed,
                    reason: reason.into(),
                    previous_due: previous,
                    new_due,
                    working_days_beyond_original: calendar
                        .working_days_between(previous, new_due)
                        .unwrap_or(0) as i32,
                    customer_agreed: false,
                    requested_by: row.investigator.clone().unwrap_or_default(),
                    requested_at: asked_at,
                    decided_by: Some(head.clone()),
                    decided_at: Some(asked_at),
                    customer_told_at: Some(asked_at),
                    customer_agreed_at: None,
                    customer_agreement_method: None,
                });
                history.event(
                    batch,
                    (&head, Role::HeadOfService),
                    asked_at,
                    CaseEvent::ExtensionRequested {
                        extension,
                        stage,
                        new_due,
                        reason: reason.into(),
                        customer_agreement: None,
                    },
                );
            }
            end.next = deadlines::next_for_complaint(
                Status::Open,
                None,
                Some(deadlines::StageDates {
                    acknowledgement_due: row.acknowledgement_due,
                    acknowledged: row.acknowledged_at.is_some(),
                    response_due: row.response_due,
                    responded: row.responded_at.is_some(),
                }),
            )
            .map(|(date, due)| (date, due.as_str()));
            end.stage = Some(stage);
            end.status = Status::Open;
            let (Some(responded_at), Some(outcome), Some(on_time)) =
                (row.responded_at, row.outcome, row.responded_on_time)
            else {
                // Still being handled at the horizon, or withdrawn on the way.
                if dates.withdrawn && self.in_time(history.last + Duration::days(3)) {
                    history.event(
                        batch,
                        ("customer", Role::Customer),
                        history.last + Duration::days(3),
                        CaseEvent::Withdrawn {
                            from: end.status,
                            to: Status::Withdrawn,
                            reason: None,
                        },
                    );
                    end.status = Status::Withdrawn;
                    end.next = None;
                }
                return end;
            };
            let response = batch.response(ResponseRow {
                id: 0,
                case_id: history.case_id,
                stage_id,
                status: ResponseStatus::Sent,
                outcome,
                findings:
                    "[{\"point\":\"What happened\",\"finding\":\"We looked at the records.\"}]"
                        .into(),
                apology: (outcome != Outcome::NotUpheld).then(|| "We are sorry.".into()),
                letter: "Dear customer, thank you for your complaint...".into(),
                drafted_by: row.investigator.clone().unwrap_or_default(),
                drafted_at: responded_at,
                approved_by: Some(head.clone()),
                sent_at: Some(responded_at),
                sent_at_reason: None,
                understanding: Some("What happened, as the customer told us.".into()),
                outstanding_actions: Some("[]".into()),
            });
            // Sent when it was written, after the acknowledgement.
            history.event(
                batch,
                (&head, Role::HeadOfService),
                responded_at,
                CaseEvent::ResponseSent {
                    response,
                    stage,
                    outcome,
                    on_time,
                    sent_at: Instant(responded_at),
                    back_dated_because: None,
                    stands_as_acknowledgement: false,
                    escalation_window_closes: row.escalation_window_closes,
                },
            );
            if outcome != Outcome::NotUpheld && rng.chance(70) {
                self.remedy(batch, rng, clock, history, uk_date(responded_at), &head);
            }
            end.next = None;

            let last_day = row
                .escalation_window_closes
                .unwrap_or_else(|| wd(uk_date(responded_at), 20));
            if stage == Stage::Stage1 && rng.chance(16) {
                let asked = wd(
                    uk_date(responded_at),
                    rng.between(
                        1,
                        calendar
                            .working_days_between(uk_date(responded_at), last_day)
                            .unwrap_or(1)
                            .max(1) as u32,
                    ),
                );
                let asked_at = at(asked, rng).max(responded_at);
                if self.in_time(asked_at) {
                    stage = Stage::Stage2;
                    opened_at = asked_at;
                    ack_due = wd(asked, policy.stage_2.acknowledge_working_days);
                    previous_investigator = row.investigator.clone();
                    continue;
                }
            }
            let closes = if stage == Stage::Stage1 {
                wd(last_day, 1)
            } else {
                wd(uk_date(responded_at), 1)
            };
            let closed_at = at(closes, rng).max(responded_at);
            if self.in_time(closed_at) {
                end.status = Status::Closed;
                // The complaints manager closes it, saying why, while a promised
                // remedy is still to be done.
                let outstanding = history.outstanding_remedies(uk_date(closed_at));
                let any = !outstanding.is_empty();
                history.event(
                    batch,
                    manager,
                    closed_at,
                    CaseEvent::Closed {
                        from: Status::Open,
                        to: Status::Closed,
                        reason: None,
                        outstanding_remedies: any.then_some(outstanding),
                        outstanding_remedies_reason: any.then(|| {
                            "The complaint is answered; the service is still putting it right."
                                .into()
                        }),
                    },
                );
                if stage == Stage::Stage2
                    && rng.chance(12)
                    && self.ombudsman(batch, rng, history, uk_date(closed_at))
                {
                    end.stage = Some(Stage::Ombudsman);
                }
            }
            return end;
        }
    }

    /// Plays one stage forward: acknowledgement, assignment, perhaps an
    /// extension, and the response, each only if it happened by the horizon.
    fn play_stage(
        &self,
        rng: &mut Rng,
        clock: &Clock,
        row: &mut StageRow,
        previous_investigator: Option<&str>,
        head: &str,
    ) -> StageDates {
        let policy = clock.policy();
        let calendar = clock.council_calendar();
        let wd = |date: NaiveDate, n: u32| calendar.add_working_days(date, n).unwrap_or(date);
        let stage = row.stage;
        let opened = uk_date(row.opened_at);
        let mut dates = StageDates {
            extension: None,
            withdrawn: rng.chance(2),
        };
        let ack_day = if rng.chance(90) {
            let spare = calendar
                .working_days_between(opened, row.acknowledgement_due)
                .unwrap_or(0)
                .max(0) as u32;
            wd(opened, rng.between(0, spare))
        } else {
            wd(row.acknowledgement_due, rng.between(1, 4))
        };
        let acknowledged_at = at(ack_day, rng).max(row.opened_at);
        if !self.in_time(acknowledged_at) {
            return dates;
        }
        let grade = policy.grades.map(|_| if rng.chance(25) { 2 } else { 1 });
        let start = StageStart {
            complaint_received: uk_date(self.received_at),
            stage_received: opened,
            acknowledged: ack_day,
        };
        let Ok(due) = clock.deadlines().response_due(stage, start, grade) else {
            return dates;
        };
        row.acknowledged_at = Some(acknowledged_at);
        row.acknowledged_on_time = Some(uk_date(acknowledged_at) <= row.acknowledgement_due);
        row.acknowledgement_method = Some(AcknowledgementMethod::Email);
        row.acknowledged_by = Some(head.into());
        row.grade = grade;
        row.response_due = Some(due);
        row.original_response_due = Some(due);
        let assigned_at = acknowledged_at + Duration::hours(2);
        if self.in_time(assigned_at) {
            row.investigator = Some(match (stage, previous_investigator) {
                (Stage::Stage2, _) => head.to_string(),
                _ => format!("officer-{}-{}", self.service, rng.between(1, 4)),
            });
            row.assigned_by = Some(head.into());
            row.assigned_at = Some(assigned_at);
        }
        if dates.withdrawn {
            return dates;
        }
        let timescales = if stage == Stage::Stage2 {
            policy.stage_2
        } else {
            policy.stage_1
        };
        if rng.chance(7) {
            let asked_at = at(wd(due, 0) - Duration::days(2), rng).max(assigned_at);
            let new_due = wd(due, timescales.extension_limit_working_days.clamp(1, 20));
            if self.in_time(asked_at) {
                dates.extension = Some((asked_at, due, new_due));
                row.response_due = Some(new_due);
                row.extended = true;
            }
        }
        let due = row.response_due.unwrap_or(due);
        let answered = if rng.chance(82) {
            let spare = calendar
                .working_days_between(ack_day, due)
                .unwrap_or(0)
                .max(0) as u32;
            wd(ack_day, rng.between(spare / 2, spare))
        } else {
            wd(due, rng.between(1, 8))
        };
        let responded_at = at(answered, rng).max(assigned_at + Duration::hours(1));
        if !self.in_time(responded_at) {
            return dates;
        }
        let outcomes: &[(Outcome, u32)] = if stage == Stage::Stage2 {
            &[
                (Outcome::Upheld, 18),
                (Outcome::PartiallyUpheld, 20),
                (Outcome::NotUpheld, 62),
            ]
        } else {
            &[
                (Outcome::Upheld, 28),
                (Outcome::PartiallyUpheld, 24),
                (Outcome::NotUpheld, 48),
            ]
        };
        row.outcome = Some(*rng.pick(outcomes));
        row.responded_at = Some(responded_at);
        row.responded_on_time = Some(uk_date(responded_at) <= due);
        row.working_days_taken = working_days_taken(
            calendar,
            stage_started(stage, uk_date(self.received_at), opened),
            uk_date(responded_at),
        );
        row.escalation_window_closes = match stage {
            Stage::Stage1 => policy
                .stage_2_request_window_working_days
                .map(|n| wd(uk_date(responded_at), n)),
            _ => None,
        };
        dates
    }

    fn remedy(
        &self,
        batch: &mut Batch,
        rng: &mut Rng,
        clock: &Clock,
        history: &mut History,
        responded: NaiveDate,
        head: &str,
    ) {
        let remedy_type = *rng.pick(&[
            (RemedyType::Apology, 40),
            (RemedyType::Explanation, 18),
            (RemedyType::ServiceProvided, 20),
            (RemedyType::Financial, 8),
            (RemedyType::StaffTraining, 6),
            (RemedyType::ProcessChange, 8),
        ]);
        let due = clock
            .council_calendar()
            .add_working_days(responded, 10)
            .unwrap_or(responded);
        let done = rng.chance(85) && due <= self.horizon;
        let done_on = done.then(|| due - Duration::days(rng.below(7) as i64));
        let description = "Put right what went wrong";
        let remedy = batch.remedy(RemedyRow {
            id: 0,
            case_id: history.case_id,
            service_id: self.service.clone(),
            remedy_type,
            description: description.into(),
            due,
            owner: head.into(),
            amount_pence: (remedy_type == RemedyType::Financial)
                .then(|| i64::from(rng.between(25, 250)) * 100),
            currency: (remedy_type == RemedyType::Financial).then(|| "GBP".into()),
            status: if done {
                RemedyStatus::Done
            } else {
                RemedyStatus::Promised
            },
            done_on,
            evidence: done.then(|| "Confirmed with the customer".into()),
            created_by: head.into(),
            created_at: at(responded, rng),
        });
        history.remedies.push((remedy, done_on));
        let at_response = at(responded, rng);
        history.event(
            batch,
            (head, Role::HeadOfService),
            at_response.max(history.last),
            CaseEvent::RemedyPromised {
                remedy,
                remedy_type: remedy_type.as_str().into(),
                description: description.into(),
                due,
            },
        );
    }

    fn ombudsman(
        &self,
        batch: &mut Batch,
        rng: &mut Rng,
        history: &mut History,
        closed: NaiveDate,
    ) -> bool {
        let referred_on = closed + Duration::days(i64::from(rng.between(20, 90)));
        if referred_on > self.horizon {
            return false;
        }
        let decided_on = referred_on + Duration::days(i64::from(rng.between(60, 220)));
        let decision = (decided_on <= self.horizon).then(|| {
            *rng.pick(&[
                (OmbudsmanDecision::NotInvestigated, 35),
                (OmbudsmanDecision::Premature, 10),
                (OmbudsmanDecision::NotUpheld, 25),
                (OmbudsmanDecision::UpheldFault, 30),
            ])
        });
        let body = if self.service.starts_with("housing") {
            OmbudsmanBody::HousingOmbudsman
        } else {
            OmbudsmanBody::Lgsco
        };
        let their_reference = format!("{}-{:06}", referred_on.year(), history.case_id);
        batch.referral(ReferralRow {
            id: 0,
            case_id: history.case_id,
            body,
            their_reference: their_reference.clone(),
            referred_on,
            information_requested_on: Some(referred_on + Duration::days(14)),
            information_provided_on: Some(referred_on + Duration::days(30)),
            decision,
            decided_on: decision.map(|_| decided_on),
            recommendations: "[]".into(),
            recorded_by: "manager-1".into(),
            created_at: referred_on.and_time(NaiveTime::MIN) + Duration::hours(10),
        });
        let manager = ("manager-1", Role::ComplaintsManager);
        history.event(
            batch,
            manager,
            referred_on.and_time(NaiveTime::MIN) + Duration::hours(10),
            CaseEvent::ReferredToOmbudsman {
                body: body.as_str().into(),
                their_reference: Some(their_reference),
                referred_on,
            },
        );
        if let Some(decision) = decision {
            history.event(
                batch,
                manager,
                decided_on.and_time(NaiveTime::MIN) + Duration::hours(10),
                CaseEvent::OmbudsmanDecision {
                    decision: decision.as_str().into(),
                    decided_on,
                },
            );
        }
        true
    }
}

/// A stage's extension (asked at, old due, new due) and whether the
/// customer withdrew during it.
struct StageDates {
    extension: Option<(NaiveDateTime, NaiveDate, NaiveDate)>,
    withdrawn: bool,
}

/// Where a case stood at the horizon.
struct End {
    status: Status,
    stage: Option<Stage>,
    /// The decision, its details as stored on the case, and when.
    triage: Option<(Decision, Option<String>, NaiveDateTime)>,
    next: Option<(NaiveDate, &'static str)>,
    investigator: Option<String>,
}

/// The case's timeline, written as it is played.
struct History {
    case_id: i64,
    /// How many changes: the case's version at the end.
    events: i32,
    last: NaiveDateTime,
    /// The remedies promised, with the day each was done.
    remedies: Vec<(i64, Option<NaiveDate>)>,
}

impl History {
    /// Records `event`, done by `subject` acting as `role`, as the service
    /// records it: its name, visibility and details come from the event.
    fn event(
        &mut self,
        batch: &mut Batch,
        (subject, role): (&str, Role),
        occurred_at: NaiveDateTime,
        event: CaseEvent,
    ) {
        if !matches!(event, CaseEvent::Received { .. }) {
            self.events += 1;
        }
        self.last = self.last.max(occurred_at);
        batch.event(NewEvent::of(self.case_id, subject, role, occurred_at, &event).into());
    }

    /// The remedies still promised on `day`: not done by then.
    fn outstanding_remedies(&self, day: NaiveDate) -> Vec<i64> {
        self.remedies
            .iter()
            .filter(|(_, done_on)| done_on.is_none_or(|done| done > day))
            .map(|(id, _)| *id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_number_give_the_same_numbers() {
        let a: Vec<u64> = (0..5).map(|_| Rng::for_case(7, 3).next()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::for_case(7, 3).next(), Rng::for_case(7, 4).next());
        assert_ne!(Rng::for_case(7, 3).next(), Rng::for_case(8, 3).next());
    }

    #[test]
    fn picks_follow_their_weights() {
        let mut rng = Rng::for_case(1, 1);
        let items = [("often", 90), ("rarely", 10)];
        let often = (0..10_000).filter(|_| *rng.pick(&items) == "often").count();
        assert!((8_700..9_300).contains(&often), "{often}");
        assert!((0..1000).all(|_| rng.between(3, 5) >= 3 && rng.between(3, 5) <= 5));
    }
}
