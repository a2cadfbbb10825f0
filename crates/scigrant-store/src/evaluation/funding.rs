//! 立项 and 公示: per-call budgets, the decision on each accepted
//! application, notices with the rows they listed, and objections. Codes
//! (verdicts, notice kinds and states, objection outcomes) are bound from
//! the domain enums, never written into the SQL text.

use scigrant_domain::evaluation::funding::{NoticeKind, NoticeState, Verdict};
use scigrant_domain::evaluation::review::ReviewState;
use sqlx::{AnyConnection, Row};

use crate::Result;

/// The budget of a call in hundredths of 万元, if staff set one.
pub async fn budget(c: &mut AnyConnection, call_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT budget_cents FROM call_budgets WHERE call_id = $1")
        .bind(call_id)
        .fetch_optional(c)
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("budget_cents")?),
        None => None,
    })
}

pub async fn set_budget(
    c: &mut AnyConnection,
    call_id: i64,
    cents: i64,
    by: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO call_budgets (call_id, budget_cents, set_by, set_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (call_id) DO UPDATE SET budget_cents = excluded.budget_cents, set_by = excluded.set_by, set_at = excluded.set_at",
    )
    .bind(call_id)
    .bind(cents)
    .bind(by)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

/// Serialises the decisions of one call: the budget row is locked until
/// the transaction ends (PostgreSQL takes the row lock on a no-op update;
/// SQLite's `BEGIN IMMEDIATE` already holds the database's write lock), so
/// two decisions cannot both pass the quota or budget check on the same
/// selection. A call without a budget funds nothing, so has nothing to
/// lock.
pub async fn lock_selection(c: &mut AnyConnection, call_id: i64) -> Result<()> {
    sqlx::query("UPDATE call_budgets SET budget_cents = budget_cents WHERE call_id = $1")
        .bind(call_id)
        .execute(c)
        .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DecisionRow {
    pub application_id: i64,
    pub call_id: i64,
    pub verdict: String,
    pub amount_cents: i64,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: i64,
    pub reopened: i64,
}

/// The current decisions of a call, reopened ones included.
pub async fn decisions_of_call(c: &mut AnyConnection, call_id: i64) -> Result<Vec<DecisionRow>> {
    Ok(
        sqlx::query_as(
            "SELECT * FROM funding_decisions WHERE call_id = $1 ORDER BY application_id",
        )
        .bind(call_id)
        .fetch_all(c)
        .await?,
    )
}

pub async fn decision(c: &mut AnyConnection, application_id: i64) -> Result<Option<DecisionRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM funding_decisions WHERE application_id = $1")
            .bind(application_id)
            .fetch_optional(c)
            .await?,
    )
}

pub struct NewDecision<'a> {
    pub application_id: i64,
    pub call_id: i64,
    pub verdict: Verdict,
    pub amount_cents: i64,
    pub reason: &'a str,
    pub by: &'a str,
    pub now: i64,
}

/// Records (or replaces) the decision on an application; a replaced
/// decision is no longer reopened.
pub async fn upsert_decision(c: &mut AnyConnection, d: &NewDecision<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO funding_decisions (application_id, call_id, verdict, amount_cents, reason, decided_by, decided_at, reopened)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0)
         ON CONFLICT (application_id) DO UPDATE SET verdict = excluded.verdict, amount_cents = excluded.amount_cents,
           reason = excluded.reason, decided_by = excluded.decided_by, decided_at = excluded.decided_at, reopened = 0",
    )
    .bind(d.application_id)
    .bind(d.call_id)
    .bind(d.verdict.code())
    .bind(d.amount_cents)
    .bind(d.reason)
    .bind(d.by)
    .bind(d.now)
    .execute(c)
    .await?;
    Ok(())
}

/// An upheld objection sends the decision back to staff.
pub async fn reopen_decision(c: &mut AnyConnection, application_id: i64) -> Result<bool> {
    let r = sqlx::query("UPDATE funding_decisions SET reopened = 1 WHERE application_id = $1")
        .bind(application_id)
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub call_id: i64,
    pub title: String,
    pub body: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub state: String,
    pub published_by: String,
    pub created_at: i64,
}

pub struct NewNotice<'a> {
    pub kind: NoticeKind,
    pub call_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub by: &'a str,
    pub now: i64,
}

pub async fn insert_notice(c: &mut AnyConnection, n: &NewNotice<'_>) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO notices (kind, call_id, title, body, starts_at, ends_at, state, published_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.kind.code())
    .bind(n.call_id)
    .bind(n.title)
    .bind(n.body)
    .bind(n.starts_at)
    .bind(n.ends_at)
    .bind(NoticeState::Published.code())
    .bind(n.by)
    .bind(n.now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn notice(c: &mut AnyConnection, id: i64) -> Result<Option<NoticeRow>> {
    Ok(sqlx::query_as("SELECT * FROM notices WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

/// Notices whose period has begun at `now`, newest first.
pub async fn notices_begun(c: &mut AnyConnection, now: i64) -> Result<Vec<NoticeRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM notices WHERE starts_at <= $1 ORDER BY starts_at DESC, id DESC",
    )
    .bind(now)
    .fetch_all(c)
    .await?)
}

/// Every notice of a call of `kind`, newest first.
pub async fn notices_of_call(
    c: &mut AnyConnection,
    call_id: i64,
    kind: NoticeKind,
) -> Result<Vec<NoticeRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM notices WHERE call_id = $1 AND kind = $2 ORDER BY id DESC")
            .bind(call_id)
            .bind(kind.code())
            .fetch_all(c)
            .await?,
    )
}

/// Compare-and-set on the notice's state.
pub async fn move_notice(
    c: &mut AnyConnection,
    id: i64,
    from: NoticeState,
    to: NoticeState,
) -> Result<bool> {
    let r = sqlx::query("UPDATE notices SET state = $1 WHERE id = $2 AND state = $3")
        .bind(to.code())
        .bind(id)
        .bind(from.code())
        .execute(c)
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoticeItemRow {
    pub notice_id: i64,
    pub application_id: i64,
    pub project: String,
    pub unit_name: String,
    pub leader: String,
    pub amount_cents: i64,
}

pub async fn insert_item(c: &mut AnyConnection, i: &NoticeItemRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO notice_items (notice_id, application_id, project, unit_name, leader, amount_cents)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(i.notice_id)
    .bind(i.application_id)
    .bind(&i.project)
    .bind(&i.unit_name)
    .bind(&i.leader)
    .bind(i.amount_cents)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn items(c: &mut AnyConnection, notice_id: i64) -> Result<Vec<NoticeItemRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM notice_items WHERE notice_id = $1 ORDER BY application_id")
            .bind(notice_id)
            .fetch_all(c)
            .await?,
    )
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ObjectionRow {
    pub id: i64,
    pub number: String,
    pub notice_id: i64,
    pub application_id: i64,
    pub objector_name: String,
    pub objector_unit: String,
    pub contact_enc: Vec<u8>,
    pub contact_masked: String,
    pub grounds: String,
    pub file_id: i64,
    pub state: String,
    pub outcome: String,
    pub outcome_reason: String,
    pub handled_by: String,
    pub handled_at: Option<i64>,
    pub created_at: i64,
}

impl ObjectionRow {
    /// The objector's contact phone, opened for this row only.
    pub fn contact(&self, pii: &crate::pii::PiiCipher) -> Result<String> {
        pii.open_at(
            crate::pii::SealedColumn::OBJECTION_CONTACT.row(self.id),
            &self.contact_enc,
        )
    }
}

/// The state of an objection: lodged, then handled once.
pub const PENDING: &str = "pending";
pub const HANDLED: &str = "handled";

pub struct NewObjection<'a> {
    pub notice_id: i64,
    pub application_id: i64,
    pub name: &'a str,
    pub unit: &'a str,
    /// Sealed for the row on insert.
    pub contact: &'a str,
    pub contact_masked: &'a str,
    pub grounds: &'a str,
    pub file_id: i64,
    pub now: i64,
}

/// Inserts an objection numbered `YY<notice>-<n>`, `n` counted under a
/// lock on the notice's row (a no-op update; SQLite's write lock is held
/// already), so objections lodged at once get distinct numbers.
pub async fn insert_objection(
    c: &mut AnyConnection,
    pii: &crate::pii::PiiCipher,
    o: &NewObjection<'_>,
) -> Result<(i64, String)> {
    sqlx::query("UPDATE notices SET state = state WHERE id = $1")
        .bind(o.notice_id)
        .execute(&mut *c)
        .await?;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM objections WHERE notice_id = $1")
        .bind(o.notice_id)
        .fetch_one(&mut *c)
        .await?
        .try_get("n")?;
    let number = format!("YY{:04}-{:03}", o.notice_id, n + 1);
    let row = sqlx::query(
        "INSERT INTO objections (number, notice_id, application_id, objector_name, objector_unit, contact_enc, contact_masked, grounds, file_id, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(&number)
    .bind(o.notice_id)
    .bind(o.application_id)
    .bind(o.name)
    .bind(o.unit)
    .bind(Vec::<u8>::new())
    .bind(o.contact_masked)
    .bind(o.grounds)
    .bind(o.file_id)
    .bind(PENDING)
    .bind(o.now)
    .fetch_one(&mut *c)
    .await?;
    let id = row.try_get("id")?;
    let at = crate::pii::SealedColumn::OBJECTION_CONTACT.row(id);
    crate::sealed::write(c, pii, at, o.contact).await?;
    Ok((id, number))
}

pub async fn objection(c: &mut AnyConnection, id: i64) -> Result<Option<ObjectionRow>> {
    Ok(sqlx::query_as("SELECT * FROM objections WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn objections_of_notice(
    c: &mut AnyConnection,
    notice_id: i64,
) -> Result<Vec<ObjectionRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM objections WHERE notice_id = $1 ORDER BY id")
            .bind(notice_id)
            .fetch_all(c)
            .await?,
    )
}

pub async fn unhandled_count(c: &mut AnyConnection, notice_id: i64) -> Result<i64> {
    Ok(
        sqlx::query("SELECT COUNT(*) AS n FROM objections WHERE notice_id = $1 AND state = $2")
            .bind(notice_id)
            .bind(PENDING)
            .fetch_one(c)
            .await?
            .try_get("n")?,
    )
}

pub struct Handling<'a> {
    pub id: i64,
    pub outcome: &'a str,
    pub reason: &'a str,
    pub by: &'a str,
    pub now: i64,
}

/// Handles a pending objection once (compare-and-set on its state).
pub async fn handle_objection(c: &mut AnyConnection, h: &Handling<'_>) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE objections SET state = $1, outcome = $2, outcome_reason = $3, handled_by = $4, handled_at = $5
         WHERE id = $6 AND state = $7",
    )
    .bind(HANDLED)
    .bind(h.outcome)
    .bind(h.reason)
    .bind(h.by)
    .bind(h.now)
    .bind(h.id)
    .bind(PENDING)
    .execute(c)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// One expert listed by a 专家公示, as published.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeExpertRow {
    pub notice_id: i64,
    pub expert_id: i64,
    pub name: String,
    pub unit_name: String,
    pub title: String,
}

pub async fn insert_notice_expert(c: &mut AnyConnection, e: &NoticeExpertRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO notice_experts (notice_id, expert_id, name, unit_name, title)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(e.notice_id)
    .bind(e.expert_id)
    .bind(&e.name)
    .bind(&e.unit_name)
    .bind(&e.title)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn notice_experts(c: &mut AnyConnection, notice_id: i64) -> Result<Vec<NoticeExpertRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM notice_experts WHERE notice_id = $1 ORDER BY expert_id")
            .bind(notice_id)
            .fetch_all(c)
            .await?,
    )
}

/// The experts who submitted at least one review of the call's
/// applications, in any round (the 专家公示 list; `notice_id` is 0).
pub async fn reviewing_experts(
    c: &mut AnyConnection,
    call_id: i64,
) -> Result<Vec<NoticeExpertRow>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT CAST(0 AS BIGINT) AS notice_id, e.id AS expert_id, p.name, e.unit_name, e.title
         FROM reviews r
         JOIN review_assignments a ON a.id = r.assignment_id
         JOIN review_plans pl ON pl.id = a.plan_id
         JOIN experts e ON e.id = a.expert_id
         JOIN persons p ON p.id = e.person_id
         WHERE pl.call_id = $1 AND r.state = $2
         ORDER BY e.id",
    )
    .bind(call_id)
    .bind(ReviewState::Submitted.code())
    .fetch_all(c)
    .await?)
}
