//! Issue 11 §7: URIs and headers larger than the service reads are answered 414 and 431
//! problem+json, whether the service's own limits refuse them (8 KiB of URI, 64 KiB of
//! headers) or actix's codec does (a URI over 65,534 bytes, a head over 128 KiB), nothing is
//! written, and none of it is logged as an error.

use std::io::{Read, Write};
use std::time::Duration;

use awc::http::Method;
use serde_json::Value;

use crate::helpers::*;

/// The answer to `head` (and `body`) sent as raw bytes: status, head and body. The request is
/// written on a thread of its own while the answer is read, since the service answers and
/// closes before a large head is all sent.
async fn raw(address: &str, head: Vec<u8>, body: Vec<u8>) -> (u16, String, String) {
    let address = address.trim_start_matches("http://").to_string();
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        let sending = std::thread::spawn(move || {
            // The service may close before it has read it all: that is the point.
            let _ = writer
                .write_all(&head)
                .and_then(|_| writer.write_all(&body));
        });
        let mut answer = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
            if complete(&answer) {
                break;
            }
        }
        let _ = stream.shutdown(std::net::Shutdown::Both);
        let _ = sending.join();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, head.to_ascii_lowercase(), body.to_string())
    })
    .await
    .expect("raw request")
}

/// An answer whose body is all there, by its content-length.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    head.to_ascii_lowercase()
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .is_some_and(|n| body.len() >= n)
}

#[track_caller]
fn assert_problem(answer: &(u16, String, String), status: u16, problem_type: &str) -> Value {
    let (got, head, body) = answer;
    assert_eq!(*got, status, "{head}\n{body}");
    assert!(
        head.contains("\r\ncontent-type: application/problem+json"),
        "{head}"
    );
    let problem: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(problem["type"], problem_type);
    assert_eq!(problem["status"], status);
    let request_id = problem["request_id"].as_str().expect("a request id");
    assert!(
        head.contains(&format!("\r\nx-request-id: {request_id}")),
        "{head}"
    );
    assert!(
        head.contains("\r\nx-content-type-options: nosniff"),
        "{head}"
    );
    problem
}

fn create_head(path: &str, token: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes()
}

#[actix_web::test]
async fn heads_larger_than_the_codec_holds_are_answered_414_and_431_as_problems() {
    let app = spawn_app().await;
    let token = app.customer("cust-oversized");
    let body = complaint().to_string().into_bytes();
    let before = app.row_counts();

    // A 100 kB query: past what the HTTP codec parses.
    let path = format!("/api/v1/cases?pad={}", "a".repeat(100_000));
    let answer = raw(
        &app.address,
        create_head(&path, &token, "", &body),
        body.clone(),
    )
    .await;
    let problem = assert_problem(&answer, 414, "/problems/uri-too-long");
    assert_eq!(
        problem["detail"],
        "the URI (path and query) is longer than the 8192 bytes this service reads"
    );

    // A 2 MB header: past the codec's buffer for a request head.
    let header = format!("X-Padding: {}\r\n", "b".repeat(2_000_000));
    let answer = raw(
        &app.address,
        create_head("/api/v1/cases", &token, &header, &body),
        body.clone(),
    )
    .await;
    let problem = assert_problem(&answer, 431, "/problems/request-header-fields-too-large");
    assert_eq!(
        problem["detail"],
        "the request's headers are larger than the 65536 bytes this service reads"
    );

    // A head the codec cannot read at all.
    let answer = raw(
        &app.address,
        b"GET /api/v1/cases HTTP/1.1\r\nHo st: x\r\n\r\n".to_vec(),
        vec![],
    )
    .await;
    assert_problem(&answer, 400, "/problems/bad-request");

    assert_eq!(app.row_counts(), before);

    // The connection wrapper passes everything else through untouched.
    let created = raw(
        &app.address,
        create_head("/api/v1/cases", &token, "Connection: close\r\n", &body),
        body.clone(),
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.2);
}

#[actix_web::test]
async fn heads_within_the_codec_but_over_the_services_limits_are_refused_before_any_handler() {
    let app = spawn_app().await;
    let token = app.customer("cust-oversized");
    let body = complaint().to_string().into_bytes();
    let before = app.row_counts();

    let path = format!("/api/v1/cases?pad={}", "a".repeat(8_200));
    let response = app
        .send(Method::POST, &path, Some(&token), &[], Some(body.clone()))
        .await;
    let problem = response.problem(414, "/problems/uri-too-long");
    assert_eq!(problem["instance"], "/api/v1/cases");

    let padding = "b".repeat(70_000);
    let response = app
        .send(
            Method::POST,
            "/api/v1/cases",
            Some(&token),
            &[("X-Padding", &padding)],
            Some(body.clone()),
        )
        .await;
    response.problem(431, "/problems/request-header-fields-too-large");
    assert_eq!(app.row_counts(), before);

    // Just inside both limits, the same request is taken.
    let path = format!("/api/v1/cases?pad={}", "a".repeat(8_000));
    let padding = "b".repeat(60_000);
    let response = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            &[("X-Padding", &padding)],
            Some(body),
        )
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
}

#[actix_web::test]
async fn the_codecs_refusals_are_logged_as_answers_not_as_errors() {
    let data_dir = std::env::temp_dir().join(format!("cf-logs-{}", uuid::Uuid::new_v4().simple()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_council-feedback"))
        .arg("serve")
        .env_clear()
        .env("DATA_DIR", &data_dir)
        .env("JWT_SECRET", SECRET)
        .env("BIND_ADDRESS", format!("127.0.0.1:{port}"))
        .env("WORKERS", "1")
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the binary");
    let address = format!("127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(&address).is_ok() {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let long_uri = format!(
        "GET /healthz?pad={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(100_000)
    );
    let long_header = format!(
        "GET /healthz HTTP/1.1\r\nX-Padding: {}\r\n\r\n",
        "b".repeat(2_000_000)
    );
    let answers = if up {
        vec![
            raw(&address, long_uri.into_bytes(), vec![]).await.0,
            raw(&address, long_header.into_bytes(), vec![]).await.0,
            raw(
                &address,
                b"GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n".to_vec(),
                vec![],
            )
            .await
            .0,
        ]
    } else {
        vec![]
    };
    let _ = server.kill();
    let output = server.wait_with_output().expect("the server's log");
    let _ = std::fs::remove_dir_all(&data_dir);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(up, "the server did not start: {log}");
    assert_eq!(answers, [414, 431, 400]);
    assert!(!log.contains(" ERROR "), "{log}");
    for status in ["414", "431", "400"] {
        assert!(
            log.contains(&format!(" - - {status} refused by the HTTP codec: ")),
            "no access line for {status}: {log}"
        );
    }
}
