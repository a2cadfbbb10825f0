//! （个人/企业）账号检索: by 统一社会信用代码 for units, by 手机号 for
//! persons, behind a captcha (and the web's per-address login budget).
//!
//! What it may tell, and why no more: the answer is one of the seed's
//! cases and the login to use, built from what the visitor typed — the
//! USCC in full (a unit's public registration number, not personal data),
//! a phone only masked. Nothing else about the account shows: no name, no
//! e-mail, no unit. For a unit, "registered here or not" is told, as the
//! seed's two 未注册账号 cases need; registration already tells that for
//! the same price, one solved captcha. For a person not imported, the
//! answer is always "register", whether the phone is registered here or
//! not, so the lookup tells nothing the registration page does not. Every
//! lookup of a kind runs the same queries whatever the answer, so the time
//! does not tell either.

use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::mask::mask_phone;
use scigrant_store::identity::{accounts, legacy};

use super::{Case, Lookup, PERSON_PREFIX, UNIT_PREFIX, legacy_key};
use crate::identity::auth::LoginTab;
use crate::identity::captcha::take_captcha;
use crate::{Actor, App, AppError, audit};

#[derive(Clone, Debug, Default)]
pub struct LookupInput {
    /// 统一社会信用代码 (units) or 手机号 (persons).
    pub key: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// The answer: which of the seed's cases, which login at which tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupAnswer {
    pub lookup: Lookup,
    /// Whether the account had been registered on the predecessor platform
    /// (已注册账号) and was imported, or not (未注册账号).
    pub imported: bool,
    /// The seed's case within that heading; `None` for a person not
    /// imported (the seed has one answer there).
    pub case: Option<Case>,
    /// The login name to use, a phone masked; empty when none (register,
    /// or 自然人申诉找回密码).
    pub login: String,
    /// The login tab, when there is a login to use.
    pub tab: Option<LoginTab>,
}

/// 账号检索. Consumes the captcha first (a wrong one is a field error and
/// nothing is looked up); audits `account.lookup` with the answer's case
/// but never the key.
pub async fn lookup_account(
    app: &App,
    actor: &Actor,
    lookup: Lookup,
    f: &LookupInput,
) -> Result<LookupAnswer, AppError> {
    let mut tx = app.db.begin().await?;
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        tx.commit().await?;
        return Err(AppError::field(
            "captcha",
            "图形验证码不正确或已过期，请重新输入",
        ));
    }
    let key = match lookup {
        Lookup::Unit => Uscc::parse(&f.key).ok().map(|u| u.as_str().to_string()),
        Lookup::Person => Phone::parse(&f.key).ok().map(|p| p.as_str().to_string()),
    };
    let Some(key) = key else {
        tx.commit().await?;
        return Err(match lookup {
            Lookup::Unit => AppError::field("key", "请输入正确的统一社会信用代码"),
            Lookup::Person => AppError::field("key", "请输入正确的手机号"),
        });
    };
    let row = legacy::by_key(&mut tx, &legacy_key(app, lookup, &key)).await?;
    let case = row.as_ref().and_then(|r| Case::from_number(r.case_no));
    let answer = match lookup {
        Lookup::Unit => {
            let registered = accounts::unit_by_uscc(&mut tx, &key).await?.is_some();
            unit_answer(&key, case, registered)
        }
        Lookup::Person => person_answer(&key, case),
    };
    let detail = match answer.case {
        Some(c) if answer.imported => format!("已注册账号第{}种", c.number()),
        Some(c) => format!("未注册账号第{}种", c.number()),
        None => "未注册账号".into(),
    };
    let what = match lookup {
        Lookup::Unit => "企业",
        Lookup::Person => "个人",
    };
    audit(
        &mut tx,
        app,
        actor,
        "account.lookup",
        ("legacy", row.map(|r| r.id)),
        "success",
        &format!("{what}账号检索：{detail}"),
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

fn unit_answer(uscc: &str, case: Option<Case>, registered: bool) -> LookupAnswer {
    let (imported, case, login, tab) = match case {
        None if registered => (false, Case::Second, uscc.to_string(), Some(LoginTab::Unit)),
        None => (false, Case::First, String::new(), None),
        Some(Case::Third) => (
            true,
            Case::Third,
            format!("{UNIT_PREFIX}{uscc}"),
            Some(LoginTab::Unit),
        ),
        Some(Case::Fourth) => (true, Case::Fourth, uscc.to_string(), Some(LoginTab::Person)),
        Some(c) => (true, c, uscc.to_string(), Some(LoginTab::Unit)),
    };
    LookupAnswer {
        lookup: Lookup::Unit,
        imported,
        case: Some(case),
        login,
        tab,
    }
}

fn person_answer(phone: &str, case: Option<Case>) -> LookupAnswer {
    let masked = mask_phone(phone);
    let (login, tab) = match case {
        None | Some(Case::Fourth) => (String::new(), None),
        Some(Case::Third) => (format!("{PERSON_PREFIX}{masked}"), Some(LoginTab::Person)),
        Some(_) => (masked, Some(LoginTab::Person)),
    };
    LookupAnswer {
        lookup: Lookup::Person,
        imported: case.is_some(),
        case,
        login,
        tab,
    }
}
