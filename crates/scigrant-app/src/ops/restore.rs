//! `scigrant restore DIR`: brings a backup back into an empty data
//! directory and database. Every part is checked against the manifest's
//! digests before anything is written; a target that already holds data
//! is refused unless `force` is given. Afterwards the restored
//! installation is opened and checked: the row counts match the
//! manifest, every stored file is back, every submitted application's
//! digest recomputes and the audit chain verifies against the restored
//! anchor.

use std::path::Path;
use std::sync::Arc;

use scigrant_store::Backend;
use scigrant_store::ops::{COUNTED_TABLES, count_rows, sqlite_file, submitted_digests};

use super::backup::{
    ANCHOR, MANIFEST, Manifest, PG_DUMP, PII_KEY, Part, SQLITE_COPY, backend_name, digest_file,
    narrow_file, pg_tool, run_tool, stored_path, write_private,
};
use crate::grants::applications::{Verification, verify};
use crate::{App, AppError, Clock, Config};

/// What a restore brought back and what the checks found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restored {
    pub manifest: Manifest,
    /// Submitted applications whose digest recomputed.
    pub applications_verified: usize,
    /// Links of the audit chain that verified.
    pub audit_sealed: i64,
}

fn refused(msg: String) -> AppError {
    AppError::Refused(msg)
}

/// Reads `DIR/manifest.json`.
pub async fn read_manifest(dir: &Path) -> Result<Manifest, AppError> {
    let text = tokio::fs::read(dir.join(MANIFEST)).await.map_err(|_| {
        refused(format!(
            "{} 中没有 {MANIFEST}：不是完整的备份",
            dir.display()
        ))
    })?;
    serde_json::from_slice(&text).map_err(|e| refused(format!("{MANIFEST} 格式错误：{e}")))
}

async fn check_part(dir: &Path, p: &Part) -> Result<(), AppError> {
    let (size, sm3) = digest_file(&dir.join(&p.file)).await?;
    if size != p.size || sm3 != p.sm3 {
        return Err(refused(format!("备份中的 {} 与清单的摘要不符", p.file)));
    }
    Ok(())
}

/// Checks every part of the backup against the manifest.
async fn check_backup(dir: &Path, m: &Manifest) -> Result<(), AppError> {
    check_part(dir, &m.database).await?;
    for p in m.pii_key.iter().chain(m.audit_anchor.iter()) {
        check_part(dir, p).await?;
    }
    for f in &m.files {
        let (size, sm3) = digest_file(&stored_path(dir, &f.key)).await?;
        if size != f.size || sm3 != f.sm3 {
            return Err(refused(format!("备份中的文件 {} 与清单的摘要不符", f.key)));
        }
    }
    Ok(())
}

/// What of an installation is already at the target.
async fn occupied(config: &Config) -> Result<Vec<String>, AppError> {
    let mut found = Vec::new();
    let dir = &config.data_dir;
    for name in [PII_KEY, ANCHOR] {
        if dir.join(name).exists() {
            found.push(name.to_string());
        }
    }
    let files = dir.join("files");
    if std::fs::read_dir(&files).is_ok_and(|d| {
        d.flatten()
            .any(|e| e.file_name() != "tmp" && !e.file_name().to_string_lossy().starts_with('.'))
    }) {
        found.push("files/".into());
    }
    let url = config.database_url();
    match Backend::from_url(&url)? {
        Backend::Sqlite => {
            if sqlite_file(&url).is_some_and(|f| f.metadata().is_ok_and(|m| m.len() > 0)) {
                found.push("数据库".into());
            }
        }
        Backend::Postgres => {
            let db = scigrant_store::Db::connect(&url, 1).await?;
            let empty = db.has_no_tables().await?;
            db.pool.close().await;
            if !empty {
                found.push("数据库".into());
            }
        }
    }
    Ok(found)
}

/// Restores the backup in `dir` into the data directory and database of
/// `config`, then opens and checks the result.
pub async fn restore(
    config: Config,
    clock: Arc<dyn Clock>,
    dir: &Path,
    force: bool,
) -> Result<Restored, AppError> {
    let m = read_manifest(dir).await?;
    let url = config.database_url();
    let backend = Backend::from_url(&url)?;
    if m.backend != backend_name(backend) {
        return Err(refused(format!(
            "备份来自 {} 数据库，不能恢复到 {} 数据库",
            m.backend,
            backend_name(backend)
        )));
    }
    if m.pii_key.is_none() && config.pii_key.is_none() {
        return Err(refused(
            "备份时个人信息密钥来自配置（pii_key），恢复前请先在配置中设置同一密钥".into(),
        ));
    }
    check_backup(dir, &m).await?;
    let found = occupied(&config).await?;
    if !found.is_empty() && !force {
        return Err(refused(format!(
            "恢复目标不为空（已有：{}），为防止覆盖已拒绝；确需覆盖请加 --force",
            found.join("、")
        )));
    }
    let data_dir = &config.data_dir;
    scigrant_store::private::create_dir_all(data_dir).map_err(scigrant_store::StoreError::from)?;
    for (part, name) in [(&m.pii_key, PII_KEY), (&m.audit_anchor, ANCHOR)] {
        let target = data_dir.join(name);
        let _ = std::fs::remove_file(&target);
        if part.is_some() {
            let bytes = tokio::fs::read(dir.join(name))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            write_private(&target, &bytes).await?;
        }
    }
    match backend {
        Backend::Sqlite => {
            let file = sqlite_file(&url).ok_or_else(|| refused("内存数据库不能恢复".into()))?;
            for suffix in ["", "-wal", "-shm"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(name);
            }
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                scigrant_store::private::create_dir_all(parent)
                    .map_err(scigrant_store::StoreError::from)?;
            }
            tokio::fs::copy(dir.join(SQLITE_COPY), &file)
                .await
                .map_err(|e| AppError::Internal(format!("复制数据库失败：{e}")))?;
            narrow_file(&file).map_err(scigrant_store::StoreError::from)?;
        }
        Backend::Postgres => {
            let mut cmd = pg_tool("pg_restore")?;
            cmd.arg("--no-owner").arg("--exit-on-error");
            if force {
                cmd.arg("--clean").arg("--if-exists");
            }
            cmd.arg("--dbname").arg(&url).arg(dir.join(PG_DUMP));
            run_tool(cmd, "pg_restore 导入数据库").await?;
        }
    }
    let app = App::open(config, clock).await?;
    for f in &m.files {
        app.files
            .restore(&f.key, &stored_path(dir, &f.key))
            .await
            .map_err(|e| AppError::Internal(format!("文件 {} 放回存储失败：{e}", f.key)))?;
    }
    let checked = check_restored(&app, &m).await;
    app.db.pool.close().await;
    let (applications_verified, audit_sealed) = checked?;
    Ok(Restored {
        manifest: m,
        applications_verified,
        audit_sealed,
    })
}

/// Counts, application digests and the audit chain of a restored
/// installation.
async fn check_restored(app: &App, m: &Manifest) -> Result<(usize, i64), AppError> {
    let mut c = app.db.read().await?;
    for t in COUNTED_TABLES {
        let n = count_rows(&mut c, t).await?;
        let want = m.counts.get(*t).copied().unwrap_or(0);
        if n != want {
            return Err(AppError::Internal(format!(
                "恢复后表 {t} 有 {n} 行，备份清单记录为 {want} 行"
            )));
        }
    }
    let submitted = submitted_digests(&mut c).await?;
    drop(c);
    for (number, digest) in &submitted {
        if verify(app, number, digest).await? == Verification::NoMatch {
            return Err(AppError::Internal(format!(
                "恢复后申报书 {number} 的摘要校验失败"
            )));
        }
    }
    let chain = crate::admin::audit::seal_and_verify_audit(app).await?;
    if !chain.intact() {
        return Err(AppError::Internal(format!(
            "恢复后审计链校验失败：发现 {} 处问题",
            chain.problems.len()
        )));
    }
    Ok((submitted.len(), chain.sealed))
}
