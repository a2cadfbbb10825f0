//! 单位账号注册 and 个人账号注册, and the unit's side of its review loop:
//! correcting a rejected registration, and uploading the 组织机构代码证
//! for 复审. A duplicate 统一社会信用代码 or 证件号码 is refused with a
//! pointer to login and password recovery, revealing nothing else.

use scigrant_domain::dictionary::{DictKind, Dictionary};
use scigrant_domain::identity::account::{AccountKind, UnitState, UnitTransition};
use scigrant_domain::identity::decision::{DecisionOutcome, DecisionStage};
use scigrant_domain::identity::password::check_password;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::ids::UnitId;
use scigrant_store::files::{self, NewFile, StoredFile};
use scigrant_store::identity::accounts;
use scigrant_store::{AnyConnection, is_unique_violation};

use crate::dictionary;

mod person;

pub(crate) use person::parse_region;
pub(crate) use person::{Bind, register as register_bound};
pub use person::{PersonForm, normal_login, register_person};

use crate::identity::captcha::take_captcha;
use crate::identity::hasher::new_password_hash;
use crate::record::{AccountDecision, AuditEvent, record_decision};
use crate::{Actor, App, AppError, FieldErrors};

/// An uploaded file that passed the type and size checks.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub stored: StoredFile,
    pub original_name: String,
}

/// Limits of the seed's uploads.
pub mod limits {
    /// 统一社会信用代码证 (JPG). The seed sets no size; 5 MB fits a photo.
    pub const USCC_CERT: u64 = 5 * 1024 * 1024;
    /// 组织机构代码证 (PDF, 1 file, ≤300 MB).
    pub const ORG_CERT: u64 = 300 * 1024 * 1024;
    /// 身份证证明片 (PDF ≤2 MB).
    pub const ID_PROOF: u64 = 2 * 1024 * 1024;
    /// 职称证明 (PDF ≤10 MB).
    pub const TITLE_PROOF: u64 = 10 * 1024 * 1024;
}

/// Removes uploads of a request that is refused, so nothing stays stored.
pub(crate) async fn discard(app: &App, uploads: &[Option<&Uploaded>]) {
    for u in uploads.iter().flatten() {
        app.files.remove(&u.stored.key).await;
    }
}

pub(crate) async fn record_file(
    c: &mut AnyConnection,
    app: &App,
    owner: (AccountKind, i64),
    purpose: &str,
    u: &Uploaded,
) -> Result<i64, AppError> {
    let name: String = u.original_name.chars().take(200).collect();
    files::insert(
        c,
        NewFile {
            owner_kind: owner.0.code(),
            owner_id: owner.1,
            purpose,
            original_name: &name,
            stored: &u.stored,
            now: app.now(),
        },
    )
    .await
    .map_err(Into::into)
}

/// The 单位账号注册 form, as typed.
#[derive(Clone, Debug, Default)]
pub struct UnitForm {
    pub kind: String,
    pub name: String,
    pub legal_rep: String,
    pub reg_place: String,
    pub uscc: String,
    pub password: String,
    pub password_confirm: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// 图形验证码, asked at registration only (a correction has a session).
    pub captcha_id: String,
    pub captcha: String,
}

struct ValidUnit {
    /// A 单位性质 code of the dictionary.
    kind: String,
    uscc: Uscc,
    phone: Phone,
}

/// Checks a unit's form; 单位性质 is an enabled entry of `natures` or the
/// one the unit already holds (`kept`), even if retired since.
fn validate_unit(
    f: &UnitForm,
    with_password: bool,
    natures: &Dictionary,
    kept: Option<&str>,
) -> Result<ValidUnit, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = natures.accepts(&f.kind, kept).then(|| f.kind.clone());
    if kind.is_none() {
        e.add("kind", "请选择单位性质");
    }
    e.require("name", &f.name, "单位名全称", 100);
    e.require("legal_rep", &f.legal_rep, "法定代表人", 50);
    e.require("reg_place", &f.reg_place, "单位注册地", 100);
    e.require("contact_name", &f.contact_name, "联系人", 50);
    let uscc = Uscc::parse(&f.uscc)
        .map_err(|err| e.add("uscc", err.to_string()))
        .ok();
    let phone = Phone::parse(&f.contact_phone)
        .map_err(|err| e.add("contact_phone", err.to_string()))
        .ok();
    if with_password {
        let personal = [
            f.uscc.trim(),
            f.contact_phone.trim(),
            f.name.trim(),
            f.contact_name.trim(),
        ];
        if let Err(err) = check_password(&f.password, &personal) {
            e.add("password", err.to_string());
        }
        if f.password != f.password_confirm {
            e.add("password_confirm", "两次输入的密码不一致");
        }
    }
    match (kind, uscc, phone) {
        (Some(kind), Some(uscc), Some(phone)) if e.is_empty() => {
            Ok(ValidUnit { kind, uscc, phone })
        }
        _ => Err(e),
    }
}

const DUPLICATE_UNIT: &str =
    "该统一社会信用代码已注册。请直接登录；如忘记密码，请点击“忘记密码？”找回";
/// Says no more than that the number is taken: not by which account.
const DUPLICATE_UNIT_PHONE: &str = "该手机号码已被注册";

/// 单位账号注册. Side effects: consumes the captcha (one attempt each,
/// checked before anything else is looked up), the certificate file
/// recorded, the unit created 待初审, decision history `register`, audit
/// `unit.register`. On refusal the uploaded certificate is deleted.
pub async fn register_unit(
    app: &App,
    actor: &Actor,
    f: &UnitForm,
    cert: Option<&Uploaded>,
) -> Result<UnitId, AppError> {
    let result = register_unit_inner(app, actor, f, cert).await;
    if result.is_err() {
        discard(app, &[cert]).await;
    }
    result
}

async fn register_unit_inner(
    app: &App,
    actor: &Actor,
    f: &UnitForm,
    cert: Option<&Uploaded>,
) -> Result<UnitId, AppError> {
    let natures = dictionary::dictionary(app, DictKind::UnitNature).await?;
    let checked = validate_unit(f, true, &natures, None);
    let mut e = checked.as_ref().err().cloned().unwrap_or_default();
    if cert.is_none() {
        e.add("cert", "请选择JPG格式的统一社会信用代码证图片");
    }
    // The captcha is checked before the duplicate look-ups: whether a
    // 统一社会信用代码 or a number is registered cannot be asked without
    // solving one.
    let (mut tx, hash) = open_registration(app, e, &f.password, &f.captcha_id, &f.captcha).await?;
    let (Ok(v), Some(cert)) = (checked, cert) else {
        return Err(AppError::Internal("a valid form without its values".into()));
    };
    let phone_idx = app.pii.index("unit_phone", v.phone.as_str());
    if accounts::unit_by_uscc(&mut tx, v.uscc.as_str())
        .await?
        .is_some()
    {
        // Committed: the captcha stays consumed.
        tx.commit().await?;
        return Err(AppError::field("uscc", DUPLICATE_UNIT));
    }
    if accounts::unit_by_phone_idx(&mut tx, &phone_idx)
        .await?
        .is_some()
    {
        // Committed: the captcha stays consumed.
        tx.commit().await?;
        return Err(AppError::field("contact_phone", DUPLICATE_UNIT_PHONE));
    }
    let now = app.now();
    let fields = accounts::UnitFields {
        kind: &v.kind,
        name: f.name.trim(),
        legal_rep: f.legal_rep.trim(),
        reg_place: f.reg_place.trim(),
        uscc: v.uscc.as_str(),
        contact_name: f.contact_name.trim(),
        contact_phone: v.phone.as_str(),
        contact_phone_idx: &phone_idx,
        cert_file_id: None,
    };
    let state = UnitState::PendingInitial.code();
    let id = match accounts::insert_unit(&mut tx, &app.pii, &fields, &hash, state, now).await {
        Ok(id) => id,
        // Two registrations racing: the constraint decides, same message.
        Err(err) if is_unique_violation(&err, "units", "uscc") => {
            return Err(AppError::field("uscc", DUPLICATE_UNIT));
        }
        Err(err) if is_unique_violation(&err, "units", "contact_phone_idx") => {
            return Err(AppError::field("contact_phone", DUPLICATE_UNIT_PHONE));
        }
        Err(err) => return Err(err.into()),
    };
    let file_id = record_file(&mut tx, app, (AccountKind::Unit, id), "uscc_cert", cert).await?;
    accounts::set_unit_cert(&mut tx, id, file_id, now).await?;
    let mut detail = format!("{} {}", f.name.trim(), v.uscc.as_str());
    if let Some(w) = v.uscc.org_code_warning() {
        detail.push_str(&format!("（{w}）"));
    }
    record_decision(
        &mut tx,
        app,
        actor,
        AccountDecision {
            subject: (AccountKind::Unit, id),
            stage: DecisionStage::Register,
            outcome: DecisionOutcome::Submitted,
            reason: None,
            by: f.name.trim(),
        },
        AuditEvent {
            action: "unit.register",
            target: ("unit", Some(id)),
            outcome: "success",
            detail: &detail,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(UnitId(id))
}

/// The opening every registration shares: the password is hashed only for
/// an otherwise valid form and before the transaction (SQLite's write lock
/// is not held for the tens of milliseconds a hash takes); the captcha is
/// taken inside it and consumed even when other fields are wrong. Returns
/// the open transaction and the hash, or every field error.
async fn open_registration(
    app: &App,
    mut e: FieldErrors,
    password: &str,
    captcha_id: &str,
    captcha: &str,
) -> Result<(scigrant_store::Tx, String), AppError> {
    let hash = if e.is_empty() {
        Some(new_password_hash(app, password).await?)
    } else {
        None
    };
    let mut tx = app.db.begin().await?;
    if !take_captcha(&mut tx, app, captcha_id, captcha).await? {
        e.add("captcha", "图形验证码不正确或已过期，请重新输入");
    }
    match hash {
        Some(hash) if e.is_empty() => Ok((tx, hash)),
        _ => {
            tx.commit().await?;
            Err(AppError::Validation(e))
        }
    }
}

/// The unit's own registration data for its correction form.
pub async fn unit_form(app: &App, unit_id: UnitId) -> Result<UnitForm, AppError> {
    let mut c = app.db.read().await?;
    let u = accounts::unit(&mut c, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let contact_phone = u.contact_phone(&app.pii)?;
    Ok(UnitForm {
        kind: u.kind,
        name: u.name,
        legal_rep: u.legal_rep,
        reg_place: u.reg_place,
        uscc: u.uscc,
        password: String::new(),
        password_confirm: String::new(),
        contact_name: u.contact_name,
        contact_phone,
        captcha_id: String::new(),
        captcha: String::new(),
    })
}

/// Corrects a registration refused at 初审 and sends it back to 待初审.
/// The USCC cannot change; a new certificate replaces the old when given.
/// Side effects: decision `resubmit`, audit `unit.resubmit`.
pub async fn resubmit_unit(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    f: &UnitForm,
    cert: Option<&Uploaded>,
) -> Result<(), AppError> {
    let result = async {
        let mut c = app.db.read().await?;
        let u = accounts::unit(&mut c, unit_id.0)
            .await?
            .ok_or(AppError::NotFound)?;
        let natures = dictionary::read(&mut c, DictKind::UnitNature).await?;
        drop(c);
        let form = UnitForm {
            uscc: u.uscc.clone(),
            ..f.clone()
        };
        let v =
            validate_unit(&form, false, &natures, Some(&u.kind)).map_err(AppError::Validation)?;
        let state = UnitState::from_code(&u.state).ok_or(AppError::NotFound)?;
        let next = state
            .apply(UnitTransition::ResubmitInitial)
            .ok_or_else(|| AppError::Refused("当前状态不能重新提交".into()))?;
        let phone_idx = app.pii.index("unit_phone", v.phone.as_str());
        let now = app.now();
        let mut tx = app.db.begin().await?;
        let cert_id = match cert {
            Some(cert) => {
                record_file(
                    &mut tx,
                    app,
                    (AccountKind::Unit, unit_id.0),
                    "uscc_cert",
                    cert,
                )
                .await?
            }
            None => u
                .cert_file_id
                .ok_or_else(|| AppError::field("cert", "请选择JPG格式的统一社会信用代码证图片"))?,
        };
        let fields = accounts::UnitFields {
            kind: &v.kind,
            name: form.name.trim(),
            legal_rep: form.legal_rep.trim(),
            reg_place: form.reg_place.trim(),
            uscc: &u.uscc,
            contact_name: form.contact_name.trim(),
            contact_phone: v.phone.as_str(),
            contact_phone_idx: &phone_idx,
            cert_file_id: Some(cert_id),
        };
        match accounts::correct_unit(
            &mut tx,
            &app.pii,
            unit_id.0,
            &fields,
            state.code(),
            next.code(),
            now,
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => return Err(AppError::Refused("当前状态不能重新提交".into())),
            Err(err) if is_unique_violation(&err, "units", "contact_phone_idx") => {
                return Err(AppError::field("contact_phone", DUPLICATE_UNIT_PHONE));
            }
            Err(err) => return Err(err.into()),
        }
        record_decision(
            &mut tx,
            app,
            actor,
            AccountDecision {
                subject: (AccountKind::Unit, unit_id.0),
                stage: DecisionStage::Initial,
                outcome: DecisionOutcome::Resubmitted,
                reason: None,
                by: &actor.label,
            },
            AuditEvent {
                action: "unit.resubmit",
                target: ("unit", Some(unit_id.0)),
                outcome: "success",
                detail: "",
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if result.is_err() {
        discard(app, &[cert]).await;
    }
    result
}

/// 上传附件（组织机构代码证）and submit for 复审. Side effects: the PDF
/// recorded, state 待复审, decision `second/submitted`, audit `unit.submit_second`.
pub async fn submit_org_cert(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    pdf: Option<&Uploaded>,
) -> Result<(), AppError> {
    let result = async {
        let pdf = pdf.ok_or_else(|| AppError::field("org_cert", "请选择要上传的PDF文件"))?;
        let mut tx = app.db.begin().await?;
        let u = accounts::unit(&mut tx, unit_id.0)
            .await?
            .ok_or(AppError::NotFound)?;
        let state = UnitState::from_code(&u.state).ok_or(AppError::NotFound)?;
        let next = state.apply(UnitTransition::SubmitSecond).ok_or_else(|| {
            AppError::Refused(format!("当前状态（{}）不能提交复审", state.label()))
        })?;
        let now = app.now();
        let file_id = record_file(
            &mut tx,
            app,
            (AccountKind::Unit, unit_id.0),
            "org_cert",
            pdf,
        )
        .await?;
        accounts::set_unit_org_cert(&mut tx, unit_id.0, file_id, now).await?;
        if !accounts::move_unit(&mut tx, unit_id.0, state.code(), next.code(), None, now).await? {
            return Err(AppError::Refused("单位状态已变化，请刷新后重试".into()));
        }
        record_decision(
            &mut tx,
            app,
            actor,
            AccountDecision {
                subject: (AccountKind::Unit, unit_id.0),
                stage: DecisionStage::Second,
                outcome: DecisionOutcome::Submitted,
                reason: None,
                by: &actor.label,
            },
            AuditEvent {
                action: "unit.submit_second",
                target: ("unit", Some(unit_id.0)),
                outcome: "success",
                detail: &pdf.original_name,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if result.is_err() {
        discard(app, &[pdf]).await;
    }
    result
}
