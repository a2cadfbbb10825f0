//! Per-address request budgets (login, registration, captcha images) that
//! hold across every node: the budget lives in the database, one row per
//! address and bucket, so `limit` requests a minute is the total whichever
//! node answers. The rule is GCRA: a client may spend the whole minute's
//! budget at once, then earns one request back every `60 s / limit`.

use crate::{App, AppError};

const MINUTE_MS: i64 = 60_000;

/// Spends one request of `addr`'s budget of `per_minute` in `bucket`;
/// false when it is spent (or the limit is 0: everyone is refused).
pub async fn admit(app: &App, bucket: &str, addr: &str, per_minute: u32) -> Result<bool, AppError> {
    if per_minute == 0 {
        return Ok(false);
    }
    let cost = (MINUTE_MS / i64::from(per_minute)).max(1);
    let burst = cost * i64::from(per_minute);
    let mut c = app.db.read().await?;
    Ok(
        scigrant_store::identity::rate_limits::spend(&mut c, bucket, addr, app.now(), cost, burst)
            .await?,
    )
}

/// Forgets the addresses whose budgets are full again (a scheduled job);
/// returns how many.
pub async fn purge_full_budgets(app: &App) -> Result<u64, AppError> {
    let mut c = app.db.read().await?;
    Ok(scigrant_store::identity::rate_limits::purge_full(&mut c, app.now()).await?)
}
