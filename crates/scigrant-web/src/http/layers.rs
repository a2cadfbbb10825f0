//! What every request passes, outermost first. `edge`, one middleware
//! for what each request needs once: a request id (a proxy's
//! `x-request-id` is kept when plausible, else one is made) that is echoed
//! on the response; that id, method and path on every log line of the
//! request (`ops::logline`); the request log and metrics (`ops::observe`); the
//! security headers (and `Strict-Transport-Security` over https). Then
//! tower-http's gzip/br for text and idle timeout on request bodies. Then
//! axum's routing, and on the matched route `context::middleware`: inside
//! [`answered`] (a 60 s limit on every request except file uploads, and the
//! error pages) the session, CSRF and the route's declared permission.
//!
//! The steps are few middlewares rather than a layer each: every layer is
//! a service cloned and a future boxed for every request, and the nine
//! they were cost the portal's pages a fifth of their throughput.

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY,
    STRICT_TRANSPORT_SECURITY,
};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, StatusCode, Version, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use scigrant_app::identity::auth::request_id;
use tower::ServiceBuilder;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::http::error::{self, failure};
use crate::ops::logline::answering;

/// How long a request other than an upload may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a request body may stall between two chunks; a large upload
/// that keeps moving is never cut off.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Pages load scripts and styles only from the site itself; there are no
/// inline scripts.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; report-uri /csp-report";

/// Where browsers report what the CSP blocked (no CSRF token: a report
/// cannot carry one, and the endpoint only logs and counts).
pub const CSP_REPORT_PATH: &str = "/csp-report";

/// A year, subdomains included: once a browser has reached the site over
/// https it never tries plain http again, so the `Secure` cookies cannot be
/// stripped by a downgrade.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Wraps the routes in the layers above; `https` is the public address's
/// scheme (HSTS sent over plain http is ignored by browsers and would only
/// mislead).
pub fn around(routes: Router, https: bool, slow: Duration) -> Router {
    routes.layer(
        ServiceBuilder::new()
            .layer(middleware::from_fn(move |req: Request, next: Next| {
                edge(slow, https, req, next)
            }))
            .layer(
                CompressionLayer::new()
                    // Brotli's default (11) is too slow for pages made
                    // per request; 4 compresses HTML nearly as well.
                    .quality(CompressionLevel::Precise(4))
                    .compress_when(SizeAbove::new(256).and(is_text)),
            )
            .layer(RequestBodyTimeoutLayer::new(BODY_IDLE_TIMEOUT)),
    )
}

/// The request id, its log lines, the log and metrics, the security
/// headers.
async fn edge(slow: Duration, https: bool, mut req: Request, next: Next) -> Response {
    let id = match req.headers().get(&X_REQUEST_ID) {
        Some(v) if plausible_request_id(v) => v.clone(),
        _ => new_request_id(),
    };
    req.headers_mut().insert(X_REQUEST_ID, id.clone());
    // Every log line of the request names it; the query is left out:
    // search terms and filters may name people.
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let observed = crate::ops::observe::observe(slow, &id, req, next);
    let mut res = answering(id.clone(), method, uri, observed).await;
    let h = res.headers_mut();
    if !h.contains_key(&X_REQUEST_ID) {
        h.insert(X_REQUEST_ID, id);
    }
    security_headers(h);
    if https {
        h.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

/// The time limit on `inner` (the request's handling), then the error
/// pages, a timeout's too. `context::middleware` calls it around the rest
/// of its work, so a refusal of its own gets its page as well.
pub async fn answered<F>(
    request_id: &str,
    req: Request,
    inner: impl FnOnce(Request) -> F,
) -> Response
where
    F: Future<Output = Response>,
{
    let api = req.uri().path().starts_with(crate::api::PREFIX);
    let upload = is_upload(&req);
    let handled = inner(req);
    let res = if upload {
        handled.await
    } else {
        match tokio::time::timeout(REQUEST_TIMEOUT, handled).await {
            Ok(res) => res,
            Err(_) => {
                tracing::warn!(limit_s = REQUEST_TIMEOUT.as_secs(), "request timed out");
                failure(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "系统繁忙",
                    "请求处理超时，请稍后重试。",
                )
            }
        }
    };
    error::page_for(res, request_id, api)
}

/// The security headers every answer carries. Pages hold personal data,
/// so nothing is cached unless a handler says so (the static assets and
/// public pages do).
fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// A fresh request id: 16 hex digits, as the audit log has always had.
fn new_request_id() -> HeaderValue {
    HeaderValue::from_str(&request_id()).unwrap_or(HeaderValue::from_static("-"))
}

/// A proxy in front may pass its own id; it is kept when it looks like
/// one (1–64 letters, digits, `-`, `_`, `.`). Anything else is replaced by
/// a new one: the id is shown on error pages and stored in the audit log.
fn plausible_request_id(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    (1..=64).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

/// Pages, styles, scripts and JSON are worth compressing; PDFs, images and
/// spreadsheets are compressed already.
fn is_text(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            [
                "text/html",
                "text/css",
                "text/javascript",
                "application/json",
            ]
            .iter()
            .any(|m| t.starts_with(m))
        })
}

/// File uploads are the multipart forms (/unit/org-cert takes 300 MB);
/// they may take as long as the client keeps sending.
fn is_upload(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower::ServiceExt;

    async fn slow() -> &'static str {
        tokio::time::sleep(REQUEST_TIMEOUT + Duration::from_secs(60)).await;
        "done"
    }

    fn app() -> Router {
        around(
            Router::new()
                .route("/slow", get(slow))
                .route("/upload", post(slow))
                .layer(middleware::from_fn(|req: Request, next: Next| async move {
                    let id = crate::http::context::request_id(req.headers());
                    answered(id.to_str().unwrap(), req, |req| next.run(req)).await
                })),
            false,
            Duration::from_secs(1),
        )
    }

    async fn body(res: Response) -> String {
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_request_gets_the_busy_page_but_an_upload_may_take_its_time() {
        let res = app()
            .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        let page = body(res).await;
        assert!(page.contains("请求处理超时，请稍后重试。"), "{page}");
        assert!(page.contains(&format!("<code>{id}</code>")), "{page}");

        let upload = Request::post("/upload")
            .header(CONTENT_TYPE, "multipart/form-data; boundary=x")
            .body(Body::empty())
            .unwrap();
        let res = app().oneshot(upload).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(body(res).await, "done");
    }

    #[tokio::test]
    async fn a_proxys_request_id_is_kept_only_when_plausible() {
        for (sent, kept) in [
            ("lb-2024.06_01", true),
            ("", false),
            ("has space", false),
            (&"x".repeat(65) as &str, false),
        ] {
            let req = Request::get("/nowhere")
                .header("x-request-id", sent)
                .body(Body::empty())
                .unwrap();
            let res = app().oneshot(req).await.unwrap();
            let id = res.headers()["x-request-id"].to_str().unwrap();
            if kept {
                assert_eq!(id, sent);
            } else {
                assert_eq!(id.len(), 16, "{sent:?} replaced by a new id");
                assert!(id.bytes().all(|c| c.is_ascii_hexdigit()));
            }
        }
    }
}
