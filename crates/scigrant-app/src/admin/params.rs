//! The 安全管理员 sets the security parameters (lockout, session timeouts).

use scigrant_store::admin::settings;

use crate::params::SecurityParams;
use crate::{Actor, App, AppError, audit};

/// Sets the security parameters (安全管理员). Audit `security.params`.
pub async fn set_params(app: &App, actor: &Actor, p: SecurityParams) -> Result<(), AppError> {
    p.check().into_result()?;
    let mut tx = app.db.begin().await?;
    for (key, v) in SecurityParams::KEYS.iter().zip(p.values()) {
        settings::set(&mut tx, key, &v.to_string()).await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "security.params",
        ("settings", None),
        "success",
        &format!("{p:?}"),
    )
    .await?;
    tx.commit().await?;
    // This node applies the change at once; others within the cache's TTL.
    if let Ok(mut guard) = app.cache.params.0.write() {
        *guard = None;
    }
    Ok(())
}
