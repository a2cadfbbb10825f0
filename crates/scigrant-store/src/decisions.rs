//! The history of decisions on an account (初审, 复审, membership): who
//! decided, when, and why, shown to the account itself.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub stage: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub actor_label: String,
    pub at: i64,
}

pub struct NewDecision<'a> {
    pub subject_kind: &'a str,
    pub subject_id: i64,
    pub stage: &'a str,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
    pub actor_label: &'a str,
    pub at: i64,
}

pub async fn insert(c: &mut AnyConnection, d: &NewDecision<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO decisions (subject_kind, subject_id, stage, outcome, reason, actor_label, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(d.subject_kind)
    .bind(d.subject_id)
    .bind(d.stage)
    .bind(d.outcome)
    .bind(d.reason)
    .bind(d.actor_label)
    .bind(d.at)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn for_subject(c: &mut AnyConnection, kind: &str, id: i64) -> Result<Vec<DecisionRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM decisions WHERE subject_kind = $1 AND subject_id = $2 ORDER BY at DESC, id DESC",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(c)
    .await?)
}
