//! The expert library (专家库): one row per expert with their 学科 codes
//! and declared avoidances. State codes are bound from [`ExpertState`],
//! never written into the SQL text.

use scigrant_domain::evaluation::expert::ExpertState;
use sqlx::{AnyConnection, Row};

use crate::Result;

/// What an expert's application (or an imported row) stores.
#[derive(Clone, Debug)]
pub struct NewExpert<'a> {
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
    /// 研究方向, one per line.
    pub keywords: &'a str,
    pub email_domain: &'a str,
    pub region_code: i64,
    pub available: bool,
    pub state: ExpertState,
    /// `applied` or `imported`.
    pub source: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpertRow {
    pub id: i64,
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    pub keywords: String,
    pub email_domain: String,
    pub region_code: i64,
    pub available: i64,
    pub state: String,
    pub state_reason: String,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ExpertRow {
    pub fn state(&self) -> Option<ExpertState> {
        ExpertState::from_code(&self.state)
    }
}

/// Stores a new expert and their 学科 codes (`primary` first is not
/// required; exactly one should be marked primary by the caller).
pub async fn insert_expert(
    c: &mut AnyConnection,
    e: &NewExpert<'_>,
    disciplines: &[(&str, bool)],
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO experts (person_id, unit_id, unit_name, title, summary, keywords, email_domain, region_code, available, state, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(e.person_id)
    .bind(e.unit_id)
    .bind(e.unit_name)
    .bind(e.title)
    .bind(e.summary)
    .bind(e.keywords)
    .bind(e.email_domain)
    .bind(e.region_code)
    .bind(i64::from(e.available))
    .bind(e.state.code())
    .bind(e.source)
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    let id: i64 = row.try_get("id")?;
    set_disciplines(c, id, disciplines).await?;
    Ok(id)
}

/// Replaces an expert's 学科 codes.
pub async fn set_disciplines(
    c: &mut AnyConnection,
    expert_id: i64,
    disciplines: &[(&str, bool)],
) -> Result<()> {
    sqlx::query("DELETE FROM expert_disciplines WHERE expert_id = $1")
        .bind(expert_id)
        .execute(&mut *c)
        .await?;
    for (code, primary) in disciplines {
        sqlx::query(
            "INSERT INTO expert_disciplines (expert_id, code, is_primary) VALUES ($1, $2, $3)",
        )
        .bind(expert_id)
        .bind(*code)
        .bind(i64::from(*primary))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

pub async fn expert(c: &mut AnyConnection, id: i64) -> Result<Option<ExpertRow>> {
    Ok(sqlx::query_as("SELECT * FROM experts WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn expert_of_person(c: &mut AnyConnection, person_id: i64) -> Result<Option<ExpertRow>> {
    Ok(sqlx::query_as("SELECT * FROM experts WHERE person_id = $1")
        .bind(person_id)
        .fetch_optional(c)
        .await?)
}

/// An expert's 学科 codes, the primary one first.
pub async fn disciplines(c: &mut AnyConnection, expert_id: i64) -> Result<Vec<(String, bool)>> {
    let rows = sqlx::query(
        "SELECT code, is_primary FROM expert_disciplines WHERE expert_id = $1 ORDER BY is_primary DESC, code",
    )
    .bind(expert_id)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get::<i64, _>("is_primary")? != 0)))
        .collect()
}

/// Moves an expert to `next` with a reason; the caller has checked the
/// transition with [`ExpertState::can_move_to`].
pub async fn set_state(
    c: &mut AnyConnection,
    id: i64,
    next: ExpertState,
    reason: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE experts SET state = $1, state_reason = $2, updated_at = $3 WHERE id = $4")
        .bind(next.code())
        .bind(reason)
        .bind(now)
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}
