//! 申诉找回密码: appeals (自然人 / 单位法人用户) with their sealed ID and
//! phone numbers, the staff queue, the decision, and what the retention
//! job purges. The images are rows of `files` owned by `appeal`.

use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::identity::accounts::UnitRow;
use crate::pii::{PiiCipher, SealedColumn};

const APPEAL_DOC_NO: SealedColumn = SealedColumn::APPEAL_DOC_NO;
const APPEAL_PHONE: SealedColumn = SealedColumn::APPEAL_PHONE;

/// The owner kind of an appeal's images in `files`.
pub const FILE_OWNER: &str = "appeal";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AppealRow {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub name: String,
    pub identity_type: String,
    pub doc_type: String,
    pub doc_no_enc: Vec<u8>,
    pub doc_no_idx: String,
    pub phone_enc: Vec<u8>,
    pub phone_idx: String,
    pub unit_id: Option<i64>,
    pub state: String,
    pub reason: Option<String>,
    pub account_kind: Option<String>,
    pub account_id: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub images_purged_at: Option<i64>,
    pub created_at: i64,
}

impl AppealRow {
    /// The phone given in the appeal, opened for this row only.
    pub fn phone(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(APPEAL_PHONE.row(self.id), &self.phone_enc)
    }
    /// The 证件号码 given (empty for a unit's appeal).
    pub fn doc_no(&self, pii: &PiiCipher) -> Result<String> {
        pii.open_at(APPEAL_DOC_NO.row(self.id), &self.doc_no_enc)
    }
}

pub struct NewAppeal<'a> {
    pub number: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub identity_type: &'a str,
    pub doc_type: &'a str,
    pub doc_no: &'a str,
    pub doc_no_idx: &'a str,
    pub phone: &'a str,
    pub phone_idx: &'a str,
    pub unit_id: Option<i64>,
    pub now: i64,
}

/// Inserts a pending appeal, its numbers sealed for its row.
pub async fn insert(c: &mut AnyConnection, pii: &PiiCipher, a: &NewAppeal<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO appeals (number, kind, name, identity_type, doc_type, doc_no_enc, doc_no_idx,
            phone_enc, phone_idx, unit_id, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) RETURNING id",
    )
    .bind(a.number)
    .bind(a.kind)
    .bind(a.name)
    .bind(a.identity_type)
    .bind(a.doc_type)
    .bind(Vec::<u8>::new())
    .bind(a.doc_no_idx)
    .bind(Vec::<u8>::new())
    .bind(a.phone_idx)
    .bind(a.unit_id)
    .bind(a.now)
    .fetch_one(&mut *c)
    .await?;
    let id: i64 = row.try_get("id")?;
    crate::sealed::write(c, pii, APPEAL_DOC_NO.row(id), a.doc_no).await?;
    crate::sealed::write(c, pii, APPEAL_PHONE.row(id), a.phone).await?;
    Ok(id)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<AppealRow>> {
    Ok(sqlx::query_as("SELECT * FROM appeals WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn by_number(c: &mut AnyConnection, number: &str) -> Result<Option<AppealRow>> {
    Ok(sqlx::query_as("SELECT * FROM appeals WHERE number = $1")
        .bind(number)
        .fetch_optional(c)
        .await?)
}

/// The queue: pending first (oldest first), then decided (newest first).
pub async fn queue(c: &mut AnyConnection, limit: i64) -> Result<Vec<AppealRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM appeals
         ORDER BY CASE WHEN state = 'pending' THEN 0 ELSE 1 END,
                  CASE WHEN state = 'pending' THEN created_at ELSE -COALESCE(decided_at, 0) END, id
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(c)
    .await?)
}

pub struct Decided<'a> {
    pub id: i64,
    pub state: &'a str,
    pub reason: &'a str,
    pub account: Option<(&'a str, i64)>,
    pub staff_id: Option<i64>,
    pub now: i64,
}

/// Decides a pending appeal; false when it was no longer pending (two
/// reviewers cannot both decide).
pub async fn decide(c: &mut AnyConnection, d: &Decided<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE appeals SET state = $1, reason = $2, account_kind = $3, account_id = $4,
            decided_by = $5, decided_at = $6
         WHERE id = $7 AND state = 'pending'",
    )
    .bind(d.state)
    .bind(d.reason)
    .bind(d.account.map(|a| a.0))
    .bind(d.account.map(|a| a.1))
    .bind(d.staff_id)
    .bind(d.now)
    .bind(d.id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Decided appeals whose images are still kept and were decided before
/// `before`.
pub async fn due_for_purge(c: &mut AnyConnection, before: i64, limit: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT id FROM appeals WHERE state <> 'pending' AND images_purged_at IS NULL
           AND decided_at < $1 ORDER BY id LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Into::into))
        .collect()
}

/// The appeal's images: (file id, purpose, storage key).
pub async fn images(c: &mut AnyConnection, id: i64) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT id, purpose, storage_key FROM files WHERE owner_kind = $1 AND owner_id = $2
         ORDER BY id",
    )
    .bind(FILE_OWNER)
    .bind(id)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("purpose")?,
                r.try_get("storage_key")?,
            ))
        })
        .collect()
}

/// Deletes the appeal's image rows and marks it purged; the storage keys
/// of the rows deleted, for the caller to remove after the commit.
pub async fn purge_images(c: &mut AnyConnection, id: i64, now: i64) -> Result<Vec<String>> {
    let keys: Vec<String> = images(c, id).await?.into_iter().map(|i| i.2).collect();
    sqlx::query("DELETE FROM files WHERE owner_kind = $1 AND owner_id = $2")
        .bind(FILE_OWNER)
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("UPDATE appeals SET images_purged_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(keys)
}

/// Sets a one-time password (an approved appeal's) that must be changed
/// at the next login; `table` is `persons` or `units`.
pub async fn set_one_time_password(
    c: &mut AnyConnection,
    table: OneTimeTable,
    id: i64,
    hash: &str,
) -> Result<()> {
    let sql = match table {
        OneTimeTable::Persons => {
            "UPDATE persons SET password_hash = $1, must_change_password = 1 WHERE id = $2"
        }
        OneTimeTable::Units => {
            "UPDATE units SET password_hash = $1, must_change_password = 1 WHERE id = $2"
        }
    };
    sqlx::query(sql).bind(hash).bind(id).execute(c).await?;
    Ok(())
}

/// Whose one-time password [`set_one_time_password`] sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneTimeTable {
    Persons,
    Units,
}

/// Units whose 单位全称 is exactly `name` (申诉找回密码 检索单位名称).
pub async fn units_by_name(c: &mut AnyConnection, name: &str) -> Result<Vec<UnitRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM units WHERE name = $1 ORDER BY id LIMIT 2")
            .bind(name)
            .fetch_all(c)
            .await?,
    )
}
