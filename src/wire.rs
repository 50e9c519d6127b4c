//! The connection under the HTTP codec, and what the codec refuses.
//!
//! actix's HTTP/1 codec refuses a request head it cannot hold before any of the application
//! runs: a URI longer than the `http` crate takes (65,534 bytes) is answered `400` and a head
//! over its 128 KiB buffer `431`, both with an empty body, and each refusal is logged at ERROR
//! as a "stream error". Those are a client's mistakes, not faults of ours. [`Guarded`] wraps each
//! connection: it notices the codec's bare refusal as it is written and writes a problem+json
//! answer in its place (a URI too long becomes `414`), with a request id and an access-log
//! line like every other answer's. [`is_codec_refusal_log`] lets the logger drop the codec's own
//! line.
//!
//! Heads within the codec's limits but over the service's own ([`MAX_URI_BYTES`],
//! [`MAX_HEADER_BYTES`]) are refused by the request-context middleware with the same answers.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::http::StatusCode;
use actix_web::rt::net::TcpStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{ApiError, PROBLEM_JSON};

/// The longest URI (path and query) the service reads. Longer ones are answered `414`.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header bytes (names, values and their separators) the service reads in one
/// request. More are answered `431`.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

/// The longest URI actix's codec parses (`http::Uri`'s limit); a request line longer than this
/// is refused by the codec as a bad request, which [`Guarded`] answers as `414`.
const CODEC_MAX_URI: usize = 65_534;

/// The codec's refusals, exactly as it writes them: no body, and the connection closed.
const BARE_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n";
const BARE_431: &[u8] =
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n";

/// A connection whose codec refusals are answered as problem+json.
pub struct Guarded<T = TcpStream> {
    inner: T,
    /// The longest line read since the last answer was written, and the length of the line
    /// being read: a refusal after a request line over the codec's URI limit is a `414`.
    longest_line: usize,
    current_line: usize,
    /// The answer written in place of a bare refusal, how much of it is written, and how
    /// many bytes of the codec's own it stands for.
    replacing: Option<Replacement>,
}

struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    stands_for: usize,
}

impl<T> Guarded<T> {
    pub fn new(inner: T) -> Self {
        Guarded {
            inner,
            longest_line: 0,
            current_line: 0,
            replacing: None,
        }
    }

    fn note_read(&mut self, bytes: &[u8]) {
        for line in bytes.split_inclusive(|b| *b == b'\n') {
            self.current_line += line.len();
            if line.ends_with(b"\n") {
                self.longest_line = self.longest_line.max(self.current_line);
                self.current_line = 0;
            }
        }
    }

    fn longest_line(&self) -> usize {
        self.longest_line.max(self.current_line)
    }
}

/// The codec's `date` header line in a refusal's head, to send on in the answer.
fn date_line(head: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(head).ok()?;
    text.split("\r\n")
        .find(|line| line.len() > 6 && line[..6].eq_ignore_ascii_case("date: "))
}

/// What the codec is refusing, if `written` begins with one of its bare refusals, and the
/// length of that refusal's head.
fn codec_refusal(written: &[u8], longest_line: usize) -> Option<(ApiError, usize)> {
    let head_length = |written: &[u8]| {
        written
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|at| at + 4)
    };
    if written.starts_with(BARE_431) {
        return Some((ApiError::HeadersTooLarge, head_length(written)?));
    }
    if written.starts_with(BARE_400) {
        let error = if longest_line > CODEC_MAX_URI {
            ApiError::UriTooLong
        } else {
            ApiError::BadRequest(
                "the request's head could not be read: its request line or a header is malformed"
                    .into(),
            )
        };
        return Some((error, head_length(written)?));
    }
    None
}

/// The whole HTTP/1.1 answer for a refusal made before the request reached the application.
fn answer(error: &ApiError, date: Option<&str>) -> Vec<u8> {
    use actix_web::ResponseError;
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut problem = error.to_problem();
    problem.request_id = Some(request_id.clone());
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let status: StatusCode = error.status_code();
    log::info!(
        target: "access",
        "{request_id} - - {} refused by the HTTP codec: {}",
        status.as_u16(),
        problem.detail.as_deref().unwrap_or_default()
    );
    let mut bytes = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: {PROBLEM_JSON}\r\ncontent-length: {}\r\n\
         connection: close\r\nx-request-id: {request_id}\r\n\
         x-content-type-options: nosniff\r\ncache-control: no-store\r\n{}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len(),
        date.map(|line| format!("{line}\r\n")).unwrap_or_default()
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// True for actix's log line about a request head its codec refused: [`Guarded`] answers and
/// logs those itself, as the client's mistake they are.
pub fn is_codec_refusal_log(record: &log::Record<'_>) -> bool {
    record.target() == "actix_http::h1::dispatcher"
        && record
            .args()
            .to_string()
            .starts_with("stream error: request parse error")
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.note_read(&buf.filled()[before..]);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none() {
            match codec_refusal(buf, this.longest_line()) {
                Some((error, stands_for)) => {
                    this.replacing = Some(Replacement {
                        bytes: answer(&error, date_line(&buf[..stands_for])),
                        written: 0,
                        stands_for,
                    });
                }
                None => {
                    // An answer of the application's: the next request starts afresh.
                    this.longest_line = 0;
                    return Pin::new(&mut this.inner).poll_write(cx, buf);
                }
            }
        }
        let Some(replacement) = this.replacing.as_mut() else {
            return Poll::Ready(Ok(0));
        };
        while replacement.written < replacement.bytes.len() {
            match Pin::new(&mut this.inner)
                .poll_write(cx, &replacement.bytes[replacement.written..])
            {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => replacement.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let stands_for = replacement.stands_for;
        this.replacing = None;
        Poll::Ready(Ok(stands_for))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codecs_bare_refusals_are_recognised_and_nothing_else_is() {
        let refusal = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\
                        connection: close\r\ndate: Sat, 05 Dec 2026 15:55:52 GMT\r\n\r\n";
        let (error, length) = codec_refusal(refusal, 0).expect("a refusal");
        assert!(matches!(error, ApiError::HeadersTooLarge));
        assert_eq!(length, refusal.len());

        let refusal = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\
                        date: Sat, 05 Dec 2026 15:55:52 GMT\r\n\r\n";
        assert!(matches!(
            codec_refusal(refusal, 100_020),
            Some((ApiError::UriTooLong, _))
        ));
        assert!(matches!(
            codec_refusal(refusal, 80),
            Some((ApiError::BadRequest(_), _))
        ));

        // The application's own 400 has a body and its type.
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\n\
                     content-type: application/problem+json\r\n\r\n{}";
        assert!(codec_refusal(ours, 100_020).is_none());
    }

    #[test]
    fn the_longest_line_read_is_counted_across_reads() {
        let mut guarded = Guarded::new(());
        guarded.note_read(b"GET /a");
        guarded.note_read(b"aaaa HTTP/1.1\r\nHost: x\r\n");
        assert_eq!(guarded.longest_line(), "GET /aaaaa HTTP/1.1\r\n".len());
        guarded.note_read(&[b'x'; 40]);
        assert_eq!(guarded.longest_line(), 40);
    }

    #[test]
    fn the_answer_is_problem_json_with_its_length() {
        let bytes = answer(
            &ApiError::UriTooLong,
            Some("date: Sat, 05 Dec 2026 15:59:32 GMT"),
        );
        let text = String::from_utf8(bytes).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains("content-type: application/problem+json\r\n"));
        assert!(head.ends_with("\r\ndate: Sat, 05 Dec 2026 15:59:32 GMT"));
        assert!(head.contains(&format!("content-length: {}\r\n", body.len())));
        let problem: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(problem["type"], "/problems/uri-too-long");
        assert_eq!(problem["status"], 414);
    }
}
