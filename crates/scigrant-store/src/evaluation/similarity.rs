//! 查重 signatures: one row per submitted application with own text, the
//! MinHash signature as bytes (see `scigrant_domain::evaluation::dedup`).
//! Written inside the submission's transaction; a resubmission after a
//! return replaces it.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SignatureRow {
    pub application_id: i64,
    pub call_id: i64,
    pub signature: Vec<u8>,
}

/// Stores (or replaces) an application's signature.
pub async fn put(
    c: &mut AnyConnection,
    application_id: i64,
    call_id: i64,
    scheme: &str,
    signature: &[u8],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO application_signatures (application_id, call_id, scheme, signature, computed_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (application_id) DO UPDATE SET call_id = excluded.call_id,
           scheme = excluded.scheme, signature = excluded.signature, computed_at = excluded.computed_at",
    )
    .bind(application_id)
    .bind(call_id)
    .bind(scheme)
    .bind(signature)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Removes an application's signature (its new submission has no own text).
pub async fn remove(c: &mut AnyConnection, application_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM application_signatures WHERE application_id = $1")
        .bind(application_id)
        .execute(c)
        .await?;
    Ok(())
}

/// Every signature made with `scheme`, across all calls and years.
pub async fn all(c: &mut AnyConnection, scheme: &str) -> Result<Vec<SignatureRow>> {
    Ok(sqlx::query_as(
        "SELECT application_id, call_id, signature FROM application_signatures WHERE scheme = $1 ORDER BY application_id",
    )
    .bind(scheme)
    .fetch_all(c)
    .await?)
}

/// The signatures of one unit's applications.
pub async fn of_unit(
    c: &mut AnyConnection,
    unit_id: i64,
    scheme: &str,
) -> Result<Vec<SignatureRow>> {
    Ok(sqlx::query_as(
        "SELECT s.application_id, s.call_id, s.signature FROM application_signatures s
         JOIN applications a ON a.id = s.application_id
         WHERE a.unit_id = $1 AND s.scheme = $2 ORDER BY s.application_id",
    )
    .bind(unit_id)
    .bind(scheme)
    .fetch_all(c)
    .await?)
}
