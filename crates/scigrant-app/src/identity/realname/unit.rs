//! A unit's 我的信息, 修改法人信息 (法人单位基本信息, 法人授权信息,
//! 法定代表人信息): saving sends the unit through verification (kind
//! `unit`) when it is not verified or a vouched-for field changed; and
//! 上传法人信息 (the 统一社会信用代码证 and the 法定代表人's ID card, signed
//! and stamped, for a 账号审核员).

use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::id_number::parse_document_code_number;
use scigrant_domain::identity::realname::{VerifiedFacts, needs_verification};
use scigrant_domain::ids::UnitId;
use scigrant_domain::mask::{mask_id, mask_phone};
use scigrant_store::identity::accounts;
use scigrant_store::identity::realname::{self as store, UnitInfo};

use super::person::upload_images;
use super::provider::Request;
use super::{RealnameView, begin, check, status_on};
use crate::dictionary;
use crate::identity::appeal::Image;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// 法人用户信息 as 我的信息 shows it.
#[derive(Clone, Debug)]
pub struct UnitInfoView {
    pub name: String,
    pub uscc: String,
    pub kind_label: String,
    pub reg_place: String,
    pub contact_name: String,
    pub contact_phone_masked: String,
    pub legal_rep: String,
    pub legal_rep_doc_type: String,
    pub legal_rep_doc_type_label: String,
    /// Empty until given.
    pub legal_rep_doc_no_masked: String,
    pub realname: RealnameView,
}

/// 修改法人信息 as typed; a blank 证件号码 keeps the stored one.
#[derive(Clone, Debug, Default)]
pub struct UnitInfoForm {
    pub name: String,
    pub reg_place: String,
    pub contact_name: String,
    pub legal_rep: String,
    pub legal_rep_doc_type: String,
    pub legal_rep_doc_no: String,
}

impl UnitInfoForm {
    pub fn of(v: &UnitInfoView) -> UnitInfoForm {
        UnitInfoForm {
            name: v.name.clone(),
            reg_place: v.reg_place.clone(),
            contact_name: v.contact_name.clone(),
            legal_rep: v.legal_rep.clone(),
            legal_rep_doc_type: v.legal_rep_doc_type.clone(),
            legal_rep_doc_no: String::new(),
        }
    }
}

pub async fn unit_info(app: &App, unit: UnitId) -> Result<UnitInfoView, AppError> {
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let natures = dictionary::dictionary(app, DictKind::UnitNature).await?;
    let mut c = app.db.read().await?;
    let u = accounts::unit(&mut c, unit.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let (doc_type, doc_no) = store::unit_legal_rep_doc(&mut c, &app.pii, unit.0).await?;
    let realname = status_on(&mut c, AccountKind::Unit, unit.0).await?;
    drop(c);
    Ok(UnitInfoView {
        contact_phone_masked: mask_phone(&u.contact_phone(&app.pii)?),
        kind_label: natures.label_of(&u.kind).to_string(),
        name: u.name,
        uscc: u.uscc,
        reg_place: u.reg_place,
        contact_name: u.contact_name,
        legal_rep: u.legal_rep,
        legal_rep_doc_type_label: doc_types.label_of(&doc_type).to_string(),
        legal_rep_doc_type: doc_type,
        legal_rep_doc_no_masked: doc_no.as_deref().map(mask_id).unwrap_or_default(),
        realname,
    })
}

/// 修改法人信息 → 保存. Side effects: the unit's details saved (the
/// 法定代表人's 证件号码 sealed for the row), audit `unit.info`; then, as
/// for a person, the check by the provider (kind `unit`) after the commit,
/// or manual review without one.
pub async fn save_unit_info(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    f: &UnitInfoForm,
) -> Result<RealnameView, AppError> {
    let mut e = FieldErrors::new();
    e.require("name", &f.name, "单位名称", 100);
    e.require("reg_place", &f.reg_place, "单位注册地", 100);
    e.require("contact_name", &f.contact_name, "联系人", 50);
    e.require("legal_rep", &f.legal_rep, "法定代表人", 50);
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let mut c = app.db.read().await?;
    let u = accounts::unit(&mut c, unit.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let (old_type, old_no) = store::unit_legal_rep_doc(&mut c, &app.pii, unit.0).await?;
    drop(c);
    let kept = (!old_type.is_empty()).then_some(old_type.as_str());
    if !doc_types.accepts(&f.legal_rep_doc_type, kept) {
        e.add("legal_rep_doc_type", "请选择法定代表人证件类型");
    }
    let typed = f.legal_rep_doc_no.trim();
    let doc_no = match (&old_no, typed.is_empty()) {
        (Some(old), true) => {
            if f.legal_rep_doc_type != old_type
                && let Err(m) = parse_document_code_number(&f.legal_rep_doc_type, old, app.today())
            {
                e.add("legal_rep_doc_no", m);
            }
            old.clone()
        }
        (None, true) => {
            e.add("legal_rep_doc_no", "请填写法定代表人证件号码");
            String::new()
        }
        (_, false) => parse_document_code_number(&f.legal_rep_doc_type, typed, app.today())
            .map_err(|m| e.add("legal_rep_doc_no", m))
            .unwrap_or_default(),
    };
    e.into_result()?;
    let before = VerifiedFacts::Unit {
        name: u.name.clone(),
        uscc: u.uscc.clone(),
        legal_rep: u.legal_rep.clone(),
        legal_rep_doc_type: old_type.clone(),
        legal_rep_doc_no: old_no.clone().unwrap_or_default(),
    };
    let after = VerifiedFacts::Unit {
        name: f.name.trim().to_string(),
        uscc: u.uscc.clone(),
        legal_rep: f.legal_rep.trim().to_string(),
        legal_rep_doc_type: f.legal_rep_doc_type.clone(),
        legal_rep_doc_no: doc_no.clone(),
    };
    let info = UnitInfo {
        name: f.name.trim(),
        reg_place: f.reg_place.trim(),
        contact_name: f.contact_name.trim(),
        legal_rep: f.legal_rep.trim(),
        legal_rep_doc_type: &f.legal_rep_doc_type,
        legal_rep_doc_no: (old_no.as_deref() != Some(doc_no.as_str())).then_some(doc_no.as_str()),
    };
    let pairs: [(&str, &str, &'static str); 5] = [
        (&u.name, info.name, "单位名称"),
        (&u.reg_place, info.reg_place, "单位注册地"),
        (&u.contact_name, info.contact_name, "联系人"),
        (&u.legal_rep, info.legal_rep, "法定代表人"),
        (&old_type, info.legal_rep_doc_type, "法定代表人证件类型"),
    ];
    let mut changed: Vec<&str> = pairs
        .iter()
        .filter(|(a, b, _)| a != b)
        .map(|(_, _, l)| *l)
        .collect();
    if info.legal_rep_doc_no.is_some() {
        changed.push("法定代表人证件号码");
    }
    let mut tx = app.db.begin().await?;
    let now_status = status_on(&mut tx, AccountKind::Unit, unit.0).await?.status;
    store::save_unit_info(&mut tx, &app.pii, unit.0, &info, app.now())
        .await
        .map_err(scigrant_store::StoreError::from)?;
    if changed.is_empty() {
        changed.push("无变化");
    }
    audit(
        &mut tx,
        app,
        actor,
        "unit.info",
        ("unit", Some(unit.0)),
        "success",
        &format!("修改法人信息：{}", changed.join("、")),
    )
    .await?;
    if !needs_verification(now_status, &before, &after) {
        tx.commit().await?;
        return super::status(app, AccountKind::Unit, unit.0).await;
    }
    let begun = begin(&mut tx, app, actor, AccountKind::Unit, unit.0).await?;
    tx.commit().await?;
    let req = Request::Unit {
        name: info.name.to_string(),
        uscc: u.uscc,
        legal_rep: info.legal_rep.to_string(),
        legal_rep_id_type: f.legal_rep_doc_type.clone(),
        legal_rep_id_number: doc_no,
    };
    check(app, actor, AccountKind::Unit, unit.0, begun, &req).await
}

/// 上传法人信息: the 统一社会信用代码证 (or 营业执照) and the 法定代表人's
/// ID card (jpg/png, ≤1 MB each, signed and stamped), checked and stored
/// as a person's 上传自然人信息 are. Refused once the unit is verified
/// (“只能查看已上传信息”). Side effects: both files recorded, the unit
/// 待人工审核 in the reviewers' queue, audit `realname.upload`. On refusal
/// nothing is kept.
pub async fn upload_unit_images(
    app: &App,
    actor: &Actor,
    unit: UnitId,
    licence: Option<&Image>,
    legal_rep_id: Option<&Image>,
) -> Result<RealnameView, AppError> {
    upload_images(app, actor, AccountKind::Unit, unit.0, licence, legal_rep_id).await
}
