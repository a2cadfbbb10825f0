//! Accounts brought over from a predecessor system (火炬中心业务办理平台):
//! the record of each imported account, keyed by the blind index of what
//! 账号检索 asks for, and the login names (`HJ_…`, `HJ-…`) the import gives
//! when an account's own identifier is taken here. The accounts themselves
//! are written by `accounts::insert_unit` / `insert_person`, sealed as
//! registration seals them.

use sqlx::{AnyConnection, Row};

use super::accounts::{PersonRow, UnitRow};
use crate::Result;

/// One imported predecessor account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LegacyRow {
    pub id: i64,
    pub legacy_key: String,
    /// "unit" (looked up by 统一社会信用代码) or "person" (by 手机号).
    pub lookup: String,
    /// The seed's 第一种…第四种.
    pub case_no: i64,
    pub account_kind: String,
    pub account_id: i64,
    /// 1 when the import created the account, 0 when it found one here.
    pub created: i64,
    pub imported_at: i64,
}

pub struct NewLegacy<'a> {
    pub legacy_key: &'a str,
    pub lookup: &'a str,
    pub case_no: i64,
    pub account_kind: &'a str,
    pub account_id: i64,
    pub created: bool,
}

pub async fn by_key(c: &mut AnyConnection, key: &str) -> Result<Option<LegacyRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM legacy_accounts WHERE legacy_key = $1")
            .bind(key)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn insert(
    c: &mut AnyConnection,
    r: &NewLegacy<'_>,
    now: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO legacy_accounts (legacy_key, lookup, case_no, account_kind, account_id,
            created, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(r.legacy_key)
    .bind(r.lookup)
    .bind(r.case_no)
    .bind(r.account_kind)
    .bind(r.account_id)
    .bind(i64::from(r.created))
    .bind(now)
    .fetch_one(c)
    .await?;
    row.try_get("id")
}

pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM legacy_accounts")
        .fetch_one(c)
        .await?
        .try_get("n")?)
}

/// For a person imported under the unit lookup's 第四种 (the
/// predecessor's unit login, a 统一社会信用代码, was a person's account and
/// is this person's login name), the unit here holding that code, if any.
pub async fn unit_of_fourth_case(c: &mut AnyConnection, person_id: i64) -> Result<Option<UnitRow>> {
    Ok(sqlx::query_as(
        "SELECT u.* FROM legacy_accounts l
         JOIN persons p ON p.id = l.account_id
         JOIN units u ON u.uscc = p.login_name
         WHERE l.account_kind = 'person' AND l.lookup = 'unit' AND l.case_no = 4
           AND l.account_id = $1",
    )
    .bind(person_id)
    .fetch_optional(c)
    .await?)
}

pub async fn unit_by_login_name(c: &mut AnyConnection, login: &str) -> Result<Option<UnitRow>> {
    Ok(sqlx::query_as("SELECT * FROM units WHERE login_name = $1")
        .bind(login)
        .fetch_optional(c)
        .await?)
}

pub async fn person_by_login_name(c: &mut AnyConnection, login: &str) -> Result<Option<PersonRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM persons WHERE login_name = $1")
            .bind(login)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn set_unit_login_name(c: &mut AnyConnection, id: i64, login: &str) -> Result<()> {
    sqlx::query("UPDATE units SET login_name = $1 WHERE id = $2")
        .bind(login)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_person_login_name(c: &mut AnyConnection, id: i64, login: &str) -> Result<()> {
    sqlx::query("UPDATE persons SET login_name = $1 WHERE id = $2")
        .bind(login)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Binds a new person to `unit_id` as an approved 普通用户 (供应商注册,
/// 附件6) with its login name (XM + 手机号): no unit review.
pub async fn bind_normal_user(
    c: &mut AnyConnection,
    person_id: i64,
    unit_id: i64,
    login: &str,
    approved: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE persons SET unit_id = $1, membership = $2, login_name = $3, updated_at = $4
         WHERE id = $5",
    )
    .bind(unit_id)
    .bind(approved)
    .bind(login)
    .bind(now)
    .bind(person_id)
    .execute(c)
    .await?;
    Ok(())
}
