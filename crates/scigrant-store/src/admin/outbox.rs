//! Outgoing SMS and e-mail, a queue in the database. A use case inserts a
//! message `queued` inside its own transaction; the delivery worker claims
//! due messages, sends them and marks each `sent`, or reschedules it with
//! the error, or gives up (`failed`). Staff read the table (masked
//! recipient) in the console.

use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::pii::{PiiCipher, SealedColumn};

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
    /// The last delivery error, if any.
    pub error: Option<String>,
    /// `queued`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

impl OutboxRow {
    /// The recipient, opened for this row only.
    pub fn recipient(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(
            SealedColumn::OUTBOX_RECIPIENT.row(self.id),
            &self.recipient_enc,
        )
    }
}

pub struct NewMessage<'a> {
    pub channel: &'a str,
    /// The phone or e-mail, sealed for the row on insert.
    pub recipient: &'a str,
    pub recipient_masked: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, pii: &PiiCipher, m: &NewMessage<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO outbox (channel, recipient_enc, recipient_masked, subject, body, created_at,
                             status, attempts, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, $6) RETURNING id",
    )
    .bind(m.channel)
    .bind(Vec::<u8>::new())
    .bind(m.recipient_masked)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.now)
    .fetch_one(&mut *c)
    .await?;
    let id = row.try_get("id")?;
    crate::sealed::write(c, pii, SealedColumn::OUTBOX_RECIPIENT.row(id), m.recipient).await?;
    Ok(id)
}

pub async fn recent(c: &mut AnyConnection, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM outbox ORDER BY id DESC LIMIT $1")
            .bind(limit)
            .fetch_all(c)
            .await?,
    )
}

/// The ids of queued messages due at `now`, oldest first.
pub async fn due(c: &mut AnyConnection, now: i64, limit: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Claims a due message for one delivery attempt: counts the attempt and
/// moves its next attempt to `hold_until`, so another worker (another
/// node) does not send it meanwhile. `None` when someone else claimed it.
pub async fn claim(
    c: &mut AnyConnection,
    id: i64,
    now: i64,
    hold_until: i64,
) -> Result<Option<OutboxRow>> {
    let done = sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1
         WHERE id = $2 AND status = 'queued' AND next_attempt_at <= $3",
    )
    .bind(hold_until)
    .bind(id)
    .bind(now)
    .execute(&mut *c)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    Ok(sqlx::query_as("SELECT * FROM outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Gives a claim back without counting it as an attempt (the message
/// cannot be sent yet): it is due again at `next_at`.
pub async fn unclaim(c: &mut AnyConnection, id: i64, next_at: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET attempts = attempts - 1, next_attempt_at = $1 WHERE id = $2")
        .bind(next_at)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// The message was handed over to its provider.
pub async fn mark_sent(c: &mut AnyConnection, id: i64, now: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1, error = NULL WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// An attempt failed: try again at `retry_at`, or give up (`failed`)
/// when `retry_at` is `None`.
pub async fn mark_error(
    c: &mut AnyConnection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<()> {
    match retry_at {
        Some(at) => {
            sqlx::query("UPDATE outbox SET error = $1, next_attempt_at = $2 WHERE id = $3")
                .bind(error)
                .bind(at)
                .bind(id)
                .execute(c)
                .await?
        }
        None => {
            sqlx::query("UPDATE outbox SET error = $1, status = 'failed' WHERE id = $2")
                .bind(error)
                .bind(id)
                .execute(c)
                .await?
        }
    };
    Ok(())
}
