//! Scheduled jobs on any number of nodes. Every node schedules every job;
//! before a run it takes the job's lease in the database (one atomic
//! upsert), so one node runs each job per period and another takes over
//! when the holder stops renewing (it died or was stopped). The lease
//! outlives a period by half a period, so the holder keeps it while alive.
//! A run must finish within the lease, or another node may start one.
//!
//! Add a job with `spawn_every(app, "name", period, |app| async move { … })`;
//! `schedule` starts the server's own.

use std::future::Future;
use std::time::Duration;

use scigrant_store::admin::leases;

use crate::{App, AppError};

/// This process's name as a lease holder: random, new at every start.
#[derive(Debug)]
pub struct NodeId(pub String);

impl Default for NodeId {
    fn default() -> Self {
        let mut r = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut r);
        NodeId(format!("{}-{}", std::process::id(), hex::encode(r)))
    }
}

/// Runs `f` when this node holds (or now takes) the lease `name` for
/// `ttl`; `None` when another node holds it.
pub async fn run_if_leader<F, Fut, T>(
    app: &App,
    name: &str,
    ttl: Duration,
    f: F,
) -> Result<Option<T>, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let now = app.now();
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 4);
    let won = {
        let mut c = app.db.read().await?;
        leases::acquire(&mut c, name, &app.cache.node.0, now, now + ttl_ms).await?
    };
    if !won {
        return Ok(None);
    }
    f().await.map(Some)
}

/// Runs `job` every `period` on whichever node holds its lease; a failure
/// is logged and the next period tries again.
pub fn spawn_every<F, Fut>(
    app: App,
    name: &'static str,
    period: Duration,
    job: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(App) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, AppError>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let ttl = period + period / 2;
            match run_if_leader(&app, name, ttl, || job(app.clone())).await {
                Ok(Some(n)) => {
                    crate::ops::metrics::job_run(name, true);
                    tracing::debug!(job = name, done = n, "scheduled job ran");
                }
                Ok(None) => {}
                Err(e) => {
                    crate::ops::metrics::job_run(name, false);
                    tracing::warn!(job = name, error = %e, "scheduled job failed");
                }
            }
        }
    })
}

/// How many times job `name` has run, on all nodes together.
pub async fn runs(app: &App, name: &str) -> Result<i64, AppError> {
    let mut c = app.db.read().await?;
    Ok(leases::runs(&mut c, name).await?)
}

/// Audit sealing, every 5 s.
pub const AUDIT_SEAL: &str = "audit.seal";
/// Deleting expired captcha answers, every minute.
pub const CAPTCHA_PURGE: &str = "captcha.purge";
/// Forgetting the addresses whose request budgets are full, every minute.
pub const BUDGET_PURGE: &str = "budget.purge";
/// Forgetting code send requests older than a day, every minute.
pub const CODE_SENDS_PURGE: &str = "codes.purge";
/// Sending the queued SMS and e-mail, every 5 s.
pub const OUTBOX_DELIVER: &str = "outbox.deliver";
/// Purging audit records past `audit_keep_days`, daily (when configured).
pub const AUDIT_RETENTION: &str = "audit.retention";
/// Deleting appeal images 90 days after the decision, hourly.
pub const APPEAL_PURGE: &str = "appeal.purge";

/// Starts the server's scheduled jobs: sealing the audit chain, purging
/// captchas, full request budgets and old code sends, deleting appeal
/// images past their retention, delivering the outbox, under their
/// leases, and on every
/// node moving its own audit anchor to the sealed head.
pub fn schedule(app: &App) -> Vec<tokio::task::JoinHandle<()>> {
    let five = Duration::from_secs(5);
    let minute = Duration::from_secs(60);
    let anchor = app.clone();
    // 存量加密: once per start, in the background; idempotent and
    // compare-and-set per row, so nodes starting together do no harm.
    let upgrade = app.clone();
    let mut jobs = vec![
        tokio::spawn(async move {
            if let Err(e) = crate::ops::seal_forms::seal_stored_forms(&upgrade).await {
                tracing::error!(error = %e, "sealing the phone values stored plain failed");
            }
        }),
        spawn_every(app.clone(), AUDIT_SEAL, five, |app| async move {
            crate::admin::audit::seal(&app).await
        }),
        spawn_every(app.clone(), CAPTCHA_PURGE, minute, |app| async move {
            crate::identity::captcha::purge_expired_captchas(&app).await
        }),
        spawn_every(app.clone(), BUDGET_PURGE, minute, |app| async move {
            crate::identity::budget::purge_full_budgets(&app).await
        }),
        spawn_every(app.clone(), CODE_SENDS_PURGE, minute, |app| async move {
            crate::identity::codes::purge_old_sends(&app).await
        }),
        spawn_every(
            app.clone(),
            APPEAL_PURGE,
            Duration::from_secs(3_600),
            |app| async move { crate::identity::appeal::retention::purge_appeal_images(&app).await },
        ),
        // Each message is also claimed in the database, so a run that
        // outlives its lease still sends nothing twice.
        spawn_every(app.clone(), OUTBOX_DELIVER, five, |app| async move {
            let d = crate::notify::delivery::deliver_due(&app).await?;
            Ok((d.sent + d.retried + d.failed) as u64)
        }),
        // The anchor is this node's own file: every node follows the head.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(five);
            loop {
                tick.tick().await;
                if let Err(e) = crate::admin::audit::follow_anchor(&anchor).await {
                    tracing::warn!(error = %e, "audit anchor update failed");
                }
            }
        }),
    ];
    let keep_days = app.config.audit_keep_days;
    if keep_days > 0 {
        let day = Duration::from_secs(86_400);
        jobs.push(spawn_every(
            app.clone(),
            AUDIT_RETENTION,
            day,
            move |app| async move {
                let actor = crate::Actor::system();
                let purged = crate::admin::audit::purge_expired(&app, &actor, keep_days).await?;
                Ok(purged.records)
            },
        ));
    }
    jobs
}
