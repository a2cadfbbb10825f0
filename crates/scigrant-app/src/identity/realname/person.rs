//! A natural person's 我的信息 (自然人用户信息): the fields, 修改个人信息
//! (saving sends the account through verification when it is not verified
//! or a vouched-for field changed), and 上传自然人信息 (the ID card's two
//! sides, signed, for a 账号审核员).

use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::id_number::{IdNumber, parse_document_code_number};
use scigrant_domain::identity::realname::{
    RealnameStatus, VerifiedFacts, needs_verification, region_kind,
};
use scigrant_domain::ids::PersonId;
use scigrant_domain::mask::{mask_id, mask_phone};
use scigrant_store::identity::accounts;
use scigrant_store::identity::realname::{self as store, PersonExtra, PersonInfo};

use super::provider::Request;
use super::{RealnameView, begin, check, status_on};
use crate::dictionary;
use crate::identity::appeal::{Image, ToStore, clean_image, discard, store_images};
use crate::identity::register::{Uploaded, record_file};
use crate::{Actor, App, AppError, FieldErrors, audit};
use scigrant_store::files::StoredFile;

/// A 证件号码 another account holds.
const DUPLICATE_PERSON: &str = "该证件号码已被其他账号使用";

/// 自然人用户基本信息 as 我的信息 shows it (ID and phone masked).
#[derive(Clone, Debug)]
pub struct PersonInfoView {
    pub login_masked: String,
    pub name: String,
    pub gender: String,
    pub nation: String,
    pub post: String,
    /// From the 居民身份证 number; empty for other documents.
    pub birth_date: String,
    pub email: String,
    pub phone_masked: String,
    pub tel: String,
    /// 类型: 中华人民共和国大陆地区, 港、澳、台地区, 其他.
    pub region_kind: &'static str,
    pub doc_type: String,
    pub doc_type_label: String,
    pub doc_no_masked: String,
    pub doc_valid_until: String,
    pub address: String,
    pub realname: RealnameView,
    /// 法人(单位)授权办理情况: the units that authorised this person.
    pub delegations: Vec<crate::identity::delegation::DelegationView>,
}

/// 修改个人信息 as typed. A blank 证件号码 keeps the stored one (the page
/// shows it masked).
#[derive(Clone, Debug, Default)]
pub struct PersonInfoForm {
    pub name: String,
    pub gender: String,
    pub nation: String,
    pub post: String,
    pub email: String,
    pub tel: String,
    pub doc_type: String,
    pub doc_no: String,
    pub doc_valid_until: String,
    pub address: String,
}

impl PersonInfoForm {
    /// The form filled with what is stored.
    pub fn of(v: &PersonInfoView) -> PersonInfoForm {
        PersonInfoForm {
            name: v.name.clone(),
            gender: v.gender.clone(),
            nation: v.nation.clone(),
            post: v.post.clone(),
            email: v.email.clone(),
            tel: v.tel.clone(),
            doc_type: v.doc_type.clone(),
            doc_no: String::new(),
            doc_valid_until: v.doc_valid_until.clone(),
            address: v.address.clone(),
        }
    }
}

/// 我的信息.
pub async fn person_info(app: &App, person: PersonId) -> Result<PersonInfoView, AppError> {
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let mut c = app.db.read().await?;
    let p = accounts::person(&mut c, person.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let extra = store::person_extra(&mut c, person.0)
        .await?
        .unwrap_or_default();
    let realname = status_on(&mut c, AccountKind::Person, person.0).await?;
    let delegations = crate::identity::delegation::given_to(&mut c, app, person).await?;
    drop(c);
    let doc_no = p.doc_no(&app.pii)?;
    let phone = p.phone(&app.pii)?;
    let birth_date = if p.doc_type == "mainland_id" {
        IdNumber::parse(&doc_no, app.today())
            .map(|n| {
                let (y, m, d) = n.birth_date();
                format!("{y:04}-{m:02}-{d:02}")
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    Ok(PersonInfoView {
        login_masked: mask_phone(&phone),
        name: p.name,
        gender: p.gender,
        nation: extra.nation,
        post: extra.post,
        birth_date,
        email: p.email,
        phone_masked: mask_phone(&phone),
        tel: extra.tel,
        region_kind: region_kind(&p.doc_type),
        doc_type_label: doc_types.label_of(&p.doc_type).to_string(),
        doc_type: p.doc_type,
        doc_no_masked: mask_id(&doc_no),
        doc_valid_until: extra.doc_valid_until,
        address: extra.address,
        realname,
        delegations,
    })
}

/// 身份证有效日期: a date (2030-01-31) or 长期.
fn valid_until(e: &mut FieldErrors, s: &str) -> String {
    let s = s.trim();
    if s.is_empty() || s == "长期" {
        return s.to_string();
    }
    match scigrant_domain::calendar::parse_ymd(s) {
        Ok(ymd) => scigrant_domain::calendar::format_ymd(ymd),
        Err(_) => {
            e.add(
                "doc_valid_until",
                "请填写有效日期（如 2030-01-31），或填写“长期”",
            );
            s.to_string()
        }
    }
}

fn optional(e: &mut FieldErrors, field: &str, value: &str, label: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        e.add(field, format!("{label}不能超过{max}个字"));
    }
    v.to_string()
}

/// 修改个人信息 → 保存. Side effects: the details saved (a new 证件号码
/// sealed, its index moved), audit `person.info`; when the account is not
/// verified or 姓名 / 证件类型 / 证件号码 changed, it goes back through
/// verification: the provider is asked after the commit (audit
/// `realname.verify`, the account notified), or without a provider the
/// account waits for manual review. Returns the status after it.
pub async fn save_person_info(
    app: &App,
    actor: &Actor,
    person: PersonId,
    f: &PersonInfoForm,
) -> Result<RealnameView, AppError> {
    let mut e = FieldErrors::new();
    e.require("name", &f.name, "姓名", 50);
    if f.gender != "男" && f.gender != "女" {
        e.add("gender", "请选择性别");
    }
    let extra = PersonExtra {
        nation: optional(&mut e, "nation", &f.nation, "民族", 20),
        post: optional(&mut e, "post", &f.post, "职务", 50),
        tel: optional(&mut e, "tel", &f.tel, "电话", 30),
        doc_valid_until: valid_until(&mut e, &f.doc_valid_until),
        address: optional(&mut e, "address", &f.address, "详细地址", 200),
    };
    let email = Email::parse(&f.email)
        .map_err(|m| e.add("email", m.to_string()))
        .ok();
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let mut c = app.db.read().await?;
    let p = accounts::person(&mut c, person.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let old_extra = store::person_extra(&mut c, person.0)
        .await?
        .unwrap_or_default();
    drop(c);
    if !doc_types.accepts(&f.doc_type, Some(p.doc_type.as_str())) {
        e.add("doc_type", "请选择证件类型");
    }
    let old_doc_no = p.doc_no(&app.pii)?;
    let doc_no = if f.doc_no.trim().is_empty() {
        // The kept number must still fit a changed 证件类型.
        if f.doc_type != p.doc_type
            && let Err(m) = parse_document_code_number(&f.doc_type, &old_doc_no, app.today())
        {
            e.add("doc_no", m);
        }
        old_doc_no.clone()
    } else {
        parse_document_code_number(&f.doc_type, &f.doc_no, app.today())
            .map_err(|m| e.add("doc_no", m))
            .unwrap_or_default()
    };
    let Some(email) = email else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let name = f.name.trim();
    let before = VerifiedFacts::Person {
        name: p.name.clone(),
        doc_type: p.doc_type.clone(),
        doc_no: old_doc_no.clone(),
    };
    let after = VerifiedFacts::Person {
        name: name.to_string(),
        doc_type: f.doc_type.clone(),
        doc_no: doc_no.clone(),
    };
    let new_doc = (doc_no != old_doc_no).then(|| (doc_no.clone(), app.pii.index("doc", &doc_no)));
    let mut tx = app.db.begin().await?;
    if let Some((_, idx)) = &new_doc
        && accounts::person_by_doc_idx(&mut tx, idx)
            .await?
            .is_some_and(|o| o.id != person.0)
    {
        return Err(AppError::field("doc_no", DUPLICATE_PERSON));
    }
    let now_status = status_on(&mut tx, AccountKind::Person, person.0)
        .await?
        .status;
    let info = PersonInfo {
        name,
        gender: &f.gender,
        email: email.as_str(),
        doc_type: &f.doc_type,
        doc_no: new_doc.as_ref().map(|(n, i)| (n.as_str(), i.as_str())),
        extra: &extra,
    };
    if let Err(err) = store::save_person_info(&mut tx, &app.pii, person.0, &info, app.now()).await {
        if scigrant_store::is_unique_violation(&err, "persons", "doc_no_idx") {
            return Err(AppError::field("doc_no", DUPLICATE_PERSON));
        }
        return Err(scigrant_store::StoreError::from(err).into());
    }
    let changed = changed_fields(&p, &old_extra, &info);
    audit(
        &mut tx,
        app,
        actor,
        "person.info",
        ("person", Some(person.0)),
        "success",
        &format!("修改个人信息：{}", changed.join("、")),
    )
    .await?;
    if !needs_verification(now_status, &before, &after) {
        tx.commit().await?;
        return super::status(app, AccountKind::Person, person.0).await;
    }
    let begun = begin(&mut tx, app, actor, AccountKind::Person, person.0).await?;
    tx.commit().await?;
    let req = Request::Person {
        name: name.to_string(),
        id_type: f.doc_type.clone(),
        id_number: doc_no,
    };
    check(app, actor, AccountKind::Person, person.0, begun, &req).await
}

/// The names of the fields a save changes (never their values: the audit
/// log holds no personal data).
fn changed_fields(
    p: &accounts::PersonRow,
    old: &PersonExtra,
    new: &PersonInfo<'_>,
) -> Vec<&'static str> {
    let pairs: [(&str, &str, &'static str); 9] = [
        (&p.name, new.name, "姓名"),
        (&p.gender, new.gender, "性别"),
        (&p.email, new.email, "电子邮箱"),
        (&p.doc_type, new.doc_type, "证件类型"),
        (&old.nation, &new.extra.nation, "民族"),
        (&old.post, &new.extra.post, "职务"),
        (&old.tel, &new.extra.tel, "电话"),
        (
            &old.doc_valid_until,
            &new.extra.doc_valid_until,
            "身份证有效日期",
        ),
        (&old.address, &new.extra.address, "详细地址"),
    ];
    let mut out: Vec<&'static str> = pairs
        .iter()
        .filter(|(a, b, _)| a != b)
        .map(|(_, _, l)| *l)
        .collect();
    if new.doc_no.is_some() {
        out.push("证件号码");
    }
    if out.is_empty() {
        out.push("无变化");
    }
    out
}

/// 上传自然人信息: 注册人身份证正面 and 反面 (jpg/png, ≤1 MB each, signed),
/// checked by content and stripped of metadata before they are stored (as
/// an appeal's images). Refused once the account is verified (“只能查看已上传
/// 信息”). Side effects: both files recorded, the account 待人工审核 in the
/// reviewers' queue, audit `realname.upload`. On refusal nothing is kept.
pub async fn upload_person_images(
    app: &App,
    actor: &Actor,
    person: PersonId,
    front: Option<&Image>,
    back: Option<&Image>,
) -> Result<RealnameView, AppError> {
    upload_images(app, actor, AccountKind::Person, person.0, front, back).await
}

pub(crate) async fn upload_images(
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
    front: Option<&Image>,
    back: Option<&Image>,
) -> Result<RealnameView, AppError> {
    let mut e = FieldErrors::new();
    let f = clean_image(&mut e, "front", front);
    let b = clean_image(&mut e, "back", back);
    let (Some(f), Some(b), Some(front), Some(back)) = (f, b, front, back) else {
        return Err(AppError::Validation(e));
    };
    let now = {
        let mut c = app.db.read().await?;
        status_on(&mut c, kind, id).await?
    };
    if !now.status.may_upload() {
        return Err(AppError::Refused(format!(
            "实名认证状态为“{}”，只能查看已上传信息",
            now.status.label()
        )));
    }
    let kept = store_images(
        app,
        vec![
            ToStore {
                purpose: "realname_front",
                name: &front.name,
                bytes: f,
            },
            ToStore {
                purpose: "realname_back",
                name: &back.name,
                bytes: b,
            },
        ],
    )
    .await?;
    let r = record_images(app, actor, kind, id, &kept).await;
    if r.is_err() {
        discard(app, &kept).await;
    }
    r
}

async fn record_images(
    app: &App,
    actor: &Actor,
    kind: AccountKind,
    id: i64,
    kept: &[(ToStore<'_>, StoredFile)],
) -> Result<RealnameView, AppError> {
    let mut tx = app.db.begin().await?;
    let now = status_on(&mut tx, kind, id).await?;
    if !now.status.may_upload() {
        return Err(AppError::Refused(format!(
            "实名认证状态为“{}”，只能查看已上传信息",
            now.status.label()
        )));
    }
    let owner = (kind, id);
    let mut ids = Vec::with_capacity(2);
    for (t, stored) in kept {
        let u = Uploaded {
            stored: stored.clone(),
            original_name: t.name.to_string(),
        };
        ids.push(record_file(&mut tx, app, owner, t.purpose, &u).await?);
    }
    store::set_images(
        &mut tx,
        kind.code(),
        id,
        ids[0],
        ids[1],
        RealnameStatus::Manual.code(),
        app.now(),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "realname.upload",
        (kind.code(), Some(id)),
        "success",
        "上传证件照片，待人工审核",
    )
    .await?;
    tx.commit().await?;
    super::status(app, kind, id).await
}
