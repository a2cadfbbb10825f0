//! Review plans, assignments and reviews (评审方案、分配、评审意见), and
//! the reads the assignment is computed from: a call's applications with
//! their persons and units, the approved experts with their 学科, avoids
//! and e-mail. State codes are bound from the domain enums.

use scigrant_domain::evaluation::expert::{AssignmentState, ExpertState};
use scigrant_domain::evaluation::review::ReviewState;
use scigrant_domain::grants::application::ApplicationState;
use sqlx::{AnyConnection, Row};

use crate::Result;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub call_id: i64,
    pub round: i64,
    pub reviewers_per_app: i64,
    pub min_load: i64,
    pub max_load: i64,
    pub accept_deadline: i64,
    pub review_deadline: i64,
    pub hide_identity: i64,
    pub form_spec_id: i64,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The settings of a plan.
#[derive(Clone, Debug)]
pub struct PlanFields {
    pub call_id: i64,
    pub round: i64,
    pub reviewers_per_app: i64,
    pub min_load: i64,
    pub max_load: i64,
    pub accept_deadline: i64,
    pub review_deadline: i64,
    pub hide_identity: bool,
    pub form_spec_id: i64,
}

pub async fn plan_of_call(
    c: &mut AnyConnection,
    call_id: i64,
    round: i64,
) -> Result<Option<PlanRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM review_plans WHERE call_id = $1 AND round = $2")
            .bind(call_id)
            .bind(round)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn plan(c: &mut AnyConnection, id: i64) -> Result<Option<PlanRow>> {
    Ok(sqlx::query_as("SELECT * FROM review_plans WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?)
}

pub async fn insert_plan(
    c: &mut AnyConnection,
    f: &PlanFields,
    state: &str,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO review_plans (call_id, round, reviewers_per_app, min_load, max_load, accept_deadline, review_deadline, hide_identity, form_spec_id, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(f.call_id)
    .bind(f.round)
    .bind(f.reviewers_per_app)
    .bind(f.min_load)
    .bind(f.max_load)
    .bind(f.accept_deadline)
    .bind(f.review_deadline)
    .bind(i64::from(f.hide_identity))
    .bind(f.form_spec_id)
    .bind(state)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update_plan(c: &mut AnyConnection, id: i64, f: &PlanFields, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE review_plans SET reviewers_per_app = $1, min_load = $2, max_load = $3, accept_deadline = $4, review_deadline = $5, hide_identity = $6, form_spec_id = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(f.reviewers_per_app)
    .bind(f.min_load)
    .bind(f.max_load)
    .bind(f.accept_deadline)
    .bind(f.review_deadline)
    .bind(i64::from(f.hide_identity))
    .bind(f.form_spec_id)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: i64,
    pub plan_id: i64,
    pub application_id: i64,
    pub expert_id: i64,
    pub state: String,
    pub pinned: i64,
    pub match_score: i64,
    pub reason: String,
    pub conflict_confirmed_at: Option<i64>,
    pub created_at: i64,
    pub responded_at: Option<i64>,
}

impl AssignmentRow {
    pub fn state(&self) -> Option<AssignmentState> {
        AssignmentState::from_code(&self.state)
    }
}

pub async fn assignments_of_plan(
    c: &mut AnyConnection,
    plan_id: i64,
) -> Result<Vec<AssignmentRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM review_assignments WHERE plan_id = $1 ORDER BY application_id, expert_id",
    )
    .bind(plan_id)
    .fetch_all(c)
    .await?)
}

pub async fn assignment(c: &mut AnyConnection, id: i64) -> Result<Option<AssignmentRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM review_assignments WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?,
    )
}

pub async fn assignment_of_pair(
    c: &mut AnyConnection,
    plan_id: i64,
    application_id: i64,
    expert_id: i64,
) -> Result<Option<AssignmentRow>> {
    Ok(sqlx::query_as(
        "SELECT * FROM review_assignments WHERE plan_id = $1 AND application_id = $2 AND expert_id = $3",
    )
    .bind(plan_id)
    .bind(application_id)
    .bind(expert_id)
    .fetch_optional(c)
    .await?)
}

/// Proposes a pair; a pair given up before (removed, declined) is
/// proposed again in its own row, its old reason cleared.
pub async fn propose(
    c: &mut AnyConnection,
    plan_id: i64,
    application_id: i64,
    expert_id: i64,
    pinned: bool,
    match_score: i64,
    now: i64,
) -> Result<i64> {
    if let Some(row) = assignment_of_pair(&mut *c, plan_id, application_id, expert_id).await? {
        sqlx::query(
            "UPDATE review_assignments SET state = $1, pinned = $2, match_score = $3, reason = '', conflict_confirmed_at = NULL, created_at = $4, responded_at = NULL WHERE id = $5",
        )
        .bind(AssignmentState::Proposed.code())
        .bind(i64::from(pinned))
        .bind(match_score)
        .bind(now)
        .bind(row.id)
        .execute(c)
        .await?;
        return Ok(row.id);
    }
    let row = sqlx::query(
        "INSERT INTO review_assignments (plan_id, application_id, expert_id, state, pinned, match_score, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(plan_id)
    .bind(application_id)
    .bind(expert_id)
    .bind(AssignmentState::Proposed.code())
    .bind(i64::from(pinned))
    .bind(match_score)
    .bind(now)
    .fetch_one(c)
    .await?;
    Ok(row.try_get("id")?)
}

/// Forgets the plan's proposals nobody pinned or answered, before a new
/// automatic assignment stores its own.
pub async fn clear_open_proposals(c: &mut AnyConnection, plan_id: i64) -> Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM review_assignments WHERE plan_id = $1 AND state = $2 AND pinned = 0 \
         AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.assignment_id = review_assignments.id)",
    )
    .bind(plan_id)
    .bind(AssignmentState::Proposed.code())
    .execute(c)
    .await?
    .rows_affected())
}

/// Moves an assignment from one of `from` to `to` (compare-and-set);
/// false when it was in none of them.
pub async fn move_assignment(
    c: &mut AnyConnection,
    id: i64,
    from: &[AssignmentState],
    to: AssignmentState,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let mut moved = false;
    for f in from {
        let n = sqlx::query(
            "UPDATE review_assignments SET state = $1, reason = $2, responded_at = $3, \
             conflict_confirmed_at = COALESCE($6, conflict_confirmed_at) \
             WHERE id = $4 AND state = $5",
        )
        .bind(to.code())
        .bind(reason)
        .bind(now)
        .bind(id)
        .bind(f.code())
        .bind((to == AssignmentState::Accepted).then_some(now))
        .execute(&mut *c)
        .await?
        .rows_affected();
        moved |= n > 0;
    }
    Ok(moved)
}

pub async fn set_pinned(c: &mut AnyConnection, id: i64, pinned: bool) -> Result<()> {
    sqlx::query("UPDATE review_assignments SET pinned = $1 WHERE id = $2")
        .bind(i64::from(pinned))
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// One of an expert's assignments with what the workspace lists.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpertAssignmentRow {
    pub id: i64,
    pub plan_id: i64,
    pub application_id: i64,
    pub state: String,
    pub reason: String,
    pub number: Option<String>,
    pub title: String,
    pub call_id: i64,
    pub call_name: String,
    pub accept_deadline: i64,
    pub review_deadline: i64,
    pub review_state: Option<String>,
    pub total_tenths: Option<i64>,
}

/// Every assignment of an expert, newest plan first.
pub async fn assignments_of_expert(
    c: &mut AnyConnection,
    expert_id: i64,
) -> Result<Vec<ExpertAssignmentRow>> {
    Ok(sqlx::query_as(
        "SELECT ra.id, ra.plan_id, ra.application_id, ra.state, ra.reason, a.number, a.title, \
         p.call_id, cl.name AS call_name, p.accept_deadline, p.review_deadline, \
         r.state AS review_state, r.total_tenths \
         FROM review_assignments ra \
         JOIN review_plans p ON p.id = ra.plan_id \
         JOIN applications a ON a.id = ra.application_id \
         JOIN calls cl ON cl.id = p.call_id \
         LEFT JOIN reviews r ON r.assignment_id = ra.id \
         WHERE ra.expert_id = $1 ORDER BY p.id DESC, a.number, ra.id",
    )
    .bind(expert_id)
    .fetch_all(c)
    .await?)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReviewRow {
    pub assignment_id: i64,
    pub data_json: String,
    pub total_tenths: Option<i64>,
    pub grade: String,
    pub opinion: String,
    pub state: String,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub reopen_reason: String,
}

pub async fn review(c: &mut AnyConnection, assignment_id: i64) -> Result<Option<ReviewRow>> {
    Ok(
        sqlx::query_as("SELECT * FROM reviews WHERE assignment_id = $1")
            .bind(assignment_id)
            .fetch_optional(c)
            .await?,
    )
}

/// What a save writes.
pub struct ReviewDraft<'a> {
    pub assignment_id: i64,
    pub data_json: &'a str,
    pub total_tenths: Option<i64>,
    pub grade: &'a str,
    pub opinion: &'a str,
    pub now: i64,
}

/// Autosave: stores the draft unless the review is submitted; false when
/// it is.
pub async fn save_review(c: &mut AnyConnection, d: &ReviewDraft<'_>) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE reviews SET data_json = $1, total_tenths = $2, grade = $3, opinion = $4, saved_at = $5 \
         WHERE assignment_id = $6 AND state = $7",
    )
    .bind(d.data_json)
    .bind(d.total_tenths)
    .bind(d.grade)
    .bind(d.opinion)
    .bind(d.now)
    .bind(d.assignment_id)
    .bind(ReviewState::Draft.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n > 0 {
        return Ok(true);
    }
    if review(&mut *c, d.assignment_id).await?.is_some() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO reviews (assignment_id, data_json, total_tenths, grade, opinion, state, saved_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(d.assignment_id)
    .bind(d.data_json)
    .bind(d.total_tenths)
    .bind(d.grade)
    .bind(d.opinion)
    .bind(ReviewState::Draft.code())
    .bind(d.now)
    .execute(c)
    .await?;
    Ok(true)
}

/// Locks a draft (compare-and-set); false when it was not a draft.
pub async fn submit_review(c: &mut AnyConnection, assignment_id: i64, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE reviews SET state = $1, submitted_at = $2 WHERE assignment_id = $3 AND state = $4",
    )
    .bind(ReviewState::Submitted.code())
    .bind(now)
    .bind(assignment_id)
    .bind(ReviewState::Draft.code())
    .execute(c)
    .await?
    .rows_affected()
        > 0)
}

/// Staff reopen a submitted review with a reason the expert reads.
pub async fn reopen_review(
    c: &mut AnyConnection,
    assignment_id: i64,
    reason: &str,
) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE reviews SET state = $1, submitted_at = NULL, reopen_reason = $2 WHERE assignment_id = $3 AND state = $4",
    )
    .bind(ReviewState::Draft.code())
    .bind(reason)
    .bind(assignment_id)
    .bind(ReviewState::Submitted.code())
    .execute(c)
    .await?
    .rows_affected()
        > 0)
}

/// An application of a call with what conflicts and matching need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallApplicationRow {
    pub id: i64,
    pub number: Option<String>,
    pub title: String,
    pub state: String,
    pub person_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub person_name: String,
    pub person_email: String,
    pub data_json: String,
    pub submitted_json: Option<String>,
}

/// Every application of the call past its draft (the same-call conflict
/// counts them all), in number order.
pub async fn applications_of_call(
    c: &mut AnyConnection,
    call_id: i64,
) -> Result<Vec<CallApplicationRow>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.number, a.title, a.state, a.person_id, a.unit_id, u.name AS unit_name, \
         p.name AS person_name, p.email AS person_email, a.data_json, a.submitted_json \
         FROM applications a JOIN units u ON u.id = a.unit_id JOIN persons p ON p.id = a.person_id \
         WHERE a.call_id = $1 AND a.state <> $2 ORDER BY a.number, a.id",
    )
    .bind(call_id)
    .bind(ApplicationState::Draft.code())
    .fetch_all(c)
    .await?)
}

/// An approved expert with their person's name and e-mail.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LibraryExpertRow {
    pub id: i64,
    pub person_id: i64,
    pub unit_id: Option<i64>,
    pub unit_name: String,
    pub title: String,
    pub keywords: String,
    pub available: i64,
    pub name: String,
    pub email: String,
}

/// Every approved expert, by id.
pub async fn approved_experts(c: &mut AnyConnection) -> Result<Vec<LibraryExpertRow>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.person_id, e.unit_id, e.unit_name, e.title, e.keywords, e.available, p.name, p.email \
         FROM experts e JOIN persons p ON p.id = e.person_id WHERE e.state = $1 ORDER BY e.id",
    )
    .bind(ExpertState::Approved.code())
    .fetch_all(c)
    .await?)
}

/// Names of experts by id (any state), for listings.
pub async fn expert_names(c: &mut AnyConnection) -> Result<Vec<(i64, String, String)>> {
    let rows = sqlx::query(
        "SELECT e.id, p.name, e.unit_name FROM experts e JOIN persons p ON p.id = e.person_id ORDER BY e.id",
    )
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("unit_name")?,
            ))
        })
        .collect()
}

/// (expert, code, primary) of every expert's 学科.
pub async fn all_disciplines(c: &mut AnyConnection) -> Result<Vec<(i64, String, bool)>> {
    let rows = sqlx::query("SELECT expert_id, code, is_primary FROM expert_disciplines ORDER BY expert_id, is_primary DESC, code")
        .fetch_all(c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("expert_id")?,
                r.try_get("code")?,
                r.try_get::<i64, _>("is_primary")? != 0,
            ))
        })
        .collect()
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AvoidRow {
    pub expert_id: i64,
    pub unit_id: Option<i64>,
    pub person_id: Option<i64>,
    pub name: String,
}

pub async fn all_avoids(c: &mut AnyConnection) -> Result<Vec<AvoidRow>> {
    Ok(
        sqlx::query_as("SELECT expert_id, unit_id, person_id, name FROM expert_avoids ORDER BY id")
            .fetch_all(c)
            .await?,
    )
}

/// A review joined to its assignment and application, for ranking and export.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PlanReviewRow {
    pub assignment_id: i64,
    pub application_id: i64,
    pub expert_id: i64,
    pub assignment_state: String,
    pub review_state: Option<String>,
    pub data_json: Option<String>,
    pub total_tenths: Option<i64>,
    pub grade: Option<String>,
    pub opinion: Option<String>,
    pub submitted_at: Option<i64>,
}

/// Every active or answered assignment of a plan with its review, if any.
pub async fn reviews_of_plan(c: &mut AnyConnection, plan_id: i64) -> Result<Vec<PlanReviewRow>> {
    Ok(sqlx::query_as(
        "SELECT ra.id AS assignment_id, ra.application_id, ra.expert_id, ra.state AS assignment_state, \
         r.state AS review_state, r.data_json, r.total_tenths, r.grade, r.opinion, r.submitted_at \
         FROM review_assignments ra LEFT JOIN reviews r ON r.assignment_id = ra.id \
         WHERE ra.plan_id = $1 ORDER BY ra.application_id, ra.expert_id",
    )
    .bind(plan_id)
    .fetch_all(c)
    .await?)
}

/// A submitted review of an application, with the state of its
/// assignment (a review of a removed assignment no longer counts).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SubmittedReviewRow {
    pub assignment_state: String,
    pub data_json: String,
    pub grade: String,
}

/// The submitted reviews of an application, in the order they were submitted.
pub async fn submitted_reviews_of_application(
    c: &mut AnyConnection,
    application_id: i64,
) -> Result<Vec<SubmittedReviewRow>> {
    Ok(sqlx::query_as(
        "SELECT ra.state AS assignment_state, r.data_json, r.grade \
         FROM reviews r JOIN review_assignments ra ON ra.id = r.assignment_id \
         WHERE ra.application_id = $1 AND r.state = $2 \
         ORDER BY r.submitted_at, r.assignment_id",
    )
    .bind(application_id)
    .bind(ReviewState::Submitted.code())
    .fetch_all(c)
    .await?)
}
