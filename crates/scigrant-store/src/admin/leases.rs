//! Leases of scheduled jobs: every node schedules every job, and the one
//! statement of `acquire` lets exactly one of them run it per lease.

use sqlx::{AnyConnection, Row};

use crate::Result;

/// Takes the lease `name` for `holder` until `expires_at` when it is free,
/// expired at `now`, or already `holder`'s, and counts a run; true when
/// taken. One atomic upsert, so two nodes never both win.
pub async fn acquire(
    c: &mut AnyConnection,
    name: &str,
    holder: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO job_leases (name, holder, expires_at, runs, last_run_at)
         VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
             expires_at = excluded.expires_at, runs = job_leases.runs + 1,
             last_run_at = excluded.last_run_at
         WHERE job_leases.expires_at <= $4 OR job_leases.holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(expires_at)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A job's lease as stored: who holds it, until when, and how many runs.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Lease {
    pub name: String,
    pub holder: String,
    pub expires_at: i64,
    pub runs: i64,
    pub last_run_at: i64,
}

pub async fn get(c: &mut AnyConnection, name: &str) -> Result<Option<Lease>> {
    Ok(sqlx::query_as("SELECT * FROM job_leases WHERE name = $1")
        .bind(name)
        .fetch_optional(c)
        .await?)
}

/// Runs counted for `name` (0 before the first).
pub async fn runs(c: &mut AnyConnection, name: &str) -> Result<i64> {
    let row = sqlx::query("SELECT runs FROM job_leases WHERE name = $1")
        .bind(name)
        .fetch_optional(c)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("runs")?,
        None => 0,
    })
}
