//! The Prometheus recorder (installed once per process) and the scrape:
//! on its own address when `metrics_listen` is set, else at `/metrics`
//! for `Authorization: Bearer <metrics_token>` only. Anyone else gets the
//! ordinary 404 page, as for a page that does not exist.

use std::sync::OnceLock;

use axum::Router;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;
use crate::http::error::failure;

pub const HTTP_REQUESTS: &str = "scigrant_http_requests_total";
pub const HTTP_DURATION: &str = "scigrant_http_request_duration_seconds";

/// Request latency buckets, in seconds: pages take milliseconds, a
/// login's password check ~50 ms, a PDF or a large upload seconds.
const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        // Only this function installs a recorder; should another have
        // been installed, the scrape is still well-formed (and empty).
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed");
        }
        handle
    })
}

/// The text exposition, gauges read from the database first.
async fn render(state: &AppState) -> Response {
    if let Err(e) = scigrant_app::ops::metrics::refresh_gauges(&state.app).await {
        tracing::warn!(error = %e, "metrics: reading the gauges failed");
    }
    let h = handle();
    h.run_upkeep();
    let mut res = h.render().into_response();
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

/// Equal without telling, by its timing, how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| same(sent.trim().as_bytes(), token.as_bytes()))
}

/// `/metrics` on the main address.
pub async fn scrape_with_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let cfg = &state.app.config;
    let allowed = cfg.metrics_listen.is_none()
        && cfg
            .metrics_token
            .as_ref()
            .is_some_and(|t| bearer_matches(&headers, t.expose()));
    if !allowed {
        return failure(StatusCode::NOT_FOUND, "未找到", "您访问的页面不存在。");
    }
    render(&state).await
}

/// The router of the separate metrics address: `/metrics` for whoever
/// reaches it (bind it where only the monitoring system can).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render(&state).await }),
        )
        .with_state(state)
}
