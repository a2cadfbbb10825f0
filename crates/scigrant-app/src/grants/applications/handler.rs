//! 变更项目经办人 (附件6): the unit gives one of its applications to another
//! of its approved, unlocked users, who from then on sees and carries it;
//! the former 经办人 no longer sees it.

use scigrant_domain::grants::application::ApplicationEvent;
use scigrant_domain::identity::account::Membership;
use scigrant_domain::ids::{ApplicationId, UnitId};
use scigrant_store::grants::applications as store;
use scigrant_store::identity::accounts;

use crate::identity::auth::find_person;
use crate::{Actor, App, AppError, audit};

/// Gives application `id` of `unit` to the user named by `login` (登录名,
/// 手机号 or 证件号码): an approved, unlocked user of the unit without an
/// application of their own in the same call. Side effects: the
/// application's person, history `handler_changed`, audit
/// `application.handler`.
pub async fn change_handler(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    id: ApplicationId,
    login: &str,
) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id.0)
        .await?
        .filter(|r| r.unit_id == unit.0)
        .ok_or(AppError::NotFound)?;
    let found = find_person(&mut tx, app, login).await?;
    let Some(p) = found.filter(|p| {
        p.unit_id == Some(unit.0)
            && p.membership == Membership::Approved.code()
            && p.member_locked == 0
    }) else {
        return Err(AppError::field(
            "handler",
            "未找到本单位审核通过的该用户，请核对登录名或手机号",
        ));
    };
    if p.id == row.person_id {
        return Err(AppError::field("handler", "该用户已是本项目的经办人"));
    }
    if store::of_person_in_call(&mut tx, p.id, row.call_id)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "handler",
            "该用户在本计划类别下已有申报书，不能再作为本项目的经办人",
        ));
    }
    let former = accounts::person(&mut tx, row.person_id)
        .await?
        .map(|f| f.name)
        .unwrap_or_default();
    store::set_person(&mut tx, id.0, unit.0, p.id, now).await?;
    let comment = format!("{former} → {}", p.name);
    super::events::record(
        &mut tx,
        app,
        id.0,
        now,
        &actor.label,
        ApplicationEvent::HandlerChanged,
        &comment,
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.handler",
        ("application", Some(id.0)),
        "success",
        &comment,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
