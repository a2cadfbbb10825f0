//! 用户授权管理 (代办): a unit authorises named, real-name verified persons
//! to act for it on named services until an end date, changes and revokes
//! those authorisations, and reads what was done in its name; a person
//! reads the authorisations given to them (法人(单位)授权办理情况) and
//! switches to acting for a unit. The session keeps only which unit; the
//! authorisation itself is read again on every request ([`acting_of`]), so
//! a revocation or an end date takes effect on the next request.

use scigrant_domain::admin::audit::{action_label, outcome_label};
use scigrant_domain::calendar::format_datetime;
use scigrant_domain::identity::account::{AccountKind, UnitState};
use scigrant_domain::identity::delegation::{
    Acting, Service, Services, Standing, end_date, end_of,
};
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_store::AnyConnection;
use scigrant_store::identity::accounts;
use scigrant_store::identity::delegations::{self as store, DelegationRow, Holder, NewDelegation};

use super::auth::{SessionInfo, find_person};
use crate::notify::{Recipient, notify_account};
use crate::{Actor, App, AppError, FieldErrors, Page, audit};

/// The unit a person acts for, carried by the [`Actor`] of each request:
/// audit records are filed under the unit too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnBehalf {
    pub unit_id: i64,
    pub unit_name: String,
    pub delegation_id: i64,
    pub services: Services,
}

/// An authorisation as the unit's list and the person's tab show it.
#[derive(Clone, Debug)]
pub struct DelegationView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub person_name: String,
    pub services: Services,
    pub services_label: String,
    /// 授权截止日期 (its last whole day).
    pub ends_on: String,
    pub standing: Standing,
    pub granted_at: String,
    /// Whether the person may switch to acting for the unit now.
    pub usable: bool,
}

/// The unit's state, when its platform is open (a delegate acts only then).
fn open_state(r: &DelegationRow) -> Option<UnitState> {
    UnitState::from_code(&r.unit_state).filter(|s| s.platform_open())
}

/// Whether the person may act for the unit now: in force, unit open.
fn usable(r: &DelegationRow, now: i64) -> bool {
    Standing::at(now, r.ends_at, r.revoked_at) == Standing::Active && open_state(r).is_some()
}

/// What the requests of a person acting under `r` carry.
fn on_behalf(r: &DelegationRow) -> OnBehalf {
    OnBehalf {
        unit_id: r.unit_id,
        unit_name: r.unit_name.clone(),
        delegation_id: r.id,
        services: Services::from_codes(&r.services),
    }
}

fn view(r: DelegationRow, now: i64) -> DelegationView {
    let services = Services::from_codes(&r.services);
    let usable = usable(&r, now);
    DelegationView {
        id: r.id,
        unit_id: r.unit_id,
        services_label: services.labels(),
        services,
        ends_on: end_date(r.ends_at),
        standing: Standing::at(now, r.ends_at, r.revoked_at),
        granted_at: format_datetime(r.created_at),
        usable,
        unit_name: r.unit_name,
        person_name: r.person_name,
    }
}

/// 授权 as typed: the person (登录名, or 证件号码 and 姓名), the services
/// ticked and the 授权截止日期.
#[derive(Clone, Debug, Default)]
pub struct GrantForm {
    pub login: String,
    pub doc_no: String,
    pub name: String,
    pub services: Vec<String>,
    pub ends_on: String,
}

/// The services and end instant of a form, or its errors.
fn terms(
    e: &mut FieldErrors,
    services: &[String],
    ends_on: &str,
    now: i64,
) -> Option<(Services, i64)> {
    let list: Vec<Service> = services
        .iter()
        .filter_map(|s| Service::from_code(s))
        .collect();
    let services = Services::of(&list);
    if services.is_empty() {
        e.add("services", "请至少选择一项授权事项");
    }
    let ends = match end_of(ends_on, now) {
        Ok(v) => Some(v),
        Err(err) => {
            e.add("ends_on", err.message());
            None
        }
    };
    ends.filter(|_| !services.is_empty()).map(|v| (services, v))
}

/// The person a grant names: by 登录名 (or 手机号码 / 证件号码, as at the
/// login), or by 证件号码 with the matching 姓名.
async fn named_person(
    c: &mut AnyConnection,
    app: &App,
    e: &mut FieldErrors,
    f: &GrantForm,
) -> Result<Option<accounts::PersonRow>, AppError> {
    let (login, doc, name) = (f.login.trim(), f.doc_no.trim(), f.name.trim());
    if login.is_empty() && (doc.is_empty() || name.is_empty()) {
        e.add("login", "请填写被授权人的登录名，或证件号码和姓名");
        return Ok(None);
    }
    let found = if !login.is_empty() {
        find_person(c, app, login).await?
    } else {
        let idx = app.pii.index("doc", &doc.to_uppercase());
        accounts::person_by_doc_idx(c, &idx)
            .await?
            .filter(|p| p.name == name)
    };
    if found.is_none() {
        let field = if login.is_empty() { "doc_no" } else { "login" };
        e.add(field, "未找到该自然人用户，请核对后重新输入");
    }
    Ok(found)
}

/// The unit's authorisations (用户授权管理).
pub async fn unit_delegations(app: &App, unit: UnitId) -> Result<Vec<DelegationView>, AppError> {
    let mut c = app.db.read().await?;
    let now = app.now();
    Ok(store::list(&mut c, Holder::Unit(unit.0))
        .await?
        .into_iter()
        .map(|r| view(r, now))
        .collect())
}

/// The authorisations given to the person (法人(单位)授权办理情况, on
/// 我的信息).
pub(crate) async fn given_to(
    c: &mut AnyConnection,
    app: &App,
    person: PersonId,
) -> Result<Vec<DelegationView>, AppError> {
    let now = app.now();
    Ok(store::list(c, Holder::Person(person.0))
        .await?
        .into_iter()
        .map(|r| view(r, now))
        .collect())
}

async fn tell_person(
    c: &mut AnyConnection,
    app: &App,
    person_id: i64,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    let p = accounts::person(c, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let phone = p.phone(&app.pii)?;
    notify_account(
        c,
        app,
        &Recipient {
            kind: AccountKind::Person,
            id: p.id,
            phone: &phone,
            email: Some(&p.email),
        },
        subject,
        body,
    )
    .await
}

/// 授权: the unit authorises a real-name verified person for the services
/// until the end date. Refused for an unverified person and when the unit
/// already has a live authorisation for them (it is changed instead).
/// Side effects: the authorisation, the person notified, audit
/// `delegation.grant`.
pub async fn grant(app: &App, actor: &Actor, unit: UnitId, f: &GrantForm) -> Result<i64, AppError> {
    let now = app.now();
    let mut e = FieldErrors::new();
    let terms = terms(&mut e, &f.services, &f.ends_on, now);
    let mut tx = app.db.begin().await?;
    let person = named_person(&mut tx, app, &mut e, f).await?;
    if let Some(p) = &person {
        let rn = super::realname::status_on(&mut tx, AccountKind::Person, p.id).await?;
        if !rn.status.is_verified() {
            let field = if f.login.trim().is_empty() {
                "doc_no"
            } else {
                "login"
            };
            e.add(
                field,
                format!("该用户尚未通过实名认证（{}），不能授权", rn.status.label()),
            );
        }
    }
    let (Some(p), Some((services, ends_at))) = (person, terms) else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let granted = record_grant(&mut tx, app, actor, unit.0, &p, services, ends_at, None).await?;
    let Some(id) = granted else {
        return Err(AppError::Refused(format!(
            "已授权{}代办，请在授权列表中修改",
            p.name
        )));
    };
    tx.commit().await?;
    Ok(id)
}

/// Inside the caller's transaction: a new authorisation of `p` by the
/// unit, audited (`delegation.grant`, with `why` when it was not the unit's
/// own act) and told to the person; `None` when the unit already has a
/// live one for them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_grant(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    unit_id: i64,
    p: &accounts::PersonRow,
    services: Services,
    ends_at: i64,
    why: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let codes = services.codes();
    let new = NewDelegation {
        unit_id,
        person_id: p.id,
        services: &codes,
        ends_at,
        now: app.now(),
    };
    let Some(id) = store::insert(c, &new).await? else {
        return Ok(None);
    };
    let mut detail = format!(
        "授权{}：{}，截止{}",
        p.name,
        services.labels(),
        end_date(ends_at)
    );
    if let Some(why) = why {
        detail.push_str(&format!("（{why}）"));
    }
    audit(
        c,
        app,
        actor,
        "delegation.grant",
        ("delegation", Some(id)),
        "success",
        &detail,
    )
    .await?;
    let u = accounts::unit(c, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body = format!(
        "“{}”授权您代办：{}，截止{}。登录后在“我的信息—法人(单位)授权办理情况”中选择代办。",
        u.name,
        services.labels(),
        end_date(ends_at)
    );
    tell_person(c, app, p.id, "法人授权通知", &body).await?;
    Ok(Some(id))
}

/// The unit's authorisation `id`; `NotFound` for another unit's.
async fn of_unit(c: &mut AnyConnection, unit: UnitId, id: i64) -> Result<DelegationRow, AppError> {
    store::get(c, id)
        .await?
        .filter(|r| r.unit_id == unit.0)
        .ok_or(AppError::NotFound)
}

/// 修改 an authorisation's services and end date. Audit
/// `delegation.change`; the person is notified.
pub async fn change(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    id: i64,
    services: &[String],
    ends_on: &str,
) -> Result<(), AppError> {
    let now = app.now();
    let mut e = FieldErrors::new();
    let terms = terms(&mut e, services, ends_on, now);
    let Some((services, ends_at)) = terms else {
        return Err(AppError::Validation(e));
    };
    let mut tx = app.db.begin().await?;
    let row = of_unit(&mut tx, unit, id).await?;
    if !store::change(&mut tx, id, unit.0, &services.codes(), ends_at, now).await? {
        return Err(AppError::Refused("该授权已撤销，不能修改".into()));
    }
    let detail = format!(
        "{}：{}，截止{}",
        row.person_name,
        services.labels(),
        end_date(ends_at)
    );
    audit(
        &mut tx,
        app,
        actor,
        "delegation.change",
        ("delegation", Some(id)),
        "success",
        &detail,
    )
    .await?;
    let body = format!(
        "“{}”修改了对您的代办授权：{}，截止{}。",
        row.unit_name,
        services.labels(),
        end_date(ends_at)
    );
    tell_person(&mut tx, app, row.person_id, "法人授权变更通知", &body).await?;
    tx.commit().await?;
    Ok(())
}

/// 撤销 an authorisation: it stops acting on the person's next request,
/// even in an open session. Audit `delegation.revoke`; the person is
/// notified.
pub async fn revoke(app: &App, actor: &Actor, unit: UnitId, id: i64) -> Result<(), AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = of_unit(&mut tx, unit, id).await?;
    if !store::revoke(&mut tx, id, unit.0, now).await? {
        return Err(AppError::Refused("该授权已撤销".into()));
    }
    audit(
        &mut tx,
        app,
        actor,
        "delegation.revoke",
        ("delegation", Some(id)),
        "success",
        &row.person_name,
    )
    .await?;
    let body = format!("“{}”已撤销对您的代办授权。", row.unit_name);
    tell_person(&mut tx, app, row.person_id, "法人授权撤销通知", &body).await?;
    tx.commit().await?;
    Ok(())
}

/// 代办: the person's session acts for the unit of authorisation `id`
/// from the next request on. Refused unless the authorisation is the
/// person's, in force, and the unit's platform open. Audit
/// `delegation.act`.
pub async fn act_for(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    id: i64,
) -> Result<(), AppError> {
    let person = session.person().ok_or(AppError::Forbidden)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id)
        .await?
        .filter(|r| r.person_id == person.0);
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    if !usable(&row, now) {
        return Err(AppError::Refused(
            "该授权已撤销或已过期，或该单位账号尚未开通，不能代办".into(),
        ));
    }
    store::set_acting(&mut tx, &session.id_hash, Some(row.unit_id)).await?;
    let acting = Actor {
        on_behalf: Some(on_behalf(&row)),
        label: acting_label(&session.label, &row.unit_name),
        ..actor.clone()
    };
    audit(
        &mut tx,
        app,
        &acting,
        "delegation.act",
        ("unit", Some(row.unit_id)),
        "success",
        &row.unit_name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 退出代办: the session acts for the person alone again. Audit
/// `delegation.stop` (filed under the unit).
pub async fn stop_acting(app: &App, actor: &Actor, session: &SessionInfo) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    store::set_acting(&mut tx, &session.id_hash, None).await?;
    if let Some(on) = &actor.on_behalf {
        audit(
            &mut tx,
            app,
            actor,
            "delegation.stop",
            ("unit", Some(on.unit_id)),
            "success",
            &on.unit_name,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// How the audit log and the header name a person acting for a unit.
pub fn acting_label(person: &str, unit: &str) -> String {
    format!("{person}（代办：{unit}）")
}

/// The authorisation a session's `acting_unit_id` stands on, read afresh:
/// `None` (and the session's mark cleared) once it is revoked, expired, or
/// the unit's platform closed.
pub(crate) async fn acting_of(
    c: &mut AnyConnection,
    app: &App,
    id_hash: &str,
    person_id: i64,
    unit_id: i64,
) -> Result<Option<(Acting, OnBehalf)>, AppError> {
    let row = store::in_force(c, unit_id, person_id, app.now()).await?;
    let Some((unit_state, r)) = row.and_then(|r| open_state(&r).map(|s| (s, r))) else {
        store::set_acting(c, id_hash, None).await?;
        return Ok(None);
    };
    let on = on_behalf(&r);
    let rights = Acting {
        unit_state,
        services: on.services,
    };
    Ok(Some((rights, on)))
}

/// One action done in the unit's name, as its 代办记录 shows it.
#[derive(Clone, Debug)]
pub struct DelegatedActionView {
    pub at: String,
    pub person_name: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
}

/// 代办记录: what persons did in the unit's name, newest first.
pub async fn unit_actions(
    app: &App,
    unit: UnitId,
    page: i64,
    per_page: i64,
) -> Result<Page<DelegatedActionView>, AppError> {
    let mut c = app.db.read().await?;
    let page = page.max(1);
    let (rows, total) =
        store::actions_of_unit(&mut c, unit.0, per_page, (page - 1) * per_page).await?;
    let rows = rows
        .into_iter()
        .map(|r| DelegatedActionView {
            at: format_datetime(r.at),
            person_name: r.person_name,
            action: action_label(&r.action).unwrap_or(&r.action).to_string(),
            target: match r.target_id {
                Some(id) => format!("{} #{id}", r.target_kind),
                None => r.target_kind,
            },
            outcome: outcome_label(&r.outcome).unwrap_or(&r.outcome).to_string(),
            detail: r.detail,
        })
        .collect();
    Ok(Page::new(rows, total, page, per_page))
}
