//! Image-captcha answers, kept server-side. Taking an answer deletes it in
//! the same statement, so each captcha is consumed by exactly one attempt.

use sqlx::{AnyConnection, Row};

use crate::Result;

pub async fn insert(c: &mut AnyConnection, id: &str, answer: &str, now: i64) -> Result<()> {
    sqlx::query("INSERT INTO captchas (id, answer, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(answer)
        .bind(now)
        .execute(c)
        .await?;
    Ok(())
}

/// The answer and creation time of captcha `id`, which is gone afterwards.
pub async fn take(c: &mut AnyConnection, id: &str) -> Result<Option<(String, i64)>> {
    let row = sqlx::query("DELETE FROM captchas WHERE id = $1 RETURNING answer, created_at")
        .bind(id)
        .fetch_optional(c)
        .await?;
    match row {
        Some(r) => Ok(Some((r.try_get("answer")?, r.try_get("created_at")?))),
        None => Ok(None),
    }
}

pub async fn purge(c: &mut AnyConnection, created_before: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM captchas WHERE created_at < $1")
        .bind(created_before)
        .execute(c)
        .await?
        .rows_affected())
}

/// How many captchas are stored, answered or not.
pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM captchas")
        .fetch_one(c)
        .await?
        .try_get("n")?)
}
