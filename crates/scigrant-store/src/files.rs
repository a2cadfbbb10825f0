//! Uploaded documents: streamed to a temporary file while their size is
//! counted and their type is checked by content (JPEG `FF D8 FF`, PDF
//! `%PDF-`), moved under a generated name outside the web root only when
//! complete and valid, and recorded in the `files` table. A refused upload
//! leaves nothing behind.

use std::path::{Path, PathBuf};

use rand::RngCore;
use sm3::{Digest, Sm3};
use sqlx::{AnyConnection, Row};
use tokio::io::AsyncWriteExt;

use scigrant_domain::upload::{FileKind, human_size};

use crate::Result;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("文件超过大小限制（不超过{}）", human_size(*.0))]
    TooLarge(u64),
    #[error("文件格式不正确，请上传{0}格式的文件")]
    WrongType(&'static str),
    #[error("请选择要上传的文件")]
    Empty,
    #[error("文件保存失败：{0}")]
    Io(#[from] std::io::Error),
}

/// Local file storage under `<data_dir>/files`.
#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
}

/// A file that passed every check and now sits under its key.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub key: String,
    pub size: u64,
    pub digest: String,
    pub kind: FileKind,
}

/// An upload in progress.
pub struct Upload {
    tmp: PathBuf,
    file: Option<tokio::fs::File>,
    key: String,
    final_path: PathBuf,
    kind: FileKind,
    max: u64,
    size: u64,
    head: Vec<u8>,
    hasher: Sm3,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> FileStore {
        FileStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, key: &str) -> Option<PathBuf> {
        // Keys are ours (hex); anything else never reaches the disk.
        if key.len() != 32 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&key[..2]).join(key))
    }

    /// Starts an upload that must be a `kind` file of at most `max` bytes.
    pub async fn begin(&self, kind: FileKind, max: u64) -> std::io::Result<Upload> {
        let mut raw = [0u8; 16];
        rand::rng().fill_bytes(&mut raw);
        let key = hex::encode(raw);
        let final_path = self.root.join(&key[..2]).join(&key);
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("{key}.part"));
        let file = tokio::fs::File::create(&tmp).await?;
        Ok(Upload {
            tmp,
            file: Some(file),
            key,
            final_path,
            kind,
            max,
            size: 0,
            head: Vec::with_capacity(8),
            hasher: Sm3::new(),
        })
    }

    pub async fn remove(&self, key: &str) {
        if let Some(p) = self.path_of(key) {
            let _ = tokio::fs::remove_file(p).await;
        }
    }
}

impl Upload {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a chunk; refuses (and deletes what was written) as soon as
    /// the file is too large or its first bytes are not of the right type.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            self.abort().await;
            return Err(UploadError::TooLarge(self.max));
        }
        let magic = self.kind.magic();
        if self.head.len() < magic.len() {
            let take = (magic.len() - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            if !magic.starts_with(&self.head) {
                self.abort().await;
                return Err(UploadError::WrongType(self.kind.label()));
            }
        }
        self.hasher.update(chunk);
        if let Some(f) = self.file.as_mut()
            && let Err(e) = f.write_all(chunk).await
        {
            self.abort().await;
            return Err(e.into());
        }
        Ok(())
    }

    /// Completes the upload: the file moves under its key.
    pub async fn finish(mut self) -> Result<StoredFile, UploadError> {
        if self.size == 0 {
            self.abort().await;
            return Err(UploadError::Empty);
        }
        if self.head.len() < self.kind.magic().len() {
            self.abort().await;
            return Err(UploadError::WrongType(self.kind.label()));
        }
        if let Some(mut f) = self.file.take() {
            f.flush().await?;
            f.sync_all().await?;
        }
        if let Some(dir) = self.final_path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::rename(&self.tmp, &self.final_path).await?;
        Ok(StoredFile {
            key: self.key.clone(),
            size: self.size,
            digest: hex::encode(self.hasher.clone().finalize()),
            kind: self.kind,
        })
    }

    /// Drops what was written so far.
    pub async fn abort(&mut self) {
        self.file.take();
        let _ = tokio::fs::remove_file(&self.tmp).await;
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // An upload abandoned half-way (client went away) leaves no file.
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A row of the `files` table.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub purpose: String,
    pub storage_key: String,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub digest: String,
    pub created_at: i64,
}

pub struct NewFile<'a> {
    pub owner_kind: &'a str,
    pub owner_id: i64,
    pub purpose: &'a str,
    pub original_name: &'a str,
    pub stored: &'a StoredFile,
    pub now: i64,
}

pub async fn insert(c: &mut AnyConnection, f: NewFile<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO files (owner_kind, owner_id, purpose, storage_key, original_name, content_type, size, digest, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(f.owner_kind)
    .bind(f.owner_id)
    .bind(f.purpose)
    .bind(&f.stored.key)
    .bind(f.original_name)
    .bind(f.stored.kind.content_type())
    .bind(f.stored.size as i64)
    .bind(&f.stored.digest)
    .bind(f.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<FileRow>> {
    Ok(sqlx::query_as("SELECT * FROM files WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}
