//! 字典管理: the entries of the dictionaries the forms offer and the history
//! of their changes. Entries are never deleted and their codes never
//! change (triggers refuse both); the history is append-only.

use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub dict: String,
    pub code: String,
    pub label: String,
    pub position: i64,
    /// 0 or 1.
    pub enabled: i64,
}

/// Every entry of `dict`, enabled or not, by position then age.
pub async fn entries(c: &mut AnyConnection, dict: &str) -> Result<Vec<EntryRow>> {
    Ok(sqlx::query_as(
        "SELECT id, dict, code, label, position, enabled FROM dictionary_entries
         WHERE dict = $1 ORDER BY position, id",
    )
    .bind(dict)
    .fetch_all(c)
    .await?)
}

pub async fn entry(c: &mut AnyConnection, dict: &str, code: &str) -> Result<Option<EntryRow>> {
    Ok(sqlx::query_as(
        "SELECT id, dict, code, label, position, enabled FROM dictionary_entries
         WHERE dict = $1 AND code = $2",
    )
    .bind(dict)
    .bind(code)
    .fetch_optional(c)
    .await?)
}

pub struct NewEntry<'a> {
    pub dict: &'a str,
    pub code: &'a str,
    pub label: &'a str,
    pub position: i64,
    pub now: i64,
}

/// Adds an enabled entry; `None` when the dictionary already has the code
/// (enabled or retired: codes are never reused).
pub async fn insert(c: &mut AnyConnection, e: &NewEntry<'_>) -> Result<Option<i64>> {
    let row = sqlx::query(
        "INSERT INTO dictionary_entries (dict, code, label, position, enabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5, $5)
         ON CONFLICT (dict, code) DO NOTHING RETURNING id",
    )
    .bind(e.dict)
    .bind(e.code)
    .bind(e.label)
    .bind(e.position)
    .bind(e.now)
    .fetch_optional(c)
    .await?;
    match row {
        Some(r) => Ok(Some(r.try_get("id")?)),
        None => Ok(None),
    }
}

/// Sets the label, position and state of entry `id`.
pub async fn update(
    c: &mut AnyConnection,
    id: i64,
    label: &str,
    position: i64,
    enabled: bool,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE dictionary_entries SET label = $1, position = $2, enabled = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(label)
    .bind(position)
    .bind(i64::from(enabled))
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: i64,
    pub dict: String,
    pub code: String,
    pub change: String,
    pub old_value: String,
    pub new_value: String,
    pub actor_label: String,
    pub at: i64,
}

pub struct NewChange<'a> {
    pub dict: &'a str,
    pub code: &'a str,
    pub change: &'a str,
    pub old_value: &'a str,
    pub new_value: &'a str,
    pub actor_label: &'a str,
    pub at: i64,
}

pub async fn record(c: &mut AnyConnection, h: &NewChange<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO dictionary_history (dict, code, change, old_value, new_value, actor_label, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(h.dict)
    .bind(h.code)
    .bind(h.change)
    .bind(h.old_value)
    .bind(h.new_value)
    .bind(h.actor_label)
    .bind(h.at)
    .execute(c)
    .await?;
    Ok(())
}

/// The latest `limit` changes of `dict`, newest first.
pub async fn history(c: &mut AnyConnection, dict: &str, limit: i64) -> Result<Vec<HistoryRow>> {
    Ok(sqlx::query_as(
        "SELECT id, dict, code, change, old_value, new_value, actor_label, at
         FROM dictionary_history WHERE dict = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(dict)
    .bind(limit)
    .fetch_all(c)
    .await?)
}
