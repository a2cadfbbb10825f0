//! Signing in and out, sessions and passwords. Unknown login, wrong
//! password and locked account answer with the same message and the same
//! work (exactly one password check each, see `hasher`); every attempt is
//! counted atomically before its password is checked (see
//! `scigrant_store::identity::login_guard`), so parallel guesses stop at
//! the threshold.

use rand::RngCore;
use scigrant_domain::identity::account::{AccountKind, StaffRole, UnitState};
use scigrant_domain::identity::password::check_password as check_policy;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::ids::{PersonId, UnitId};
use scigrant_domain::permission::Caller;
use scigrant_store::AnyConnection;
use scigrant_store::identity::login_guard;
use scigrant_store::identity::sessions::{self, SessionRow, hash_token};
use scigrant_store::identity::{accounts, legacy};

use crate::identity::captcha::take_captcha;
use crate::identity::delegation::{OnBehalf, acting_label, acting_of};
use crate::identity::hasher::{
    check_against_dummy, check_password, needs_upgrade, new_password_hash,
};
use crate::params::{SecurityParams, params};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The tab of the login page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginTab {
    Person,
    Unit,
    Staff,
}

#[derive(Clone, Debug, Default)]
pub struct LoginInput {
    pub login: String,
    pub password: String,
    pub captcha_id: String,
    pub captcha: String,
    pub user_agent: String,
}

/// A new session: the token goes into the cookie, only its hash is stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub token: String,
    pub kind: AccountKind,
    pub account_id: i64,
}

/// The signed-in account behind a request.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub id_hash: String,
    pub kind: AccountKind,
    pub account_id: i64,
    pub csrf: String,
    pub caller: Caller,
    pub label: String,
    pub created_at: i64,
    /// Unread messages in the account's 消息中心 (the header shows them).
    pub unread_messages: i64,
    /// The unit this person acts for (代办), read afresh on this request.
    pub acting: Option<OnBehalf>,
}

impl SessionInfo {
    /// The unit signed in here, if this is a unit's session, or the unit
    /// the person acts for (代办): the unit's pages a delegate may open
    /// (their routes check the service) work on that unit.
    pub fn unit(&self) -> Option<UnitId> {
        match &self.acting {
            Some(on) => Some(UnitId(on.unit_id)),
            None => (self.kind == AccountKind::Unit).then_some(UnitId(self.account_id)),
        }
    }
    /// The person signed in here, if this is a person's session.
    pub fn person(&self) -> Option<PersonId> {
        (self.kind == AccountKind::Person).then_some(PersonId(self.account_id))
    }
    /// The actor of use cases run in this session.
    pub fn actor(&self, ip: &str, request_id: &str) -> Actor {
        Actor {
            kind: Some(self.kind),
            id: Some(self.account_id),
            label: match &self.acting {
                Some(on) => acting_label(&self.label, &on.unit_name),
                None => self.label.clone(),
            },
            ip: ip.into(),
            request_id: request_id.into(),
            on_behalf: self.acting.clone(),
        }
    }
}

pub fn random_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// 16 hex digits of fresh randomness (64 bits): a request's id. Written
/// straight from one number by table, not through `format!`: the id is
/// made for every request.
pub fn request_id() -> String {
    hex::encode(rand::rng().next_u64().to_be_bytes())
}

pub use super::form_token::{pre_login_token, pre_login_token_valid};

/// The account a login name names, as login and recovery find it.
pub(crate) struct Found {
    pub kind: AccountKind,
    pub id: i64,
    pub hash: String,
    pub label: String,
    pub disabled: bool,
}

/// The person `login` names: a login name the legacy import or 供应商注册
/// gave (HJ-…, xm…, or a unit's 统一社会信用代码 that was a person's
/// account) first, else 手机号码 or 证件号码.
pub(crate) async fn find_person(
    c: &mut AnyConnection,
    app: &App,
    login: &str,
) -> Result<Option<accounts::PersonRow>, AppError> {
    let login = login.trim();
    if let Some(p) = legacy::person_by_login_name(c, &login.to_uppercase()).await? {
        return Ok(Some(p));
    }
    Ok(match Phone::parse(login) {
        Ok(p) => {
            let idx = app.pii.index("phone", p.as_str());
            accounts::person_by_phone_idx(c, &idx).await?
        }
        Err(_) => {
            let idx = app.pii.index("doc", &login.to_uppercase());
            accounts::person_by_doc_idx(c, &idx).await?
        }
    })
}

/// The account `login` names at `tab`: a person by a login name the legacy
/// import gave, 手机号码 or 证件号码, a unit by such a login name (HJ_…),
/// 统一社会信用代码 or 联系人手机, staff by login name.
pub(crate) async fn find_account(
    c: &mut AnyConnection,
    app: &App,
    tab: LoginTab,
    login: &str,
) -> Result<Option<Found>, AppError> {
    let login = login.trim();
    Ok(match tab {
        LoginTab::Person => find_person(c, app, login).await?.map(|p| Found {
            kind: AccountKind::Person,
            id: p.id,
            hash: p.password_hash,
            label: p.name,
            disabled: false,
        }),
        LoginTab::Unit => {
            // HJ_ + 统一社会信用代码, given by the legacy import, first.
            let named = legacy::unit_by_login_name(c, &login.to_uppercase()).await?;
            let row = match (named, Uscc::parse(login)) {
                (Some(u), _) => Some(u),
                (None, Ok(u)) => accounts::unit_by_uscc(c, u.as_str()).await?,
                (None, Err(_)) => match Phone::parse(login) {
                    Ok(p) => {
                        let idx = app.pii.index("unit_phone", p.as_str());
                        accounts::unit_by_phone_idx(c, &idx).await?
                    }
                    Err(_) => None,
                },
            };
            row.map(|u| Found {
                kind: AccountKind::Unit,
                id: u.id,
                hash: u.password_hash,
                label: u.name,
                disabled: false,
            })
        }
        LoginTab::Staff => accounts::staff_by_login(c, login).await?.map(|s| Found {
            kind: AccountKind::Staff,
            id: s.id,
            hash: s.password_hash,
            label: s.login,
            disabled: s.disabled != 0,
        }),
    })
}

/// Signs in. Side effects: consumes the captcha; counts the attempt before
/// the password is checked (refused unchecked at the threshold); a wrong
/// password may lock the account (audit `account.lock`), leaving its
/// sessions alone; audits `login.success` or `login.failure`; on success
/// gives the attempt back (a lock set meanwhile stays and refuses it),
/// upgrades an old hash and creates a session.
pub async fn login(
    app: &App,
    actor: &Actor,
    tab: LoginTab,
    input: &LoginInput,
) -> Result<NewSession, AppError> {
    let result = attempt_login(app, actor, tab, input).await;
    crate::ops::metrics::login(result.is_ok());
    result
}

async fn attempt_login(
    app: &App,
    actor: &Actor,
    tab: LoginTab,
    input: &LoginInput,
) -> Result<NewSession, AppError> {
    let p = params(app).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let captcha_ok = take_captcha(&mut tx, app, &input.captcha_id, &input.captcha).await?;
    if !captcha_ok {
        audit(
            &mut tx,
            app,
            actor,
            "login.failure",
            ("account", None),
            "failure",
            "图形验证码错误",
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::field(
            "captcha",
            "图形验证码不正确或已过期，请重新输入",
        ));
    }
    let found = find_account(&mut tx, app, tab, &input.login).await?;
    // The attempt is counted before its password is checked, in the same
    // short transaction as the captcha: every path below then runs one
    // password check and one more transaction, so none is slower than
    // another, and the check itself runs outside any write lock.
    let reservation = match &found {
        Some(acc) if !acc.disabled => Some(
            login_guard::reserve_attempt(
                &mut tx,
                acc.kind.code(),
                acc.id,
                now,
                p.failure_window_ms(),
                p.max_failures,
            )
            .await?,
        ),
        _ => None,
    };
    tx.commit().await?;

    let Some(acc) = found else {
        check_against_dummy(app, &input.password).await?;
        refuse(app, &p, now, actor, None, "登录名不存在").await?;
        return Err(AppError::LoginFailed);
    };
    let kind = acc.kind.code();
    let target = (kind, Some(acc.id));
    let who = Actor {
        label: format!("{}（登录中）", acc.label),
        ..actor.clone()
    };
    let Some(reservation) = reservation.filter(|r| r.admitted) else {
        // Refused without looking at the password, at the cost of one check.
        check_against_dummy(app, &input.password).await?;
        let why = match reservation {
            None => "账号已停用",
            Some(r) if r.locked_until > now => "账号已锁定",
            Some(_) => "登录尝试次数已达上限",
        };
        refuse(app, &p, now, &who, Some((kind, acc.id)), why).await?;
        return Err(AppError::LoginFailed);
    };
    if !check_password(app, &input.password, &acc.hash).await? {
        let why = format!("密码错误（第{}次）", reservation.attempts);
        refuse(app, &p, now, &who, Some((kind, acc.id)), &why).await?;
        return Err(AppError::LoginFailed);
    }

    // Hashed before the transaction, in case the stored hash is upgraded.
    let upgraded = if needs_upgrade(app, &acc.hash) {
        Some(new_password_hash(app, &input.password).await?)
    } else {
        None
    };
    let token = random_token();
    let mut tx = app.db.begin().await?;
    // A lock set by parallel failures while this password was checked
    // stays, and refuses this sign-in too.
    if login_guard::release_success(&mut tx, kind, acc.id, now).await? > now {
        audit(
            &mut tx,
            app,
            &who,
            "login.failure",
            target,
            "failure",
            "账号已锁定",
        )
        .await?;
        tx.commit().await?;
        return Err(AppError::LoginFailed);
    }
    if let Some(upgraded) = &upgraded {
        set_password_hash(&mut tx, acc.kind, acc.id, upgraded).await?;
    }
    sessions::insert(
        &mut tx,
        &SessionRow {
            id_hash: hash_token(&token),
            account_kind: kind.into(),
            account_id: acc.id,
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            ip: actor.ip.clone(),
            user_agent: input.user_agent.chars().take(200).collect(),
            acting_unit_id: None,
        },
    )
    .await?;
    let who = Actor {
        kind: Some(acc.kind),
        id: Some(acc.id),
        label: acc.label.clone(),
        ..actor.clone()
    };
    audit(&mut tx, app, &who, "login.success", target, "success", "").await?;
    tx.commit().await?;
    Ok(NewSession {
        token,
        kind: acc.kind,
        account_id: acc.id,
    })
}

/// Records a refused login in one transaction: audit `login.failure` and,
/// once the account's attempts have reached the threshold, its lock (audit
/// `account.lock`; of parallel refusals exactly one sets it). Every refusal
/// runs these same statements, an unknown login too (its lock check
/// matches no row), so the time of the answer does not tell them apart.
/// The account's sessions are left alone: anonymous guesses must not sign
/// its owner out (issue 7, finding 7).
async fn refuse(
    app: &App,
    p: &SecurityParams,
    now: i64,
    who: &Actor,
    account: Option<(&str, i64)>,
    why: &str,
) -> Result<(), AppError> {
    let (kind, id) = account.unwrap_or(("account", 0));
    let target = (kind, account.map(|(_, id)| id));
    let mut tx = app.db.begin().await?;
    let just_locked =
        login_guard::confirm_failure(&mut tx, kind, id, now, p.max_failures, p.lock_ms()).await?;
    audit(&mut tx, app, who, "login.failure", target, "failure", why).await?;
    if just_locked {
        audit(
            &mut tx,
            app,
            &Actor::system(),
            "account.lock",
            target,
            "success",
            &format!(
                "连续{}次登录失败，锁定{}分钟",
                p.max_failures, p.lock_minutes
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_password_hash(
    c: &mut AnyConnection,
    kind: AccountKind,
    id: i64,
    hash: &str,
) -> Result<(), AppError> {
    match kind {
        AccountKind::Person => accounts::set_person_password(c, id, hash).await?,
        AccountKind::Unit => accounts::set_unit_password(c, id, hash).await?,
        AccountKind::Staff => accounts::set_staff_password(c, id, hash, false).await?,
    }
    Ok(())
}

/// Who account `kind`/`id` is for the permission checks, and the name
/// the header shows; `None` for a missing or disabled account. Sessions
/// and API tokens both stand on it.
pub(crate) async fn caller_of(
    c: &mut AnyConnection,
    kind: AccountKind,
    id: i64,
) -> Result<Option<(Caller, String)>, AppError> {
    Ok(match kind {
        AccountKind::Person => accounts::person(c, id).await?.map(|p| {
            (
                Caller::Person {
                    must_change_password: p.must_change_password != 0,
                    acting: None,
                },
                p.name,
            )
        }),
        AccountKind::Unit => accounts::unit(c, id).await?.map(|u| {
            let state = UnitState::from_code(&u.state).unwrap_or(UnitState::PendingInitial);
            let must_change_password = u.must_change_password != 0;
            (
                Caller::Unit {
                    state,
                    must_change_password,
                },
                u.name,
            )
        }),
        AccountKind::Staff => match accounts::staff(c, id).await? {
            Some(st) if st.disabled == 0 => StaffRole::from_code(&st.role).map(|role| {
                (
                    Caller::Staff {
                        role,
                        must_change_password: st.must_change_password != 0,
                    },
                    st.login,
                )
            }),
            _ => None,
        },
    })
}

/// Resolves a session cookie. Expired sessions (idle or absolute) are
/// deleted; the last-seen time is refreshed at most once a minute.
pub async fn authenticate(app: &App, token: &str) -> Result<Option<SessionInfo>, AppError> {
    if token.len() != 64 {
        return Ok(None);
    }
    let p = params(app).await?;
    let now = app.now();
    let id_hash = hash_token(token);
    let mut c = app.db.read().await?;
    let Some(sessions::SeenSession { session: s, unread }) =
        sessions::seen(&mut c, &id_hash).await?
    else {
        return Ok(None);
    };
    if now - s.last_seen_at > p.idle_ms() || now - s.created_at > p.absolute_ms() {
        sessions::delete(&mut c, &id_hash).await?;
        return Ok(None);
    }
    let Some(kind) = AccountKind::from_code(&s.account_kind) else {
        return Ok(None);
    };
    let Some((mut caller, label)) = caller_of(&mut c, kind, s.account_id).await? else {
        return Ok(None);
    };
    let mut acting = None;
    if let (Some(unit_id), Caller::Person { acting: a, .. }) = (s.acting_unit_id, &mut caller)
        && let Some((rights, on)) = acting_of(&mut c, app, &id_hash, s.account_id, unit_id).await?
    {
        *a = Some(rights);
        acting = Some(on);
    }
    if now - s.last_seen_at > 60_000 {
        sessions::touch(&mut c, &id_hash, now).await?;
    }
    let unread_messages = match kind {
        AccountKind::Staff => 0,
        _ => unread,
    };
    Ok(Some(SessionInfo {
        id_hash,
        kind,
        account_id: s.account_id,
        csrf: s.csrf_token,
        caller,
        label,
        created_at: s.created_at,
        unread_messages,
        acting,
    }))
}

/// Signs out: the session row is deleted (audit `logout`).
pub async fn logout(app: &App, actor: &Actor, session: &SessionInfo) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    sessions::delete(&mut tx, &session.id_hash).await?;
    audit(
        &mut tx,
        app,
        actor,
        "logout",
        (session.kind.code(), Some(session.account_id)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct PasswordChange {
    pub old: String,
    pub new: String,
    pub confirm: String,
}

/// Changes one's own password. Side effects: the new hash, the staff
/// first-login flag cleared, every other session of the account ended,
/// audit `password.change`.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    form: &PasswordChange,
) -> Result<(), AppError> {
    let mut c = app.db.read().await?;
    let (hash, personal): (String, Vec<String>) = match session.kind {
        AccountKind::Person => {
            let p = accounts::person(&mut c, session.account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let phone = p.phone(&app.pii)?;
            let doc = p.doc_no(&app.pii)?;
            (p.password_hash, vec![phone, doc, p.name])
        }
        AccountKind::Unit => {
            let u = accounts::unit(&mut c, session.account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let phone = u.contact_phone(&app.pii)?;
            (u.password_hash, vec![u.uscc, phone, u.name, u.contact_name])
        }
        AccountKind::Staff => {
            let s = accounts::staff(&mut c, session.account_id)
                .await?
                .ok_or(AppError::NotFound)?;
            (s.password_hash, vec![s.login, s.name])
        }
    };
    drop(c);
    let mut errors = FieldErrors::new();
    if !check_password(app, &form.old, &hash).await? {
        errors.add("old", "原密码不正确");
    }
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    if let Err(e) = check_policy(&form.new, &personal) {
        errors.add("new", e.to_string());
    } else if form.new == form.old {
        errors.add("new", "新密码不能与原密码相同");
    }
    if form.new != form.confirm {
        errors.add("confirm", "两次输入的密码不一致");
    }
    errors.into_result()?;
    let new_hash = new_password_hash(app, &form.new).await?;
    let mut tx = app.db.begin().await?;
    set_password_hash(&mut tx, session.kind, session.account_id, &new_hash).await?;
    sessions::delete_others(
        &mut tx,
        session.kind.code(),
        session.account_id,
        &session.id_hash,
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "password.change",
        (session.kind.code(), Some(session.account_id)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
