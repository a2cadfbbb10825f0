//! `storage_url`: which storage keeps accepted documents, a local folder
//! (`file://PATH`) or an S3-compatible bucket (`s3://bucket/prefix`).

use std::path::PathBuf;
use std::sync::Arc;

use super::s3::{S3Settings, S3Storage};
use super::{LocalStorage, Storage};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageUrl {
    /// A folder on this machine (relative paths from the working folder).
    Local(PathBuf),
    /// Objects `<prefix>/<key>` in `bucket`.
    S3 { bucket: String, prefix: String },
}

impl StorageUrl {
    /// Reads `file://PATH` or `s3://bucket[/prefix]`; the error says which
    /// forms are understood.
    pub fn parse(url: &str) -> Result<StorageUrl, String> {
        let bad = |why: &str| {
            format!("存储地址 {url} 无效：{why}（应为 file://目录 或 s3://存储桶/前缀）")
        };
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(bad("缺少目录"));
            }
            return Ok(StorageUrl::Local(PathBuf::from(path)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(bad("不支持的协议"));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's rule for bucket names: 3 to 63 lower-case letters, digits,
        // dots and hyphens, starting and ending with a letter or digit.
        let edge =
            |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !(3..=63).contains(&bucket.len())
            || !bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
            || !edge(bucket.chars().next())
            || !edge(bucket.chars().last())
        {
            return Err(bad("存储桶名称应为 3 到 63 个小写字母、数字、点或连字符"));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|p| p == "." || p == "..") || prefix.contains("//") {
            return Err(bad("前缀不得含有 . 或 .. 或空的层级"));
        }
        Ok(StorageUrl::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The storage this address names; an S3 bucket is signed in to with
    /// `s3`. Nothing is contacted yet (see [`Storage::ready`]).
    pub fn open(&self, s3: &S3Settings) -> std::io::Result<Arc<dyn Storage>> {
        Ok(match self {
            StorageUrl::Local(path) => Arc::new(LocalStorage::new(path.clone())),
            StorageUrl::S3 { bucket, prefix } => Arc::new(S3Storage::new(bucket, prefix, s3)?),
        })
    }
}

impl std::fmt::Display for StorageUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageUrl::Local(path) => write!(f, "file://{}", path.display()),
            StorageUrl::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StorageUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}
