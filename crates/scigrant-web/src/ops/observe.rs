//! Each request is logged once, when its answer is ready, and counted for
//! Prometheus: request id, method, the matched route (the table's
//! pattern, never the path with its ids or query), status, latency in
//! milliseconds and, when signed in, the account's kind and numeric id.
//! Names, phone numbers, codes and session ids are never logged. A
//! request slower than `slow_request_ms` is logged at warn.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use metrics::{Counter, Histogram};

use crate::http::context::Ctx;
use crate::ops::metrics::{HTTP_DURATION, HTTP_REQUESTS};

/// What the routing learnt about a request, carried back on its response.
#[derive(Clone, Debug)]
pub struct Observed {
    route: Option<MatchedPath>,
    actor: Option<(&'static str, i64)>,
}

impl Observed {
    /// What `context::middleware` learnt: the matched route (none for the
    /// fallback) and the signed-in account, if any.
    pub fn new(route: Option<MatchedPath>, ctx: Option<&Ctx>) -> Observed {
        let actor = ctx
            .and_then(|c| c.session.as_ref())
            .map(|s| (s.kind.code(), s.account_id));
        Observed { route, actor }
    }
}

/// The counter and histogram of one method, route and status.
type Series = (Method, u16, Counter, Histogram);

/// The metric handles by route, made once each: building the labels and
/// finding the series for every request cost more than counting it.
/// Bounded as the labels are: the table's routes, `unmatched`, and the
/// methods and statuses seen.
fn series(method: &Method, route: &str, status: u16) -> (Counter, Histogram) {
    static SERIES: OnceLock<RwLock<HashMap<String, Vec<Series>>>> = OnceLock::new();
    // A handle made before the recorder is installed would count nowhere.
    let map = SERIES.get_or_init(|| {
        crate::ops::metrics::handle();
        RwLock::default()
    });
    let find = |v: &Vec<Series>| {
        v.iter()
            .find(|s| s.0 == *method && s.1 == status)
            .map(|s| (s.2.clone(), s.3.clone()))
    };
    if let Ok(m) = map.read()
        && let Some(found) = m.get(route).and_then(find)
    {
        return found;
    }
    let counter = metrics::counter!(
        HTTP_REQUESTS,
        "method" => method.to_string(),
        "route" => route.to_string(),
        "status" => status.to_string()
    );
    let histogram = metrics::histogram!(HTTP_DURATION, "method" => method.to_string(), "route" => route.to_string());
    if let Ok(mut m) = map.write() {
        m.entry(route.to_string()).or_default().push((
            method.clone(),
            status,
            counter.clone(),
            histogram.clone(),
        ));
    }
    (counter, histogram)
}

/// Called by `http::layers::edge` with the request's `id`, inside
/// `logline::answering`: times the request, then logs and counts it.
pub async fn observe(slow: Duration, id: &HeaderValue, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let res = next.run(req).await;
    let elapsed = start.elapsed();
    let observed = res.extensions().get::<Observed>();
    // Paths no route matched share one label: a scan of made-up paths
    // must not grow the metrics without bound.
    let route = observed
        .and_then(|o| o.route.as_ref())
        .map_or("unmatched", MatchedPath::as_str);
    let (actor_kind, actor_id) = match observed.and_then(|o| o.actor) {
        Some((kind, id)) => (kind, Some(id)),
        None => ("-", None),
    };
    let status = res.status().as_u16();
    let (counter, histogram) = series(&method, route, status);
    counter.increment(1);
    histogram.record(elapsed.as_secs_f64());
    let latency_ms = elapsed.as_millis() as u64;
    let request_id = id.to_str().unwrap_or("-");
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
