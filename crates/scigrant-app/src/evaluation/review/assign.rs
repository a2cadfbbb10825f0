//! 专家分配 of a call: what the assignment is computed from (the call's
//! applications with their units, 联合申报单位, 负责人 and 人员 table, the
//! approved experts with their 学科, 研究方向, units, declared avoids and
//! conflicts), the automatic assignment (the optimal min-cost flow of
//! `scigrant_domain::evaluation::assign`, shown against its greedy
//! baseline), and staff's pins, removals and hand-made additions, a
//! conflicting addition refused with its reason.
//!
//! The 附件4 / 附件5 forms have no 学科 code and no 申请回避专家 field, so
//! matching rests on the experts' 研究方向 found in the application's text
//! and 产业方向, and the applicant-requested avoidance applies only to a
//! form that declares an `avoid_experts` table (姓名, 工作单位).

use std::collections::BTreeMap;

use scigrant_domain::evaluation::assign::{self as solver};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::review::{self as store, AssignmentRow, PlanRow};

use crate::{Actor, App, AppError, audit};

pub(crate) use super::problem::{Problem, load_problem, plan_row};

fn solver_refusal(e: solver::AssignError) -> AppError {
    AppError::Refused(e.to_string())
}

/// What one automatic assignment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    /// Pairs stored (kept ones included).
    pub pairs: usize,
    pub total_score: i64,
    pub greedy_score: i64,
    /// Applications left short of reviewers.
    pub short: usize,
}

/// 自动分配: assigns every accepted application of the call. Pairs staff
/// pinned and pairs experts accepted are kept; other open proposals are
/// replaced by the optimal assignment for the current data; pairs given
/// up are never proposed again. Side effects: proposals stored, audit
/// `review.assign` with the objective against the greedy baseline.
pub async fn run_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
) -> Result<RunSummary, AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let p = load_problem(&mut tx, &app.pii, plan).await?;
    if p.topics.is_empty() {
        return Err(AppError::Refused(
            "本类别没有已受理的申报书，无需分配".into(),
        ));
    }
    let (kept, removed) = (p.kept(), p.removed());
    let problem = p.problem(&kept, &removed);
    let best = solver::assign(&problem).map_err(solver_refusal)?;
    let greedy = solver::assign_greedy(&problem).map_err(solver_refusal)?;
    // Open proposals before the run: an expert is told only of pairs new to them.
    let before: std::collections::HashSet<(i64, i64)> =
        store::assignments_of_plan(&mut tx, p.plan.id)
            .await?
            .into_iter()
            .filter(|a| a.state() == Some(AssignmentState::Proposed))
            .map(|a| (a.application_id, a.expert_id))
            .collect();
    store::clear_open_proposals(&mut tx, p.plan.id).await?;
    let now = app.now();
    let mut new_per_expert: BTreeMap<i64, usize> = BTreeMap::new();
    for pair in best.pairs.iter().filter(|x| !x.pinned) {
        if !before.contains(&(pair.application.0, pair.expert.0)) {
            *new_per_expert.entry(pair.expert.0).or_default() += 1;
        }
        store::propose(
            &mut tx,
            p.plan.id,
            pair.application.0,
            pair.expert.0,
            false,
            i64::from(pair.score),
            now,
        )
        .await?;
    }
    notify_assigned(&mut tx, app, &p.plan, &new_per_expert).await?;
    let summary = RunSummary {
        pairs: best.pairs.len(),
        total_score: best.total_score,
        greedy_score: greedy.total_score,
        short: best.coverage.short.len(),
    };
    audit(
        &mut tx,
        app,
        actor,
        "review.assign",
        ("review_plan", Some(p.plan.id)),
        "success",
        &format!(
            "自动分配{}对，总匹配度{}（贪心{}），{}份申报书专家不足",
            summary.pairs, summary.total_score, summary.greedy_score, summary.short
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// One SMS per expert with new assignments in a run (not one per pair):
/// how many applications of the call, and the acceptance deadline.
async fn notify_assigned(
    c: &mut AnyConnection,
    app: &App,
    plan: &scigrant_store::evaluation::review::PlanRow,
    new_per_expert: &BTreeMap<i64, usize>,
) -> Result<(), AppError> {
    if new_per_expert.is_empty() {
        return Ok(());
    }
    let call_name = scigrant_store::grants::calls::call(c, plan.call_id)
        .await?
        .map(|k| k.name)
        .unwrap_or_default();
    for (&expert_id, &n) in new_per_expert {
        let Some(e) = scigrant_store::evaluation::experts::expert(c, expert_id).await? else {
            continue;
        };
        let Some(person) = scigrant_store::identity::accounts::person(c, e.person_id).await? else {
            continue;
        };
        let body = format!(
            "您有{n}份“{call_name}”申报书的评审任务，请于{}前登录系统，在“评审任务”中确认无利益冲突并接受评审。",
            scigrant_domain::calendar::format_datetime(plan.accept_deadline)
        );
        let phone = person.phone(&app.pii)?;
        crate::notify::notify_account(
            c,
            app,
            &crate::notify::Recipient {
                kind: scigrant_domain::identity::account::AccountKind::Person,
                id: person.id,
                phone: &phone,
                email: None,
            },
            "评审任务",
            &body,
        )
        .await?;
    }
    Ok(())
}

async fn own_assignment(
    c: &mut AnyConnection,
    call: CallId,
    id: AssignmentId,
) -> Result<(PlanRow, AssignmentRow), AppError> {
    let plan = plan_row(c, call).await?;
    let row = store::assignment(c, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.plan_id != plan.id {
        return Err(AppError::NotFound);
    }
    Ok((plan, row))
}

/// 固定 / 取消固定: a pinned pair is kept by every automatic assignment.
/// Side effect: audit `review.pin`.
pub async fn pin_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    id: AssignmentId,
    pinned: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let (_, row) = own_assignment(&mut tx, call, id).await?;
    if !row.state().is_some_and(AssignmentState::active) {
        return Err(AppError::Refused("该分配已撤销或被谢绝，不能固定".into()));
    }
    store::set_pinned(&mut tx, row.id, pinned).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.pin",
        ("review_assignment", Some(row.id)),
        "success",
        if pinned { "固定" } else { "取消固定" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 移除: staff release an assignment; the solver never proposes the pair
/// again. A submitted review cannot be removed. Side effect: audit
/// `review.remove`.
pub async fn remove_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    id: AssignmentId,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::field("reason", "请填写移除原因（200字以内）"));
    }
    let mut tx = app.db.begin().await?;
    let (_, row) = own_assignment(&mut tx, call, id).await?;
    if store::review(&mut tx, row.id)
        .await?
        .is_some_and(|r| r.submitted_at.is_some())
    {
        return Err(AppError::Refused("该专家已提交评审意见，不能移除".into()));
    }
    let moved = store::move_assignment(
        &mut tx,
        row.id,
        &[AssignmentState::Proposed, AssignmentState::Accepted],
        AssignmentState::Released,
        reason,
        app.now(),
    )
    .await?;
    if !moved {
        return Err(AppError::Refused("该分配已撤销或被谢绝".into()));
    }
    store::set_pinned(&mut tx, row.id, false).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.remove",
        ("review_assignment", Some(row.id)),
        "success",
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 手动分配: staff assign an expert to an application by hand (pinned, so
/// automatic runs keep it). Refused when the expert must avoid the
/// application (naming every reason), when the pair is already active,
/// and when the expert's maximum load is reached. Side effect: audit
/// `review.add`.
pub async fn add_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    application: ApplicationId,
    expert: ExpertId,
) -> Result<AssignmentId, AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let p = load_problem(&mut tx, &app.pii, plan).await?;
    if !p.topics.iter().any(|t| t.application == application) {
        return Err(AppError::field("application", "请选择本类别已受理的申报书"));
    }
    if !p.experts.iter().any(|e| e.expert == expert) {
        return Err(AppError::field("expert", "请选择专家库中已入库的专家"));
    }
    let reasons = p.exclusions.reasons(application, expert);
    if !reasons.is_empty() {
        return Err(AppError::Refused(format!(
            "{}须回避该申报书：{}",
            p.expert_name(expert.0),
            reasons.labels()
        )));
    }
    let active = p.active();
    if active
        .iter()
        .any(|a| a.application_id == application.0 && a.expert_id == expert.0)
    {
        return Err(AppError::Refused("该专家已分配评审此申报书".into()));
    }
    let load = active.iter().filter(|a| a.expert_id == expert.0).count();
    if load as i64 >= p.plan.max_load {
        return Err(AppError::Refused(format!(
            "{}的评审量已达上限{}份",
            p.expert_name(expert.0),
            p.plan.max_load
        )));
    }
    let score = i64::from(p.score(application.0, expert.0));
    let id = store::propose(
        &mut tx,
        p.plan.id,
        application.0,
        expert.0,
        true,
        score,
        app.now(),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.add",
        ("review_assignment", Some(id)),
        "success",
        &format!("手动分配专家{}", p.expert_name(expert.0)),
    )
    .await?;
    tx.commit().await?;
    Ok(AssignmentId(id))
}

/// 逾期未接受: releases every proposal the expert left unanswered past the
/// plan's acceptance deadline and proposes replacements for them all at
/// once, every other assignment unchanged. Refused before the deadline.
/// Side effects: assignments released (reason 逾期未接受), replacements
/// proposed, audit `review.expire`. Returns (released, proposed).
pub async fn expire_unanswered(
    app: &App,
    actor: &Actor,
    call: CallId,
) -> Result<(usize, usize), AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let now = app.now();
    if now <= plan.accept_deadline {
        return Err(AppError::Refused(
            "接受评审截止时间未到，不能处理逾期未接受的分配".into(),
        ));
    }
    let mut released = Vec::new();
    for a in store::assignments_of_plan(&mut tx, plan.id).await? {
        if a.state() == Some(AssignmentState::Proposed)
            && store::move_assignment(
                &mut tx,
                a.id,
                &[AssignmentState::Proposed],
                AssignmentState::Released,
                "逾期未接受",
                now,
            )
            .await?
        {
            store::set_pinned(&mut tx, a.id, false).await?;
            released.push((ApplicationId(a.application_id), ExpertId(a.expert_id)));
        }
    }
    let plan_id = plan.id;
    let (_, proposed) =
        super::expert::propose_replacements(&mut tx, &app.pii, plan, &released, now).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.expire",
        ("review_plan", Some(plan_id)),
        "success",
        &format!(
            "撤销逾期未接受的分配{}个，替补{}个",
            released.len(),
            proposed.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((released.len(), proposed.len()))
}
