//! What SciGrant counts, through the `metrics` facade: a call costs an
//! atomic add when a recorder is installed and nothing otherwise. The web
//! layer installs the Prometheus recorder and counts requests; the use
//! cases count what they do here; gauges read from the database are
//! refreshed by [`refresh_gauges`] before each scrape.

use metrics::{counter, gauge};

use crate::{App, AppError};

pub const SUBMISSIONS: &str = "scigrant_submissions_total";
pub const LOGINS: &str = "scigrant_logins_total";
pub const LOGIN_FAILURES: &str = "scigrant_login_failures_total";
pub const JOB_RUNS: &str = "scigrant_job_runs_total";
pub const LOCKED_ACCOUNTS: &str = "scigrant_locked_accounts";
pub const OUTBOX_BACKLOG: &str = "scigrant_outbox_backlog";
pub const OUTBOX_FAILED: &str = "scigrant_outbox_failed";
pub const DB_POOL_SIZE: &str = "scigrant_db_pool_connections";
pub const DB_POOL_IDLE: &str = "scigrant_db_pool_idle";

/// An application was submitted (the first time, not a repeated click).
pub fn submitted() {
    counter!(SUBMISSIONS).increment(1);
}

/// A sign-in attempt ended: counted as a login or a failure.
pub fn login(succeeded: bool) {
    if succeeded {
        counter!(LOGINS).increment(1);
    } else {
        counter!(LOGIN_FAILURES).increment(1);
    }
}

/// A scheduled job ran (`outcome` "ok" or "error").
pub fn job_run(job: &'static str, ok: bool) {
    let outcome = if ok { "ok" } else { "error" };
    counter!(JOB_RUNS, "job" => job, "outcome" => outcome).increment(1);
}

/// Sets the gauges read from the database and this node's pool.
pub async fn refresh_gauges(app: &App) -> Result<(), AppError> {
    let (size, idle) = app.db.pool_use();
    gauge!(DB_POOL_SIZE).set(f64::from(size));
    gauge!(DB_POOL_IDLE).set(idle as f64);
    let g = scigrant_store::ops::gauges(&app.db, app.now()).await?;
    gauge!(LOCKED_ACCOUNTS).set(g.locked_accounts as f64);
    gauge!(OUTBOX_BACKLOG).set(g.outbox_backlog as f64);
    gauge!(OUTBOX_FAILED).set(g.outbox_failed as f64);
    Ok(())
}
