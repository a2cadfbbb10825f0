//! Sealed columns in rows: writing a value sealed for the row it is in
//! (after the insert that gives the row its id, in the same transaction),
//! and binding the values an earlier release sealed without a row (the
//! unbound format) to the row they are in.

use sqlx::{AnyConnection, Row};

use crate::pii::{PiiCipher, RowBinding, SealedColumn};

/// Writes `plain` sealed for `at` into its row.
pub(crate) async fn write(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    at: RowBinding,
    plain: &str,
) -> std::result::Result<(), sqlx::Error> {
    let col = at.column();
    let sql = format!(
        "UPDATE {} SET {} = $1 WHERE {} = $2",
        col.table(),
        col.column(),
        col.key()
    );
    sqlx::query(&sql)
        .bind(pii.seal_at(at, plain))
        .bind(at.id())
        .execute(c)
        .await?;
    Ok(())
}

/// What binding the stored values found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bound {
    /// Values in the unbound format, now sealed for their row.
    pub bound: u64,
    /// Values that open neither for their row nor in the unbound format:
    /// copied from another row (or sealed under another key). Left as
    /// they are, and each logged.
    pub refused: u64,
}

/// Rows read per query.
const BATCH: i64 = 500;

/// Seals for its row every value of every [`SealedColumn::BINARY`] column
/// still in the unbound format of an earlier release. Idempotent: a value
/// that already opens for its row is left alone. Each rewrite is
/// compare-and-set on the bytes read.
pub async fn bind_legacy(c: &mut AnyConnection, pii: &PiiCipher) -> crate::Result<Bound> {
    let mut out = Bound::default();
    for col in SealedColumn::BINARY {
        let (table, column, key) = (col.table(), col.column(), col.key());
        let select = format!(
            "SELECT {key} AS k, {column} AS v FROM {table} WHERE {key} > $1 ORDER BY {key} LIMIT $2"
        );
        let update = format!("UPDATE {table} SET {column} = $1 WHERE {key} = $2 AND {column} = $3");
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(&select)
                .bind(after)
                .bind(BATCH)
                .fetch_all(&mut *c)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("k")?;
            for r in &rows {
                let id: i64 = r.try_get("k")?;
                let sealed: Vec<u8> = r.try_get("v")?;
                let at = col.row(id);
                if pii.open_at(at, &sealed).is_ok() {
                    continue;
                }
                match pii.open_unbound(&sealed) {
                    Ok(plain) => {
                        sqlx::query(&update)
                            .bind(pii.seal_at(at, &plain))
                            .bind(id)
                            .bind(&sealed)
                            .execute(&mut *c)
                            .await?;
                        out.bound += 1;
                    }
                    Err(_) => {
                        tracing::error!(binding = %at, "a sealed value opens neither for its row nor as an earlier release's; left as it is");
                        out.refused += 1;
                    }
                }
            }
        }
    }
    Ok(out)
}
