//! What the operator and the load balancer reach: `/healthz` (the process
//! answers), `/readyz` (database, migrations and storage ready), and
//! Prometheus `/metrics`; the per-request log and metrics
//! ([`observe`]), the log's writer ([`logging`]) and the shape of its lines
//! ([`logline`]), and the stop on SIGTERM ([`shutdown`]).

pub mod logging;
pub mod logline;
pub mod metrics;
pub mod observe;
pub mod shutdown;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scigrant_domain::permission::Permission::Public;

use crate::AppState;
use crate::routes::Table;

pub fn routes(t: Table) -> Table {
    t.get("/healthz", Public, get(healthz))
        .get("/readyz", Public, get(readyz))
        .get("/metrics", Public, get(metrics::scrape_with_token))
}

/// The process answers: always 200, whatever the database does (a
/// balancer restarts a node only when this fails).
pub async fn healthz() -> &'static str {
    "ok"
}

/// 200 when this node can serve: the database answers with every
/// migration applied and the storage can keep a file; otherwise 503 with
/// the part that is not ready (the cause is in the log).
pub async fn readyz(State(state): State<AppState>) -> Response {
    match scigrant_app::ops::readiness(&state.app).await {
        Ok(()) => "ready".into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}
