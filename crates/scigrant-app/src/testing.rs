//! Test support shared by the app's and the web's test suites: a fresh
//! database per test on either backend (a new SQLite file, or a new
//! PostgreSQL database dropped afterwards), a hand-moved clock and
//! fixture builders that make valid identifiers. Not used by the product.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::RngCore;
use scigrant_domain::identity::id_number::IdNumber;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::upload::FileKind;
use scigrant_store::Backend;

use crate::config::Secret;
use crate::identity::register::Uploaded;
use crate::{App, Config, TestClock};

/// Where the test PostgreSQL server is (`SCIGRANT_TEST_PG`, default the
/// local cluster with trust auth).
pub fn pg_base() -> String {
    std::env::var("SCIGRANT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// 2023-04-20 10:00 CST, a fixed "now" for tests.
pub const T0: i64 = 1_681_956_000_000;

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestEnv {
    pub app: App,
    pub clock: TestClock,
    pub backend: Backend,
    dir: PathBuf,
    pg_db: Option<String>,
}

fn unique(prefix: &str) -> String {
    let mut r = [0u8; 4];
    rand::rng().fill_bytes(&mut r);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        hex::encode(r)
    )
}

/// A test configuration: fast password hashing, fixed captcha answer.
pub fn test_config(dir: &std::path::Path, database_url: String) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        database_url,
        password_iterations: 1000,
        allow_weak_password_hashing: true,
        test_captcha: Some(Secret::new("TEST")),
        max_connections: 8,
        login_rate_per_minute: 10_000,
        register_rate_per_minute: 10_000,
        ..Config::default()
    }
}

/// A fresh, migrated App on `backend`. Panics with a clear message when
/// PostgreSQL cannot be reached: a store test never silently skips.
pub async fn test_env(backend: Backend) -> TestEnv {
    let dir = std::env::temp_dir().join(unique("scigrant-test"));
    std::fs::create_dir_all(&dir).expect("create test dir");
    let (url, pg_db) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.join("t.db").display()),
            None,
        ),
        Backend::Postgres => {
            let name = unique("sg_t");
            let admin = format!("{}/postgres", pg_base());
            let db = scigrant_store::Db::connect(&admin, 1).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for the store tests and is not reachable at {admin}: {e}. \
                     Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
                )
            });
            scigrant_store::sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&db.pool)
                .await
                .expect("create test database");
            db.pool.close().await;
            (format!("{}/{name}", pg_base()), Some(name))
        }
    };
    let clock = TestClock::at(T0);
    let config = test_config(&dir, url);
    let app = App::open(config, Arc::new(clock.clone()))
        .await
        .expect("open test app");
    TestEnv {
        app,
        clock,
        backend,
        dir,
        pg_db,
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some(name) = self.pg_db.take() {
            // Drop runs outside async; a short-lived runtime on its own
            // thread removes the database, closing leftover connections.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(db) =
                        scigrant_store::Db::connect(&format!("{}/postgres", pg_base()), 1).await
                    {
                        let _ = scigrant_store::sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        ))
                        .execute(&db.pool)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The n-th valid 统一社会信用代码 (registration authority 9, type 1,
/// region 540102, organisation body from n).
pub fn uscc(n: u32) -> String {
    let body = format!("91540102{:08}X", n).replace('X', "9");
    let body17: String = body.chars().take(17).collect();
    Uscc::with_check(&body17)
        .expect("valid body")
        .as_str()
        .to_string()
}

/// The n-th valid mainland ID number (Lhasa 城关区, born 1990-01-01 + n days).
pub fn id_number(n: u32) -> String {
    let day = 1 + (n % 28);
    let month = 1 + ((n / 28) % 12);
    let seq = 100 + (n % 800);
    let body = format!("540102199{}{:02}{:02}{:03}", n % 10, month, day, seq);
    let check = IdNumber::check_char_for(&body).expect("17 digits");
    format!("{body}{check}")
}

/// The n-th mobile number.
pub fn phone(n: u32) -> String {
    format!("139{:08}", n)
}

pub const PASSWORD: &str = "Kjt#2023abc";

/// A minimal JPEG / PDF body of `size` bytes.
pub fn jpeg(size: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(size.max(4), 0x20);
    v
}

pub fn pdf(size: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    v.resize(size.max(9), b' ');
    v
}

/// Stores `bytes` as an upload would.
pub async fn upload(app: &App, kind: FileKind, max: u64, name: &str, bytes: &[u8]) -> Uploaded {
    let mut u = app.files.begin(kind, max).await.expect("begin upload");
    for chunk in bytes.chunks(64 * 1024) {
        u.write(chunk).await.expect("upload accepted");
    }
    Uploaded {
        stored: u.finish().await.expect("upload finished"),
        original_name: name.into(),
    }
}
