//! 单位法人用户申诉找回密码: 单位名称 + 验证码 → 检索单位名称 → the unit's
//! details (masked) and its documents (营业执照 or 统一社会信用代码证, and a
//! signed, stamped 申诉函) with a contact phone and its code → 等待审核.
//! The search says whether a unit of that exact name is registered, as
//! the seed's does, and nothing more than its masked details.

use scigrant_domain::identity::appeal::AppealKind;
use scigrant_domain::mask::{mask_id, mask_name, mask_phone};
use scigrant_store::identity::accounts;
use scigrant_store::identity::appeals::units_by_name;

use super::{Filing, Image, ToStore, check_code, check_phone_and_code, clean_image, file_appeal};
use crate::identity::captcha::take_captcha;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// How long the search's ticket lets the appeal be filled in: 30 minutes.
pub const TICKET_TTL_MS: i64 = 30 * 60 * 1000;
/// No registered unit has exactly this name.
pub const UNIT_UNKNOWN: &str = "未检索到该单位，请核对单位名称（须与注册时填写的单位全称一致）";
/// The ticket is missing, forged or expired.
pub const TICKET_EXPIRED: &str = "操作已超时，请重新检索单位名称";

/// 检索单位名称, as typed.
#[derive(Clone, Debug, Default)]
pub struct FindUnit {
    pub name: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// The unit found, as the appeal form shows it (masked).
#[derive(Clone, Debug)]
pub struct UnitFound {
    pub ticket: String,
    pub name: String,
    pub uscc_masked: String,
    pub legal_rep_masked: String,
    pub contact_masked: String,
    pub contact_phone_masked: String,
}

/// The unit appeal's own fields, as typed.
#[derive(Clone, Debug, Default)]
pub struct UnitAppeal {
    pub ticket: String,
    pub phone: String,
    pub code: String,
}

fn ticket_mac(app: &App, unit_id: i64, expires: i64) -> String {
    app.pii
        .index("appeal_ticket", &format!("{unit_id}|{expires}"))
}

fn ticket_unit(app: &App, ticket: &str) -> Option<i64> {
    let mut parts = ticket.splitn(3, '-');
    let unit_id = parts.next()?.parse::<i64>().ok()?;
    let expires = parts.next()?.parse::<i64>().ok()?;
    let mac = parts.next()?;
    (expires >= app.now() && mac == ticket_mac(app, unit_id, expires)).then_some(unit_id)
}

async fn found(app: &App, unit_id: i64, ticket: String) -> Result<UnitFound, AppError> {
    let mut c = app.db.read().await?;
    let u = accounts::unit(&mut c, unit_id)
        .await?
        .ok_or_else(|| AppError::Refused(TICKET_EXPIRED.into()))?;
    Ok(UnitFound {
        ticket,
        uscc_masked: mask_id(&u.uscc),
        legal_rep_masked: mask_name(&u.legal_rep),
        contact_masked: mask_name(&u.contact_name),
        contact_phone_masked: mask_phone(&u.contact_phone(&app.pii)?),
        name: u.name,
    })
}

/// 检索单位名称: consumes the captcha, then finds the unit of exactly that
/// name. Audit `appeal.find` either way.
pub async fn find_unit(app: &App, actor: &Actor, f: &FindUnit) -> Result<UnitFound, AppError> {
    let name = f.name.trim();
    let mut tx = app.db.begin().await?;
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        tx.commit().await?;
        return Err(AppError::field(
            "captcha",
            "图形验证码不正确或已过期，请重新输入",
        ));
    }
    if name.is_empty() {
        tx.commit().await?;
        return Err(AppError::field("name", "请输入单位名称"));
    }
    let units = units_by_name(&mut tx, name).await?;
    let unit = units.first().filter(|_| units.len() == 1).map(|u| u.id);
    audit(
        &mut tx,
        app,
        actor,
        "appeal.find",
        ("unit", unit),
        if unit.is_some() { "success" } else { "failure" },
        "",
    )
    .await?;
    tx.commit().await?;
    let Some(unit_id) = unit else {
        return Err(AppError::Refused(UNIT_UNKNOWN.into()));
    };
    let expires = app.now() + TICKET_TTL_MS;
    let ticket = format!("{unit_id}-{expires}-{}", ticket_mac(app, unit_id, expires));
    found(app, unit_id, ticket).await
}

/// The unit a ticket stands for, shown again when the form comes back.
pub async fn unit_of_ticket(app: &App, ticket: &str) -> Result<UnitFound, AppError> {
    let unit_id =
        ticket_unit(app, ticket).ok_or_else(|| AppError::Refused(TICKET_EXPIRED.into()))?;
    found(app, unit_id, ticket.to_string()).await
}

/// 单位法人用户申诉找回密码 → 等待审核: checks every field at once, then the
/// code, then files the appeal with both documents. The 申诉编号.
pub async fn submit_unit_appeal(
    app: &App,
    actor: &Actor,
    f: &UnitAppeal,
    license: Option<&Image>,
    letter: Option<&Image>,
) -> Result<String, AppError> {
    let unit_id =
        ticket_unit(app, &f.ticket).ok_or_else(|| AppError::Refused(TICKET_EXPIRED.into()))?;
    let mut e = FieldErrors::new();
    let phone = check_phone_and_code(&mut e, &f.phone, &f.code);
    let license = clean_image(&mut e, "license", license);
    let letter = clean_image(&mut e, "letter", letter);
    e.into_result()?;
    let (Some(phone), Some(license), Some(letter)) = (phone, license, letter) else {
        return Err(AppError::Internal(
            "a valid appeal without its values".into(),
        ));
    };
    check_code(app, &phone, &f.code).await?;
    let name = {
        let mut c = app.db.read().await?;
        accounts::unit(&mut c, unit_id)
            .await?
            .ok_or_else(|| AppError::Refused(TICKET_EXPIRED.into()))?
            .name
    };
    file_appeal(
        app,
        actor,
        &Filing {
            kind: AppealKind::Unit,
            name: &name,
            identity_type: "",
            doc_type: "",
            doc_no: "",
            doc_no_idx: "",
            phone: &phone,
            unit_id: Some(unit_id),
        },
        vec![
            ToStore {
                purpose: "appeal_license",
                name: "营业执照或统一社会信用代码证",
                bytes: license,
            },
            ToStore {
                purpose: "appeal_letter",
                name: "申诉函",
                bytes: letter,
            },
        ],
    )
    .await
}
