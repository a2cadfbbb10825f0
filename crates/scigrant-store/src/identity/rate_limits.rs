//! Per-address request budgets shared by every node: GCRA with its one
//! number per address (the "theoretical arrival time", `tat`) kept in a row
//! and moved by one atomic upsert.

use sqlx::AnyConnection;

use crate::Result;

/// Spends one request of `key`'s budget in `bucket`, where a request costs
/// `cost_ms` and the budget holds `burst_ms` (a whole minute): admitted
/// (true) when the arrival time, moved on by one request, stays within the
/// burst of `now`. A refused request changes nothing.
pub async fn spend(
    c: &mut AnyConnection,
    bucket: &str,
    key: &str,
    now: i64,
    cost_ms: i64,
    burst_ms: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO rate_limits (bucket, key, tat) VALUES ($1, $2, $3 + $4)
         ON CONFLICT (bucket, key) DO UPDATE
             SET tat = (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4
         WHERE (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4 - $3 <= $5",
    )
    .bind(bucket)
    .bind(key)
    .bind(now)
    .bind(cost_ms)
    .bind(burst_ms)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets every address whose budget is full again at `now`; returns how
/// many rows went.
pub async fn purge_full(c: &mut AnyConnection, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM rate_limits WHERE tat <= $1")
        .bind(now)
        .execute(c)
        .await?
        .rows_affected())
}
