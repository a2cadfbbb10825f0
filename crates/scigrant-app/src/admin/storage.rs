//! Moving the stored documents to another storage (`scigrant storage
//! migrate --to s3://…`): every file the `files` table records is copied
//! from the configured storage and verified by its SM3 digest read back
//! from the target. Running it again copies only what is missing.

use scigrant_store::StoreError;
use scigrant_store::files::migrate::{Copied, recorded_after};
use scigrant_store::files::url::StorageUrl;

use crate::{App, AppError};

/// Files read from the table at a time.
const PAGE: i64 = 500;

/// What a migration did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Copied now and verified.
    pub copied: u64,
    /// Already in the target with the recorded digest.
    pub present: u64,
    /// File id, storage key and why it was not copied.
    pub failed: Vec<(i64, String, String)>,
}

/// Copies every recorded file to the storage at `to` (signed in to with
/// the configured S3 settings), verifying each copy by digest. Refuses a
/// target that is the configured storage itself. Changes no database row
/// and writes no audit record: the files stay where they are until the
/// operator switches `storage_url`.
pub async fn migrate_storage(app: &App, to: &str) -> Result<MigrationReport, AppError> {
    let target_url = StorageUrl::parse(to.trim()).map_err(AppError::Refused)?;
    let source_url = app
        .config
        .storage_url()
        .map_err(|e| AppError::Refused(e.to_string()))?;
    if target_url == source_url {
        return Err(AppError::Refused(format!(
            "目标存储 {target_url} 就是当前使用的存储，无需迁移"
        )));
    }
    let target = target_url
        .open(&app.config.s3_settings())
        .map_err(StoreError::from)?;
    target
        .ready()
        .await
        .map_err(|e| AppError::Refused(format!("目标存储 {target_url} 无法访问或不可写入：{e}")))?;
    let mut report = MigrationReport::default();
    let mut after = 0;
    loop {
        let page = {
            let mut c = app.db.read().await?;
            recorded_after(&mut c, after, PAGE).await?
        };
        let Some(last) = page.last() else { break };
        after = last.id;
        for f in &page {
            match app.files.copy_to(&*target, &f.storage_key, &f.digest).await {
                Copied::Copied => report.copied += 1,
                Copied::Present => report.present += 1,
                Copied::Failed(why) => report.failed.push((f.id, f.storage_key.clone(), why)),
            }
        }
    }
    Ok(report)
}
