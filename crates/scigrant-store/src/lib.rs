//! Persistence for SciGrant. One `Db` serves SQLite (the embedded default)
//! and PostgreSQL (production) through sqlx's `Any` driver: the backend is
//! chosen at run time from the URL scheme, each backend has its own
//! migration tree with identical file names, and every query text runs on
//! both. The few dialect differences live here (`Db::begin`) and in the
//! migrations. Times are integer milliseconds, flags 0/1 integers.
//!
//! Query functions take `&mut AnyConnection` so a use case in the
//! application layer runs them all inside its one transaction.

pub mod admin;
pub mod decisions;
pub mod dictionary;
pub mod evaluation;
pub mod files;
pub mod grants;
pub mod identity;
pub mod ops;
pub mod pii;
pub mod portal;
pub mod private;
pub mod sealed;
#[cfg(feature = "testing")]
pub mod testing;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use sqlx;
pub use sqlx::AnyConnection;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, ConnectOptions, Transaction};

pub type Tx = Transaction<'static, Any>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("不支持的数据库地址 `{0}`：请使用 sqlite:// 或 postgres://")]
    UnknownScheme(String),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("key: {0}")]
    Key(String),
}

impl StoreError {
    /// Whether the database could not be reached or was too busy to answer
    /// in time (stopped or restarting PostgreSQL, a dropped connection, no
    /// connection free within the acquire timeout, SQLite locked past its
    /// busy timeout): the same request may succeed later, so it is answered
    /// 503, not 500. A constraint violation or a bad query is not.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Sql(e) => sql_unavailable(e),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => sql_unavailable(e),
            _ => false,
        }
    }
}

fn sql_unavailable(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        // A closed pool is this process shutting down, not the database.
        E::PoolTimedOut | E::WorkerCrashed | E::Io(_) | E::Tls(_) => true,
        E::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: 08 connection exception, 57P01–57P03 shut down /
            // cannot connect now, 53300 too many connections.
            // SQLite (extended codes, the primary in the low byte): 5 BUSY,
            // 6 LOCKED.
            code.starts_with("08")
                || code.starts_with("57P")
                || code == "53300"
                || code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
        }),
        _ => false,
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or(url);
            Err(StoreError::UnknownScheme(scheme.to_string()))
        }
    }
}

/// The file a `sqlite:` URL may create (`mode=rwc`); none for an
/// in-memory database or one that must already exist.
fn new_sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let creates = query.split('&').any(|kv| kv == "mode=rwc");
    (creates && !path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

/// Creates the database file 0600 (its folder 0700) before SQLite opens
/// it: SQLite would make it 0644, and gives the `-wal` and `-shm` files the
/// database file's mode.
fn create_database_file(file: &std::path::Path) -> Result<()> {
    if file.exists() {
        return Ok(());
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        private::create_dir_all(dir)?;
    }
    match private::new_file().open(file) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e.into()),
        _ => Ok(()),
    }
}

/// How long a use case waits for a connection while no request has got one
/// — the database is down or unreachable — unless configured
/// (`SCIGRANT_DB_ACQUIRE_TIMEOUT_MS`): how fast requests fail then.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a use case may queue for a connection while every connection
/// is busy with others' work (a deadline surge): a queue that moves is
/// load, not an outage, and is not cut short.
pub const QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

/// The database, shared by every request.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    unreachable_wait: Duration,
    /// When a request last got a connection.
    progress: Arc<Progress>,
}

/// When a request last got a connection, in milliseconds since the pool
/// was made.
#[derive(Debug)]
struct Progress {
    made: std::time::Instant,
    last_ms: AtomicU64,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            made: std::time::Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn mark(&self) {
        let now = self.made.elapsed().as_millis() as u64;
        self.last_ms.fetch_max(now, Ordering::Relaxed);
    }

    fn since(&self) -> Duration {
        self.made
            .elapsed()
            .saturating_sub(Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

impl Db {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://…`);
    /// statements slower than a second are logged.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db> {
        Db::connect_logging_slow(
            url,
            max_connections,
            Duration::from_secs(1),
            ACQUIRE_TIMEOUT,
        )
        .await
    }

    /// As [`Db::connect`], logging (at warn, with its duration) every
    /// statement that takes longer than `slow`; other statements are not
    /// logged (their text would fill the log). A use case that finds no
    /// connection free queues up to [`QUEUE_TIMEOUT`] while others get
    /// theirs, but gives up after `unreachable_wait` once none has for that
    /// long (sqlx would keep retrying to connect until its own timeout):
    /// while the database is down requests are answered 503 within that.
    pub async fn connect_logging_slow(
        url: &str,
        max_connections: u32,
        slow: Duration,
        unreachable_wait: Duration,
    ) -> Result<Db> {
        let backend = Backend::from_url(url)?;
        if let Some(file) = new_sqlite_file(url) {
            create_database_file(&file)?;
        }
        sqlx::any::install_default_drivers();
        let opts = AnyConnectOptions::from_str(url)?
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Warn, slow);
        let mut pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(QUEUE_TIMEOUT);
        if backend == Backend::Sqlite {
            // WAL lets readers go on while one writer commits; the busy
            // timeout makes writers queue instead of failing.
            pool = pool.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode=WAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA busy_timeout=10000")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA synchronous=NORMAL")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("PRAGMA foreign_keys=ON")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            });
        }
        let pool = pool.connect_with(opts).await?;
        Ok(Db {
            pool,
            backend,
            unreachable_wait,
            progress: Arc::new(Progress::new()),
        })
    }

    /// Applies the embedded migrations of this backend.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Starts the transaction of one use case. SQLite takes the write lock
    /// up front (`BEGIN IMMEDIATE`): a deferred transaction that reads and
    /// then writes fails with SQLITE_BUSY when another writer got in between.
    pub async fn begin(&self) -> Result<Tx> {
        let tx = match self.backend {
            Backend::Sqlite => self.within(self.pool.begin_with("BEGIN IMMEDIATE")).await?,
            Backend::Postgres => self.within(self.pool.begin()).await?,
        };
        Ok(tx)
    }

    /// A connection for reads outside any transaction.
    pub async fn read(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        self.within(self.pool.acquire()).await
    }

    /// Waits for `acquire` while the pool moves: on PostgreSQL a request
    /// may queue behind busy connections up to [`QUEUE_TIMEOUT`] as long as
    /// some request got a connection within the last `unreachable_wait`;
    /// once none has for that long (the server is down, every attempt to
    /// connect fails or hangs) it gives up, and so does every request
    /// waiting with it. A long transaction holding every connection for
    /// that long makes the others give up too (503, to be repeated).
    async fn within<T>(
        &self,
        acquire: impl std::future::Future<Output = std::result::Result<T, sqlx::Error>>,
    ) -> Result<T> {
        // SQLite is a local file: its waits are for the write lock (up to
        // the busy timeout), never for a server that went away.
        if self.backend == Backend::Sqlite {
            return Ok(acquire.await?);
        }
        let started = std::time::Instant::now();
        let mut acquire = std::pin::pin!(acquire);
        loop {
            // Wake when this request has waited `unreachable_wait` and no
            // request has got a connection for as long, or at the queue's
            // end: under load that is once every `unreachable_wait`, not a
            // poll.
            let waited = started.elapsed();
            let to_stall = self.unreachable_wait.saturating_sub(self.progress.since());
            let to_min = self.unreachable_wait.saturating_sub(waited);
            let to_end = QUEUE_TIMEOUT.saturating_sub(waited);
            if (to_stall.is_zero() && to_min.is_zero()) || to_end.is_zero() {
                return Err(StoreError::Sql(sqlx::Error::PoolTimedOut));
            }
            let next = to_stall.max(to_min).min(to_end);
            if let Ok(got) = tokio::time::timeout(next, &mut acquire).await {
                if got.is_ok() {
                    self.progress.mark();
                }
                return Ok(got?);
            }
        }
    }
}

/// Whether `err` is a unique-constraint violation on `table.column`; the
/// two backends report it differently (PostgreSQL by constraint name,
/// SQLite in the message).
pub fn is_unique_violation(err: &sqlx::Error, table: &str, column: &str) -> bool {
    let Some(db) = err.as_database_error() else {
        return false;
    };
    if db.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return false;
    }
    let pg_name = format!("{table}_{column}_key");
    let sqlite_msg = format!("{table}.{column}");
    db.constraint() == Some(pg_name.as_str()) || db.message().contains(&sqlite_msg)
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unreachable_or_busy_database_is_unavailable() {
        let sql = |e| StoreError::Sql(e).is_unavailable();
        assert!(sql(sqlx::Error::PoolTimedOut));
        assert!(sql(sqlx::Error::Io(
            std::io::ErrorKind::ConnectionRefused.into()
        )));
        assert!(!sql(sqlx::Error::PoolClosed));
        assert!(!sql(sqlx::Error::RowNotFound));
        assert!(!StoreError::Key("bad".into()).is_unavailable());
    }

    /// On PostgreSQL (the test server, `SCIGRANT_TEST_PG`) a queue that
    /// moves waits past `unreachable_wait`; one that does not is cut there.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_moving_queue_waits_and_a_stalled_one_gives_up() {
        let base = std::env::var("SCIGRANT_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
        let url = format!("{base}/postgres");
        let wait = Duration::from_millis(500);
        let db = Db::connect_logging_slow(&url, 1, Duration::from_secs(1), wait)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required at {url}: {e}"));
        // Four holders of the one connection, 300 ms each: the last waits
        // about 900 ms, but someone got a connection every 300 ms.
        let t = std::time::Instant::now();
        let holders: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move {
                    let tx = db.begin().await?;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    tx.commit().await.map_err(StoreError::from)
                })
            })
            .collect();
        for h in holders {
            h.await.unwrap().unwrap();
        }
        assert!(
            t.elapsed() > Duration::from_millis(1100),
            "{:?}",
            t.elapsed()
        );
        // While one transaction keeps the only connection, nobody gets one:
        // a request gives up after about 500 ms.
        let tx = db.begin().await.unwrap();
        let t = std::time::Instant::now();
        let err = db.read().await.unwrap_err();
        assert!(err.is_unavailable(), "{err}");
        let waited = t.elapsed();
        assert!(
            waited >= wait && waited < Duration::from_millis(1200),
            "{waited:?}"
        );
        drop(tx);
        db.pool.close().await;
    }

    #[tokio::test]
    async fn a_locked_sqlite_database_is_unavailable_and_a_constraint_is_not() {
        let dir = std::env::temp_dir().join(format!("sg_unavailable_{}", std::process::id()));
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        let db = Db::connect(&url, 2).await.unwrap();
        let mut c = db.read().await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *c)
            .await
            .unwrap();
        let dup = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *c)
            .await
            .unwrap_err();
        assert!(!StoreError::Sql(dup).is_unavailable());
        // Another connection holds the write lock past the busy timeout.
        sqlx::query("PRAGMA busy_timeout=0")
            .execute(&mut *c)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (2)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let busy = sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *c)
            .await
            .unwrap_err();
        assert!(StoreError::Sql(busy).is_unavailable());
        drop(tx);
        drop(c);
        db.pool.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
