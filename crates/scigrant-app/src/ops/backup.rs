//! `scigrant backup DIR`: a consistent copy of a running installation.
//! The audit anchor is copied first (so the copied chain reaches it), then
//! one snapshot of the database is taken — SQLite's `VACUUM INTO`, or
//! `pg_dump -Fc` of an exported snapshot — and the stored files named in
//! that snapshot are copied out of the storage with their digests checked,
//! with the PII key. `manifest.json`, written last, lists every part with
//! its SM3 digest and the row counts of the main tables; a folder without
//! it is not a backup.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scigrant_store::ops::{COUNTED_TABLES, count_rows, stored_files};
use scigrant_store::sqlx::Connection;
use scigrant_store::{AnyConnection, Backend};
use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};
use tokio::io::AsyncReadExt;

use crate::{App, AppError};

pub const MANIFEST: &str = "manifest.json";
pub const SQLITE_COPY: &str = "database.sqlite";
pub const PG_DUMP: &str = "database.pgdump";
pub const PII_KEY: &str = "pii.key";
pub const ANCHOR: &str = "audit.anchor";
pub const FILES: &str = "files";

/// One part of a backup and its SM3 digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub file: String,
    pub size: u64,
    pub sm3: String,
}

/// A stored file in the backup (`files/<key[..2]>/<key>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPart {
    pub key: String,
    pub size: u64,
    pub sm3: String,
}

/// What `manifest.json` says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// When the snapshot was taken (epoch ms).
    pub taken_at: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub database: Part,
    /// Row counts of the main tables in the snapshot.
    pub counts: BTreeMap<String, i64>,
    pub files: Vec<StoredPart>,
    /// The PII key file; `None` when the key comes from configuration
    /// (`pii_key`), which must then be kept safe on its own.
    pub pii_key: Option<Part>,
    pub audit_anchor: Option<Part>,
}

pub(crate) fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn io(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what}：{e}"))
}

/// SM3 of a file and its size, read in chunks.
pub(crate) async fn digest_file(path: &Path) -> Result<(u64, String), AppError> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| io(&format!("无法读取 {}", path.display()), e))?;
    let mut h = Sm3::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf).await.map_err(|e| io("读取失败", e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex::encode(h.finalize())))
}

async fn part(dir: &Path, file: &str) -> Result<Part, AppError> {
    let (size, sm3) = digest_file(&dir.join(file)).await?;
    Ok(Part {
        file: file.into(),
        size,
        sm3,
    })
}

/// Where a stored file sits inside a backup.
pub(crate) fn stored_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(FILES).join(key.get(..2).unwrap_or("xx")).join(key)
}

/// Copies one small file (key, anchor) 0600 into the backup.
async fn copy_private(from: &Path, to: &Path) -> Result<(), AppError> {
    let bytes = tokio::fs::read(from)
        .await
        .map_err(|e| io(&format!("无法读取 {}", from.display()), e))?;
    write_private(to, &bytes).await
}

pub(crate) async fn write_private(to: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use tokio::io::AsyncWriteExt;
    let mut f = scigrant_store::private::new_file_async()
        .open(to)
        .await
        .map_err(|e| io(&format!("无法写入 {}", to.display()), e))?;
    f.write_all(bytes).await.map_err(|e| io("写入失败", e))?;
    f.sync_all().await.map_err(|e| io("写入失败", e))?;
    Ok(())
}

/// Makes a file the service account's alone (SQLite creates the copy 0644).
pub(crate) fn narrow_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The pg_dump/pg_restore program, or a clear error naming the package.
pub(crate) fn pg_tool(name: &str) -> Result<std::process::Command, AppError> {
    match std::process::Command::new(name).arg("--version").output() {
        Ok(o) if o.status.success() => Ok(std::process::Command::new(name)),
        _ => Err(AppError::Refused(format!(
            "未找到 {name}：PostgreSQL 的备份与恢复需要 PostgreSQL 客户端程序（Debian 软件包 postgresql-client，版本不低于数据库服务器），请安装后重试"
        ))),
    }
}

/// Runs a pg_dump/pg_restore command to its end, off the async threads.
pub(crate) async fn run_tool(mut cmd: std::process::Command, what: &str) -> Result<(), AppError> {
    let what = what.to_string();
    tokio::task::spawn_blocking(move || {
        let out = cmd.output().map_err(|e| io(&what, e))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(AppError::Internal(format!(
                "{what}失败：{}",
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    })
    .await
    .map_err(|e| io("后台任务", e))?
}

/// What the snapshot holds: row counts and the stored files.
async fn inventory(
    c: &mut AnyConnection,
) -> Result<(BTreeMap<String, i64>, Vec<(String, i64, String)>), AppError> {
    let mut counts = BTreeMap::new();
    for t in COUNTED_TABLES {
        counts.insert((*t).to_string(), count_rows(c, t).await?);
    }
    Ok((counts, stored_files(c).await?))
}

/// Takes a backup of `app` into `dir`, which must be missing or empty.
pub async fn backup(app: &App, dir: &Path) -> Result<Manifest, AppError> {
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(AppError::Refused(format!(
            "备份目录 {} 不为空，请指定一个新的目录",
            dir.display()
        )));
    }
    scigrant_store::private::create_dir_all(dir).map_err(|e| io("无法创建备份目录", e))?;
    let taken_at = app.now();
    // Sealed records and the anchor first: the database copied after it
    // holds at least the anchored link.
    crate::admin::audit::seal(app).await?;
    let anchor = crate::admin::audit::anchor_path(app);
    let audit_anchor = if anchor.exists() {
        copy_private(&anchor, &dir.join(ANCHOR)).await?;
        Some(part(dir, ANCHOR).await?)
    } else {
        None
    };
    let (database, counts, files) = match app.db.backend {
        Backend::Sqlite => {
            let copy = dir.join(SQLITE_COPY);
            app.db.sqlite_copy_into(&copy).await?;
            narrow_file(&copy).map_err(|e| io("备份文件权限", e))?;
            // Read from the copy itself, opened read-only: the counts and
            // the file list are the snapshot's.
            let url = format!("sqlite://{}?mode=ro", copy.display());
            let mut c = AnyConnection::connect(&url)
                .await
                .map_err(scigrant_store::StoreError::from)?;
            let (counts, files) = inventory(&mut c).await?;
            c.close().await.map_err(scigrant_store::StoreError::from)?;
            (part(dir, SQLITE_COPY).await?, counts, files)
        }
        Backend::Postgres => {
            let mut cmd = pg_tool("pg_dump")?;
            let (mut tx, snapshot) = app.db.pg_snapshot().await?;
            let (counts, files) = inventory(&mut tx).await?;
            cmd.arg("--format=custom")
                .arg("--no-owner")
                .arg(format!("--snapshot={snapshot}"))
                .arg("--file")
                .arg(dir.join(PG_DUMP))
                .arg("--dbname")
                .arg(app.config.database_url());
            // The snapshot lives as long as this transaction.
            run_tool(cmd, "pg_dump 导出数据库").await?;
            tx.rollback().await.map_err(|e| io("结束快照", e))?;
            (part(dir, PG_DUMP).await?, counts, files)
        }
    };
    let mut parts = Vec::with_capacity(files.len());
    for (key, size, digest) in files {
        parts.push(copy_stored(app, dir, &key, size, &digest).await?);
    }
    let pii_key = if app.config.pii_key.is_none() {
        copy_private(&app.config.data_dir.join(PII_KEY), &dir.join(PII_KEY)).await?;
        Some(part(dir, PII_KEY).await?)
    } else {
        None
    };
    let manifest = Manifest {
        format: 1,
        taken_at,
        backend: backend_name(app.db.backend).into(),
        database,
        counts,
        files: parts,
        pii_key,
        audit_anchor,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| io("清单", e))?;
    write_private(&dir.join(MANIFEST), &text).await?;
    Ok(manifest)
}

/// Copies the stored file `key` out of the storage, checking it against
/// the digest its row recorded at upload.
async fn copy_stored(
    app: &App,
    dir: &Path,
    key: &str,
    size: i64,
    digest: &str,
) -> Result<StoredPart, AppError> {
    use tokio::io::AsyncWriteExt;
    let to = stored_path(dir, key);
    if let Some(parent) = to.parent() {
        scigrant_store::private::create_dir_all_async(parent)
            .await
            .map_err(|e| io("无法创建备份目录", e))?;
    }
    let mut from = app
        .files
        .open(key)
        .await
        .map_err(|e| io(&format!("存储中的文件 {key} 无法读取"), e))?;
    let mut out = scigrant_store::private::new_file_async()
        .open(&to)
        .await
        .map_err(|e| io("无法写入备份", e))?;
    let mut h = Sm3::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n_total = 0u64;
    loop {
        let n = from.read(&mut buf).await.map_err(|e| io("读取失败", e))?;
        if n == 0 {
            break;
        }
        n_total += n as u64;
        h.update(&buf[..n]);
        out.write_all(&buf[..n])
            .await
            .map_err(|e| io("写入失败", e))?;
    }
    out.sync_all().await.map_err(|e| io("写入失败", e))?;
    let sm3 = hex::encode(h.finalize());
    if sm3 != digest || n_total != size as u64 {
        return Err(AppError::Internal(format!(
            "存储中的文件 {key} 与登记的摘要不符，备份中止"
        )));
    }
    Ok(StoredPart {
        key: key.into(),
        size: n_total,
        sm3,
    })
}
