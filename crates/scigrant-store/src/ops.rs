//! What operating the service needs from the database: a readiness probe
//! (reachable, migrations current), gauges for metrics, and the pieces of
//! a backup and restore (a consistent SQLite copy, row counts, the keys of
//! stored files, whether a database is still empty).

use std::path::Path;

use sqlx::{AnyConnection, Row};

use crate::{Backend, Db, Result, Tx};

/// Tables whose row counts a backup's manifest records, so a restore can
/// be checked against them.
pub const COUNTED_TABLES: &[&str] = &[
    "units",
    "persons",
    "staff",
    "applications",
    "files",
    "audit_log",
    "audit_chain",
    "articles",
    "consultations",
    "consultation_comments",
    "solicitations",
    "suggestions",
    "dictionary_entries",
    "dictionary_history",
    "call_documents",
    "call_eligible_units",
    "appeals",
    "legacy_accounts",
];

impl Db {
    /// The embedded migrations of this backend.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        }
    }

    /// The database answers a trivial query (within the wait of
    /// [`Db::read`], so a health check of a node whose database is down
    /// fails fast).
    pub async fn ping(&self) -> Result<()> {
        let mut c = self.read().await?;
        sqlx::query("SELECT 1").execute(&mut *c).await?;
        Ok(())
    }

    /// Migrations this build has that the database has not applied (0 when
    /// current). A node of an older build sees none missing but may see
    /// newer ones applied: that is for the newer node to judge.
    pub async fn pending_migrations(&self) -> Result<usize> {
        let mut c = self.read().await?;
        let applied: Vec<i64> = sqlx::query("SELECT version FROM _sqlx_migrations")
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>("version"))
            .collect::<std::result::Result<_, _>>()?;
        Ok(self
            .migrator()
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .count())
    }

    /// Connections open and idle in this node's pool.
    pub fn pool_use(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// A consistent copy of a SQLite database, taken while it is in use
    /// (`VACUUM INTO` reads one snapshot). `to` must not exist.
    pub async fn sqlite_copy_into(&self, to: &Path) -> Result<()> {
        let to = to
            .to_str()
            .ok_or_else(|| crate::StoreError::Key("备份目录路径须为 UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(to)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A read-only transaction on one snapshot of a PostgreSQL database,
    /// and the snapshot's name for `pg_dump --snapshot`: the dump, and
    /// whatever is read in the transaction, see the same data.
    pub async fn pg_snapshot(&self) -> Result<(Tx, String)> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let name: String = sqlx::query("SELECT pg_export_snapshot() AS s")
            .fetch_one(&mut *tx)
            .await?
            .try_get("s")?;
        Ok((tx, name))
    }

    /// Whether the database has no tables of ours yet (a PostgreSQL
    /// database a restore may fill).
    pub async fn has_no_tables(&self) -> Result<bool> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let n: i64 = sqlx::query(sql).fetch_one(&self.pool).await?.try_get("n")?;
        Ok(n == 0)
    }
}

/// Rows in `table` (one of [`COUNTED_TABLES`]).
pub async fn count_rows(c: &mut AnyConnection, table: &str) -> Result<i64> {
    if !COUNTED_TABLES.contains(&table) {
        return Err(crate::StoreError::Key(format!(
            "not a counted table: {table}"
        )));
    }
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(c)
        .await?;
    Ok(row.try_get("n")?)
}

/// Storage keys of every stored file, with their size and SM3 digest.
pub async fn stored_files(c: &mut AnyConnection) -> Result<Vec<(String, i64, String)>> {
    let rows = sqlx::query("SELECT storage_key, size, digest FROM files ORDER BY id")
        .fetch_all(c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("storage_key")?,
                r.try_get("size")?,
                r.try_get("digest")?,
            ))
        })
        .collect()
}

/// Number and digest of every submitted application.
pub async fn submitted_digests(c: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT number, digest FROM applications
         WHERE number IS NOT NULL AND digest IS NOT NULL AND submitted_json IS NOT NULL
         ORDER BY id",
    )
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("number")?, r.try_get("digest")?)))
        .collect()
}

/// The database file of a `sqlite:` URL (none for an in-memory one).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!path.is_empty() && !path.contains(":memory:")).then(|| path.into())
}

/// What the metrics show of the database at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Accounts locked out by failed logins right now.
    pub locked_accounts: i64,
    /// Messages in the outbox not yet sent.
    pub outbox_backlog: i64,
    /// Messages whose sending failed.
    pub outbox_failed: i64,
}

/// Reads [`Gauges`] at `now` (epoch ms).
pub async fn gauges(db: &Db, now: i64) -> Result<Gauges> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM login_guard WHERE locked_until > $1) AS locked,
                (SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL) AS backlog,
                (SELECT COUNT(*) FROM outbox WHERE error IS NOT NULL) AS failed",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    Ok(Gauges {
        locked_accounts: row.try_get("locked")?,
        outbox_backlog: row.try_get("backlog")?,
        outbox_failed: row.try_get("failed")?,
    })
}
