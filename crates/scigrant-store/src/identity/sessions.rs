//! Server-side sessions: the cookie carries a random id, the table keeps
//! only its SM3 hash, the account, the CSRF token and when and where it
//! was used; that is also the 在线用户 list and what forced logout deletes.

use sm3::{Digest, Sm3};
use sqlx::AnyConnection;

use crate::Result;

/// Sessions are stored by the SM3 hash of their token, so a copy of the
/// database yields no usable cookie.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub account_kind: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
    /// The unit the person acts for (代办), if any.
    pub acting_unit_id: Option<i64>,
}

pub async fn insert(c: &mut AnyConnection, s: &SessionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, account_kind, account_id, csrf_token, created_at, last_seen_at, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&s.id_hash)
    .bind(&s.account_kind)
    .bind(s.account_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, id_hash: &str) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as("SELECT * FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(c)
        .await?)
}

/// A session as a request finds it, with the number of its account's
/// unread messages (the header's 消息中心 badge), in one statement.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeenSession {
    #[sqlx(flatten)]
    pub session: SessionRow,
    pub unread: i64,
}

pub async fn seen(c: &mut AnyConnection, id_hash: &str) -> Result<Option<SeenSession>> {
    Ok(sqlx::query_as(
        "SELECT s.*, (SELECT COUNT(*) FROM messages m
                      WHERE m.account_kind = s.account_kind AND m.account_id = s.account_id
                        AND m.read_at IS NULL) AS unread
         FROM sessions s WHERE s.id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(c)
    .await?)
}

pub async fn touch(c: &mut AnyConnection, id_hash: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn delete(c: &mut AnyConnection, id_hash: &str) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(c)
        .await?
        .rows_affected())
}

pub async fn delete_for_account(c: &mut AnyConnection, kind: &str, id: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2")
            .bind(kind)
            .bind(id)
            .execute(c)
            .await?
            .rows_affected(),
    )
}

/// Sessions still alive: seen after `idle_after` and created after `created_after`.
pub async fn active(
    c: &mut AnyConnection,
    idle_after: i64,
    created_after: i64,
) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM sessions WHERE last_seen_at > $1 AND created_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(idle_after)
    .bind(created_after)
    .fetch_all(c)
    .await?)
}

/// Removes expired sessions.
pub async fn purge(c: &mut AnyConnection, idle_after: i64, created_after: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE last_seen_at <= $1 OR created_at <= $2")
            .bind(idle_after)
            .bind(created_after)
            .execute(c)
            .await?
            .rows_affected(),
    )
}

/// Ends every other session of an account (after a password change).
pub async fn delete_others(c: &mut AnyConnection, kind: &str, id: i64, keep: &str) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM sessions WHERE account_kind = $1 AND account_id = $2 AND id_hash <> $3",
    )
    .bind(kind)
    .bind(id)
    .bind(keep)
    .execute(c)
    .await?
    .rows_affected())
}
