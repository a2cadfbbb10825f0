//! Each request is logged once, when its answer is ready, and counted for
//! Prometheus: request id, method, the matched route (the table's
//! pattern, never the path with its ids or query), status, latency in
//! milliseconds and, when signed in, the account's kind and numeric id.
//! Names, phone numbers, codes and session ids are never logged. A
//! request slower than `slow_request_ms` is logged at warn.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::context::Ctx;
use crate::ops::metrics::{HTTP_DURATION, HTTP_REQUESTS};

/// What the routing learnt about a request, carried back on its response.
#[derive(Clone, Debug)]
struct Observed {
    route: String,
    actor: Option<(&'static str, i64)>,
}

/// Inside the routes (a route layer): notes the matched route and the
/// signed-in account for [`observe`].
pub async fn note_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let actor = req
        .extensions()
        .get::<Ctx>()
        .and_then(|c| c.session.as_ref())
        .map(|s| (s.kind.code(), s.account_id));
    let mut res = next.run(req).await;
    res.extensions_mut().insert(Observed { route, actor });
    res
}

/// Around everything but the request id and the trace span: times the
/// request, then logs and counts it.
pub async fn observe(slow: Duration, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let observed = res.extensions().get::<Observed>();
    // Paths no route matched share one label: a scan of made-up paths
    // must not grow the metrics without bound.
    let route = observed
        .map(|o| o.route.as_str())
        .filter(|r| !r.is_empty())
        .unwrap_or("unmatched")
        .to_string();
    let (actor_kind, actor_id) = match observed.and_then(|o| o.actor) {
        Some((kind, id)) => (kind, Some(id)),
        None => ("-", None),
    };
    let status = res.status().as_u16();
    metrics::counter!(
        HTTP_REQUESTS,
        "method" => method.to_string(),
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method.to_string(), "route" => route.clone())
        .record(elapsed.as_secs_f64());
    let latency_ms = elapsed.as_millis() as u64;
    if elapsed > slow {
        tracing::warn!(
            request_id = %request_id, method = %method, route = %route, status,
            latency_ms, actor_kind, actor_id, slow_ms = slow.as_millis() as u64,
            "slow request"
        );
    } else {
        tracing::info!(
            request_id = %request_id, method = %method, route = %route, status,
            latency_ms, actor_kind, actor_id,
            "request"
        );
    }
    res
}
