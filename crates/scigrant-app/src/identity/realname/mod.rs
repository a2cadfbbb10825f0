//! 实名认证 (seed 004, 1-2 and 2-2): 我的信息 and its status, the check by
//! the verification provider after 修改个人信息 / 修改法人信息 are saved
//! (outside any transaction), the manual fallback (上传自然人信息 /
//! 上传法人信息 → 账号审核员), and a call's requirement of verified
//! applicants. Every change and
//! result is audited; every result reaches the account (消息中心, SMS).

pub mod person;
pub mod provider;
pub mod review;
pub mod unit;

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::realname::RealnameStatus;
use scigrant_store::AnyConnection;
use scigrant_store::identity::{accounts, realname as store};

use crate::notify::{Recipient, notify_account};
use crate::{Actor, App, AppError, audit};
use provider::{Provider, Request, Verdict};

/// Why an account went to manual review without a check.
pub const NO_PROVIDER: &str = "未配置实名认证服务，已转人工审核，请上传证件照片";

/// Where an account stands.
#[derive(Clone, Debug)]
pub struct RealnameView {
    pub status: RealnameStatus,
    /// Why it failed (认证失败), or why it waits (待人工审核).
    pub reason: Option<String>,
    pub front_file_id: Option<i64>,
    pub back_file_id: Option<i64>,
    pub updated_at: Option<i64>,
}

pub(crate) async fn status_on(
    c: &mut AnyConnection,
    kind: AccountKind,
    id: i64,
) -> Result<RealnameView, AppError> {
    let row = store::get(c, kind.code(), id).await?;
    Ok(match row {
        Some(r) => RealnameView {
            status: RealnameStatus::from_code(&r.status).unwrap_or(RealnameStatus::Unverified),
            reason: r.reason,
            front_file_id: r.front_file_id,
            back_file_id: r.back_file_id,
            updated_at: Some(r.updated_at),
        },
        None => RealnameView {
            status: RealnameStatus::Unverified,
            reason: None,
            front_file_id: None,
            back_file_id: None,
            updated_at: None,
        },
    })
}

/// The account's 实名认证状态.
pub async fn status(app: &App, kind: AccountKind, id: i64) -> Result<RealnameView, AppError> {
    let mut c = app.db.read().await?;
    status_on(&mut c, kind, id).await
}

fn provider(app: &App) -> Result<&Provider, String> {
    app.cache
        .realname
        .get_or_init(|| Provider::from_config(&app.config))
        .as_ref()
        .map_err(Clone::clone)
}

/// What the save's transaction started.
pub(crate) enum Begun {
    /// Ask the provider, and record its answer under this generation.
    Check(i64),
    /// No provider: the account waits for manual review.
    Manual,
}

/// Inside the save's transaction: sends the account back through
/// verification (未认证 while the provider is asked, or 待人工审核 without
/// one).
pub(crate) async fn begin(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
) -> Result<Begun, AppError> {
    let now = app.now();
    let manual = !matches!(provider(app), Ok(Provider::Http { .. }));
    if manual {
        let status = RealnameStatus::Manual.code();
        store::restart(c, kind.code(), id, status, Some(NO_PROVIDER), true, now).await?;
        audit(
            c,
            app,
            actor,
            "realname.verify",
            (kind.code(), Some(id)),
            "success",
            NO_PROVIDER,
        )
        .await?;
        return Ok(Begun::Manual);
    }
    let status = RealnameStatus::Unverified.code();
    let generation = store::restart(c, kind.code(), id, status, None, false, now).await?;
    Ok(Begun::Check(generation))
}

/// After the save committed: asks the provider (no transaction is open)
/// and records its answer. Side effects: status 已实名认证 or 认证失败
/// (reason), audit `realname.verify`, the account notified. An answer about
/// details changed meanwhile is dropped.
pub(crate) async fn check(
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
    begun: Begun,
    req: &Request,
) -> Result<RealnameView, AppError> {
    let Begun::Check(generation) = begun else {
        return status(app, kind, id).await;
    };
    let verdict = match provider(app) {
        Ok(p) => p.check(req).await,
        Err(e) => Some(Verdict::Unavailable(e)),
    }
    .unwrap_or_else(|| Verdict::Unavailable(NO_PROVIDER.into()));
    let (to, reason, outcome) = match &verdict {
        Verdict::Pass => (RealnameStatus::Verified, None, "approved"),
        Verdict::Fail(r) => (RealnameStatus::Failed, Some(r.clone()), "rejected"),
        Verdict::Unavailable(r) => (
            RealnameStatus::Failed,
            Some(format!("{r}，请稍后重新保存，或上传证件照片进行人工认证")),
            "failure",
        ),
    };
    let mut tx = app.db.begin().await?;
    let kept = store::set_result(
        &mut tx,
        kind.code(),
        id,
        generation,
        to.code(),
        reason.as_deref(),
        app.now(),
    )
    .await?;
    if kept {
        let detail = match &reason {
            Some(r) => format!("{}：{r}", to.label()),
            None => to.shown().to_string(),
        };
        audit(
            &mut tx,
            app,
            actor,
            "realname.verify",
            (kind.code(), Some(id)),
            outcome,
            &detail,
        )
        .await?;
        settled(&mut tx, app, kind, id, to, reason.as_deref()).await?;
    }
    tx.commit().await?;
    status(app, kind, id).await
}

/// What follows a recorded result, by the provider or a reviewer: the
/// account is notified (its 消息中心, an SMS to its phone — a unit's
/// 联系人手机 — and its e-mail when it has one), and a verified person
/// imported under the unit lookup's 第四种 is authorised by that unit
/// ([`crate::identity::legacy::authorise`]).
pub(crate) async fn settled(
    c: &mut AnyConnection,
    app: &App,
    kind: AccountKind,
    id: i64,
    to: RealnameStatus,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let (phone, email) = match kind {
        AccountKind::Person => {
            let p = accounts::person(c, id).await?.ok_or(AppError::NotFound)?;
            (p.phone(&app.pii)?, Some(p.email))
        }
        _ => {
            let u = accounts::unit(c, id).await?.ok_or(AppError::NotFound)?;
            (u.contact_phone(&app.pii)?, None)
        }
    };
    let body = match reason {
        Some(r) => format!("您的实名认证状态：{}。原因：{r}", to.label()),
        None => format!("您的实名认证状态：{}。", to.shown()),
    };
    let recipient = Recipient {
        kind,
        id,
        phone: &phone,
        email: email.as_deref(),
    };
    notify_account(c, app, &recipient, "实名认证结果", &body).await?;
    if to.is_verified() && kind == AccountKind::Person {
        crate::identity::legacy::authorise::on_verified(c, app, id).await?;
    }
    Ok(())
}

/// Refusals of a call that requires 实名认证; the page links to 我的信息.
pub const PERSON_REQUIRED: &str = "本类别要求申报人完成实名认证（已实名认证或已审核认证）后方可申报，请在“我的信息”中完成实名认证";
pub const UNIT_REQUIRED: &str = "本类别要求申报单位完成实名认证（已实名认证或已审核认证）后方可申报，请联系所在单位在“我的信息”中完成实名认证";

/// Refuses an applicant (or their unit) not verified, when the call
/// requires it. Called in the transaction that starts the application.
pub(crate) async fn check_call(
    c: &mut AnyConnection,
    call: i64,
    person: i64,
    unit: i64,
) -> Result<(), AppError> {
    if !store::call_requires(c, call).await? {
        return Ok(());
    }
    if !status_on(c, AccountKind::Person, person)
        .await?
        .status
        .is_verified()
    {
        return Err(AppError::Refused(PERSON_REQUIRED.into()));
    }
    if !status_on(c, AccountKind::Unit, unit)
        .await?
        .status
        .is_verified()
    {
        return Err(AppError::Refused(UNIT_REQUIRED.into()));
    }
    Ok(())
}

/// 申报要求实名认证: a call admits only verified applicants and units.
/// Audit `call.realname`.
pub async fn set_call_requirement(
    app: &App,
    actor: &Actor,
    call: scigrant_domain::ids::CallId,
    required: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    if !store::set_call_requires(&mut tx, call.0, required, app.now()).await? {
        return Err(AppError::NotFound);
    }
    let detail = if required {
        "申报人及申报单位须通过实名认证"
    } else {
        "不要求实名认证"
    };
    audit(
        &mut tx,
        app,
        actor,
        "call.realname",
        ("call", Some(call.0)),
        "success",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `call` requires 实名认证 (the staff call page shows it).
pub async fn call_requirement(
    app: &App,
    call: scigrant_domain::ids::CallId,
) -> Result<bool, AppError> {
    let mut c = app.db.read().await?;
    Ok(store::call_requires(&mut c, call.0).await?)
}
