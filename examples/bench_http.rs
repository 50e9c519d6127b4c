//! An HTTP load generator for the service's benchmarks: N concurrent
//! clients for a fixed time, realistic bodies and a spread of real tokens,
//! printing requests/s and latency percentiles.
//!
//! cargo run --release --example bench_http -- --url http://127.0.0.1:18080 \
//!     --secret "$JWT_SECRET" --scenario create --concurrency 4 --seconds 15
//!
//! The first `--warmup` seconds (default 3) are run but not counted.
//!
//! Scenarios: `create` (POST /api/v1/cases as customers, staff and partners),
//! `due-date` (GET /api/v1/calendar/due-date), `health` (GET /healthz).

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
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        url: "http://127.0.0.1:18080".into(),
        secret: String::new(),
        scenario: "create".into(),
        concurrency: 4,
        seconds: 15,
        warmup: 3,
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

fn case_body(rng: &mut Lcg, kind: &str, channel: Option<&str>) -> serde_json::Value {
    let name = *rng.pick(NAMES);
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
            "email": format!("{}.{}@example.org", name.split(' ').next().unwrap_or("x").to_lowercase(), rng.next() % 1000),
            "phone": "01384 811561",
            "preferred_contact": "email",
            "accessibility": {"large_print": rng.next() % 10 == 0}
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
    errors: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
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
    };
    let verifier = match TokenVerifier::new(&settings) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mint = |sub: &str, role: Role| verifier.mint(sub, &[role], &[], 7200).unwrap_or_default();
    let customers: Vec<String> = (0..100)
        .map(|i| mint(&format!("citizen-{i}"), Role::Customer))
        .collect();
    let staff: Vec<String> = (0..10)
        .map(|i| mint(&format!("officer-{i}"), Role::InvestigatingOfficer))
        .collect();
    let partners: Vec<String> = (0..10)
        .map(|i| mint(&format!("contractor-{i}"), Role::Partner))
        .collect();

    let tally = Rc::new(RefCell::new(Tally::default()));
    // The first seconds warm the server's pool and the database's caches;
    // they are run but not counted.
    let measuring_from = Instant::now() + Duration::from_secs(o.warmup);
    let deadline = measuring_from + Duration::from_secs(o.seconds);
    actix_rt::System::new().block_on(async {
        let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
        let mut tasks = Vec::new();
        for worker in 0..o.concurrency {
            let client = client.clone();
            let tally = tally.clone();
            let (customers, staff, partners) = (customers.clone(), staff.clone(), partners.clone());
            let url = o.url.clone();
            let scenario = o.scenario.clone();
            tasks.push(actix_rt::spawn(async move {
                let mut rng = Lcg(worker as u64 * 7919 + 1);
                let mut n = 0u64;
                while Instant::now() < deadline {
                    n += 1;
                    let t0 = Instant::now();
                    let result = match scenario.as_str() {
                        "health" => client.get(format!("{url}/healthz")).send().await.map(|r| r.status().as_u16()),
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
                            let (token, body, key) = match rng.next() % 10 {
                                0..=5 => (rng.pick(&customers).clone(), case_body(&mut rng, kind, None), None),
                                6..=7 => (rng.pick(&staff).clone(), case_body(&mut rng, kind, Some("telephone")), None),
                                _ => (
                                    rng.pick(&partners).clone(),
                                    case_body(&mut rng, "complaint", None),
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
    t.latencies_us.sort_unstable();
    let n = t.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        t.latencies_us[((n as f64 * p).ceil() as usize).clamp(1, n) - 1] as f64 / 1000.0
    };
    println!(
        "scenario={} concurrency={} seconds={:.1} requests={} errors={} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} statuses={:?}",
        o.scenario,
        o.concurrency,
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
