//! Test support: a real S3-compatible server (`moto_server` from PyPI's
//! `moto[server]`) on a free loopback port, with one bucket, stopped when
//! the test ends. Compiled only with the `testing` feature. A test that
//! needs it fails with how to install it when it is missing: it never
//! skips.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::files::s3::S3Settings;
use crate::files::url::StorageUrl;

/// The moto release `scripts/test` installs.
pub const MOTO: &str = "moto[server]==5.2.1";

/// A running moto server holding one empty bucket.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub bucket: String,
}

impl Moto {
    /// Starts moto on a free port, waits until it answers (at most 30 s)
    /// and creates `bucket`.
    pub async fn start(bucket: &str) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "moto_server (an S3-compatible server) is required for the storage tests and \
                     could not be started: {e}. Install it with: pip install \"{MOTO}\""
                )
            });
        let mut moto = Moto {
            child,
            port,
            bucket: bucket.to_string(),
        };
        let since = Instant::now();
        loop {
            if let Ok(status) = moto.request("GET", "/").await
                && status == 200
            {
                break;
            }
            if let Ok(Some(exit)) = moto.child.try_wait() {
                panic!("moto_server exited at start ({exit}); is \"{MOTO}\" installed?");
            }
            assert!(
                since.elapsed() < Duration::from_secs(30),
                "moto_server did not answer on 127.0.0.1:{port} within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let status = moto
            .request("PUT", &format!("/{bucket}"))
            .await
            .expect("create the test bucket");
        assert_eq!(status, 200, "moto refused to create bucket {bucket}");
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `s3://bucket/prefix`.
    pub fn url(&self, prefix: &str) -> StorageUrl {
        StorageUrl::S3 {
            bucket: self.bucket.clone(),
            prefix: prefix.to_string(),
        }
    }

    /// Endpoint, region and moto's test credentials, plain HTTP allowed.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.endpoint(),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            allow_http: true,
        }
    }

    /// The keys of every object in the bucket (moto answers unsigned
    /// requests), for tests that check nothing was left behind.
    pub async fn keys(&self) -> Vec<String> {
        let body = self
            .fetch("GET", &format!("/{}?list-type=2", self.bucket))
            .await
            .expect("list the test bucket");
        body.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split_once("</Key>").map(|(k, _)| k.to_string()))
            .collect()
    }

    async fn request(&self, method: &str, path: &str) -> std::io::Result<u16> {
        let text = self.fetch(method, path).await?;
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(status)
    }

    /// One HTTP/1.1 request without a body; the whole response as text.
    async fn fetch(&self, method: &str, path: &str) -> std::io::Result<String> {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        s.write_all(head.as_bytes()).await?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
