//! One-time activation codes of staff accounts (stored hashed).

use sqlx::{AnyConnection, FromRow};

use crate::Result;

#[derive(Clone, Debug, FromRow)]
pub struct ActivationRow {
    pub staff_id: i64,
    pub mobile_enc: Vec<u8>,
    pub mobile_masked: String,
    pub code_hash: String,
    pub failed: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub created_at: i64,
}

pub struct NewActivation<'a> {
    pub staff_id: i64,
    pub mobile_enc: &'a [u8],
    pub mobile_masked: &'a str,
    pub code_hash: &'a str,
    pub expires_at: i64,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, a: &NewActivation<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO staff_activation
           (staff_id, mobile_enc, mobile_masked, code_hash, failed, expires_at, created_at)
         VALUES ($1, $2, $3, $4, 0, $5, $6)",
    )
    .bind(a.staff_id)
    .bind(a.mobile_enc)
    .bind(a.mobile_masked)
    .bind(a.code_hash)
    .bind(a.expires_at)
    .bind(a.now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn get(c: &mut AnyConnection, staff_id: i64) -> Result<Option<ActivationRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM staff_activation WHERE staff_id = $1")
            .bind(staff_id)
            .fetch_optional(c)
            .await?,
    )
}

/// Reserves one try of an open code: counts it before the code is
/// checked, in one statement, so parallel guesses cannot exceed `max`.
/// False when the code is used, expired or out of tries.
pub async fn take_try(c: &mut AnyConnection, staff_id: i64, max: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE staff_activation SET failed = failed + 1
         WHERE staff_id = $1 AND used_at IS NULL AND expires_at > $2 AND failed < $3",
    )
    .bind(staff_id)
    .bind(now)
    .bind(max)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the code used; false when it was used meanwhile.
pub async fn mark_used(c: &mut AnyConnection, staff_id: i64, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE staff_activation SET used_at = $1 WHERE staff_id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(staff_id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The staff accounts whose activation code is still unused (open or
/// expired).
pub async fn unused(c: &mut AnyConnection) -> Result<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT staff_id, expires_at FROM staff_activation WHERE used_at IS NULL")
            .fetch_all(c)
            .await?;
    Ok(rows)
}
