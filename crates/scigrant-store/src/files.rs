//! Uploaded documents: streamed to a temporary file while their size is
//! counted and their type is checked by content (JPEG `FF D8 FF`, PDF
//! `%PDF-`), moved under a generated name outside the web root only when
//! complete and valid, and recorded in the `files` table. A refused upload
//! leaves nothing behind. Accepted files are kept by a [`Storage`]: a
//! local folder ([`LocalStorage`]) or an S3-compatible bucket
//! ([`s3::S3Storage`]), as `storage_url` ([`url::StorageUrl`]) says;
//! [`migrate`] copies them from one to the other.

pub mod migrate;
pub mod s3;
pub mod url;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

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
    WrongType(String),
    #[error("请选择要上传的文件")]
    Empty,
    /// The disk (or the bucket's quota) is full: nothing of the file was
    /// kept, and the same upload may succeed once space is freed.
    #[error("服务器存储空间不足，文件未能保存，请稍后重试或联系技术支持")]
    Full,
    #[error("文件保存失败：{0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for UploadError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            tracing::warn!(error = %e, "upload refused: storage full");
            UploadError::Full
        } else {
            UploadError::Io(e)
        }
    }
}

/// A stored file being read.
pub type Reader = Pin<Box<dyn tokio::io::AsyncRead + Send>>;

/// What a storage operation returns.
pub type Io<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// Where accepted documents are kept. Every upload is checked while it
/// streams into a local temporary file; only a file that passed every check
/// is handed over, under its key: a local folder, or an S3-compatible
/// bucket.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Takes the checked temporary file at `tmp` and keeps it as `key`.
    fn keep<'a>(&'a self, tmp: &'a Path, key: &'a str) -> Io<'a, ()>;
    /// Opens the file kept as `key`.
    fn open<'a>(&'a self, key: &'a str) -> Io<'a, Reader>;
    /// Deletes the file kept as `key`; a missing file is not an error.
    fn remove<'a>(&'a self, key: &'a str) -> Io<'a, ()>;
    /// Whether the storage can keep files now (for `/readyz`).
    fn ready<'a>(&'a self) -> Io<'a, ()>;
}

/// Keys are ours (32 hex digits); anything else never reaches a storage.
fn checked(key: &str) -> std::io::Result<&str> {
    if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(key)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not a storage key",
        ))
    }
}

/// Files under a local folder, spread over subfolders named by the key's
/// first two digits.
#[derive(Debug)]
pub struct LocalStorage {
    root: PathBuf,
}

impl LocalStorage {
    pub fn new(root: impl Into<PathBuf>) -> LocalStorage {
        LocalStorage { root: root.into() }
    }
    fn path_of(&self, key: &str) -> std::io::Result<PathBuf> {
        let key = checked(key)?;
        Ok(self.root.join(&key[..2]).join(key))
    }
}

impl Storage for LocalStorage {
    fn keep<'a>(&'a self, tmp: &'a Path, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            if let Some(dir) = path.parent() {
                crate::private::create_dir_all_async(dir).await?;
            }
            tokio::fs::rename(tmp, &path).await
        })
    }
    fn open<'a>(&'a self, key: &'a str) -> Io<'a, Reader> {
        Box::pin(async move {
            let file = tokio::fs::File::open(self.path_of(key)?).await?;
            Ok(Box::pin(file) as Reader)
        })
    }
    fn remove<'a>(&'a self, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path_of(key)?).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
    fn ready<'a>(&'a self) -> Io<'a, ()> {
        Box::pin(async move {
            // The folder is there (made as the first `keep` would) and a
            // file can be made in it: a read-only mount or a full disk
            // shows here, not at the next upload.
            crate::private::create_dir_all_async(&self.root).await?;
            let mut raw = [0u8; 8];
            rand::rng().fill_bytes(&mut raw);
            let probe = self.root.join(format!(".ready-{}", hex::encode(raw)));
            let mut f = crate::private::new_file_async().open(&probe).await?;
            let written = f.write_all(b"ok").await;
            drop(f);
            let removed = tokio::fs::remove_file(&probe).await;
            written.and(removed)
        })
    }
}

/// Uploads and stored documents: a local working folder for uploads in
/// progress (`<root>/tmp`) and the storage that keeps accepted files.
#[derive(Clone, Debug)]
pub struct FileStore {
    root: PathBuf,
    storage: Arc<dyn Storage>,
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
    storage: Arc<dyn Storage>,
    /// The kinds accepted; the first bytes decide which one the file is.
    kinds: Vec<FileKind>,
    max: u64,
    size: u64,
    head: Vec<u8>,
    hasher: Sm3,
}

impl FileStore {
    /// Uploads under `root/tmp`, accepted files kept by `storage`.
    pub fn new(root: impl Into<PathBuf>, storage: Arc<dyn Storage>) -> FileStore {
        FileStore {
            root: root.into(),
            storage,
        }
    }

    /// Everything in one local folder (the embedded default).
    pub fn local(root: impl Into<PathBuf>) -> FileStore {
        let root = root.into();
        FileStore::new(root.clone(), Arc::new(LocalStorage::new(root)))
    }

    /// The local working folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens an accepted file.
    pub async fn open(&self, key: &str) -> std::io::Result<Reader> {
        self.storage.open(key).await
    }

    /// Whether the storage can keep files now.
    pub async fn ready(&self) -> std::io::Result<()> {
        self.storage.ready().await
    }

    /// Puts the file at `src` (a backup's copy) back under `key`; the
    /// source is copied, never moved.
    pub async fn restore(&self, key: &str, src: &Path) -> std::io::Result<()> {
        let tmp_dir = self.root.join("tmp");
        crate::private::create_dir_all_async(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("{}.restore", checked(key)?));
        let mut from = tokio::fs::File::open(src).await?;
        let mut to = crate::private::new_file_async().open(&tmp).await?;
        tokio::io::copy(&mut from, &mut to).await?;
        to.sync_all().await?;
        drop(to);
        let kept = self.storage.keep(&tmp, key).await;
        if kept.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        kept
    }

    /// Starts an upload that must be a `kind` file of at most `max` bytes.
    pub async fn begin(&self, kind: FileKind, max: u64) -> std::io::Result<Upload> {
        self.begin_any(&[kind], max).await
    }

    /// Starts an upload that must be a file of one of `kinds` (told apart
    /// by their first bytes, e.g. a signed statement as PDF or as a JPG
    /// photo) of at most `max` bytes.
    pub async fn begin_any(&self, kinds: &[FileKind], max: u64) -> std::io::Result<Upload> {
        let mut raw = [0u8; 16];
        rand::rng().fill_bytes(&mut raw);
        let key = hex::encode(raw);
        let tmp_dir = self.root.join("tmp");
        crate::private::create_dir_all_async(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("{key}.part"));
        // 0600 from the start: the mode survives the move into storage.
        let file = crate::private::new_file_async().open(&tmp).await?;
        Ok(Upload {
            tmp,
            file: Some(file),
            key,
            storage: self.storage.clone(),
            kinds: kinds.to_vec(),
            max,
            size: 0,
            head: Vec::with_capacity(8),
            hasher: Sm3::new(),
        })
    }

    /// Deletes an accepted file (a failure is logged: the row that named
    /// it is already gone, so at worst an orphan file remains).
    pub async fn remove(&self, key: &str) {
        if let Err(e) = self.storage.remove(key).await {
            tracing::warn!(error = %e, "removing a stored file failed");
        }
    }
}

impl Upload {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// "PDF", or "PDF或JPG" when several kinds are accepted.
    fn labels(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("或")
    }

    /// Appends a chunk; refuses (and deletes what was written) as soon as
    /// the file is too large or its first bytes are not of the right type.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.size += chunk.len() as u64;
        if self.size > self.max {
            self.abort().await;
            return Err(UploadError::TooLarge(self.max));
        }
        let longest = self
            .kinds
            .iter()
            .map(|k| k.magic().len())
            .max()
            .unwrap_or(0);
        if self.head.len() < longest {
            let take = (longest - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            let head = &self.head;
            let possible = self.kinds.iter().any(|k| {
                let m = k.magic();
                let n = head.len().min(m.len());
                m[..n] == head[..n]
            });
            if !possible {
                self.abort().await;
                return Err(UploadError::WrongType(self.labels()));
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

    /// Completes the upload: the checked file goes to the storage under its
    /// key.
    pub async fn finish(mut self) -> Result<StoredFile, UploadError> {
        if self.size == 0 {
            self.abort().await;
            return Err(UploadError::Empty);
        }
        let head = &self.head;
        let Some(kind) = self
            .kinds
            .iter()
            .copied()
            .find(|k| head.starts_with(k.magic()))
        else {
            self.abort().await;
            return Err(UploadError::WrongType(self.labels()));
        };
        // tokio's file writes in the background: a full disk may show only
        // here, and the partial file must go then too.
        if let Some(mut f) = self.file.take() {
            let written = match f.flush().await {
                Ok(()) => f.sync_all().await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                drop(f);
                self.abort().await;
                return Err(e.into());
            }
        }
        if let Err(e) = self.storage.keep(&self.tmp, &self.key).await {
            self.abort().await;
            return Err(e.into());
        }
        Ok(StoredFile {
            key: self.key.clone(),
            size: self.size,
            digest: hex::encode(self.hasher.clone().finalize()),
            kind,
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
