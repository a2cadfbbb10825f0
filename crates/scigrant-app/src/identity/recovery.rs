//! 登录名重置密码, the seed's three steps 检索用户 → 重置密码 → 重置密码完成.
//! Step one takes the 登录名 and a captcha and always goes on to step two
//! with a signed ticket, whether the account exists or not; step two sends
//! a code only when the reserved phone (or e-mail) typed twice matches the
//! account, and answers the same either way; the reset itself refuses a
//! wrong code, a mismatch and an unknown account with one message. So
//! nothing here tells whether a login name, phone or e-mail is registered.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::password::check_password as check_policy;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::mask::{mask_email, mask_phone};
use scigrant_store::identity::{accounts, login_guard, sessions};

use crate::identity::auth::{LoginTab, find_account, set_password_hash};
use crate::identity::captcha::take_captcha;
use crate::identity::codes::{self, Purpose};
use crate::identity::legacy::UNIT_PREFIX;
use crate::notify::{Recipient, notify_account, queue_email, queue_sms};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// How long step one's ticket lets step two run: 30 minutes.
pub const TICKET_TTL_MS: i64 = 30 * 60 * 1000;
/// Every refusal of the reset itself: wrong, spent, expired or void code,
/// and a reserved phone or unit that does not match.
pub const RESET_REFUSED: &str = "验证码不正确或已失效，或填写的信息与预留信息不一致";
/// A missing or expired ticket: back to step one.
pub const TICKET_EXPIRED: &str = "操作已超时，请重新检索登录名";

/// 验证方式.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// 手机号
    Phone,
    /// 电子邮箱 (natural persons only: a unit has no reserved e-mail)
    Email,
}

impl Method {
    pub fn from_code(s: &str) -> Option<Method> {
        match s {
            "phone" => Some(Method::Phone),
            "email" => Some(Method::Email),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Method::Phone => "phone",
            Method::Email => "email",
        }
    }
}

/// Step one, 检索用户.
#[derive(Clone, Debug, Default)]
pub struct FindLogin {
    pub login: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// What step two carries: the login name and the ticket proving step one
/// passed its captcha for it.
#[derive(Clone, Debug)]
pub struct Ticket {
    pub tab: LoginTab,
    pub login: String,
    pub ticket: String,
}

fn ticket_mac(app: &App, tab: LoginTab, login: &str, expires: i64) -> String {
    let tab = if tab == LoginTab::Unit {
        "unit"
    } else {
        "person"
    };
    app.pii
        .index("reset_ticket", &format!("{tab}|{login}|{expires}"))
}

fn ticket_ok(app: &App, tab: LoginTab, login: &str, ticket: &str) -> bool {
    let Some((expires, mac)) = ticket.split_once('-') else {
        return false;
    };
    let Ok(expires) = expires.parse::<i64>() else {
        return false;
    };
    expires >= app.now() && mac == ticket_mac(app, tab, login.trim(), expires)
}

/// 检索登录名: consumes the captcha, then answers with a ticket for step
/// two, the same for every login name (the account is looked up all the
/// same, so the time does not tell either). Audit `password.reset.find`.
pub async fn find_login(
    app: &App,
    actor: &Actor,
    tab: LoginTab,
    f: &FindLogin,
) -> Result<Ticket, AppError> {
    let login = f.login.trim();
    let mut tx = app.db.begin().await?;
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        tx.commit().await?;
        return Err(AppError::field(
            "captcha",
            "图形验证码不正确或已过期，请重新输入",
        ));
    }
    if login.is_empty() {
        tx.commit().await?;
        return Err(AppError::field("login", "请输入登录名"));
    }
    let found = find_account(&mut tx, app, tab, login).await?;
    let target = found.as_ref().map(|a| (a.kind.code(), Some(a.id)));
    let outcome = if found.is_some() {
        "success"
    } else {
        "failure"
    };
    audit(
        &mut tx,
        app,
        actor,
        "password.reset.find",
        target.unwrap_or(("account", None)),
        outcome,
        "",
    )
    .await?;
    tx.commit().await?;
    let expires = app.now() + TICKET_TTL_MS;
    Ok(Ticket {
        tab,
        login: login.to_string(),
        ticket: format!("{expires}-{}", ticket_mac(app, tab, login, expires)),
    })
}

/// Step two, 重置密码: the fields of the seed's form.
#[derive(Clone, Debug, Default)]
pub struct ResetForm {
    pub login: String,
    pub ticket: String,
    /// `phone` or `email` (验证方式).
    pub method: String,
    /// 预留手机号 or 预留电子邮箱, and its confirmation.
    pub reserved: String,
    pub reserved_confirm: String,
    /// 单位名称 and 统一社会信用代码 (units only).
    pub unit_name: String,
    pub uscc: String,
    /// 密码修改原因.
    pub reason: String,
    pub password: String,
    pub confirm: String,
    /// 手机验证码 / 邮箱验证码.
    pub code: String,
}

/// Checks what sending a code needs: the ticket, the method and the
/// reserved phone or e-mail typed twice alike. The normalised recipient.
fn check_reserved(
    app: &App,
    tab: LoginTab,
    f: &ResetForm,
    e: &mut FieldErrors,
) -> Result<Option<(Method, String)>, AppError> {
    if !ticket_ok(app, tab, &f.login, &f.ticket) {
        return Err(AppError::Refused(TICKET_EXPIRED.into()));
    }
    let Some(method) = Method::from_code(&f.method) else {
        e.add("method", "请选择验证方式");
        return Ok(None);
    };
    if tab == LoginTab::Unit && method == Method::Email {
        e.add("method", "单位用户请使用预留手机号验证");
        return Ok(None);
    }
    let recipient = match method {
        Method::Phone => match Phone::parse(&f.reserved) {
            Ok(p) => p.as_str().to_string(),
            Err(err) => {
                e.add("reserved", err.to_string());
                return Ok(None);
            }
        },
        Method::Email => match Email::parse(&f.reserved) {
            Ok(m) => m.as_str().to_string(),
            Err(err) => {
                e.add("reserved", err.to_string());
                return Ok(None);
            }
        },
    };
    if f.reserved.trim() != f.reserved_confirm.trim() {
        let what = if method == Method::Phone {
            "两次输入的手机号不一致"
        } else {
            "两次输入的电子邮箱不一致"
        };
        e.add("reserved_confirm", what);
        return Ok(None);
    }
    Ok(Some((method, recipient)))
}

/// The account step two is about, when the login name, the reserved phone
/// or e-mail and (for a unit) its name and 统一社会信用代码 all match:
/// its kind, id, phone and e-mail.
async fn matching_account(
    app: &App,
    tab: LoginTab,
    f: &ResetForm,
    method: Method,
    recipient: &str,
) -> Result<Option<(AccountKind, i64, String, Option<String>)>, AppError> {
    let mut c = app.db.read().await?;
    let Some(found) = find_account(&mut c, app, tab, &f.login).await? else {
        return Ok(None);
    };
    Ok(match found.kind {
        AccountKind::Person => {
            let Some(p) = accounts::person(&mut c, found.id).await? else {
                return Ok(None);
            };
            let phone = p.phone(&app.pii)?;
            let reserved = match method {
                Method::Phone => phone.clone(),
                Method::Email => p.email.trim().to_lowercase(),
            };
            (reserved == recipient.to_lowercase() || reserved == recipient).then_some((
                AccountKind::Person,
                p.id,
                phone,
                Some(p.email),
            ))
        }
        AccountKind::Unit => {
            let Some(u) = accounts::unit(&mut c, found.id).await? else {
                return Ok(None);
            };
            let phone = u.contact_phone(&app.pii)?;
            // An imported HJ_ unit keeps its login name in the USCC column
            // (the registered unit holds the code); its owner types the code.
            let uscc = u.uscc.strip_prefix(UNIT_PREFIX).unwrap_or(&u.uscc);
            let same = phone == recipient
                && u.name.trim() == f.unit_name.trim()
                && uscc.eq_ignore_ascii_case(f.uscc.trim());
            same.then_some((AccountKind::Unit, u.id, phone, None))
        }
        AccountKind::Staff => None,
    })
}

/// 获取验证码: sends a 6-digit code to the reserved phone (or e-mail) when
/// it matches the account, and answers with the masked recipient as typed
/// either way. Refused over the send limits (counted on the recipient
/// typed and on the client address). Audit `password.reset.code`.
pub async fn send_reset_code(
    app: &App,
    actor: &Actor,
    tab: LoginTab,
    f: &ResetForm,
) -> Result<String, AppError> {
    let mut e = FieldErrors::new();
    let checked = check_reserved(app, tab, f, &mut e)?;
    e.into_result()?;
    let (method, recipient) = checked.ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    codes::admit_send(
        &mut tx,
        app,
        &codes::recipient_index(app, &recipient),
        &actor.ip,
    )
    .await?;
    tx.commit().await?;
    let account = matching_account(app, tab, f, method, &recipient).await?;
    let masked = match method {
        Method::Phone => mask_phone(&recipient),
        Method::Email => mask_email(&recipient),
    };
    let mut tx = app.db.begin().await?;
    let target = match &account {
        Some((kind, id, _, _)) => {
            let code = codes::issue(
                &mut tx,
                app,
                Purpose::PasswordReset,
                (kind.code(), *id),
                method.code(),
            )
            .await?;
            let body = format!(
                "您正在重置登录密码，验证码：{code}，5分钟内有效。如非本人操作，请忽略本消息，切勿告诉他人。"
            );
            match method {
                Method::Phone => queue_sms(&mut tx, app, &recipient, &body).await?,
                Method::Email => {
                    queue_email(&mut tx, app, &recipient, "重置密码验证码", &body).await?
                }
            }
            (kind.code(), Some(*id))
        }
        None => ("account", None),
    };
    let outcome = if account.is_some() {
        "success"
    } else {
        "failure"
    };
    audit(
        &mut tx,
        app,
        actor,
        "password.reset.code",
        target,
        outcome,
        &format!("验证码发送至 {masked}"),
    )
    .await?;
    tx.commit().await?;
    Ok(masked)
}

/// 确定: resets the password with the code. Side effects: the code spent,
/// the new hash, every session of the account ended, its login lock
/// cleared, the account told by SMS, e-mail and 消息中心, audit
/// `password.reset`. A wrong code, a mismatch and an unknown account are
/// refused alike with [`RESET_REFUSED`].
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    tab: LoginTab,
    f: &ResetForm,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    let checked = check_reserved(app, tab, f, &mut e)?;
    if tab == LoginTab::Unit {
        e.require("unit_name", &f.unit_name, "单位名称", 100);
        e.require("uscc", &f.uscc, "统一社会信用代码", 18);
    }
    e.require("reason", &f.reason, "密码修改原因", 200);
    if let Err(err) = check_policy(&f.password, &[f.login.trim(), f.reserved.trim()]) {
        e.add("password", err.to_string());
    } else if f.password != f.confirm {
        e.add("confirm", "两次输入的密码不一致");
    }
    let code = f.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        e.add("code", "请输入6位验证码");
    }
    e.into_result()?;
    let (method, recipient) = checked.ok_or(AppError::Forbidden)?;
    let refused = || AppError::Refused(RESET_REFUSED.into());
    let Some((kind, id, phone, email)) = matching_account(app, tab, f, method, &recipient).await?
    else {
        return Err(refused());
    };
    let account = (kind.code(), id);
    if !codes::check(app, Purpose::PasswordReset, account, code).await? {
        return Err(refused());
    }
    let hash = crate::identity::hasher::new_password_hash(app, &f.password).await?;
    let mut tx = app.db.begin().await?;
    if !codes::spend(&mut tx, app, Purpose::PasswordReset, account).await? {
        return Err(refused());
    }
    set_password_hash(&mut tx, kind, id, &hash).await?;
    let ended = sessions::delete_for_account(&mut tx, kind.code(), id).await?;
    login_guard::clear(&mut tx, kind.code(), id).await?;
    notify_account(
        &mut tx,
        app,
        &Recipient {
            kind,
            id,
            phone: &phone,
            email: email.as_deref(),
        },
        "密码已重置",
        "您的账号密码已通过“登录名重置密码”重置，已登录的会话均已退出。如非本人操作，请立即联系我们。",
    )
    .await?;
    let reason: String = f.reason.trim().chars().take(200).collect();
    audit(
        &mut tx,
        app,
        actor,
        "password.reset",
        (kind.code(), Some(id)),
        "success",
        &format!("原因：{reason}；结束会话{ended}个，解除锁定"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
