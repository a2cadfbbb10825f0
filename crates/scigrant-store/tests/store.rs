//! Store tests against real databases. The two migration trees
//! (`migrations/sqlite`, `migrations/postgres`) are written by hand in two
//! dialects; every query runs on both, so they must build the same tables
//! with the same columns. Types are left out of the comparison: they differ
//! by dialect on purpose (`INTEGER PRIMARY KEY` against identity columns).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use scigrant_store::sqlx::{self, Row};
use scigrant_store::{Backend, Db};

/// Table name → column names.
type Schema = BTreeMap<String, BTreeSet<String>>;

/// sqlx's own bookkeeping table, created by the migrator on both backends
/// with dialect-specific columns.
const SQLX_TABLE: &str = "_sqlx_migrations";

fn pg_base() -> String {
    std::env::var("SCIGRANT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn schema(rows: Vec<(String, String)>) -> Schema {
    let mut s = Schema::new();
    for (table, column) in rows {
        s.entry(table).or_default().insert(column);
    }
    s
}

async fn sqlite_schema(dir: &Path) -> Schema {
    let db = Db::connect(
        &format!("sqlite://{}?mode=rwc", dir.join("schema.db").display()),
        1,
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS table_name, p.name AS column_name
         FROM sqlite_master m JOIN pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> $1",
    )
    .bind(SQLX_TABLE)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    db.pool.close().await;
    schema(
        rows.iter()
            .map(|r| (r.get("table_name"), r.get("column_name")))
            .collect(),
    )
}

/// Migrates a new PostgreSQL database, reads its schema and drops it again,
/// also when migrating fails.
async fn postgres_schema() -> Schema {
    let admin_url = format!("{}/postgres", pg_base());
    let admin = Db::connect(&admin_url, 1).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for the store tests and is not reachable at {admin_url}: {e}. \
             Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    });
    let name = unique("sg_schema");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin.pool)
        .await
        .unwrap();
    let read = async {
        let db = Db::connect(&format!("{}/{name}", pg_base()), 1).await?;
        db.migrate().await?;
        // information_schema names are of type sql_identifier, which the
        // Any driver does not decode: cast them to text.
        let rows = sqlx::query(
            "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name
             FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND c.table_name <> $1",
        )
        .bind(SQLX_TABLE)
        .fetch_all(&db.pool)
        .await?;
        db.pool.close().await;
        Ok::<_, scigrant_store::StoreError>(
            rows.iter()
                .map(|r| (r.get("table_name"), r.get("column_name")))
                .collect::<Vec<(String, String)>>(),
        )
    }
    .await;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&admin.pool)
        .await
        .unwrap();
    admin.pool.close().await;
    schema(read.unwrap())
}

/// What one schema has and the other lacks, one line per table or column.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for table in tables {
        match (sqlite.get(table), postgres.get(table)) {
            (Some(_), None) => out.push(format!("table {table} only on SQLite")),
            (None, Some(_)) => out.push(format!("table {table} only on PostgreSQL")),
            (Some(s), Some(p)) => {
                for c in s.difference(p) {
                    out.push(format!("column {table}.{c} only on SQLite"));
                }
                for c in p.difference(s) {
                    out.push(format!("column {table}.{c} only on PostgreSQL"));
                }
            }
            (None, None) => {}
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_migration_trees_build_the_same_tables_and_columns() {
    let dir = std::env::temp_dir().join(unique("scigrant-schema"));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = sqlite_schema(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    let postgres = postgres_schema().await;

    assert!(
        sqlite.contains_key("units") && sqlite.contains_key("audit_log"),
        "the SQLite migrations ran: {:?}",
        sqlite.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        differences(&sqlite, &postgres),
        Vec::<String>::new(),
        "the SQLite and PostgreSQL migration trees differ"
    );
}

/// The migrator records each file by its version and description on both
/// backends, so the trees must hold the same file names.
#[test]
fn both_migration_trees_have_the_same_file_names() {
    let names = |backend: Backend| -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(match backend {
                Backend::Sqlite => "sqlite",
                Backend::Postgres => "postgres",
            });
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let sqlite = names(Backend::Sqlite);
    assert_eq!(sqlite, names(Backend::Postgres));
    assert!(sqlite.iter().all(|n| n.ends_with(".sql")), "{sqlite:?}");
    assert_eq!(
        sqlite.first().map(String::as_str),
        Some("0001_foundation.sql")
    );
}
