//! Operating the service: whether this node is ready for traffic
//! (`/readyz`), what it counts for Prometheus (`metrics`), and the backup
//! and restore of a whole installation (`backup`, `restore`), and the
//! sealing of phone values stored plain by an earlier release
//! (`seal_forms`).

pub mod backup;
pub mod metrics;
pub mod restore;
pub mod seal_forms;

use std::time::Duration;

use crate::App;

/// How long a readiness probe waits for the database or the storage.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why this node should not receive traffic now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("数据库不可达")]
    Database,
    #[error("数据库迁移未完成：缺 {0} 个")]
    Migrations(usize),
    #[error("文件存储不可写")]
    Storage,
}

/// Database reachable, its migrations current, storage writable. The
/// cause of a failure is logged; the answer says only which part failed.
pub async fn readiness(app: &App) -> Result<(), NotReady> {
    match tokio::time::timeout(PROBE_TIMEOUT, app.db.pending_migrations()).await {
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => return Err(NotReady::Migrations(n)),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database");
            return Err(NotReady::Database);
        }
        Err(_) => {
            tracing::warn!("readiness: database did not answer in time");
            return Err(NotReady::Database);
        }
    }
    match tokio::time::timeout(PROBE_TIMEOUT, app.files.ready()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: storage");
            Err(NotReady::Storage)
        }
        Err(_) => {
            tracing::warn!("readiness: storage did not answer in time");
            Err(NotReady::Storage)
        }
    }
}
