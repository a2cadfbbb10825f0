//! Programs, their calls (计划类别 / 申报指南) and the versioned form
//! specifications the calls use. A form specification row never changes;
//! a call moves draft → published → closed. State codes are bound from
//! [`CallState`], never written into the SQL text.

use scigrant_domain::grants::application::CallState;
use sqlx::{AnyConnection, Row};

use crate::files::FileRow;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ProgramRow {
    pub id: i64,
    pub name: String,
    pub notice: String,
    pub created_at: i64,
}

pub async fn insert_program(
    c: &mut AnyConnection,
    name: &str,
    notice: &str,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO programs (name, notice, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(notice)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn programs(c: &mut AnyConnection) -> Result<Vec<ProgramRow>> {
    Ok(sqlx::query_as("SELECT * FROM programs ORDER BY id DESC")
        .fetch_all(c)
        .await?)
}

pub async fn program(c: &mut AnyConnection, id: i64) -> Result<Option<ProgramRow>> {
    Ok(sqlx::query_as("SELECT * FROM programs WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FormSpecRow {
    pub id: i64,
    pub code: String,
    pub version: i64,
    pub title: String,
    pub spec_json: String,
    pub created_at: i64,
}

pub async fn insert_form_spec(
    c: &mut AnyConnection,
    code: &str,
    title: &str,
    spec_json: &str,
    now: i64,
) -> Result<i64> {
    let version: i64 = sqlx::query("SELECT COUNT(*) AS n FROM form_specs WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
    let row = sqlx::query(
        "INSERT INTO form_specs (code, version, title, spec_json, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(version + 1)
    .bind(title)
    .bind(spec_json)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn form_spec(c: &mut AnyConnection, id: i64) -> Result<Option<FormSpecRow>> {
    Ok(sqlx::query_as("SELECT * FROM form_specs WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallRow {
    pub id: i64,
    pub program_id: i64,
    pub code: String,
    pub name: String,
    pub task: String,
    pub quota: i64,
    pub cap_cents: i64,
    pub period_end: String,
    /// 项目周期 as the notice words it; empty for calls made before it was kept.
    pub period_text: String,
    /// 申报主体 as the notice words it; empty: the unit kinds say it.
    pub eligibility_text: String,
    pub eligible_kinds: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub paper_deadline: i64,
    pub form_spec_id: i64,
    pub city_group: String,
    pub state: String,
    pub seq: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The program's name and the form's title, joined in by `call_rows!`
    /// so that a call reads in one statement.
    pub program_name: String,
    pub form_title: String,
}

/// A call with its program's name and its form's title, then `$rest`.
macro_rules! call_rows {
    ($rest:literal) => {
        concat!(
            "SELECT c.*, p.name AS program_name, f.title AS form_title FROM calls c
             JOIN programs p ON p.id = c.program_id JOIN form_specs f ON f.id = c.form_spec_id ",
            $rest
        )
    };
}

/// The editable fields of a call.
pub struct CallFields<'a> {
    pub program_id: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub task: &'a str,
    pub quota: i64,
    pub cap_cents: i64,
    pub period_end: &'a str,
    pub period_text: &'a str,
    pub eligibility_text: &'a str,
    pub eligible_kinds: &'a str,
    pub opens_at: i64,
    pub closes_at: i64,
    pub paper_deadline: i64,
    pub form_spec_id: i64,
    pub city_group: &'a str,
}

pub async fn insert_call(
    c: &mut AnyConnection,
    f: &CallFields<'_>,
    now: i64,
) -> std::result::Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO calls (program_id, code, name, task, quota, cap_cents, period_end, eligible_kinds,
            opens_at, closes_at, paper_deadline, form_spec_id, city_group, state, created_at, updated_at,
            period_text, eligibility_text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17) RETURNING id",
    )
    .bind(f.program_id)
    .bind(f.code)
    .bind(f.name)
    .bind(f.task)
    .bind(f.quota)
    .bind(f.cap_cents)
    .bind(f.period_end)
    .bind(f.eligible_kinds)
    .bind(f.opens_at)
    .bind(f.closes_at)
    .bind(f.paper_deadline)
    .bind(f.form_spec_id)
    .bind(f.city_group)
    .bind(CallState::Draft.code())
    .bind(now)
    .bind(f.period_text)
    .bind(f.eligibility_text)
    .fetch_one(c)
    .await?;
    row.try_get("id")
}

pub async fn call(c: &mut AnyConnection, id: i64) -> Result<Option<CallRow>> {
    Ok(sqlx::query_as(call_rows!("WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn calls_of_program(c: &mut AnyConnection, program_id: i64) -> Result<Vec<CallRow>> {
    Ok(
        sqlx::query_as(call_rows!("WHERE c.program_id = $1 ORDER BY c.code"))
            .bind(program_id)
            .fetch_all(c)
            .await?,
    )
}

/// Published calls, soonest deadline first (正在受理的项目 / 申报指南).
pub async fn published_calls(c: &mut AnyConnection) -> Result<Vec<CallRow>> {
    Ok(sqlx::query_as(call_rows!(
        "WHERE c.state = $1 ORDER BY c.closes_at, c.code"
    ))
    .bind(CallState::Published.code())
    .fetch_all(c)
    .await?)
}

/// Compare-and-set: moves the call from `from` to `to`; false when it was
/// no longer in `from`.
pub async fn set_call_state(
    c: &mut AnyConnection,
    id: i64,
    from: CallState,
    to: CallState,
    now: i64,
) -> Result<bool> {
    let done =
        sqlx::query("UPDATE calls SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.code())
            .bind(now)
            .bind(id)
            .bind(from.code())
            .execute(c)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Next application number of a call; one statement, so concurrent
/// submissions never share a number.
pub async fn next_seq(c: &mut AnyConnection, id: i64) -> Result<i64> {
    let row = sqlx::query("UPDATE calls SET seq = seq + 1 WHERE id = $1 RETURNING seq")
        .bind(id)
        .fetch_one(c)
        .await?;
    Ok(row.try_get("seq")?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub call_id: i64,
    pub name: String,
    pub kind: String,
    pub max_bytes: i64,
    pub required: i64,
}

pub async fn insert_attachment(
    c: &mut AnyConnection,
    call_id: i64,
    name: &str,
    kind: &str,
    max_bytes: i64,
    required: bool,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO call_attachments (call_id, name, kind, max_bytes, required) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(call_id)
    .bind(name)
    .bind(kind)
    .bind(max_bytes)
    .bind(i64::from(required))
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn attachments(c: &mut AnyConnection, call_id: i64) -> Result<Vec<AttachmentRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM call_attachments WHERE call_id = $1 ORDER BY id")
            .bind(call_id)
            .fetch_all(c)
            .await?,
    )
}

/// A document attached to a call (通知附件): the stored file and the title
/// staff gave it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DocumentRow {
    pub title: String,
    #[sqlx(flatten)]
    pub file: FileRow,
}

/// Attaches stored file `file_id` to a call as a document.
pub async fn attach_document(
    c: &mut AnyConnection,
    call_id: i64,
    file_id: i64,
    title: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO call_documents (call_id, file_id, title) VALUES ($1, $2, $3)")
        .bind(call_id)
        .bind(file_id)
        .bind(title)
        .execute(c)
        .await?;
    Ok(())
}

/// Removes a document from a call; the title it had, or `None` when it
/// was not there.
pub async fn detach_document(
    c: &mut AnyConnection,
    call_id: i64,
    file_id: i64,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "DELETE FROM call_documents WHERE call_id = $1 AND file_id = $2 RETURNING title",
    )
    .bind(call_id)
    .bind(file_id)
    .fetch_optional(c)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("title")?),
        None => None,
    })
}

/// A call's documents, in the order they were added.
pub async fn documents_of(c: &mut AnyConnection, call_id: i64) -> Result<Vec<DocumentRow>> {
    Ok(sqlx::query_as(
        "SELECT d.title, f.* FROM files f JOIN call_documents d ON d.file_id = f.id
         WHERE d.call_id = $1 ORDER BY f.id",
    )
    .bind(call_id)
    .fetch_all(c)
    .await?)
}

/// A document of a call; with `published_only`, only while the call is
/// not a draft (what visitors may download).
pub async fn document_file(
    c: &mut AnyConnection,
    call_id: i64,
    file_id: i64,
    published_only: bool,
) -> Result<Option<FileRow>> {
    Ok(sqlx::query_as(
        "SELECT f.* FROM files f JOIN call_documents d ON d.file_id = f.id
         JOIN calls k ON k.id = d.call_id
         WHERE d.call_id = $1 AND f.id = $2 AND ($3 = 0 OR k.state <> $4)",
    )
    .bind(call_id)
    .bind(file_id)
    .bind(i64::from(published_only))
    .bind(CallState::Draft.code())
    .fetch_optional(c)
    .await?)
}

/// Sets a call's 申报主体 text; false when there is no such call.
pub async fn set_eligibility_text(
    c: &mut AnyConnection,
    call_id: i64,
    text: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query("UPDATE calls SET eligibility_text = $1, updated_at = $2 WHERE id = $3")
        .bind(text)
        .bind(now)
        .bind(call_id)
        .execute(c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a call's 申报单位名单 with `units` (name, 统一社会信用代码 or
/// empty), in order.
pub async fn replace_eligible_units(
    c: &mut AnyConnection,
    call_id: i64,
    units: &[(&str, &str)],
) -> Result<()> {
    sqlx::query("DELETE FROM call_eligible_units WHERE call_id = $1")
        .bind(call_id)
        .execute(&mut *c)
        .await?;
    for (seq, (name, uscc)) in units.iter().enumerate() {
        sqlx::query(
            "INSERT INTO call_eligible_units (call_id, seq, name, uscc) VALUES ($1, $2, $3, $4)",
        )
        .bind(call_id)
        .bind(seq as i64)
        .bind(*name)
        .bind(*uscc)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// A call's 申报单位名单 as (name, 统一社会信用代码 or empty), in order.
pub async fn eligible_units(c: &mut AnyConnection, call_id: i64) -> Result<Vec<(String, String)>> {
    let rows =
        sqlx::query("SELECT name, uscc FROM call_eligible_units WHERE call_id = $1 ORDER BY seq")
            .bind(call_id)
            .fetch_all(c)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("uscc")?)))
        .collect()
}
