//! 实名认证 rows: one per account that was ever checked (none reads as
//! 未认证), the 我的信息 fields registration did not ask for, a unit's
//! 法定代表人 document (sealed for its row), and a call's requirement that
//! applicants be verified. Status codes are bound from the domain's
//! `RealnameStatus`.

use sqlx::{AnyConnection, Row};

use crate::Result;
use crate::pii::{PiiCipher, SealedColumn};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RealnameRow {
    pub account_kind: String,
    pub account_id: i64,
    pub status: String,
    pub reason: Option<String>,
    pub generation: i64,
    pub front_file_id: Option<i64>,
    pub back_file_id: Option<i64>,
    pub queued_at: Option<i64>,
    pub decided_by: Option<String>,
    pub updated_at: i64,
}

pub async fn get(c: &mut AnyConnection, kind: &str, id: i64) -> Result<Option<RealnameRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM realname WHERE account_kind = $1 AND account_id = $2")
            .bind(kind)
            .bind(id)
            .fetch_optional(c)
            .await?,
    )
}

/// Sets the status (a new request, or the fallback without a provider)
/// and moves the generation on; returns the new generation, which the
/// provider's answer must carry to be recorded.
pub async fn restart(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    status: &str,
    reason: Option<&str>,
    queued: bool,
    now: i64,
) -> Result<i64> {
    let queued_at = queued.then_some(now);
    let row = sqlx::query(
        "INSERT INTO realname (account_kind, account_id, status, reason, generation, queued_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5, $6)
         ON CONFLICT (account_kind, account_id) DO UPDATE SET status = $3, reason = $4,
            generation = realname.generation + 1, queued_at = $5, decided_by = NULL, updated_at = $6
         RETURNING generation",
    )
    .bind(kind)
    .bind(id)
    .bind(status)
    .bind(reason)
    .bind(queued_at)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("generation")?)
}

/// Records the provider's answer for `generation`; false when the details
/// changed meanwhile (a newer request owns the row).
pub async fn set_result(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    generation: i64,
    status: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE realname SET status = $1, reason = $2, decided_by = NULL, updated_at = $3
         WHERE account_kind = $4 AND account_id = $5 AND generation = $6",
    )
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(kind)
    .bind(id)
    .bind(generation)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// 上传自然人信息: the two images, and the account into the review queue.
pub async fn set_images(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    front: i64,
    back: i64,
    status: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO realname (account_kind, account_id, status, generation, front_file_id, back_file_id, queued_at, updated_at)
         VALUES ($1, $2, $3, 1, $4, $5, $6, $6)
         ON CONFLICT (account_kind, account_id) DO UPDATE SET status = $3, reason = NULL,
            generation = realname.generation + 1, front_file_id = $4, back_file_id = $5,
            queued_at = $6, decided_by = NULL, updated_at = $6",
    )
    .bind(kind)
    .bind(id)
    .bind(status)
    .bind(front)
    .bind(back)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// A 账号审核员's decision, only while the account is still `from`.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    c: &mut AnyConnection,
    kind: &str,
    id: i64,
    from: &str,
    to: &str,
    reason: Option<&str>,
    by: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE realname SET status = $1, reason = $2, decided_by = $3, queued_at = NULL,
            generation = generation + 1, updated_at = $4
         WHERE account_kind = $5 AND account_id = $6 AND status = $7",
    )
    .bind(to)
    .bind(reason)
    .bind(by)
    .bind(now)
    .bind(kind)
    .bind(id)
    .bind(from)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The accounts in `status`, first come first.
pub async fn queue(c: &mut AnyConnection, status: &str, limit: i64) -> Result<Vec<RealnameRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM realname WHERE status = $1 ORDER BY queued_at, account_kind, account_id LIMIT $2",
    )
    .bind(status)
    .bind(limit)
    .fetch_all(c)
    .await?)
}

/// The 我的信息 fields a person's row gained with 实名认证.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct PersonExtra {
    pub nation: String,
    pub post: String,
    pub tel: String,
    pub doc_valid_until: String,
    pub address: String,
}

pub async fn person_extra(c: &mut AnyConnection, id: i64) -> Result<Option<PersonExtra>> {
    Ok(sqlx::query_as(
        "SELECT nation, post, tel, doc_valid_until, address FROM persons WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await?)
}

/// 修改个人信息 as saved. `doc_no` is the new (plain number, blind index)
/// when the number changes.
pub struct PersonInfo<'a> {
    pub name: &'a str,
    pub gender: &'a str,
    pub email: &'a str,
    pub doc_type: &'a str,
    pub doc_no: Option<(&'a str, &'a str)>,
    pub extra: &'a PersonExtra,
}

pub async fn save_person_info(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    id: i64,
    p: &PersonInfo<'_>,
    now: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE persons SET name = $1, gender = $2, email = $3, doc_type = $4, nation = $5,
            post = $6, tel = $7, doc_valid_until = $8, address = $9, updated_at = $10
         WHERE id = $11",
    )
    .bind(p.name)
    .bind(p.gender)
    .bind(p.email)
    .bind(p.doc_type)
    .bind(&p.extra.nation)
    .bind(&p.extra.post)
    .bind(&p.extra.tel)
    .bind(&p.extra.doc_valid_until)
    .bind(&p.extra.address)
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await?;
    if let Some((plain, idx)) = p.doc_no {
        sqlx::query("UPDATE persons SET doc_no_idx = $1 WHERE id = $2")
            .bind(idx)
            .bind(id)
            .execute(&mut *c)
            .await?;
        crate::sealed::write(c, pii, SealedColumn::PERSON_DOC_NO.row(id), plain).await?;
    }
    Ok(())
}

/// A unit's 法定代表人 document: its type and number (opened for the row).
pub async fn unit_legal_rep_doc(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    id: i64,
) -> Result<(String, Option<String>)> {
    let row =
        sqlx::query("SELECT legal_rep_doc_type, legal_rep_doc_no_enc FROM units WHERE id = $1")
            .bind(id)
            .fetch_one(c)
            .await?;
    let doc_type: String = row.try_get("legal_rep_doc_type")?;
    let sealed: Option<Vec<u8>> = row.try_get("legal_rep_doc_no_enc")?;
    let doc_no = match sealed {
        Some(s) if !s.is_empty() => {
            Some(pii.open_at(SealedColumn::UNIT_LEGAL_REP_DOC_NO.row(id), &s)?)
        }
        _ => None,
    };
    Ok((doc_type, doc_no))
}

/// 修改法人信息 as saved (the 统一社会信用代码 stays: it is the identity).
pub struct UnitInfo<'a> {
    pub name: &'a str,
    pub reg_place: &'a str,
    pub contact_name: &'a str,
    pub legal_rep: &'a str,
    pub legal_rep_doc_type: &'a str,
    /// The new number, when it changes.
    pub legal_rep_doc_no: Option<&'a str>,
}

pub async fn save_unit_info(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    id: i64,
    u: &UnitInfo<'_>,
    now: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE units SET name = $1, reg_place = $2, contact_name = $3, legal_rep = $4,
            legal_rep_doc_type = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(u.name)
    .bind(u.reg_place)
    .bind(u.contact_name)
    .bind(u.legal_rep)
    .bind(u.legal_rep_doc_type)
    .bind(now)
    .bind(id)
    .execute(&mut *c)
    .await?;
    if let Some(plain) = u.legal_rep_doc_no {
        crate::sealed::write(c, pii, SealedColumn::UNIT_LEGAL_REP_DOC_NO.row(id), plain).await?;
    }
    Ok(())
}

/// Whether `call` admits only verified applicants and units.
pub async fn call_requires(c: &mut AnyConnection, call: i64) -> Result<bool> {
    let row = sqlx::query("SELECT realname_required FROM calls WHERE id = $1")
        .bind(call)
        .fetch_optional(c)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i64, _>("realname_required")? != 0,
        None => false,
    })
}

pub async fn set_call_requires(
    c: &mut AnyConnection,
    call: i64,
    required: bool,
    now: i64,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE calls SET realname_required = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(required))
            .bind(now)
            .bind(call)
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}
