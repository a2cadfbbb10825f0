//! 专家评审工作台: what an expert does with their assignments. They see
//! only their own (anything else is not found); accept one after
//! confirming 无利益冲突, decline it with a reason, or declare a conflict
//! (either releases it and proposes a replacement from the same
//! optimisation without disturbing the other assignments); read the
//! application as submitted, identities hidden when the plan says so; fill
//! the scoring form with autosave and a server-side total; submit (then
//! locked until staff reopen it with a reason).

use scigrant_domain::evaluation::assign::{self as solver, Pair};
use scigrant_domain::evaluation::expert::{AssignmentState, ExpertState};
use scigrant_domain::evaluation::review::{
    self as rules, CONFLICT_PREFIX, ReviewState, Tally, hide_identity,
};
use scigrant_domain::grants::form::{self, FormData, Problem, ValidationContext};
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId, PersonId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::experts;
use scigrant_store::evaluation::review::{self as store, AssignmentRow, PlanRow, ReviewDraft};

use super::assign::load_problem;
use super::plan::{PlanView, plan_view};
use crate::grants::applications::{ApplicationView, load_for_review};
use crate::{Actor, App, AppError, audit};

/// One assignment as its expert sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpertAssignment {
    pub id: AssignmentId,
    pub application_id: ApplicationId,
    pub number: String,
    pub title: String,
    pub call_id: CallId,
    pub call_name: String,
    pub state: AssignmentState,
    pub reason: String,
    pub accept_deadline: i64,
    pub review_deadline: i64,
    pub review_state: Option<ReviewState>,
    /// The total of the saved scoring form.
    pub total: Option<i64>,
}

/// 专家主页.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub expert: ExpertId,
    pub assignments: Vec<ExpertAssignment>,
}

/// The expert behind a signed-in person; someone who is not (or no
/// longer, or not yet) an expert is refused.
async fn expert_of(c: &mut AnyConnection, person: PersonId) -> Result<ExpertId, AppError> {
    let row = experts::expert_of_person(c, person.0)
        .await?
        .ok_or(AppError::Forbidden)?;
    match row.state() {
        Some(ExpertState::Approved | ExpertState::Paused | ExpertState::Retired) => {
            Ok(ExpertId(row.id))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// The expert's assignments (answered ones included, so a declined one
/// shows its reason).
pub async fn workspace(app: &App, person: PersonId) -> Result<Workspace, AppError> {
    let mut c = app.db.read().await?;
    let expert = expert_of(&mut c, person).await?;
    let assignments = store::assignments_of_expert(&mut c, expert.0)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(ExpertAssignment {
                id: AssignmentId(r.id),
                application_id: ApplicationId(r.application_id),
                number: r.number.unwrap_or_default(),
                title: r.title,
                call_id: CallId(r.call_id),
                call_name: r.call_name,
                state: AssignmentState::from_code(&r.state)?,
                reason: r.reason,
                accept_deadline: r.accept_deadline,
                review_deadline: r.review_deadline,
                review_state: r.review_state.as_deref().and_then(ReviewState::from_code),
                total: r.total_tenths.map(|t| t / 10),
            })
        })
        .collect();
    Ok(Workspace {
        expert,
        assignments,
    })
}

/// The expert's own assignment `id` with its plan; anyone else's is not
/// found.
async fn mine(
    c: &mut AnyConnection,
    person: PersonId,
    id: AssignmentId,
) -> Result<(ExpertId, AssignmentRow, PlanRow), AppError> {
    let expert = expert_of(c, person).await?;
    let row = store::assignment(c, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.expert_id != expert.0 {
        return Err(AppError::NotFound);
    }
    let plan = store::plan(c, row.plan_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((expert, row, plan))
}

/// 接受评审: the expert confirms 无利益冲突 and accepts, before the
/// acceptance deadline. Side effect: audit `review.accept`.
pub async fn accept_assignment(
    app: &App,
    actor: &Actor,
    person: PersonId,
    id: AssignmentId,
    no_conflict: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let (_, row, plan) = mine(&mut tx, person, id).await?;
    if row.state() == Some(AssignmentState::Accepted) {
        return Ok(());
    }
    if row.state() != Some(AssignmentState::Proposed) {
        return Err(AppError::Refused("该评审任务已谢绝或撤销".into()));
    }
    if !no_conflict {
        return Err(AppError::field(
            "no_conflict",
            "请先确认与该申报书无利益冲突；如有利益冲突，请选择“声明利益冲突”",
        ));
    }
    let now = app.now();
    if now > plan.accept_deadline {
        return Err(AppError::Refused(
            "已超过接受评审截止时间，请联系项目管理员".into(),
        ));
    }
    store::move_assignment(
        &mut tx,
        row.id,
        &[AssignmentState::Proposed],
        AssignmentState::Accepted,
        "",
        now,
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.accept",
        ("review_assignment", Some(row.id)),
        "success",
        "确认无利益冲突并接受评审",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 谢绝评审 with a reason. Side effects: the assignment declined, a
/// replacement proposed (see [`release_and_replace`]), audit
/// `review.decline`. Returns the experts proposed in its place.
pub async fn decline_assignment(
    app: &App,
    actor: &Actor,
    person: PersonId,
    id: AssignmentId,
    reason: &str,
) -> Result<Vec<ExpertId>, AppError> {
    let reason = checked_reason(reason, "请填写谢绝原因（200字以内）")?;
    release_and_replace(app, actor, person, id, reason.to_string(), "review.decline").await
}

/// 声明利益冲突: the expert declares a conflict with the application;
/// the pair is excluded from then on. Side effects as
/// [`decline_assignment`], audit `review.conflict`.
pub async fn declare_conflict(
    app: &App,
    actor: &Actor,
    person: PersonId,
    id: AssignmentId,
    reason: &str,
) -> Result<Vec<ExpertId>, AppError> {
    let reason = checked_reason(reason, "请说明利益冲突的情形（200字以内）")?;
    release_and_replace(
        app,
        actor,
        person,
        id,
        format!("{CONFLICT_PREFIX}{reason}"),
        "review.conflict",
    )
    .await
}

fn checked_reason<'a>(reason: &'a str, message: &str) -> Result<&'a str, AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::field("reason", message));
    }
    Ok(reason)
}

/// Declines the assignment and proposes replacements: the same
/// optimisation re-solved with every other active assignment fixed
/// (`scigrant_domain::evaluation::assign::replace`), so nobody else's work
/// changes. A slot nobody can fill stays open and shows in the coverage
/// report.
async fn release_and_replace(
    app: &App,
    actor: &Actor,
    person: PersonId,
    id: AssignmentId,
    reason: String,
    action: &str,
) -> Result<Vec<ExpertId>, AppError> {
    let mut tx = app.db.begin().await?;
    let (_, row, plan) = mine(&mut tx, person, id).await?;
    if store::review(&mut tx, row.id)
        .await?
        .is_some_and(|r| r.submitted_at.is_some())
    {
        return Err(AppError::Refused("评审意见已提交，不能谢绝".into()));
    }
    let now = app.now();
    let moved = store::move_assignment(
        &mut tx,
        row.id,
        &[AssignmentState::Proposed, AssignmentState::Accepted],
        AssignmentState::Declined,
        &reason,
        now,
    )
    .await?;
    if !moved {
        return Err(AppError::Refused("该评审任务已谢绝或撤销".into()));
    }
    store::set_pinned(&mut tx, row.id, false).await?;
    let released = [(ApplicationId(row.application_id), ExpertId(row.expert_id))];
    let (p, proposed) = propose_replacements(&mut tx, &app.pii, plan, &released, now).await?;
    let names: Vec<String> = proposed.iter().map(|e| p.expert_name(e.0)).collect();
    audit(
        &mut tx,
        app,
        actor,
        action,
        ("review_assignment", Some(row.id)),
        "success",
        &format!(
            "{reason}；替补：{}",
            if names.is_empty() {
                "无".to_string()
            } else {
                names.join("、")
            }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(proposed)
}

/// Proposes replacements for `released` pairs (already given up): the
/// same optimisation re-solved with every other active assignment fixed
/// (`scigrant_domain::evaluation::assign::replace`), so nobody else's work
/// changes. A replacement that cannot be computed (the plan's limits
/// changed under pinned pairs) leaves the slots open for staff; the
/// release stands. Returns the problem as read and the experts proposed.
pub(crate) async fn propose_replacements(
    tx: &mut AnyConnection,
    pii: &scigrant_store::pii::PiiCipher,
    plan: PlanRow,
    released: &[Pair],
    now: i64,
) -> Result<(super::assign::Problem, Vec<ExpertId>), AppError> {
    let p = load_problem(tx, pii, plan).await?;
    let current: Vec<Pair> = p
        .active()
        .iter()
        .map(|a| (ApplicationId(a.application_id), ExpertId(a.expert_id)))
        .collect();
    let removed = p.removed();
    let mut proposed = Vec::new();
    if let Ok(r) = solver::replace(&p.problem(&[], &removed), &current, released) {
        for pair in r.proposed {
            store::propose(
                tx,
                p.plan.id,
                pair.application.0,
                pair.expert.0,
                false,
                i64::from(pair.score),
                now,
            )
            .await?;
            proposed.push(pair.expert);
        }
    }
    Ok((p, proposed))
}

/// An accepted assignment of the expert, with its plan: reading and
/// scoring need the 无利益冲突 confirmation first.
async fn accepted(
    c: &mut AnyConnection,
    person: PersonId,
    id: AssignmentId,
) -> Result<(AssignmentRow, PlanRow), AppError> {
    let (_, row, plan) = mine(c, person, id).await?;
    match row.state() {
        Some(AssignmentState::Accepted) => Ok((row, plan)),
        Some(AssignmentState::Proposed) => Err(AppError::Refused(
            "请先确认与该申报书无利益冲突并接受评审".into(),
        )),
        _ => Err(AppError::NotFound),
    }
}

/// The application as submitted, for the expert assigned to it;
/// applicants' names, units and contacts hidden when the plan says so.
pub async fn review_application(
    app: &App,
    person: PersonId,
    id: AssignmentId,
) -> Result<ApplicationView, AppError> {
    let mut c = app.db.read().await?;
    let (row, plan) = accepted(&mut c, person, id).await?;
    let mut a = load_for_review(app, &mut c, ApplicationId(row.application_id)).await?;
    if plan.hide_identity != 0 {
        hide_identity(&a.spec, &mut a.data);
        a.person_name = rules::HIDDEN.into();
        a.unit_name = rules::HIDDEN.into();
        a.events.clear();
        a.paper = None;
        a.extension_reason.clear();
    }
    Ok(a)
}

/// The scoring form of an assignment as the expert fills it.
#[derive(Clone, Debug)]
pub struct ReviewSheet {
    pub id: AssignmentId,
    pub number: String,
    pub title: String,
    pub plan: PlanView,
    pub data: FormData,
    pub problems: Vec<Problem>,
    pub tally: Tally,
    pub state: ReviewState,
    pub saved_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub reopen_reason: String,
}

impl ReviewSheet {
    pub fn locked(&self) -> bool {
        self.state == ReviewState::Submitted
    }
}

/// The expert's scoring form for an accepted assignment.
pub async fn review_sheet(
    app: &App,
    person: PersonId,
    id: AssignmentId,
) -> Result<ReviewSheet, AppError> {
    let mut c = app.db.read().await?;
    let (row, plan) = accepted(&mut c, person, id).await?;
    let saved = store::review(&mut c, row.id).await?;
    let application = scigrant_store::grants::applications::get(&mut c, row.application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = plan_view(app, &mut c, plan).await?;
    let data: FormData = saved
        .as_ref()
        .and_then(|r| serde_json::from_str(&r.data_json).ok())
        .unwrap_or_default();
    let problems = form::validate(&plan.sheet, &data, &ValidationContext::default());
    Ok(ReviewSheet {
        id,
        number: application.number.unwrap_or_default(),
        title: application.title,
        tally: rules::tally(&plan.sheet, &data),
        state: saved
            .as_ref()
            .and_then(|r| ReviewState::from_code(&r.state))
            .unwrap_or(ReviewState::Draft),
        saved_at: saved.as_ref().map(|r| r.saved_at),
        submitted_at: saved.as_ref().and_then(|r| r.submitted_at),
        reopen_reason: saved.map(|r| r.reopen_reason).unwrap_or_default(),
        data,
        problems,
        plan,
    })
}

fn draft_of<'a>(id: i64, json: &'a str, t: &Tally, opinion: &'a str, now: i64) -> ReviewDraft<'a> {
    ReviewDraft {
        assignment_id: id,
        data_json: json,
        total_tenths: Some(i64::from(t.total) * 10),
        grade: t.grade.map(|g| g.code()).unwrap_or(""),
        opinion,
        now,
    }
}

/// 暂存 (autosave): keeps whatever was typed, valid or not, while the
/// review is not submitted; returns the total as the server computes it.
pub async fn save_review(
    app: &App,
    person: PersonId,
    id: AssignmentId,
    data: &FormData,
) -> Result<Tally, AppError> {
    let mut tx = app.db.begin().await?;
    let (row, plan) = accepted(&mut tx, person, id).await?;
    let spec = crate::grants::calls::spec_in(app, &mut tx, plan.form_spec_id).await?;
    let t = rules::tally(&spec, data);
    let json = serde_json::to_string(data).map_err(|e| AppError::Internal(e.to_string()))?;
    let opinion = t.opinion.map(|f| f.code()).unwrap_or("");
    if !store::save_review(&mut tx, &draft_of(row.id, &json, &t, opinion, app.now())).await? {
        return Err(AppError::Refused("评审意见已提交，不能再修改".into()));
    }
    tx.commit().await?;
    Ok(t)
}

/// 提交评审意见: validates the form (every criterion scored within its
/// range, 综合评价, 资助意见, 评审意见 within its lengths) and locks it. A
/// second submission of a submitted review changes nothing. Side effect:
/// audit `review.submit`.
pub async fn submit_review(
    app: &App,
    actor: &Actor,
    person: PersonId,
    id: AssignmentId,
    data: &FormData,
) -> Result<Tally, AppError> {
    let mut tx = app.db.begin().await?;
    let (row, plan) = accepted(&mut tx, person, id).await?;
    let spec = crate::grants::calls::spec_in(app, &mut tx, plan.form_spec_id).await?;
    let t = rules::tally(&spec, data);
    if let Some(r) = store::review(&mut tx, row.id).await?
        && r.state == ReviewState::Submitted.code()
    {
        let stored: FormData = serde_json::from_str(&r.data_json).unwrap_or_default();
        return Ok(rules::tally(&spec, &stored));
    }
    let problems = form::validate(&spec, data, &ValidationContext::default());
    if !problems.is_empty() {
        return Err(AppError::Form(problems));
    }
    let json = serde_json::to_string(data).map_err(|e| AppError::Internal(e.to_string()))?;
    let opinion = t.opinion.map(|f| f.code()).unwrap_or("");
    let now = app.now();
    store::save_review(&mut tx, &draft_of(row.id, &json, &t, opinion, now)).await?;
    store::submit_review(&mut tx, row.id, now).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.submit",
        ("review_assignment", Some(row.id)),
        "success",
        &format!("总分{}", t.total),
    )
    .await?;
    tx.commit().await?;
    Ok(t)
}

/// 退回修改: staff reopen a submitted review with a reason the expert
/// reads. Side effect: audit `review.reopen`.
pub async fn reopen_review(
    app: &App,
    actor: &Actor,
    call: CallId,
    id: AssignmentId,
    reason: &str,
) -> Result<(), AppError> {
    let reason = checked_reason(reason, "请填写退回原因（200字以内）")?;
    let mut tx = app.db.begin().await?;
    let plan = super::assign::plan_row(&mut tx, call).await?;
    let row = store::assignment(&mut tx, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.plan_id != plan.id {
        return Err(AppError::NotFound);
    }
    if !store::reopen_review(&mut tx, row.id, reason).await? {
        return Err(AppError::Refused("只有已提交的评审意见可以退回修改".into()));
    }
    audit(
        &mut tx,
        app,
        actor,
        "review.reopen",
        ("review_assignment", Some(row.id)),
        "success",
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
