//! The review decisions: the unit's 推荐 or 退回修改 and the staff's
//! 形式审查 (受理 or 退回). Each is one `Step` performed by `transition`:
//! compare-and-set on the state, history entry, audit record.

use scigrant_domain::grants::application::{
    ApplicationEvent, ApplicationState, StaffDecision, UnitDecision,
};
use scigrant_domain::identity::account::UnitState;
use scigrant_domain::ids::{ApplicationId, PersonId, UnitId};
use scigrant_domain::permission::{Caller, Decision, Permission, decide};
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications as store;
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use super::draft::check_applicant;
use super::rules;
use crate::{Actor, App, AppError, audit};

/// Reads the decision staff post from an application's page. A value that
/// is none of 受理 / 退回 / 纸质材料登记 is refused rather than taken for one.
pub fn staff_decision(posted: &str) -> Result<StaffDecision, AppError> {
    StaffDecision::from_code(posted).ok_or_else(|| {
        AppError::Refused(
            "无法识别的审查操作：请在申报书页面选择受理、退回或纸质材料登记后重新提交".into(),
        )
    })
}

/// Reads the decision a unit posts on a member's application. A value that
/// is neither 推荐 nor 退回修改 is refused rather than taken for one.
pub fn unit_decision(posted: &str) -> Result<UnitDecision, AppError> {
    UnitDecision::from_code(posted).ok_or_else(|| {
        AppError::Refused("无法识别的审核操作：请在申报书页面选择推荐或退回修改后重新提交".into())
    })
}

/// 推荐: the unit recommends a member's submitted application. The call's
/// rules are enforced here ([`rules`]), each refusal naming the rule and
/// the other application. Side effects: state `recommended`, history,
/// audit `application.recommend`.
pub async fn recommend(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    id: ApplicationId,
    declarations: &[bool],
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    unit_platform_open(&mut tx, unit_id).await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    let state = ApplicationState::from_code(&row.state);
    if row.unit_id != unit_id.0 || state == Some(ApplicationState::Draft) {
        return Err(AppError::NotFound);
    }
    if state != Some(ApplicationState::Submitted) {
        return Err(AppError::Refused(format!(
            "该申报书当前状态为“{}”，不能推荐",
            state.map(|s| s.label()).unwrap_or("")
        )));
    }
    rules::declarations_confirmed(declarations)?;
    let call = calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    rules::one_per_pilot_city(&mut tx, &call, &row).await?;
    rules::no_person_twice_in_program(&mut tx, &app.pii, &call, &row).await?;
    let step = Step {
        from: ApplicationState::Submitted,
        to: ApplicationState::Recommended,
        event: ApplicationEvent::Recommended,
        action: "application.recommend",
        refused: "申报书状态已变化，请刷新",
    };
    transition(&mut tx, app, actor, id.0, &step, "").await?;
    tx.commit().await?;
    Ok(())
}

/// 退回修改 by the unit, with comments the applicant sees. Side effects:
/// state `returned`, history, audit `application.unit_return`.
pub async fn unit_return(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    id: ApplicationId,
    comment: &str,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    unit_platform_open(&mut tx, unit_id).await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    if row.unit_id != unit_id.0 || row.state == ApplicationState::Draft.code() {
        return Err(AppError::NotFound);
    }
    let comment = check_comment(comment)?;
    let step = Step {
        from: ApplicationState::Submitted,
        to: ApplicationState::Returned,
        event: ApplicationEvent::UnitReturned,
        action: "application.unit_return",
        refused: "只有待单位审核的申报书可以退回",
    };
    transition(&mut tx, app, actor, id.0, &step, comment).await?;
    tx.commit().await?;
    Ok(())
}

/// 撤回: the applicant takes a submitted application back before the unit
/// decides, with a reason; it becomes editable again and may be submitted
/// anew before the deadline (keeping its number). Side effects: state
/// `returned`, history `withdrawn` with the reason (the unit sees it),
/// audit `application.withdraw`.
pub async fn withdraw(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    if row.person_id != person_id.0 {
        return Err(AppError::NotFound);
    }
    check_applicant(&mut tx, app, actor, person_id.0, Some(row.unit_id)).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "请填写撤回理由"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "撤回理由不能超过500字"));
    }
    let step = Step {
        from: ApplicationState::Submitted,
        to: ApplicationState::Returned,
        event: ApplicationEvent::Withdrawn,
        action: "application.withdraw",
        refused: "只有待单位审核的申报书可以撤回；单位已推荐或退回的，请联系单位",
    };
    transition(&mut tx, app, actor, id.0, &step, reason).await?;
    tx.commit().await?;
    Ok(())
}

/// The unit's right to decide, re-read in the transaction that decides:
/// its platform open (as the route's 项目管理 service requires of the unit
/// and of a delegate alike), on the registration state as it stands now.
async fn unit_platform_open(tx: &mut AnyConnection, unit_id: UnitId) -> Result<(), AppError> {
    let unit = accounts::unit(tx, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = UnitState::from_code(&unit.state).unwrap_or(UnitState::PendingInitial);
    if decide(
        Permission::UnitPlatform,
        &Caller::Unit {
            state,
            must_change_password: false,
        },
    ) != Decision::Allow
    {
        return Err(AppError::Refused(
            "单位账号尚未开通科技项目申报平台，不能审核申报书".into(),
        ));
    }
    Ok(())
}

/// 形式审查: staff accept a recommended application, or return it with
/// reasons. Side effects: state `accepted` or `returned`, history, audit
/// `application.accept|staff_return`.
pub async fn staff_decide(
    app: &App,
    actor: &Actor,
    id: ApplicationId,
    accept: bool,
    comment: &str,
) -> Result<(), AppError> {
    let comment = if accept {
        comment.trim()
    } else {
        check_comment(comment)?
    };
    let (to, event, action) = if accept {
        (
            ApplicationState::Accepted,
            ApplicationEvent::Accepted,
            "application.accept",
        )
    } else {
        (
            ApplicationState::Returned,
            ApplicationEvent::StaffReturned,
            "application.staff_return",
        )
    };
    let mut tx = app.db.begin().await?;
    if store::get(&mut tx, id.0).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let step = Step {
        from: ApplicationState::Recommended,
        to,
        event,
        action,
        refused: "只有单位已推荐的申报书可以进行形式审查",
    };
    transition(&mut tx, app, actor, id.0, &step, comment).await?;
    tx.commit().await?;
    Ok(())
}

/// One review decision: the state change it makes, its history entry and
/// audit action, and the message when the application moved meanwhile.
struct Step {
    from: ApplicationState,
    to: ApplicationState,
    event: ApplicationEvent,
    action: &'static str,
    refused: &'static str,
}

/// Performs `step` in the caller's transaction: compare-and-set on the
/// state (so two reviewers cannot both decide), history, audit.
async fn transition(
    tx: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    id: i64,
    step: &Step,
    comment: &str,
) -> Result<(), AppError> {
    debug_assert!(step.from.can_move_to(step.to));
    let now = app.now();
    if !store::move_state(tx, id, step.from, step.to, now).await? {
        return Err(AppError::Refused(step.refused.into()));
    }
    super::events::record(tx, app, id, now, &actor.label, step.event, comment).await?;
    audit(
        tx,
        app,
        actor,
        step.action,
        ("application", Some(id)),
        "success",
        comment,
    )
    .await
}

/// A return needs reasons the applicant can act on: 1 to 500 characters.
fn check_comment(comment: &str) -> Result<&str, AppError> {
    let c = comment.trim();
    if c.is_empty() {
        return Err(AppError::field("comment", "请填写退回意见"));
    }
    if c.chars().count() > 500 {
        return Err(AppError::field("comment", "退回意见不能超过500字"));
    }
    Ok(c)
}
