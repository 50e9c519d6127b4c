//! Real servers for the mail room's tests: a small SMTP server that speaks enough of RFC 5321
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps the
//! messages it accepted, and a GOV.UK Notify look-alike that answers as Notify's documented
//! API does and checks each request's JWT as Notify would.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// A message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as received, dot-unstuffed, lines ending CRLF.
    pub data: String,
}

impl Mail {
    /// A header's value (the first of that name), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':') {
                if key.eq_ignore_ascii_case(name) {
                    found = Some(value.trim().to_string());
                }
            }
        }
        found
    }
}

#[derive(Default)]
struct SmtpState {
    accepted: Vec<Mail>,
    /// Messages whose DATA ended but whose client went before it was answered.
    abandoned: usize,
    /// DATA finished, the answer not yet given.
    in_flight: usize,
}

/// A local SMTP server on 127.0.0.1. `hold` delays the answer to the end of DATA of the
/// first `hold_first` messages (a client killed meanwhile never has them accepted).
pub struct SmtpServer {
    pub port: u16,
    state: Arc<Mutex<SmtpState>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::holding(0, Duration::ZERO)
    }

    pub fn holding(hold_first: usize, hold: Duration) -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        let port = listener.local_addr().expect("address").port();
        let state: Arc<Mutex<SmtpState>> = Arc::default();
        let shared = state.clone();
        let held = Arc::new(Mutex::new(hold_first));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                let held = held.clone();
                std::thread::spawn(move || {
                    let _ = session(stream, &state, &held, hold);
                });
            }
        });
        SmtpServer { port, state }
    }

    pub fn accepted(&self) -> Vec<Mail> {
        self.state.lock().expect("lock").accepted.clone()
    }

    pub fn abandoned(&self) -> usize {
        self.state.lock().expect("lock").abandoned
    }

    pub fn in_flight(&self) -> usize {
        self.state.lock().expect("lock").in_flight
    }

    /// Waits (at most `within`) until `done` holds of the accepted messages.
    pub async fn until(&self, within: Duration, done: impl Fn(&[Mail]) -> bool) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let accepted = self.accepted();
            if done(&accepted) {
                return accepted;
            }
            assert!(
                started.elapsed() < within,
                "the SMTP server had {} messages after {within:?}",
                accepted.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn path_of(argument: &str) -> String {
    let start = argument.find('<').map(|i| i + 1).unwrap_or(0);
    let end = argument.rfind('>').unwrap_or(argument.len());
    argument.get(start..end).unwrap_or_default().to_string()
}

fn session(
    stream: TcpStream,
    state: &Mutex<SmtpState>,
    held: &Mutex<usize>,
    hold: Duration,
) -> std::io::Result<()> {
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 test-smtp ESMTP ready\r\n")?;
    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, argument) = line.split_once(' ').unwrap_or((line, ""));
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" => writer.write_all(b"250-test-smtp greets you\r\n250 8BITMIME\r\n")?,
            "HELO" => writer.write_all(b"250 test-smtp\r\n")?,
            "MAIL" => {
                from = Some(path_of(argument));
                to.clear();
                writer.write_all(b"250 2.1.0 OK\r\n")?;
            }
            "RCPT" if from.is_some() => {
                to.push(path_of(argument));
                writer.write_all(b"250 2.1.5 OK\r\n")?;
            }
            "RCPT" => writer.write_all(b"503 5.5.1 MAIL first\r\n")?,
            "DATA" if from.is_some() && !to.is_empty() => {
                writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line)? == 0 {
                        // The client went mid-message: nothing was accepted.
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-unstuffing (RFC 5321 4.5.2).
                    let line = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(line);
                }
                let mail = Mail {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    data,
                };
                let hold_this = {
                    let mut left = held.lock().expect("lock");
                    let hold_this = *left > 0;
                    *left = left.saturating_sub(1);
                    hold_this
                };
                if hold_this {
                    state.lock().expect("lock").in_flight += 1;
                    std::thread::sleep(hold);
                    state.lock().expect("lock").in_flight -= 1;
                    // A client that went meanwhile never heard the message was taken: it is
                    // not accepted (RFC 5321 6.1: responsibility passes with the reply).
                    let stream = reader.get_ref();
                    stream.set_nonblocking(true)?;
                    let mut probe = [0u8; 1];
                    let gone = matches!(stream.peek(&mut probe), Ok(0))
                        || matches!(reader.get_ref().take_error(), Ok(Some(_)));
                    reader.get_ref().set_nonblocking(false)?;
                    if gone || writer.write_all(b"250 2.0.0 OK queued\r\n").is_err() {
                        state.lock().expect("lock").abandoned += 1;
                        return Ok(());
                    }
                    state.lock().expect("lock").accepted.push(mail);
                    continue;
                }
                state.lock().expect("lock").accepted.push(mail);
                writer.write_all(b"250 2.0.0 OK queued\r\n")?;
            }
            "DATA" => writer.write_all(b"503 5.5.1 MAIL and RCPT first\r\n")?,
            "RSET" => {
                from = None;
                to.clear();
                writer.write_all(b"250 OK\r\n")?;
            }
            "NOOP" => writer.write_all(b"250 OK\r\n")?,
            "QUIT" => {
                writer.write_all(b"221 2.0.0 Bye\r\n")?;
                return Ok(());
            }
            _ => writer.write_all(b"502 5.5.2 Command not recognised\r\n")?,
        }
    }
}

/// The Notify service the app is configured with.
pub const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
pub const NOTIFY_SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
pub const EMAIL_TEMPLATE: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";
pub const SMS_TEMPLATE: &str = "0f2b3d44-1a7c-4a37-9f56-3c1e2b5a6d7e";

/// The API key for the service, as Notify gives it out.
pub fn api_key(secret: &str) -> String {
    format!("council_live-{SERVICE_ID}-{secret}")
}

/// A request Notify accepted.
#[derive(Debug, Clone)]
pub struct NotifyRequest {
    pub path: String,
    pub body: Value,
    /// The notification id this server answered with.
    pub id: String,
}

#[derive(Default)]
struct NotifyState {
    accepted: Vec<NotifyRequest>,
    refused: Vec<(u16, Value)>,
    /// The status `GET /v2/notifications/{id}` gives, by id.
    statuses: std::collections::HashMap<String, String>,
}

/// A GOV.UK Notify look-alike on 127.0.0.1.
pub struct NotifyServer {
    pub base: String,
    state: Arc<Mutex<NotifyState>>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for NotifyServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// Notify's error answer: its status, `error` and `message`.
pub struct Refusal(u16, &'static str, &'static str);

impl Refusal {
    fn respond(&self) -> HttpResponse {
        let Refusal(status, error, message) = *self;
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
            .json(json!({"errors": [{"error": error, "message": message}], "status_code": status}))
    }
}

fn error(status: u16, error: &'static str, message: &'static str) -> Refusal {
    Refusal(status, error, message)
}

/// Checks the bearer token as Notify does: HS256 with the service's secret, `iss` the
/// service id, `iat` within 30 seconds of now. `Err` is Notify's answer.
pub fn check_token(req: &HttpRequest) -> Result<(), Refusal> {
    let Some(token) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return Err(error(
            401,
            "AuthError",
            "Unauthorized: authentication token must be provided",
        ));
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(NOTIFY_SECRET.as_bytes()),
        &validation,
    )
    .map_err(|_| {
        error(
            403,
            "AuthError",
            "Invalid token: signature, api token not found",
        )
    })?
    .claims;
    if claims["iss"] != SERVICE_ID {
        return Err(error(403, "AuthError", "Invalid token: service not found"));
    }
    let iat = claims["iat"]
        .as_i64()
        .ok_or_else(|| error(403, "AuthError", "Invalid token: API key not found"))?;
    if (chrono::Utc::now().timestamp() - iat).abs() > 30 {
        return Err(error(
            403,
            "AuthError",
            "Error: Your system clock must be accurate to within 30 seconds",
        ));
    }
    Ok(())
}

fn created(path: &str, body: &Value, id: &str) -> Result<Value, Refusal> {
    let reference = body["reference"].clone();
    let template = |template: &str| {
        json!({"id": template, "version": 1,
               "uri": format!("https://api.notifications.service.gov.uk/services/{SERVICE_ID}/templates/{template}")})
    };
    let uri = format!("https://api.notifications.service.gov.uk/v2/notifications/{id}");
    match path {
        "/v2/notifications/email" => {
            if body["template_id"] != EMAIL_TEMPLATE {
                return Err(error(400, "BadRequestError", "Template not found"));
            }
            if !body["email_address"]
                .as_str()
                .is_some_and(|a| a.contains('@'))
            {
                return Err(error(
                    400,
                    "ValidationError",
                    "email_address Not a valid email address",
                ));
            }
            Ok(json!({"id": id, "reference": reference,
                      "content": {"subject": body["personalisation"]["subject"], "body": body["personalisation"]["body"],
                                  "from_email": "council@notifications.service.gov.uk"},
                      "uri": uri, "template": template(EMAIL_TEMPLATE)}))
        }
        "/v2/notifications/sms" => {
            if body["template_id"] != SMS_TEMPLATE {
                return Err(error(400, "BadRequestError", "Template not found"));
            }
            if !body["phone_number"].is_string() {
                return Err(error(
                    400,
                    "ValidationError",
                    "phone_number is a required property",
                ));
            }
            Ok(json!({"id": id, "reference": reference,
                      "content": {"body": body["personalisation"]["body"], "from_number": "COUNCIL"},
                      "uri": uri, "template": template(SMS_TEMPLATE)}))
        }
        "/v2/notifications/letter" => {
            use base64::Engine;
            if !body["reference"].is_string() {
                return Err(error(
                    400,
                    "ValidationError",
                    "reference is a required property",
                ));
            }
            let pdf = body["content"]
                .as_str()
                .and_then(|c| base64::engine::general_purpose::STANDARD.decode(c).ok());
            if !pdf.is_some_and(|p| p.starts_with(b"%PDF")) {
                return Err(error(
                    400,
                    "ValidationError",
                    "Letter content is not a valid PDF",
                ));
            }
            Ok(json!({"id": id, "reference": reference, "postage": body["postage"]}))
        }
        _ => Err(error(404, "NotFound", "Not found")),
    }
}

impl NotifyServer {
    pub async fn start() -> NotifyServer {
        let state: Arc<Mutex<NotifyState>> = Arc::default();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind notify");
        let port = listener.local_addr().expect("address").port();
        let shared = state.clone();
        let server = HttpServer::new(move || {
            let state = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let state = state.clone();
                async move {
                    if let Err(refusal) = check_token(&req) {
                        state
                            .lock()
                            .expect("lock")
                            .refused
                            .push((refusal.0, Value::Null));
                        return refusal.respond();
                    }
                    let path = req.path().to_string();
                    if req.method() == actix_web::http::Method::GET {
                        let id = path.strip_prefix("/v2/notifications/").unwrap_or_default();
                        let status = state.lock().expect("lock").statuses.get(id).cloned();
                        return match status {
                            Some(status) => HttpResponse::Ok().json(json!({
                                "id": id, "status": status, "type": "sms",
                                "completed_at": "2026-12-01T10:05:00.000000Z"})),
                            None => error(404, "NoResultFound", "No result found").respond(),
                        };
                    }
                    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
                        return error(400, "BadRequestError", "Invalid JSON supplied in POST data")
                            .respond();
                    };
                    let id = uuid::Uuid::new_v4().to_string();
                    match created(&path, &body, &id) {
                        Ok(answer) => {
                            let mut state = state.lock().expect("lock");
                            state.statuses.insert(id.clone(), "sending".into());
                            state.accepted.push(NotifyRequest { path, body, id });
                            HttpResponse::Created().json(answer)
                        }
                        Err(refusal) => refusal.respond(),
                    }
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        NotifyServer {
            base: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    pub fn accepted(&self) -> Vec<NotifyRequest> {
        self.state.lock().expect("lock").accepted.clone()
    }

    /// What `GET /v2/notifications/{id}` says of notification `id` from now on.
    pub fn set_status(&self, id: &str, status: &str) {
        self.state
            .lock()
            .expect("lock")
            .statuses
            .insert(id.to_string(), status.to_string());
    }

    /// The statuses of the requests refused for their token.
    pub fn refused(&self) -> Vec<u16> {
        self.state
            .lock()
            .expect("lock")
            .refused
            .iter()
            .map(|(s, _)| *s)
            .collect()
    }

    /// Waits (at most `within`) until `done` holds of the accepted requests.
    pub async fn until(
        &self,
        within: Duration,
        done: impl Fn(&[NotifyRequest]) -> bool,
    ) -> Vec<NotifyRequest> {
        let started = Instant::now();
        loop {
            let accepted = self.accepted();
            if done(&accepted) {
                return accepted;
            }
            assert!(
                started.elapsed() < within,
                "Notify had {} requests after {within:?}",
                accepted.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
