//! One-time codes sent to an account's reserved phone or e-mail, and the
//! log of send requests the send limits count. Codes are stored as keyed
//! hashes only.

use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CodeRow {
    pub purpose: String,
    pub account_kind: String,
    pub account_id: i64,
    pub channel: String,
    pub code_hash: String,
    pub failed: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub created_at: i64,
}

pub struct NewCode<'a> {
    pub purpose: &'a str,
    pub account_kind: &'a str,
    pub account_id: i64,
    pub channel: &'a str,
    pub code_hash: &'a str,
    pub expires_at: i64,
    pub now: i64,
}

/// Stores a new code for the account and purpose; the old one, used or
/// not, is gone with it.
pub async fn replace(c: &mut AnyConnection, n: &NewCode<'_>) -> Result<()> {
    sqlx::query(
        "DELETE FROM one_time_codes WHERE purpose = $1 AND account_kind = $2 AND account_id = $3",
    )
    .bind(n.purpose)
    .bind(n.account_kind)
    .bind(n.account_id)
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO one_time_codes
           (purpose, account_kind, account_id, channel, code_hash, failed, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
    )
    .bind(n.purpose)
    .bind(n.account_kind)
    .bind(n.account_id)
    .bind(n.channel)
    .bind(n.code_hash)
    .bind(n.expires_at)
    .bind(n.now)
    .execute(c)
    .await?;
    Ok(())
}

/// Reserves one entry of the account's open code (unused, not expired at
/// `now`, fewer than `max` entries so far) and returns it; the entry is
/// counted before the code is compared, in one statement, so parallel
/// guesses cannot exceed `max`. `None` when no code is open.
pub async fn take_try(
    c: &mut AnyConnection,
    purpose: &str,
    kind: &str,
    account_id: i64,
    max: i64,
    now: i64,
) -> Result<Option<CodeRow>> {
    let done = sqlx::query(
        "UPDATE one_time_codes SET failed = failed + 1
         WHERE purpose = $1 AND account_kind = $2 AND account_id = $3
           AND used_at IS NULL AND expires_at >= $4 AND failed < $5",
    )
    .bind(purpose)
    .bind(kind)
    .bind(account_id)
    .bind(now)
    .bind(max)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "SELECT * FROM one_time_codes WHERE purpose = $1 AND account_kind = $2 AND account_id = $3",
    )
    .bind(purpose)
    .bind(kind)
    .bind(account_id)
    .fetch_optional(c)
    .await?)
}

/// Spends the code: marks it used and gives back the entry it cost.
/// False when it was used meanwhile.
pub async fn mark_used(
    c: &mut AnyConnection,
    purpose: &str,
    kind: &str,
    account_id: i64,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE one_time_codes SET used_at = $1, failed = failed - 1
         WHERE purpose = $2 AND account_kind = $3 AND account_id = $4 AND used_at IS NULL",
    )
    .bind(now)
    .bind(purpose)
    .bind(kind)
    .bind(account_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a request to send a code to `recipient_idx` from `ip`.
pub async fn log_send(
    c: &mut AnyConnection,
    recipient_idx: &str,
    ip: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO code_sends (recipient_idx, ip, at) VALUES ($1, $2, $3)")
        .bind(recipient_idx)
        .bind(ip)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// Send requests to `recipient_idx` since `since`.
pub async fn sends_to(c: &mut AnyConnection, recipient_idx: &str, since: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM code_sends WHERE recipient_idx = $1 AND at > $2")
            .bind(recipient_idx)
            .bind(since)
            .fetch_one(c)
            .await?
            .try_get("n")?,
    )
}

/// Send requests from `ip` since `since`.
pub async fn sends_from(c: &mut AnyConnection, ip: &str, since: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM code_sends WHERE ip = $1 AND at > $2")
            .bind(ip)
            .bind(since)
            .fetch_one(c)
            .await?
            .try_get("n")?,
    )
}

/// Forgets send requests older than `before` (the longest limit is a day).
pub async fn purge_sends(c: &mut AnyConnection, before: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM code_sends WHERE at < $1")
        .bind(before)
        .execute(c)
        .await?
        .rows_affected())
}
