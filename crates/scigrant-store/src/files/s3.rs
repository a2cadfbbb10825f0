//! Accepted documents in an S3-compatible bucket (AWS S3, MinIO, Ceph,
//! moto…) through `object_store`. A checked temporary file goes up in
//! parts of [`PART`] bytes with at most [`PARTS_IN_FLIGHT`] parts on the
//! wire, so an upload holds a few parts in memory whatever its size; a
//! download is the object's byte stream read as it arrives.

use std::path::Path as LocalPath;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart};
use tokio::io::AsyncReadExt;

use super::{Io, Reader, Storage, checked};

/// One part of a multipart upload: S3's smallest part (every part but the
/// last must have at least 5 MiB).
pub const PART: usize = 5 * 1024 * 1024;

/// Parts uploading at once; an upload holds at most this many parts plus
/// the one being filled.
pub const PARTS_IN_FLIGHT: usize = 2;

/// How long the readiness probe waits for the bucket.
const READY_WITHIN: Duration = Duration::from_secs(5);

/// Where the bucket is and how to sign in to it. The secret never shows in
/// `Debug`.
#[derive(Clone, Default)]
pub struct S3Settings {
    /// `https://…` of an S3-compatible service; empty means AWS itself.
    pub endpoint: String,
    pub region: String,
    /// Empty: the credentials of the machine's role (instance metadata).
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Accept an `http://` endpoint (a service on loopback or a private
    /// network only).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Files kept as objects `<prefix>/<key>` in one bucket.
#[derive(Debug)]
pub struct S3Storage {
    store: AmazonS3,
    prefix: String,
}

impl S3Storage {
    /// A client for `bucket`, objects under `prefix` (may be empty). No
    /// request is made until the first use.
    pub fn new(bucket: &str, prefix: &str, s: &S3Settings) -> std::io::Result<S3Storage> {
        // No limit on a whole request (a large download to a slow reader
        // takes as long as it takes); a stalled connection fails instead.
        let client = ClientOptions::new()
            .with_timeout_disabled()
            .with_connect_timeout(Duration::from_secs(5))
            .with_read_timeout(Duration::from_secs(60));
        let retry = RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
            ..RetryConfig::default()
        };
        let mut b = AmazonS3Builder::new()
            .with_client_options(client)
            .with_retry(retry)
            .with_bucket_name(bucket)
            .with_allow_http(s.allow_http)
            .with_region(if s.region.is_empty() {
                "us-east-1"
            } else {
                &s.region
            });
        if !s.endpoint.is_empty() {
            b = b.with_endpoint(&s.endpoint);
        }
        if !s.access_key_id.is_empty() {
            b = b
                .with_access_key_id(&s.access_key_id)
                .with_secret_access_key(&s.secret_access_key);
        }
        let store = b.build().map_err(std::io::Error::other)?;
        Ok(S3Storage {
            store,
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    fn path_of(&self, key: &str) -> std::io::Result<Path> {
        let key = checked(key)?;
        Ok(self.path(key))
    }

    fn path(&self, name: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.prefix))
        }
    }

    /// Sends the file at `tmp`: one request when it fits in a part, else a
    /// multipart upload fed part by part.
    async fn upload(&self, tmp: &LocalPath, to: &Path) -> std::io::Result<()> {
        let mut file = tokio::fs::File::open(tmp).await?;
        let mut buf = vec![0u8; PART];
        let first = read_full(&mut file, &mut buf).await?;
        if first < PART {
            buf.truncate(first);
            self.store.put(to, PutPayload::from(buf)).await?;
            return Ok(());
        }
        let mut parts =
            WriteMultipart::new_with_chunk_size(self.store.put_multipart(to).await?, PART);
        let mut n = first;
        let sent = async {
            while n > 0 {
                parts.wait_for_capacity(PARTS_IN_FLIGHT).await?;
                parts.write(&buf[..n]);
                n = read_full(&mut file, &mut buf).await?;
            }
            Ok::<_, std::io::Error>(())
        }
        .await;
        match sent {
            Ok(()) => {
                parts.finish().await?;
                Ok(())
            }
            Err(e) => {
                // Parts already sent are dropped by the service.
                let _ = parts.abort().await;
                Err(e)
            }
        }
    }
}

/// Reads until `buf` is full or the file ends; the bytes read.
async fn read_full(file: &mut tokio::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]).await? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

impl Storage for S3Storage {
    fn keep<'a>(&'a self, tmp: &'a LocalPath, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            let to = self.path_of(key)?;
            self.upload(tmp, &to).await?;
            // Kept: the local copy goes, as a local storage moves it away.
            tokio::fs::remove_file(tmp).await
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> Io<'a, Reader> {
        Box::pin(async move {
            let got = self.store.get(&self.path_of(key)?).await?;
            let bytes = got.into_stream().map_err(std::io::Error::from);
            Ok(Box::pin(tokio_util::io::StreamReader::new(bytes)) as Reader)
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> Io<'a, ()> {
        Box::pin(async move {
            match self.store.delete(&self.path_of(key)?).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
                Err(e) => Err(e.into()),
            }
        })
    }

    /// Writes a small marker object: the bucket exists, answers and takes
    /// our credentials for writing.
    fn ready<'a>(&'a self) -> Io<'a, ()> {
        Box::pin(async move {
            let marker = self.path("ready");
            let probe = self.store.put(&marker, PutPayload::from_static(b"ok"));
            match tokio::time::timeout(READY_WITHIN, probe).await {
                Ok(r) => r.map(|_| ()).map_err(std::io::Error::from),
                Err(_) => Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the bucket did not answer within 5 seconds",
                )),
            }
        })
    }
}
