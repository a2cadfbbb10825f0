//! Accepted documents in a real S3-compatible server (moto on loopback):
//! an upload goes up in parts and streams back equal, a refused upload
//! leaves nothing in the bucket nor the database, removing deletes the
//! object, and copying a local store to the bucket twice copies once and
//! verifies every file by digest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::RngCore;
use scigrant_domain::upload::FileKind;
use scigrant_store::Db;
use scigrant_store::files::migrate::{Copied, digest_of};
use scigrant_store::files::s3::{PART, S3Settings, S3Storage};
use scigrant_store::files::{self, FileStore, NewFile, Storage, StoredFile, UploadError};
use scigrant_store::sqlx::{self, Row};
use scigrant_store::testing::Moto;
use tokio::io::AsyncReadExt;

fn temp_dir(name: &str) -> PathBuf {
    let mut r = [0u8; 6];
    rand::rng().fill_bytes(&mut r);
    let dir = std::env::temp_dir().join(format!("scigrant-{name}-{}", hex::encode(r)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A bucket name of its own for each test.
fn bucket(name: &str) -> String {
    let mut r = [0u8; 3];
    rand::rng().fill_bytes(&mut r);
    format!("sg-{name}-{}", hex::encode(r))
}

/// A store whose accepted files go to `moto`'s bucket under `docs/`.
fn s3_store(root: &Path, moto: &Moto) -> FileStore {
    let s3 = S3Storage::new(&moto.bucket, "docs", &moto.settings()).unwrap();
    FileStore::new(root, Arc::new(s3))
}

/// A PDF of `size` bytes whose content varies, so a misplaced part shows.
fn pdf(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n".to_vec();
    let mut i = 0u32;
    while v.len() < size {
        v.extend_from_slice(&i.to_le_bytes());
        i += 1;
    }
    v.truncate(size);
    v
}

async fn put(store: &FileStore, bytes: &[u8]) -> Result<StoredFile, UploadError> {
    let mut u = store.begin(FileKind::Pdf, 64 * 1024 * 1024).await?;
    for chunk in bytes.chunks(64 * 1024) {
        u.write(chunk).await?;
    }
    u.finish().await
}

async fn read_back(store: &FileStore, key: &str) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .open(key)
        .await
        .unwrap()
        .read_to_end(&mut out)
        .await
        .unwrap();
    out
}

/// Files left in the local working folder.
fn leftovers(root: &Path) -> Vec<String> {
    std::fs::read_dir(root.join("tmp"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_goes_to_the_bucket_and_streams_back_equal() {
    let moto = Moto::start(&bucket("keep")).await;
    let root = temp_dir("s3-keep");
    let store = s3_store(&root, &moto);
    store.ready().await.expect("the bucket is reachable");

    // Three parts of a multipart upload (5 MiB, 5 MiB, the rest) and a
    // small file sent in one request.
    let big = pdf(2 * PART + 123_457);
    let small = pdf(70_000);
    let a = put(&store, &big).await.unwrap();
    let b = put(&store, &small).await.unwrap();
    assert_eq!(a.size, big.len() as u64);
    assert!(
        read_back(&store, &a.key).await == big,
        "the large file reads back equal"
    );
    assert_eq!(read_back(&store, &b.key).await, small);

    let mut keys = moto.keys().await;
    keys.sort();
    let mut want = vec![
        format!("docs/{}", a.key),
        format!("docs/{}", b.key),
        "docs/ready".to_string(),
    ];
    want.sort();
    assert_eq!(keys, want);
    assert_eq!(
        leftovers(&root),
        Vec::<String>::new(),
        "no local copy stays"
    );
    // The digest recorded at upload is the digest of what the bucket holds.
    let s3 = S3Storage::new(&moto.bucket, "docs", &moto.settings()).unwrap();
    assert_eq!(digest_of(&s3, &a.key).await.unwrap(), a.digest);
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_upload_leaves_no_object_and_no_row() {
    let moto = Moto::start(&bucket("refuse")).await;
    let root = temp_dir("s3-refuse");
    let store = s3_store(&root, &moto);
    let db = Db::connect(
        &format!("sqlite://{}?mode=rwc", root.join("t.db").display()),
        1,
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();

    // Too large: refused at the chunk that crosses the limit.
    let mut u = store.begin(FileKind::Pdf, 100_000).await.unwrap();
    let body = pdf(150_000);
    let mut refused = None;
    for chunk in body.chunks(64 * 1024) {
        if let Err(e) = u.write(chunk).await {
            refused = Some(e.to_string());
            break;
        }
    }
    assert_eq!(refused.as_deref(), Some("文件超过大小限制（不超过97KB）"));
    // A JPEG where a PDF is asked for: refused at its first bytes.
    let mut u = store.begin(FileKind::Pdf, 100_000).await.unwrap();
    let err = u.write(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).await.unwrap_err();
    assert_eq!(err.to_string(), "文件格式不正确，请上传PDF格式的文件");

    assert_eq!(
        moto.keys().await,
        Vec::<String>::new(),
        "nothing in the bucket"
    );
    assert_eq!(
        leftovers(&root),
        Vec::<String>::new(),
        "nothing left locally"
    );
    let rows: i64 = sqlx::query("SELECT COUNT(*) AS n FROM files")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .get("n");
    assert_eq!(rows, 0, "no row in the files table");
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_deletes_the_object() {
    let moto = Moto::start(&bucket("remove")).await;
    let root = temp_dir("s3-remove");
    let store = s3_store(&root, &moto);
    let f = put(&store, &pdf(1000)).await.unwrap();
    assert_eq!(moto.keys().await, vec![format!("docs/{}", f.key)]);
    store.remove(&f.key).await;
    assert_eq!(moto.keys().await, Vec::<String>::new());
    let gone = store.open(&f.key).await.err().expect("the object is gone");
    assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
    // Removing again is not an error (the row that named it is gone).
    store.remove(&f.key).await;
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_not_ready() {
    let moto = Moto::start(&bucket("ready")).await;
    let other = S3Storage::new("sg-no-such-bucket", "", &moto.settings()).unwrap();
    let root = temp_dir("s3-ready");
    let store = FileStore::new(&root, Arc::new(other));
    assert!(store.ready().await.is_err(), "a bucket that does not exist");
    let unreachable = S3Settings {
        endpoint: "http://127.0.0.1:9".into(),
        ..moto.settings()
    };
    let store = FileStore::new(
        &root,
        Arc::new(S3Storage::new(&moto.bucket, "", &unreachable).unwrap()),
    );
    assert!(
        store.ready().await.is_err(),
        "a server that does not answer"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// Local files recorded in the `files` table copy to the bucket once: a
/// second run copies nothing and verifies every file; a file whose local
/// copy no longer matches its digest is reported, not copied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files_copy_to_the_bucket_once_and_verify_by_digest() {
    let moto = Moto::start(&bucket("migrate")).await;
    let root = temp_dir("s3-migrate");
    let local = FileStore::local(&root);
    let db = Db::connect(
        &format!("sqlite://{}?mode=rwc", root.join("t.db").display()),
        1,
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let mut stored = Vec::new();
    for size in [9, 40_000, PART + 1] {
        let f = put(&local, &pdf(size)).await.unwrap();
        let mut c = db.pool.acquire().await.unwrap();
        files::insert(
            &mut c,
            NewFile {
                owner_kind: "person",
                owner_id: 1,
                purpose: "id_proof",
                original_name: "证明.pdf",
                stored: &f,
                now: 0,
            },
        )
        .await
        .unwrap();
        stored.push(f);
    }
    let target = S3Storage::new(&moto.bucket, "docs", &moto.settings()).unwrap();
    let run = || async {
        let mut c = db.pool.acquire().await.unwrap();
        let rows = files::migrate::recorded_after(&mut c, 0, 100)
            .await
            .unwrap();
        drop(c);
        let mut out = Vec::new();
        for r in rows {
            out.push(local.copy_to(&target, &r.storage_key, &r.digest).await);
        }
        out
    };
    assert_eq!(run().await, vec![Copied::Copied; 3]);
    assert_eq!(
        run().await,
        vec![Copied::Present; 3],
        "the second run copies nothing"
    );
    for f in &stored {
        assert_eq!(digest_of(&target, &f.key).await.unwrap(), f.digest);
    }
    // A source file that changed behind our back is not copied.
    let lost = &stored[0];
    target.remove(&lost.key).await.unwrap();
    let path = root.join(&lost.key[..2]).join(&lost.key);
    std::fs::write(&path, b"%PDF-tampered").unwrap();
    assert_eq!(
        local.copy_to(&target, &lost.key, &lost.digest).await,
        Copied::Failed("源文件与登记的摘要不符".into())
    );
    assert_eq!(leftovers(&root), Vec::<String>::new());
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&root);
}

/// The peak resident memory of this process so far, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// A 160 MiB upload streams to the bucket and back while this process's
/// peak memory grows by far less than the file: it is never held whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_streams_with_bounded_memory() {
    use sm3::{Digest, Sm3};
    const SIZE: usize = 160 * 1024 * 1024;
    let moto = Moto::start(&bucket("large")).await;
    let root = temp_dir("s3-large");
    let store = s3_store(&root, &moto);
    let before = peak_rss();

    let mut u = store.begin(FileKind::Pdf, SIZE as u64).await.unwrap();
    let mut chunk = pdf(64 * 1024);
    let mut sent = Sm3::new();
    for i in 0..SIZE / chunk.len() {
        if i > 0 {
            chunk.iter_mut().for_each(|b| *b = b.wrapping_add(1));
        }
        sent.update(&chunk);
        u.write(&chunk).await.unwrap();
    }
    let f = u.finish().await.unwrap();
    assert_eq!(f.size, SIZE as u64);
    assert_eq!(f.digest, hex::encode(sent.finalize()));

    let mut r = store.open(&f.key).await.unwrap();
    let mut got = Sm3::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        match r.read(&mut buf).await.unwrap() {
            0 => break,
            k => {
                got.update(&buf[..k]);
                n += k as u64;
            }
        }
    }
    assert_eq!(n, SIZE as u64);
    assert_eq!(
        hex::encode(got.finalize()),
        f.digest,
        "the same bytes come back"
    );
    let grown = peak_rss().saturating_sub(before);
    println!(
        "160 MiB up and down: peak memory grew by {} MiB",
        grown / (1024 * 1024)
    );
    assert!(
        grown < 64 * 1024 * 1024,
        "peak memory grew by {grown} bytes for a {SIZE}-byte file"
    );
    let _ = std::fs::remove_dir_all(&root);
}
