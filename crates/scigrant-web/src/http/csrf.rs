//! Where a browser POST carries its CSRF token: never in the URL (it would
//! reach the address bar, the history and every access log), but as the
//! form field `csrf` or, for scripts, the `X-CSRF-Token` header.
//!
//! A form's field sits in its body, which the handler reads later, so the
//! middleware takes the token out and puts the body back untouched:
//! - an url-encoded form is read whole (such forms are small; the bound
//!   is above every url-encoded route's limit) and handed on as it came;
//! - a multipart form must carry `csrf` as its first part (the templates
//!   put the hidden field first, and browsers send fields in document
//!   order); only that part is read, at most [`PEEK_MAX`] bytes, and the
//!   rest of an upload streams on as before.
//!
//! Reading the url-encoded body here is also where its field count is
//! bounded: more than [`FIELDS_MAX`] pairs is refused with 413 before any
//! handler parses them.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use futures_util::StreamExt;

use crate::http::error::failure;
use crate::routes::MB;

/// The form field and the header that carry the token.
pub const FIELD: &str = "csrf";
pub const HEADER: &str = "x-csrf-token";

/// An url-encoded body is read up to this size (the largest url-encoded
/// route takes 13 MB).
const FORM_MAX: usize = 16 * MB;
/// The most name=value pairs an url-encoded form may carry (the largest
/// declared form, 附件4 with full tables, posts about 600).
pub const FIELDS_MAX: usize = 4_000;
/// How much of a multipart body may come before its first part ends.
pub const PEEK_MAX: usize = 16 * 1024;

/// The token `req` presents (header first, then the body) and the request
/// with its body as it came; an url-encoded body over [`FORM_MAX`] is
/// refused here with 413.
pub async fn presented(req: Request) -> Result<(Option<String>, Request), Response> {
    if let Some(v) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        let token = v.trim().to_string();
        return Ok((Some(token), req));
    }
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let kind = content_type.to_ascii_lowercase();
    if kind.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, FORM_MAX).await.map_err(|_| {
            failure(
                StatusCode::PAYLOAD_TOO_LARGE,
                "提交内容过大",
                "提交的内容超过了允许的大小，请删减后重新提交。",
            )
        })?;
        if bytes
            .split(|b| *b == b'&')
            .filter(|p| !p.is_empty())
            .count()
            > FIELDS_MAX
        {
            return Err(failure(
                StatusCode::PAYLOAD_TOO_LARGE,
                "提交内容过大",
                format!("表单字段超过 {FIELDS_MAX} 个，请检查后重新提交。"),
            ));
        }
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == FIELD))
            .map(|(_, v)| v);
        return Ok((token, Request::from_parts(parts, Body::from(bytes))));
    }
    if kind.starts_with("multipart/form-data") {
        // The boundary is case-sensitive: read it from the header as sent.
        let Some(boundary) = boundary(&content_type) else {
            return Ok((None, req));
        };
        let (parts, body) = req.into_parts();
        let mut stream = body.into_data_stream();
        let mut buf: Vec<u8> = Vec::new();
        let token = loop {
            match first_field(&buf, &boundary) {
                Peek::Found(v) => break Some(v),
                Peek::Absent => break None,
                Peek::More if buf.len() > PEEK_MAX => break None,
                Peek::More => match stream.next().await {
                    Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
                    // The client went away or the body ended early: no token.
                    _ => break None,
                },
            }
        };
        let head = futures_util::stream::iter([Ok::<_, axum::Error>(Bytes::from(buf))]);
        let body = Body::from_stream(head.chain(stream));
        return Ok((token, Request::from_parts(parts, body)));
    }
    Ok((None, req))
}

/// The `boundary` parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// What the start of a multipart body says about its first part.
#[derive(Debug, PartialEq, Eq)]
enum Peek {
    /// Not enough bytes yet.
    More,
    /// The first part is `csrf`, with this value.
    Found(String),
    /// The first part is something else, or the body is malformed.
    Absent,
}

fn first_field(buf: &[u8], boundary: &str) -> Peek {
    let opening = format!("--{boundary}\r\n");
    if buf.len() < opening.len() {
        return if opening.as_bytes().starts_with(buf) {
            Peek::More
        } else {
            Peek::Absent
        };
    }
    if !buf.starts_with(opening.as_bytes()) {
        return Peek::Absent;
    }
    let rest = &buf[opening.len()..];
    let Some(end_of_headers) = find(rest, b"\r\n\r\n") else {
        return Peek::More;
    };
    let headers = String::from_utf8_lossy(&rest[..end_of_headers]).to_ascii_lowercase();
    let named_csrf = headers.lines().any(|line| {
        line.starts_with("content-disposition:")
            && line
                .split(';')
                .any(|p| p.trim() == format!("name=\"{FIELD}\""))
    });
    if !named_csrf {
        return Peek::Absent;
    }
    let value = &rest[end_of_headers + 4..];
    let closing = format!("\r\n--{boundary}");
    match find(value, closing.as_bytes()) {
        Some(end) => match std::str::from_utf8(&value[..end]) {
            Ok(v) => Peek::Found(v.to_string()),
            Err(_) => Peek::Absent,
        },
        None => Peek::More,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::{Peek, boundary, first_field};

    const B: &str = "----sgBoundary7MA4YWxk";

    fn body(first: &str) -> Vec<u8> {
        format!(
            "--{B}\r\nContent-Disposition: form-data; {first}\r\n\r\nabc123\r\n--{B}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF"
        )
        .into_bytes()
    }

    #[test]
    fn the_first_part_named_csrf_gives_its_value_at_any_split() {
        let all = body("name=\"csrf\"");
        let end = all.windows(4).position(|w| w == b"%PDF").unwrap_or(0);
        for cut in 0..end {
            let got = first_field(&all[..cut], B);
            assert!(
                got == Peek::More || got == Peek::Found("abc123".into()),
                "cut {cut}: {got:?}"
            );
        }
        assert_eq!(first_field(&all, B), Peek::Found("abc123".into()));
    }

    #[test]
    fn another_first_part_or_another_boundary_carries_no_token() {
        assert_eq!(first_field(&body("name=\"title\""), B), Peek::Absent);
        assert_eq!(first_field(&body("name=\"csrfx\""), B), Peek::Absent);
        assert_eq!(first_field(&body("name=\"csrf\""), "other"), Peek::Absent);
        assert_eq!(first_field(b"garbage", B), Peek::Absent);
    }

    #[test]
    fn the_boundary_is_read_quoted_or_not() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(
            boundary("multipart/form-data;boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }
}
