//! SciGrant's HTTP front end: server-rendered pages split by audience
//! (portal, person, unit, staff), a JSON endpoint for the region picker,
//! and what every request passes: the tower-http layers (request id,
//! tracing, compression, timeouts, security headers) and SciGrant's own
//! middleware (session, CSRF). Every route is declared with its permission
//! in `routes::table`; handlers parse, call one use case, render.

pub mod account;
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
            limits: Arc::new(Limits::new(&app.config, &app.clock)),
            app,
            printer: Arc::new(print::Printer::default()),
            csp_reports: Arc::default(),
        }
    }
}

/// Serves until Ctrl-C; `on_ready` receives the bound address.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = state.app.clone();
    let limits = state.limits.clone();
    let purging = app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits.forget_idle();
            // Captchas nobody answered would otherwise stay for good.
            if let Err(e) = scigrant_app::identity::captcha::purge_expired_captchas(&purging).await
            {
                tracing::warn!(error = %e, "captcha purge failed");
            }
        }
    });
    // Seal the audit chain in the background; each node may run it, the
    // sealer serialises itself in the database.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = scigrant_app::admin::audit::seal(&app).await {
                tracing::warn!(error = %e, "audit sealing failed");
            }
        }
    });
    // Deliver queued SMS and e-mail every few seconds, off the requests.
    let delivering = state.app.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(e) = scigrant_app::notify::delivery::deliver_due(&delivering).await {
                tracing::warn!(error = %e, "notification delivery failed");
            }
        }
    });
    let router = routes::router(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
