//! Outgoing SMS and e-mail. The default SMS provider is this table itself:
//! messages wait here and staff can read them (masked recipient) in the
//! console; an e-mail sender marks them sent.

use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub recipient_enc: Vec<u8>,
    pub recipient_masked: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
}

pub struct NewMessage<'a> {
    pub channel: &'a str,
    pub recipient_enc: &'a [u8],
    pub recipient_masked: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, m: &NewMessage<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO outbox (channel, recipient_enc, recipient_masked, subject, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(m.channel)
    .bind(m.recipient_enc)
    .bind(m.recipient_masked)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn recent(c: &mut AnyConnection, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM outbox ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(c)
            .await?,
    )
}

pub async fn unsent(c: &mut AnyConnection, channel: &str, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM outbox WHERE channel = $1 AND sent_at IS NULL ORDER BY id LIMIT $2",
    )
    .bind(channel)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

pub async fn mark(c: &mut AnyConnection, id: i64, now: i64, error: Option<&str>) -> Result<()> {
    sqlx::query("UPDATE outbox SET sent_at = $1, error = $2 WHERE id = $3")
        .bind(now)
        .bind(error)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}
