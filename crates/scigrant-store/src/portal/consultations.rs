//! 征求意见 on a draft guide: the consultations (one per guide article)
//! and their comments. Comment states are bound from the domain's
//! `CommentState::code()`; the phase is never stored, only `closed_at`.

use scigrant_domain::portal::consultation::CommentState;
use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConsultationRow {
    pub id: i64,
    pub article_id: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub anonymous: i64,
    pub sections: String,
    pub opened_by: String,
    pub created_at: i64,
    pub explanation: String,
    pub closed_by: String,
    pub closed_at: Option<i64>,
}

/// A consultation with the title of its guide, for lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConsultationLine {
    pub id: i64,
    pub article_id: i64,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub anonymous: i64,
    pub closed_at: Option<i64>,
    pub comments: i64,
}

pub struct NewConsultation<'a> {
    pub article_id: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub anonymous: bool,
    /// Headings joined by '\n'.
    pub sections: &'a str,
    pub opened_by: &'a str,
    pub now: i64,
}

/// Inserts a consultation; `Err` on a second one for the same article
/// (the unique `article_id`, see `is_unique_violation`).
pub async fn insert(c: &mut AnyConnection, n: &NewConsultation<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO consultations (article_id, opens_at, closes_at, anonymous, sections, opened_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(n.article_id)
    .bind(n.opens_at)
    .bind(n.closes_at)
    .bind(i64::from(n.anonymous))
    .bind(n.sections)
    .bind(n.opened_by)
    .bind(n.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<ConsultationRow>> {
    Ok(sqlx::query_as("SELECT * FROM consultations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn of_article(c: &mut AnyConnection, article_id: i64) -> Result<Option<ConsultationRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM consultations WHERE article_id = $1")
            .bind(article_id)
            .fetch_optional(c)
            .await?,
    )
}

const LINE: &str =
    "SELECT k.id, k.article_id, a.title, k.opens_at, k.closes_at, k.anonymous, k.closed_at,
        (SELECT COUNT(*) FROM consultation_comments m WHERE m.consultation_id = k.id) AS comments
     FROM consultations k JOIN articles a ON a.id = k.article_id";

/// Every consultation, newest first (staff).
pub async fn lines(c: &mut AnyConnection) -> Result<Vec<ConsultationLine>> {
    Ok(sqlx::query_as(&format!("{LINE} ORDER BY k.id DESC"))
        .fetch_all(c)
        .await?)
}

/// The consultations visitors see at `now`: opened already, on a guide
/// that is public; newest first.
pub async fn public_lines(
    c: &mut AnyConnection,
    now: i64,
    published: &str,
) -> Result<Vec<ConsultationLine>> {
    Ok(sqlx::query_as(&format!(
        "{LINE} WHERE k.opens_at <= $1 AND a.state = $2 AND a.publish_at <= $1 ORDER BY k.closes_at DESC, k.id DESC"
    ))
    .bind(now)
    .bind(published)
    .fetch_all(c)
    .await?)
}

/// Closes an open consultation once (compare-and-set on `closed_at`).
pub async fn close(
    c: &mut AnyConnection,
    id: i64,
    explanation: &str,
    by: &str,
    now: i64,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE consultations SET explanation = $1, closed_by = $2, closed_at = $3
         WHERE id = $4 AND closed_at IS NULL",
    )
    .bind(explanation)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommentRow {
    pub id: i64,
    pub consultation_id: i64,
    pub section_no: i64,
    pub body: String,
    pub name: String,
    pub unit: String,
    pub phone_enc: Vec<u8>,
    pub phone_masked: String,
    pub account_kind: String,
    pub account_id: Option<i64>,
    pub created_at: i64,
    pub state: String,
    pub reply: String,
    pub replied_by: String,
    pub replied_at: Option<i64>,
}

pub struct NewComment<'a> {
    pub consultation_id: i64,
    pub section_no: i64,
    pub body: &'a str,
    pub name: &'a str,
    pub unit: &'a str,
    /// Sealed for the row on insert.
    pub phone: &'a str,
    pub phone_masked: &'a str,
    pub account_kind: &'a str,
    pub account_id: Option<i64>,
    pub now: i64,
}

pub async fn insert_comment(
    c: &mut AnyConnection,
    pii: &crate::pii::PiiCipher,
    n: &NewComment<'_>,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO consultation_comments (consultation_id, section_no, body, name, unit, phone_enc, phone_masked,
             account_kind, account_id, created_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(n.consultation_id)
    .bind(n.section_no)
    .bind(n.body)
    .bind(n.name)
    .bind(n.unit)
    .bind(Vec::<u8>::new())
    .bind(n.phone_masked)
    .bind(n.account_kind)
    .bind(n.account_id)
    .bind(n.now)
    .bind(CommentState::Pending.code())
    .fetch_one(&mut *c)
    .await?;
    let id = row.try_get("id")?;
    let at = crate::pii::SealedColumn::COMMENT_PHONE.row(id);
    crate::sealed::write(c, pii, at, n.phone).await?;
    Ok(id)
}

pub async fn comment(c: &mut AnyConnection, id: i64) -> Result<Option<CommentRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM consultation_comments WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?,
    )
}

/// The comments of a consultation by section, then as they came.
pub async fn comments(c: &mut AnyConnection, consultation_id: i64) -> Result<Vec<CommentRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM consultation_comments WHERE consultation_id = $1 ORDER BY section_no, id",
    )
    .bind(consultation_id)
    .fetch_all(c)
    .await?)
}

pub struct Handling<'a> {
    pub id: i64,
    pub state: CommentState,
    pub reply: &'a str,
    pub by: &'a str,
    pub now: i64,
}

/// Marks a comment, as long as its consultation is not closed (checked
/// in the same statement, so a close cannot slip in between).
pub async fn handle(c: &mut AnyConnection, h: &Handling<'_>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE consultation_comments SET state = $1, reply = $2, replied_by = $3, replied_at = $4
         WHERE id = $5 AND consultation_id IN (SELECT id FROM consultations WHERE closed_at IS NULL)",
    )
    .bind(h.state.code())
    .bind(h.reply)
    .bind(h.by)
    .bind(h.now)
    .bind(h.id)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Comments of a consultation still 待处理.
pub async fn pending_count(c: &mut AnyConnection, consultation_id: i64) -> Result<i64> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM consultation_comments WHERE consultation_id = $1 AND state = $2",
    )
    .bind(consultation_id)
    .bind(CommentState::Pending.code())
    .fetch_one(c)
    .await?
    .try_get("n")?)
}

/// A published article a consultation may be opened on.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GuideChoice {
    pub id: i64,
    pub title: String,
}

/// The articles of `section` in state `published` without a consultation,
/// newest first.
pub async fn guides_without(
    c: &mut AnyConnection,
    section: &str,
    published: &str,
) -> Result<Vec<GuideChoice>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.title FROM articles a
         WHERE a.section = $1 AND a.state = $2
           AND NOT EXISTS (SELECT 1 FROM consultations k WHERE k.article_id = a.id)
         ORDER BY a.id DESC",
    )
    .bind(section)
    .bind(published)
    .fetch_all(c)
    .await?)
}
