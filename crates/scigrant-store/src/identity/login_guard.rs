//! The failed-login counter behind the lockout rule (5 failures within 15
//! minutes lock the account for 30 minutes; the figures are security
//! settings). One upsert both counts and locks, so parallel attempts lock
//! exactly at the threshold on either backend.

use sqlx::{AnyConnection, Row};

use crate::Result;

/// What one failure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    pub failures: i64,
    pub locked_until: i64,
    /// This very failure reached the threshold and locked the account.
    pub just_locked: bool,
}

pub async fn locked_until(c: &mut AnyConnection, kind: &str, id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT locked_until FROM login_guard WHERE account_kind = $1 AND account_id = $2",
    )
    .bind(kind)
    .bind(id)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(r) => r.try_get("locked_until")?,
        None => 0,
    })
}

pub async fn record_failure(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    now: i64,
    window_ms: i64,
    threshold: i64,
    lock_ms: i64,
) -> Result<Failure> {
    let row = sqlx::query(
        "INSERT INTO login_guard (account_kind, account_id, failures, window_start, locked_until)
         VALUES ($1, $2, 1, $3, CASE WHEN 1 >= $5 THEN $3 + $6 ELSE 0 END)
         ON CONFLICT (account_kind, account_id) DO UPDATE SET
            failures = CASE WHEN login_guard.window_start <= $4 THEN 1
                            ELSE login_guard.failures + 1 END,
            window_start = CASE WHEN login_guard.window_start <= $4 THEN $3
                                ELSE login_guard.window_start END,
            locked_until = CASE
                WHEN login_guard.locked_until > $3 THEN login_guard.locked_until
                WHEN (CASE WHEN login_guard.window_start <= $4 THEN 1
                           ELSE login_guard.failures + 1 END) >= $5 THEN $3 + $6
                ELSE login_guard.locked_until END
         RETURNING failures, locked_until",
    )
    .bind(kind)
    .bind(id)
    .bind(now)
    .bind(now - window_ms)
    .bind(threshold)
    .bind(lock_ms)
    .fetch_one(c)
    .await?;
    let failures: i64 = row.try_get("failures")?;
    let locked_until: i64 = row.try_get("locked_until")?;
    Ok(Failure {
        failures,
        locked_until,
        just_locked: failures == threshold,
    })
}

/// A successful login or an administrator's unlock clears the counter.
pub async fn clear(c: &mut AnyConnection, kind: &str, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM login_guard WHERE account_kind = $1 AND account_id = $2")
        .bind(kind)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LockedAccount {
    pub account_kind: String,
    pub account_id: i64,
    pub failures: i64,
    pub locked_until: i64,
}

pub async fn locked_accounts(c: &mut AnyConnection, now: i64) -> Result<Vec<LockedAccount>> {
    Ok(sqlx::query_as(
        "SELECT account_kind, account_id, failures, locked_until FROM login_guard
         WHERE locked_until > $1 ORDER BY locked_until DESC",
    )
    .bind(now)
    .fetch_all(c)
    .await?)
}
