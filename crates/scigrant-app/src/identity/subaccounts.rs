//! 单位用户管理 (附件6 注意事项 2–3): the unit account adds an existing
//! account as its user (添加用户): one never bound to a unit, or whose
//! membership was rejected; it is approved at once. It also lets a user go
//! (删除): the account stays, unbound, with its own password; the
//! applications made for the unit stay the unit's. Nobody is given a
//! password by the unit: a new user registers (注册为普通用户) and is then
//! already the unit's.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_store::identity::{accounts, sessions, subaccounts};

use super::auth::find_person;
use crate::notify::{Recipient, notify_account};
use crate::{Actor, App, AppError, audit};

/// 添加用户: the account named by `login` (登录名, 手机号 or 证件号码) whose
/// 姓名 is `name`. Refused beside the field when no such account, or when
/// it belongs to a unit (approved or pending). Side effects: bound and
/// approved, told by SMS and 消息中心, audit `member.add`.
pub async fn add_user(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    login: &str,
    name: &str,
) -> Result<PersonId, AppError> {
    let mut tx = app.db.begin().await?;
    let found = find_person(&mut tx, app, login).await?;
    let Some(p) = found.filter(|p| p.name == name.trim()) else {
        return Err(AppError::field(
            "add_login",
            "未找到登录名（或手机号）与姓名相符的账号",
        ));
    };
    if !subaccounts::adopt(&mut tx, p.id, unit.0, app.now()).await? {
        return Err(AppError::field(
            "add_login",
            "该账号已属于某单位；只有未绑定单位或审核被驳回的账号可以添加",
        ));
    }
    let u = accounts::unit(&mut tx, unit.0)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &mut tx,
        app,
        actor,
        "member.add",
        ("person", Some(p.id)),
        "success",
        &p.name,
    )
    .await?;
    let phone = p.phone(&app.pii)?;
    let to = Recipient {
        kind: AccountKind::Person,
        id: p.id,
        phone: &phone,
        email: Some(&p.email),
    };
    let body = format!(
        "“{}”已将您的账号添加为本单位用户，您可以登录申报项目。",
        u.name
    );
    notify_account(&mut tx, app, &to, "单位用户添加通知", &body).await?;
    tx.commit().await?;
    Ok(PersonId(p.id))
}

/// 删除: the user leaves the unit (the account stays, unbound); their
/// sessions end. Audit `member.remove`.
pub async fn remove_user(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    person: PersonId,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    if !subaccounts::release(&mut tx, person.0, unit.0, app.now()).await? {
        return Err(AppError::NotFound);
    }
    sessions::delete_for_account(&mut tx, "person", person.0).await?;
    audit(
        &mut tx,
        app,
        actor,
        "member.remove",
        ("person", Some(person.0)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
