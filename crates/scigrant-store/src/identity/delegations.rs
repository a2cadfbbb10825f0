//! 用户授权管理 (代办): a unit's authorisations of persons, the unit a
//! session acts for, and the index of what was done in a unit's name.

use sqlx::AnyConnection;

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DelegationRow {
    pub id: i64,
    pub unit_id: i64,
    pub person_id: i64,
    pub services: String,
    pub ends_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub revoked_at: Option<i64>,
    /// The person's 姓名 (as the unit lists them).
    pub person_name: String,
    /// The unit's 单位名称 and state (as the person lists them).
    pub unit_name: String,
    pub unit_state: String,
}

const SELECT: &str = "SELECT d.*, p.name AS person_name, u.name AS unit_name, u.state AS unit_state
     FROM delegations d JOIN persons p ON p.id = d.person_id JOIN units u ON u.id = d.unit_id";

pub struct NewDelegation<'a> {
    pub unit_id: i64,
    pub person_id: i64,
    pub services: &'a str,
    pub ends_at: i64,
    pub now: i64,
}

/// A new authorisation; `None` when the unit already has a live one for
/// the person (the unique index refuses a second).
pub async fn insert(c: &mut AnyConnection, d: &NewDelegation<'_>) -> Result<Option<i64>> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO delegations (unit_id, person_id, services, ends_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (unit_id, person_id) WHERE revoked_at IS NULL DO NOTHING
         RETURNING id",
    )
    .bind(d.unit_id)
    .bind(d.person_id)
    .bind(d.services)
    .bind(d.ends_at)
    .bind(d.now)
    .fetch_optional(c)
    .await?;
    Ok(id)
}

/// Changes the services and end of the unit's live authorisation `id`;
/// false when there is none.
pub async fn change(
    c: &mut AnyConnection,
    id: i64,
    unit_id: i64,
    services: &str,
    ends_at: i64,
    now: i64,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE delegations SET services = $1, ends_at = $2, updated_at = $3
         WHERE id = $4 AND unit_id = $5 AND revoked_at IS NULL",
    )
    .bind(services)
    .bind(ends_at)
    .bind(now)
    .bind(id)
    .bind(unit_id)
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Revokes the unit's live authorisation `id`; false when there is none.
pub async fn revoke(c: &mut AnyConnection, id: i64, unit_id: i64, now: i64) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE delegations SET revoked_at = $1, updated_at = $1
         WHERE id = $2 AND unit_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(unit_id)
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn get(c: &mut AnyConnection, id: i64) -> Result<Option<DelegationRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Whose authorisations a list is of.
#[derive(Clone, Copy, Debug)]
pub enum Holder {
    /// Those the unit gave.
    Unit(i64),
    /// Those given to the person.
    Person(i64),
}

/// Authorisations of `holder`, live ones first, newest first.
pub async fn list(c: &mut AnyConnection, holder: Holder) -> Result<Vec<DelegationRow>> {
    let (column, id) = match holder {
        Holder::Unit(id) => ("unit_id", id),
        Holder::Person(id) => ("person_id", id),
    };
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE d.{column} = $1
         ORDER BY CASE WHEN d.revoked_at IS NULL THEN 0 ELSE 1 END, d.id DESC LIMIT 500"
    ))
    .bind(id)
    .fetch_all(c)
    .await?)
}

/// The person's authorisation by the unit in force at `now`.
pub async fn in_force(
    c: &mut AnyConnection,
    unit_id: i64,
    person_id: i64,
    now: i64,
) -> Result<Option<DelegationRow>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE d.unit_id = $1 AND d.person_id = $2
         AND d.revoked_at IS NULL AND d.ends_at > $3"
    ))
    .bind(unit_id)
    .bind(person_id)
    .bind(now)
    .fetch_optional(c)
    .await?)
}

/// Sets (or clears) the unit a session acts for.
pub async fn set_acting(c: &mut AnyConnection, id_hash: &str, unit_id: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE sessions SET acting_unit_id = $1 WHERE id_hash = $2")
        .bind(unit_id)
        .bind(id_hash)
        .execute(c)
        .await?;
    Ok(())
}

/// Files audit record `audit_id` under the unit it was done for.
pub async fn record_action(
    c: &mut AnyConnection,
    audit_id: i64,
    unit_id: i64,
    person_id: i64,
    delegation_id: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO delegated_actions (audit_id, unit_id, person_id, delegation_id)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(audit_id)
    .bind(unit_id)
    .bind(person_id)
    .bind(delegation_id)
    .execute(c)
    .await?;
    Ok(())
}

/// One action done in the unit's name (代办记录).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActionRow {
    pub at: i64,
    pub person_name: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<i64>,
    pub outcome: String,
    pub detail: String,
}

/// The actions done in the unit's name, newest first, and how many.
pub async fn actions_of_unit(
    c: &mut AnyConnection,
    unit_id: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ActionRow>, i64)> {
    let rows = sqlx::query_as(
        "SELECT a.at, p.name AS person_name, a.action, a.target_kind, a.target_id, a.outcome, a.detail
         FROM delegated_actions x JOIN audit_log a ON a.id = x.audit_id
         JOIN persons p ON p.id = x.person_id
         WHERE x.unit_id = $1 ORDER BY x.audit_id DESC LIMIT $2 OFFSET $3",
    )
    .bind(unit_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM delegated_actions WHERE unit_id = $1")
            .bind(unit_id)
            .fetch_one(c)
            .await?;
    Ok((rows, total))
}
