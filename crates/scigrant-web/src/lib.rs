//! SciGrant's HTTP front end: server-rendered pages split by audience
//! (portal, person, unit, staff), a JSON endpoint for the region picker,
//! and what every request passes: the tower-http layers (request id,
//! tracing, compression, timeouts, security headers) and SciGrant's own
//! middleware (session, CSRF). Every route is declared with its permission
//! in `routes::table`; handlers parse, call one use case, render.

pub mod account;
pub mod api;
pub mod expert;
pub mod formview;
pub mod http;
pub mod ops;
pub mod person;
pub mod portal;
pub mod print;
pub mod routes;
pub mod staff;
pub mod unit;

use std::net::SocketAddr;
use std::sync::Arc;

use scigrant_app::App;

use crate::http::rate::Limits;

/// mimalloc, not glibc's malloc, for every binary of this crate (the
/// server, its tests and benchmarks): a request allocates and frees dozens
/// of small blocks, and glibc's malloc and free were a sixth of the
/// portal's CPU under load (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What every handler is given. One `Arc`: axum clones the state for
/// every request, and cloning the parts one by one (the app's pools,
/// caches and clock, the limits, the printer…) cost the portal as much as
/// rendering a page.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub app: App,
    pub limits: Arc<Limits>,
    pub printer: Arc<print::Printer>,
    /// Content-Security-Policy violations browsers reported since start:
    /// a page that breaks the policy is a defect (logged with its detail).
    pub csp_reports: Arc<std::sync::atomic::AtomicU64>,
    /// The process's Prometheus recorder.
    pub metrics: &'static metrics_exporter_prometheus::PrometheusHandle,
    /// Public pages kept rendered for visitors not signed in.
    pub rendered: Arc<http::public::Rendered>,
    /// The second-language name's font (`site_second_font`), read at start.
    pub second_font: Option<http::assets::SecondFont>,
}

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState(Arc::new(Shared {
            limits: Arc::new(Limits::new(&app.config)),
            second_font: http::assets::SecondFont::load(&app.config),
            // Installed before the first request so nothing goes uncounted.
            metrics: ops::metrics::handle(),
            app,
            printer: Arc::new(print::Printer::default()),
            csp_reports: Arc::default(),
            rendered: Arc::default(),
        }))
    }
}

/// Serves until SIGTERM or Ctrl-C, then stops accepting connections and
/// gives the requests in flight `shutdown_grace_secs` to finish before
/// returning. Metrics go to `metrics_listen` too when it is set.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let cfg = state.app.config.clone();
    let metrics_listener = match &cfg.metrics_listen {
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await?),
        None => None,
    };
    // Every node schedules every job; the lease in the database lets one
    // run each per period.
    let jobs = scigrant_app::jobs::schedule(&state.app);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let grace = std::time::Duration::from_secs(cfg.shutdown_grace_secs);
    tokio::spawn(async move {
        ops::shutdown::signal().await;
        tracing::info!(
            grace_s = grace.as_secs(),
            "stop requested: no new connections, finishing requests in flight"
        );
        let _ = stop.send(true);
    });
    if let Some(l) = metrics_listener {
        tracing::info!(addr = %l.local_addr()?, "metrics listening");
        let server = axum::serve(l, ops::metrics::router(state.clone()))
            .with_graceful_shutdown(ops::shutdown::begun(stopping.clone()));
        tokio::spawn(async move {
            if let Err(e) = server.await {
                tracing::error!(error = %e, "metrics listener failed");
            }
        });
    }
    let router = routes::router(state);
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(ops::shutdown::begun(stopping.clone()));
    let done = tokio::select! {
        done = server.into_future() => done,
        () = async {
            ops::shutdown::begun(stopping).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_s = grace.as_secs(), "requests still in flight at the end of the grace period; stopping anyway");
            Ok(())
        }
    };
    for job in jobs {
        job.abort();
    }
    done
}
