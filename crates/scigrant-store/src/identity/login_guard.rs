//! The failed-login counter behind the lockout rule (5 failures within 15
//! minutes lock the account for 30 minutes; the figures are security
//! settings). Every attempt is counted by one atomic upsert before its
//! password is checked; once the count reaches the threshold no further
//! password is checked, so parallel guesses cannot exceed it on either
//! backend.

use sqlx::{AnyConnection, Row};

use crate::Result;

/// An attempt taken on the counter before its password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Attempts counted in the window, this one included.
    pub attempts: i64,
    pub locked_until: i64,
    /// The password may be checked: the account was not locked and the
    /// threshold had not been reached before this attempt.
    pub admitted: bool,
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

/// Takes one attempt on the counter in a single statement, before the
/// password is checked, so parallel guesses cannot all pass a read-then-
/// write check: at most `threshold` attempts are admitted per window. A
/// locked account's counter is left alone; a window that ran out, or a
/// lock that expired, starts the count afresh.
pub async fn reserve_attempt(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    now: i64,
    window_ms: i64,
    threshold: i64,
) -> Result<Reservation> {
    let row = sqlx::query(
        "INSERT INTO login_guard (account_kind, account_id, failures, window_start, locked_until)
         VALUES ($1, $2, 1, $3, 0)
         ON CONFLICT (account_kind, account_id) DO UPDATE SET
            failures = CASE
                WHEN login_guard.locked_until > $3 THEN login_guard.failures
                WHEN login_guard.window_start <= $4 OR login_guard.locked_until > 0 THEN 1
                ELSE login_guard.failures + 1 END,
            window_start = CASE
                WHEN login_guard.locked_until > $3 THEN login_guard.window_start
                WHEN login_guard.window_start <= $4 OR login_guard.locked_until > 0 THEN $3
                ELSE login_guard.window_start END,
            locked_until = CASE
                WHEN login_guard.locked_until > $3 THEN login_guard.locked_until
                ELSE 0 END
         RETURNING failures, locked_until",
    )
    .bind(kind)
    .bind(id)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(c)
    .await?;
    let attempts: i64 = row.try_get("failures")?;
    let locked_until: i64 = row.try_get("locked_until")?;
    Ok(Reservation {
        attempts,
        locked_until,
        admitted: locked_until <= now && attempts <= threshold,
    })
}

/// An attempt failed (a wrong password, or refused unchecked): it stays
/// counted, and the account is locked when the count has reached the
/// threshold. True when this very call set the lock (the condition is in
/// the WHERE clause, so of parallel failures exactly one sets it).
pub async fn confirm_failure(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    now: i64,
    threshold: i64,
    lock_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE login_guard SET locked_until = $3 + $5
         WHERE account_kind = $1 AND account_id = $2
           AND locked_until <= $3 AND failures >= $4",
    )
    .bind(kind)
    .bind(id)
    .bind(now)
    .bind(threshold)
    .bind(lock_ms)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reserved attempt had the right password: its reservation is given
/// back, but a lock set meanwhile by parallel failures stays. Returns the
/// lock in force (0 when none), which refuses this sign-in too.
pub async fn release_success(c: &mut AnyConnection, kind: &str, id: i64, now: i64) -> Result<i64> {
    let row = sqlx::query(
        "UPDATE login_guard SET failures = CASE
                WHEN locked_until > $3 OR failures <= 0 THEN failures
                ELSE failures - 1 END
         WHERE account_kind = $1 AND account_id = $2
         RETURNING locked_until",
    )
    .bind(kind)
    .bind(id)
    .bind(now)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(r) => r.try_get("locked_until")?,
        None => 0,
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
