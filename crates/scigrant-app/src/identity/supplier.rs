//! 供应商注册 (附件6, the CAST 智慧计财服务平台's way in): 同意 → 统一社会信用代码
//! or 单位全称 + 验证码 → 检索. A unit not registered here must first be
//! registered by its 单位管理员 (our unit account, with its 营业执照 and
//! staff review); for a unit that exists the seed suggests 注册为普通用户: a
//! person bound to the unit at once, without review, who signs in as
//! xm + 手机号 and may apply straight away, seeing only the projects whose
//! 经办人 they are. The unit account sees all the unit's projects and
//! changes a project's 经办人 (`applications::change_handler`).
//!
//! 检索 tells whether a unit is registered, as the seed's two answers
//! require; a unit's name and 统一社会信用代码 are public registration
//! facts. It costs a solved captcha (and the web's per-address budget).

use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::ids::PersonId;
use scigrant_store::identity::{accounts, appeals};

use super::captcha::take_captcha;
use super::register::{Bind, PersonForm, register_bound};
use crate::{Actor, App, AppError, audit};

/// The page's answer when no unit matched (seed wording).
pub const UNIT_MISSING: &str = "由于单位不存在，必须首先注册单位管理员。如果您本人不是单位管理人员，请联系相关人员注册单位管理员并创建所需普通用户";
/// The page's answer when the unit exists (seed wording).
pub const UNIT_EXISTS: &str = "该单位已存在，建议注册为普通用户";

#[derive(Clone, Debug, Default)]
pub struct SupplierSearch {
    /// 统一社会信用代码 or 单位全称 (as on the unit's seal).
    pub key: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// What 检索 found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupplierUnit {
    /// Not registered: only 注册为单位管理员, prefilled with what was typed.
    Missing { name: String, uscc: String },
    /// Registered: 注册为普通用户 (or still 注册为单位管理员).
    Exists { name: String, uscc: String },
}

/// 检索. Consumes the captcha first; audit `supplier.search` (the answer,
/// never the key).
pub async fn search_supplier(
    app: &App,
    actor: &Actor,
    f: &SupplierSearch,
) -> Result<SupplierUnit, AppError> {
    let key = f.key.trim();
    let mut tx = app.db.begin().await?;
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        tx.commit().await?;
        return Err(AppError::field(
            "captcha",
            "图形验证码不正确或已过期，请重新输入",
        ));
    }
    if key.is_empty() || key.chars().count() > 100 {
        tx.commit().await?;
        return Err(AppError::field(
            "key",
            "请输入统一社会信用代码或单位全称（不超过100字）",
        ));
    }
    let (found, typed) = match Uscc::parse(key) {
        Ok(u) => (
            accounts::unit_by_uscc(&mut tx, u.as_str()).await?,
            (String::new(), u.as_str().to_string()),
        ),
        Err(_) => {
            let mut named = appeals::units_by_name(&mut tx, key).await?;
            let one = (named.len() == 1).then(|| named.remove(0));
            (one, (key.to_string(), String::new()))
        }
    };
    let answer = match found {
        Some(u) => SupplierUnit::Exists {
            name: u.name,
            uscc: u.uscc,
        },
        None => SupplierUnit::Missing {
            name: typed.0,
            uscc: typed.1,
        },
    };
    let detail = match &answer {
        SupplierUnit::Exists { .. } => "单位已存在",
        SupplierUnit::Missing { .. } => "单位不存在",
    };
    audit(
        &mut tx,
        app,
        actor,
        "supplier.search",
        ("unit", None),
        "success",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(answer)
}

/// 注册为普通用户 of the unit with 统一社会信用代码 `uscc`: the person's
/// registration (same fields and rules), bound to the unit at once and
/// approved, login name xm + 手机号. Refused when the unit is not
/// registered. Returns the person and the login name to show.
pub async fn register_normal_user(
    app: &App,
    actor: &Actor,
    uscc: &str,
    f: &PersonForm,
) -> Result<(PersonId, String), AppError> {
    let unit = {
        let mut c = app.db.read().await?;
        match Uscc::parse(uscc) {
            Ok(u) => accounts::unit_by_uscc(&mut c, u.as_str()).await?,
            Err(_) => None,
        }
    };
    let Some(unit) = unit else {
        return Err(AppError::Refused(UNIT_MISSING.into()));
    };
    let bind = Bind {
        unit_id: unit.id,
        unit_name: &unit.name,
    };
    let id = register_bound(app, actor, f, Some(bind)).await?;
    let phone = scigrant_domain::identity::phone::Phone::parse(&f.phone)
        .map_err(|e| AppError::Internal(format!("a registered phone: {e}")))?;
    Ok((id, super::register::normal_login(phone.as_str())))
}
