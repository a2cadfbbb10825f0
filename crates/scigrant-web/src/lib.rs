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

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub limits: Arc<Limits>,
    pub printer: Arc<print::Printer>,
    /// Content-Security-Policy violations browsers reported since start:
    /// a page that breaks the policy is a defect (logged with its detail).
    pub csp_reports: Arc<std::sync::atomic::AtomicU64>,
}

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState {
            limits: Arc::new(Limits::new(&app.config)),
            app,
            printer: Arc::new(print::Printer::default()),
            csp_reports: Arc::default(),
        }
    }
}

/// Serves until Ctrl-C; `on_ready` receives the bound address.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // Every node schedules every job; the lease in the database lets one
    // run each per period.
    let jobs = scigrant_app::jobs::schedule(&state.app);
    let router = routes::router(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    for job in jobs {
        job.abort();
    }
    Ok(())
}
