//! An HTTP load generator for the service's benchmarks: N concurrent
//! clients for a fixed time, realistic bodies and a spread of real tokens,
//! printing requests/s and latency percentiles.
//!
//! cargo run --release --example bench_http -- --url http://127.0.0.1:18080 \
//!     --secret "$JWT_SECRET" --scenario create --concurrency 4 --seconds 15
//!
//! The first `--warmup` seconds (default 3) are run but not counted.
//!
//! `--rate R` paces the clients to R requests a second in all, as users who
//! think between requests do; latency is then counted from when each request
//! was due, so a server that falls behind is charged for it. Without it each
//! client sends its next request as soon as the last is answered: the most
//! the server can do, with every request queued behind others.
//!
//! `--people N` has the creates come from N people, each with an account and contact details of
//! their own (issue 14's seed: 400,000 people): nearly every create is a new person's, as most
//! are in a council's day. Without it, 100 accounts write under 1,000 contact details, so most
//! customers' complaints repeat one of theirs from seconds before: the duplicate check's worst
//! case. `--seed N` starts the random sequences elsewhere: a run after a warm-up with the
//! same people repeats the warm-up's cases unless its seed differs.
//!
//! Scenarios: `create` (POST /api/v1/cases as customers, staff and partners), `intake`
//! (POST /api/v1/cases as public callers only, in the role `--role` names: customer by default),
//! `due-date` (GET /api/v1/calendar/due-date), `health` (GET /healthz), and
//! `mixed`: a council's day against a seeded database — 15% creates, 30%
//! case reads, 40% work-queue list queries with filters, 15% transitions
//! (triage, acknowledgement, assignment, notes) — reported per operation.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use council_feedback::auth::TokenVerifier;
use council_feedback::config::{JwtKeys, JwtSettings, Secret};
use council_feedback::domain::case::Role;

struct Options {
    url: String,
    secret: String,
    scenario: String,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
    /// Requests a second for all clients together; 0: as fast as answered.
    rate: f64,
    /// How many people the creates come from (`--people N`): customer accounts
    /// `citizen-0..N`, each writing under their own contact details, and staff and partners
    /// logging cases for the same N. Without it, as before issue 14's people: 100 accounts
    /// writing under 1,000 contact details, so nearly every customer's create repeats one of
    /// theirs (the duplicate check's worst case).
    people: Option<u64>,
    /// The public caller's role in the `intake` scenario (`--role`, default customer): the
    /// website's form client once it exists.
    role: String,
    /// Where the workers' random sequences start (`--seed N`, default 0): a run after another
    /// (a warm-up) given another seed does not repeat the first one's cases.
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: "http://127.0.0.1:18080".into(),
        secret: String::new(),
        scenario: "create".into(),
        role: "customer".into(),
        concurrency: 4,
        seconds: 15,
        warmup: 3,
        rate: 0.0,
        people: None,
        seed: 0,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?.clone();
        match flag.as_str() {
            "--url" => o.url = value,
            "--secret" => o.secret = value,
            "--scenario" => o.scenario = value,
            "--concurrency" => o.concurrency = value.parse().map_err(|_| "bad --concurrency")?,
            "--seconds" => o.seconds = value.parse().map_err(|_| "bad --seconds")?,
            "--warmup" => o.warmup = value.parse().map_err(|_| "bad --warmup")?,
            "--rate" => o.rate = value.parse().map_err(|_| "bad --rate")?,
            "--seed" => o.seed = value.parse().map_err(|_| "bad --seed")?,
            "--role" => o.role = value,
            "--people" => {
                o.people = Some(
                    value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or("bad --people")?,
                )
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.secret.len() < 32 {
        return Err("--secret must be the server's JWT_SECRET (32+ characters)".into());
    }
    Ok(o)
}

/// A small deterministic generator, so runs are comparable.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

const SERVICES: &[&str] = &[
    "waste-care",
    "highways",
    "street-care",
    "revenues-benefits",
    "housing-options-support",
    "green-care",
    "planning-development",
    "libraries-archives",
];
const SUMMARIES: &[&str] = &[
    "Green bin missed three weeks running",
    "Pothole reported in March still not repaired",
    "Council tax bill sent to the wrong address",
    "Rude response from the housing office",
    "Planning officer never returned my calls",
    "Street light out for a month outside the school",
    "Thank you to the library staff for their help",
    "Suggestion: more recycling points in the town centre",
];
const NAMES: &[&str] = &[
    "Alex Morgan",
    "Priya Shah",
    "Tom O'Neill",
    "Grace Okafor",
    "Wojciech Nowak",
    "Fatima Begum",
    "Sam Taylor",
    "Jo Evans",
];

/// Who a create is from: the contact details' number, and its pool.
#[derive(Clone, Copy)]
enum Contact {
    /// One of 1,000 numbers at random (without `--people`).
    Any,
    /// Person `n` of `--people`: their own name, address and number.
    Person(u64),
}

fn case_body(
    rng: &mut Lcg,
    kind: &str,
    channel: Option<&str>,
    contact: Contact,
) -> serde_json::Value {
    let (name, customer) = match contact {
        Contact::Any => (*rng.pick(NAMES), rng.next() % 1000),
        Contact::Person(n) => (NAMES[(n % NAMES.len() as u64) as usize], n),
    };
    let mut body = serde_json::json!({
        "kind": kind,
        "summary": rng.pick(SUMMARIES),
        "description": format!(
            "{} This has happened several times since the start of the month and I have already \
             contacted the service twice without a reply. Reference from my last call: {}.",
            rng.pick(SUMMARIES), rng.next() % 100_000
        ),
        "desired_outcome": "Put it right and explain what will change",
        "service": rng.pick(SERVICES),
        "category": "service failure",
        "problem_date": "2026-11-02",
        "customer": {
            "name": name,
            "email": format!("{}.{}@example.org", name.split(' ').next().unwrap_or("x").to_lowercase(), customer),
            // Each customer's own number: one number for all (as before people were matched,
            // issue 14) made the bench's customers eight people with thousands of cases each.
            "phone": match contact {
                Contact::Any => format!("01384 811{customer:03}"),
                Contact::Person(n) => format!("01384 {:06}", n % 1_000_000),
            },
            "preferred_contact": "email",
            "accessibility": {"large_print": rng.next().is_multiple_of(10)}
        }
    });
    if let Some(channel) = channel {
        body["channel"] = serde_json::json!(channel);
    }
    body
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    /// The mixed scenario's latencies by operation.
    by_operation: std::collections::BTreeMap<&'static str, Vec<u64>>,
    errors: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
}

/// The work-queue queries of a council's day: (query, as an officer?).
const LIST_QUERIES: &[(&str, bool)] = &[
    ("status=open&stage=stage_1", false),
    ("overdue=true", false),
    ("", true),
    ("investigator=me", true),
    ("status=open&overdue=false", true),
    (
        "kind=compliment&received_from=2026-01-01&received_to=2026-03-31",
        false,
    ),
    ("service=highways&status=closed", false),
    ("due_before=2026-12-31&status=open", false),
    ("channel=partner&kind=complaint", false),
    ("stage=stage_2", false),
];

/// Up to `pages` pages of case references, newest first, as the manager sees them.
async fn known_references(
    client: &awc::Client,
    url: &str,
    token: &str,
    pages: usize,
) -> Vec<String> {
    let mut references = Vec::new();
    let mut cursor = String::new();
    for _ in 0..pages {
        let Ok(mut response) = client
            .get(format!("{url}/api/v1/cases?limit=200{cursor}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
        else {
            break;
        };
        let Ok(page) = response.json::<serde_json::Value>().limit(10_000_000).await else {
            break;
        };
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(reference) = item["reference"].as_str() {
                references.push(reference.to_string());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    references
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let settings = JwtSettings {
        keys: JwtKeys::Secret(Secret::new(o.secret.clone())),
        issuer: std::env::var("JWT_ISSUER").unwrap_or_else(|_| "council-feedback".into()),
        audience: std::env::var("JWT_AUDIENCE").unwrap_or_else(|_| "council-feedback-api".into()),
        leeway_seconds: 30,
        case_access_secret: None,
    };
    let verifier = match TokenVerifier::new(&settings) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mint = |sub: &str, role: Role| verifier.mint(sub, &[role], &[], 7200).unwrap_or_default();
    let customers: Vec<String> = (0..o.people.unwrap_or(100))
        .map(|i| mint(&format!("citizen-{i}"), Role::Customer))
        .collect();
    let staff: Vec<String> = (0..10)
        .map(|i| mint(&format!("officer-{i}"), Role::InvestigatingOfficer))
        .collect();
    let partners: Vec<String> = (0..10)
        .map(|i| mint(&format!("contractor-{i}"), Role::Partner))
        .collect();
    let manager = mint("manager-1", Role::ComplaintsManager);
    // The `intake` scenario's public callers, in the role --role names.
    let public_role: Role = match serde_json::from_value(serde_json::json!(o.role)) {
        Ok(role) => role,
        Err(_) => {
            eprintln!("error: --role {} is not a role this service knows", o.role);
            std::process::exit(2);
        }
    };
    let public: Vec<String> = (0..o.people.unwrap_or(100))
        .map(|i| mint(&format!("resident-{i}"), public_role))
        .collect();
    // Officers as the seed names them, each in their service.
    let officers: Vec<String> = SERVICES
        .iter()
        .map(|service| {
            verifier
                .mint(
                    &format!("officer-{service}-1"),
                    &[Role::InvestigatingOfficer],
                    &[service.to_string()],
                    7200,
                )
                .unwrap_or_default()
        })
        .collect();

    let tally = Rc::new(RefCell::new(Tally::default()));
    // The first seconds warm the server's pool and the database's caches;
    // they are run but not counted.
    let measuring_from = Instant::now() + Duration::from_secs(o.warmup);
    let deadline = measuring_from + Duration::from_secs(o.seconds);
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        let references = Rc::new(if o.scenario == "mixed" {
            known_references(&client, &o.url, &manager, 10).await
        } else {
            Vec::new()
        });
        if o.scenario == "mixed" && references.is_empty() {
            eprintln!("error: the mixed scenario needs cases: seed the database first");
            std::process::exit(2);
        }
        let mut tasks = Vec::new();
        for worker in 0..o.concurrency {
            let client = client.clone();
            let tally = tally.clone();
            let (customers, staff, partners, public) = (customers.clone(), staff.clone(), partners.clone(), public.clone());
            let url = o.url.clone();
            let scenario = o.scenario.clone();
            let (manager, officers, references) = (manager.clone(), officers.clone(), references.clone());
            let (rate, concurrency, people, seed) = (o.rate, o.concurrency, o.people, o.seed);
            tasks.push(actix_rt::spawn(async move {
                let mut rng = Lcg(worker as u64 * 7919 + 1 + seed.wrapping_mul(1_000_003));
                let mut n = 0u64;
                // The mixed scenario's own complaints and how far each has got.
                let mut pending: std::collections::VecDeque<(String, u8)> = Default::default();
                let interval = (rate > 0.0).then(|| Duration::from_secs_f64(concurrency as f64 / rate));
                // Spread the clients' first requests over one interval.
                let mut due = Instant::now() + interval.map(|i| i.mul_f64(worker as f64 / concurrency as f64)).unwrap_or_default();
                while Instant::now() < deadline {
                    n += 1;
                    let t0 = match interval {
                        Some(interval) => {
                            let now = Instant::now();
                            if due > now {
                                actix_rt::time::sleep(due - now).await;
                            }
                            let scheduled = due;
                            due += interval;
                            scheduled
                        }
                        None => Instant::now(),
                    };
                    let mut operation = "";
                    let result = match scenario.as_str() {
                        "mixed" => {
                            let roll = rng.next() % 100;
                            let bearer = |token: &str| ("Authorization", format!("Bearer {token}"));
                            if roll < 15 {
                                operation = "create";
                                let body = case_body(&mut rng, "complaint", Some("telephone"), Contact::Any);
                                match client.post(format!("{url}/api/v1/cases")).insert_header(bearer(&manager)).send_json(&body).await {
                                    Ok(mut r) => {
                                        let created = r.json::<serde_json::Value>().await.ok();
                                        if let Some(reference) = created.as_ref().and_then(|c| c["reference"].as_str()) {
                                            pending.push_back((reference.to_string(), 0));
                                        }
                                        Ok(r.status().as_u16())
                                    }
                                    Err(e) => Err(e),
                                }
                            } else if roll < 45 {
                                operation = "read";
                                let reference = rng.pick(&references);
                                match client.get(format!("{url}/api/v1/cases/{reference}")).insert_header(bearer(&manager)).send().await {
                                    Ok(mut r) => {
                                        let _ = r.body().limit(10_000_000).await;
                                        Ok(r.status().as_u16())
                                    }
                                    Err(e) => Err(e),
                                }
                            } else if roll < 85 {
                                operation = "list";
                                let (query, as_officer) = *rng.pick(LIST_QUERIES);
                                let token = if as_officer { rng.pick(&officers).clone() } else { manager.clone() };
                                match client.get(format!("{url}/api/v1/cases?limit=50&{query}")).insert_header(bearer(&token)).send().await {
                                    Ok(mut r) => {
                                        let _ = r.body().limit(10_000_000).await;
                                        Ok(r.status().as_u16())
                                    }
                                    Err(e) => Err(e),
                                }
                            } else {
                                operation = "transition";
                                let (reference, step) = pending.pop_front().unwrap_or_else(|| (rng.pick(&references).clone(), 3));
                                let (path, body, version) = match step {
                                    0 => ("triage", serde_json::json!({"decision": "accept"}), Some(1)),
                                    1 => ("acknowledgement", serde_json::json!({"method": "email"}), Some(2)),
                                    2 => ("assignment", serde_json::json!({"investigator": "officer-waste-care-2"}), Some(3)),
                                    _ => ("notes", serde_json::json!({"text": "Spoke to the customer; they will send photos."}), None),
                                };
                                let mut request = client.post(format!("{url}/api/v1/cases/{reference}/{path}")).insert_header(bearer(&manager));
                                if let Some(version) = version {
                                    request = request.insert_header(("If-Match", format!("\"{version}\"")));
                                }
                                match request.send_json(&body).await {
                                    Ok(mut r) => {
                                        let _ = r.body().limit(10_000_000).await;
                                        if step < 3 && r.status().is_success() {
                                            pending.push_back((reference, step + 1));
                                        }
                                        Ok(r.status().as_u16())
                                    }
                                    Err(e) => Err(e),
                                }
                            }
                        }
                        "health" => client.get(format!("{url}/healthz")).send().await.map(|r| r.status().as_u16()),
                        // Public intake alone (issue 16): creates from the website, as --role.
                        "intake" => {
                            let kind = *rng.pick(&["complaint", "complaint", "complaint", "compliment", "comment"]);
                            let contact = match people {
                                Some(n) => Contact::Person(rng.next() % n),
                                None => Contact::Any,
                            };
                            let body = case_body(&mut rng, kind, None, contact);
                            let token = rng.pick(&public).clone();
                            match client
                                .post(format!("{url}/api/v1/cases"))
                                .insert_header(("Authorization", format!("Bearer {token}")))
                                .send_json(&body)
                                .await
                            {
                                Ok(mut r) => {
                                    let _ = r.body().await;
                                    Ok(r.status().as_u16())
                                }
                                Err(e) => Err(e),
                            }
                        }
                        "due-date" => {
                            let day = 1 + rng.next() % 28;
                            let month = 1 + rng.next() % 12;
                            let days = rng.next() % 40;
                            client
                                .get(format!("{url}/api/v1/calendar/due-date?from=2026-{month:02}-{day:02}&working_days={days}"))
                                .insert_header(("Authorization", format!("Bearer {}", rng.pick(&customers))))
                                .send()
                                .await
                                .map(|r| r.status().as_u16())
                        }
                        _ => {
                            let kind = *rng.pick(&["complaint", "complaint", "complaint", "compliment", "comment"]);
                            let person = |rng: &mut Lcg| match people {
                                Some(n) => Contact::Person(rng.next() % n),
                                None => Contact::Any,
                            };
                            let (token, body, key) = match rng.next() % 10 {
                                0..=5 => {
                                    let i = rng.next() as usize % customers.len();
                                    let contact = person(&mut rng);
                                    // With --people, account i writes as person i.
                                    let (i, contact) = match contact {
                                        Contact::Person(n) => (n as usize % customers.len(), contact),
                                        Contact::Any => (i, contact),
                                    };
                                    (customers[i].clone(), case_body(&mut rng, kind, None, contact), None)
                                }
                                6..=7 => {
                                    let contact = person(&mut rng);
                                    (rng.pick(&staff).clone(), case_body(&mut rng, kind, Some("telephone"), contact), None)
                                }
                                _ => (
                                    rng.pick(&partners).clone(),
                                    {
                                        let contact = person(&mut rng);
                                        case_body(&mut rng, "complaint", None, contact)
                                    },
                                    Some(format!("w{worker}-n{n}")),
                                ),
                            };
                            let mut request = client
                                .post(format!("{url}/api/v1/cases"))
                                .insert_header(("Authorization", format!("Bearer {token}")));
                            if let Some(key) = key {
                                request = request.insert_header(("Idempotency-Key", key));
                            }
                            match request.send_json(&body).await {
                                Ok(mut r) => {
                                    let _ = r.body().await;
                                    Ok(r.status().as_u16())
                                }
                                Err(e) => Err(e),
                            }
                        }
                    };
                    let elapsed = t0.elapsed().as_micros() as u64;
                    if t0 < measuring_from {
                        continue;
                    }
                    let mut t = tally.borrow_mut();
                    match result {
                        Ok(status) => {
                            *t.statuses.entry(status).or_default() += 1;
                            if status >= 400 {
                                t.errors += 1;
                            }
                            t.latencies_us.push(elapsed);
                            if !operation.is_empty() {
                                t.by_operation.entry(operation).or_default().push(elapsed);
                            }
                        }
                        Err(_) => t.errors += 1,
                    }
                }
            }));
        }
        for task in tasks {
            let _ = task.await;
        }
    });
    let wall = o.seconds as f64;
    let mut t = tally.borrow_mut();
    for (operation, latencies) in t.by_operation.iter_mut() {
        latencies.sort_unstable();
        let n = latencies.len();
        let pct =
            |p: f64| latencies[((n as f64 * p).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0;
        println!(
            "scenario={} concurrency={} rate={} operation={operation} requests={n} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
            o.scenario,
            o.concurrency,
            if o.rate > 0.0 { format!("{:.0}", o.rate) } else { "max".into() },
            n as f64 / wall,
            pct(0.50),
            pct(0.99),
            pct(1.0)
        );
    }
    t.latencies_us.sort_unstable();
    let n = t.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        t.latencies_us[((n as f64 * p).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0
    };
    println!(
        "scenario={} concurrency={} rate={} seconds={:.1} requests={} errors={} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} statuses={:?}",
        o.scenario,
        o.concurrency,
        if o.rate > 0.0 { format!("{:.0}", o.rate) } else { "max".into() },
        wall,
        n,
        t.errors,
        n as f64 / wall,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        t.statuses
    );
}
