//! 限项: the per-person limits staff set on a program, and what the rule
//! counts against them — the applications of the program in the pipeline
//! (提交, 推荐, 受理) with their applicant, less those declined at 立项.

use scigrant_domain::evaluation::funding::Verdict;
use scigrant_domain::grants::application::ApplicationState;
use sqlx::AnyConnection;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LimitsRow {
    pub program_id: i64,
    pub per_call: i64,
    pub per_program: i64,
    pub set_by: String,
    pub set_at: i64,
}

pub async fn limits(c: &mut AnyConnection, program_id: i64) -> Result<Option<LimitsRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM program_limits WHERE program_id = $1")
            .bind(program_id)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn set_limits(
    c: &mut AnyConnection,
    program_id: i64,
    per_call: i64,
    per_program: i64,
    by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO program_limits (program_id, per_call, per_program, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (program_id) DO UPDATE SET per_call = excluded.per_call,
           per_program = excluded.per_program, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(program_id)
    .bind(per_call)
    .bind(per_program)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Serialises the submissions of one program that has limits: its limits
/// row stays locked until the transaction ends (PostgreSQL takes the row
/// lock on a no-op update; SQLite's `BEGIN IMMEDIATE` already holds the
/// write lock), so two submissions cannot both pass the count.
pub async fn lock(c: &mut AnyConnection, program_id: i64) -> Result<()> {
    sqlx::query("UPDATE program_limits SET per_call = per_call WHERE program_id = $1")
        .bind(program_id)
        .execute(c)
        .await?;
    Ok(())
}

/// An application counted by the rule, with its applicant's name and
/// sealed phone (the applicant is one of its 负责人).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HoldingRow {
    pub id: i64,
    pub call_id: i64,
    pub form_spec_id: i64,
    pub number: Option<String>,
    pub title: String,
    pub submitted_json: Option<String>,
    pub person_id: i64,
    pub person_name: String,
    pub phone_enc: Vec<u8>,
}

/// The applications of `program_id` other than `except` that are submitted,
/// recommended or accepted, funded ones included, and not declined at 立项
/// (a reopened decision counts for nothing, so the application counts).
pub async fn holdings_in_program(
    c: &mut AnyConnection,
    program_id: i64,
    except: i64,
) -> Result<Vec<HoldingRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.call_id, a.form_spec_id, a.number, a.title, a.submitted_json, a.person_id,
                p.name AS person_name, p.phone_enc
         FROM applications a
         JOIN calls k ON k.id = a.call_id
         JOIN persons p ON p.id = a.person_id
         LEFT JOIN funding_decisions d ON d.application_id = a.id AND d.reopened = 0
         WHERE k.program_id = $1 AND a.id <> $2 AND a.state IN ($3, $4, $5)
           AND (d.verdict IS NULL OR d.verdict <> $6)
         ORDER BY a.submitted_at, a.id",
    )
    .bind(program_id)
    .bind(except)
    .bind(ApplicationState::Submitted.code())
    .bind(ApplicationState::Recommended.code())
    .bind(ApplicationState::Accepted.code())
    .bind(Verdict::Decline.code())
    .fetch_all(c)
    .await?)
}
