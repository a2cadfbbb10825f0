//! 消息中心: each account's own copy of the notifications it was sent,
//! read or unread.

use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub account_kind: String,
    pub account_id: i64,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub async fn insert(
    c: &mut AnyConnection,
    kind: &str,
    account_id: i64,
    body: &str,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO messages (account_kind, account_id, body, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(kind)
    .bind(account_id)
    .bind(body)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

/// A page of the account's messages, newest first, and their total.
pub async fn list(
    c: &mut AnyConnection,
    kind: &str,
    account_id: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MessageRow>, i64)> {
    let rows = sqlx::query_as(
        "SELECT * FROM messages WHERE account_kind = $1 AND account_id = $2
         ORDER BY id DESC LIMIT $3 OFFSET $4",
    )
    .bind(kind)
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    let total: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM messages WHERE account_kind = $1 AND account_id = $2",
    )
    .bind(kind)
    .bind(account_id)
    .fetch_one(c)
    .await?
    .try_get("n")?;
    Ok((rows, total))
}

/// Marks one of the account's messages read (`Some(id)`) or all of them
/// (`None`); the number of messages that changed.
pub async fn mark_read(
    c: &mut AnyConnection,
    kind: &str,
    account_id: i64,
    id: Option<i64>,
    now: i64,
) -> Result<u64> {
    let done = match id {
        Some(id) => {
            sqlx::query(
                "UPDATE messages SET read_at = $1
                 WHERE account_kind = $2 AND account_id = $3 AND id = $4 AND read_at IS NULL",
            )
            .bind(now)
            .bind(kind)
            .bind(account_id)
            .bind(id)
            .execute(c)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE messages SET read_at = $1
                 WHERE account_kind = $2 AND account_id = $3 AND read_at IS NULL",
            )
            .bind(now)
            .bind(kind)
            .bind(account_id)
            .execute(c)
            .await?
        }
    };
    Ok(done.rows_affected())
}
