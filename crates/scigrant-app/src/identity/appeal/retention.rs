//! Deleting an appeal's images [`IMAGE_KEEP_DAYS`] after its decision: the
//! scheduled job `appeal.purge` (daily, under its lease) removes the image
//! rows and the stored files, keeps the appeal itself (number, state,
//! reason) and writes audit `appeal.purge` per appeal.

use scigrant_domain::identity::appeal::IMAGE_KEEP_DAYS;
use scigrant_store::identity::appeals;

use crate::{Actor, App, AppError, audit};

const DAY_MS: i64 = 86_400_000;
/// Appeals handled per transaction.
const BATCH: i64 = 100;

/// Purges the images of every appeal decided more than `IMAGE_KEEP_DAYS`
/// ago; the number of appeals purged.
pub async fn purge_appeal_images(app: &App) -> Result<u64, AppError> {
    let before = app.now() - IMAGE_KEEP_DAYS * DAY_MS;
    let actor = Actor::system();
    let mut purged = 0u64;
    loop {
        let due = {
            let mut c = app.db.read().await?;
            appeals::due_for_purge(&mut c, before, BATCH).await?
        };
        if due.is_empty() {
            return Ok(purged);
        }
        for id in due {
            let mut tx = app.db.begin().await?;
            let keys = appeals::purge_images(&mut tx, id, app.now()).await?;
            audit(
                &mut tx,
                app,
                &actor,
                "appeal.purge",
                ("appeal", Some(id)),
                "success",
                &format!(
                    "决定后保存期满{IMAGE_KEEP_DAYS}天，删除证件图片{}张",
                    keys.len()
                ),
            )
            .await?;
            tx.commit().await?;
            // The rows are gone; the files follow (at worst an orphan file).
            for key in keys {
                app.files.remove(&key).await;
            }
            purged += 1;
        }
    }
}
