//! Copying accepted documents from one storage to another (moving to a
//! bucket, or back), each copy verified by its SM3 digest read back from
//! the target. Copying again is safe: a file the target already holds with
//! the right digest is left alone.

use sm3::{Digest, Sm3};
use sqlx::AnyConnection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{FileStore, Storage};
use crate::Result;

/// What became of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Copied {
    /// Copied now, and read back with the recorded digest.
    Copied,
    /// The target already held it, with the recorded digest.
    Present,
    /// Not copied, and why.
    Failed(String),
}

/// A stored file as the `files` table records it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Recorded {
    pub id: i64,
    pub storage_key: String,
    pub digest: String,
}

/// Up to `limit` recorded files with an id above `after`, by id: the
/// migration walks the table page by page.
pub async fn recorded_after(
    c: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<Recorded>> {
    Ok(sqlx::query_as(
        "SELECT id, storage_key, digest FROM files WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// The SM3 digest (hex) of the file kept as `key`, read as a stream.
pub async fn digest_of(storage: &dyn Storage, key: &str) -> std::io::Result<String> {
    let mut r = storage.open(key).await?;
    let mut hasher = Sm3::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut buf).await? {
            0 => break,
            n => hasher.update(&buf[..n]),
        }
    }
    Ok(hex::encode(hasher.finalize()))
}

impl FileStore {
    /// Copies the file kept as `key` (recorded with SM3 `digest`) from this
    /// store's storage to `target`, through a temporary file in the local
    /// working folder, and reads the copy back to check its digest. A
    /// target copy that already has the digest is kept; one that differs
    /// is replaced.
    pub async fn copy_to(&self, target: &dyn Storage, key: &str, digest: &str) -> Copied {
        match digest_of(target, key).await {
            Ok(d) if d == digest => return Copied::Present,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Copied::Failed(format!("读取目标存储失败：{e}")),
        }
        let tmp_dir = self.root().join("tmp");
        let tmp = tmp_dir.join(format!("{key}.copy"));
        let fetched = async {
            crate::private::create_dir_all_async(&tmp_dir).await?;
            let mut from = self.open(key).await?;
            let mut file = crate::private::new_file_async().open(&tmp).await?;
            let mut hasher = Sm3::new();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match from.read(&mut buf).await? {
                    0 => break,
                    n => {
                        hasher.update(&buf[..n]);
                        file.write_all(&buf[..n]).await?;
                    }
                }
            }
            file.flush().await?;
            Ok::<_, std::io::Error>(hex::encode(hasher.finalize()))
        }
        .await;
        match fetched {
            Err(e) => return discard(&tmp, format!("读取源文件失败：{e}")).await,
            Ok(d) if d != digest => return discard(&tmp, "源文件与登记的摘要不符".into()).await,
            Ok(_) => {}
        }
        if let Err(e) = target.keep(&tmp, key).await {
            return discard(&tmp, format!("写入目标存储失败：{e}")).await;
        }
        match digest_of(target, key).await {
            Ok(d) if d == digest => Copied::Copied,
            Ok(_) => Copied::Failed("复制后读回的摘要不符".into()),
            Err(e) => Copied::Failed(format!("复制后读回失败：{e}")),
        }
    }
}

/// Removes the temporary copy of a file that was not copied.
async fn discard(tmp: &std::path::Path, why: String) -> Copied {
    let _ = tokio::fs::remove_file(tmp).await;
    Copied::Failed(why)
}
