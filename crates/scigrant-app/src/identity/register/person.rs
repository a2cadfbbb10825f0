//! 个人账号注册: a natural person's account, its ID number and phone
//! sealed, refused with a pointer to login when either is registered.

use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::account::Membership;
use scigrant_domain::identity::email::Email;
use scigrant_domain::identity::id_number::parse_document_code_number;
use scigrant_domain::identity::password::check_password;
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::identity::region;
use scigrant_domain::ids::PersonId;
use scigrant_store::identity::{accounts, legacy};
use scigrant_store::is_unique_violation;

use super::open_registration;
use crate::dictionary;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The 个人账号注册 form, as typed.
#[derive(Clone, Debug, Default)]
pub struct PersonForm {
    pub doc_type: String,
    pub doc_no: String,
    pub name: String,
    pub email: String,
    pub region_code: String,
    pub gender: String,
    pub password: String,
    pub password_confirm: String,
    pub phone: String,
    pub captcha_id: String,
    pub captcha: String,
    pub agreed: bool,
}

const DUPLICATE_PERSON: &str = "该证件号码已注册。请直接登录；如忘记密码，请点击“忘记密码？”找回";
/// As for units: taken, without saying by which account.
const DUPLICATE_PERSON_PHONE: &str = "该手机号码已被注册";

pub(crate) fn parse_region(e: &mut FieldErrors, field: &str, code: &str) -> i64 {
    match code.trim().parse::<u32>() {
        Ok(c) if region::is_leaf_selectable(c) => i64::from(c),
        _ => {
            e.add(field, "请选择所在地区（省、市、区县）");
            0
        }
    }
}

/// 个人账号注册. Side effects: consumes the captcha, creates the person
/// (ID and phone sealed), audit `person.register`.
pub async fn register_person(
    app: &App,
    actor: &Actor,
    f: &PersonForm,
) -> Result<PersonId, AppError> {
    register(app, actor, f, None).await
}

/// The unit a 普通用户 registers into (供应商注册): its id and name.
pub(crate) struct Bind<'a> {
    pub unit_id: i64,
    pub unit_name: &'a str,
}

/// [`register_person`], and for a 普通用户 (`bind`) the person bound to the
/// unit at once, approved, with the login name XM + 手机号.
pub(crate) async fn register(
    app: &App,
    actor: &Actor,
    f: &PersonForm,
    bind: Option<Bind<'_>>,
) -> Result<PersonId, AppError> {
    let mut e = FieldErrors::new();
    let doc_types = dictionary::dictionary(app, DictKind::DocType).await?;
    let doc_type = doc_types
        .accepts(&f.doc_type, None)
        .then_some(f.doc_type.as_str());
    let doc_no = match doc_type {
        None => {
            e.add("doc_type", "请选择证件类型");
            None
        }
        Some(t) => parse_document_code_number(t, &f.doc_no, app.today())
            .map_err(|m| e.add("doc_no", m))
            .ok(),
    };
    e.require("name", &f.name, "姓名", 50);
    let email = Email::parse(&f.email)
        .map_err(|m| e.add("email", m.to_string()))
        .ok();
    let region_code = parse_region(&mut e, "region_code", &f.region_code);
    if f.gender != "男" && f.gender != "女" {
        e.add("gender", "请选择性别");
    }
    let phone = Phone::parse(&f.phone)
        .map_err(|m| e.add("phone", m.to_string()))
        .ok();
    let personal = [f.doc_no.trim(), f.phone.trim(), f.name.trim()];
    if let Err(err) = check_password(&f.password, &personal) {
        e.add("password", err.to_string());
    }
    if f.password != f.password_confirm {
        e.add("password_confirm", "两次输入的密码不一致");
    }
    if !f.agreed {
        e.add("agreed", "请阅读并同意用户注册协议");
    }
    let (mut tx, hash) = open_registration(app, e, &f.password, &f.captcha_id, &f.captcha).await?;
    let (Some(doc_type), Some(doc_no), Some(email), Some(phone)) = (doc_type, doc_no, email, phone)
    else {
        return Err(AppError::Internal("a valid form without its values".into()));
    };
    let doc_idx = app.pii.index("doc", &doc_no);
    let phone_idx = app.pii.index("phone", phone.as_str());
    if accounts::person_by_doc_idx(&mut tx, &doc_idx)
        .await?
        .is_some()
    {
        tx.commit().await?;
        return Err(AppError::field("doc_no", DUPLICATE_PERSON));
    }
    if accounts::person_by_phone_idx(&mut tx, &phone_idx)
        .await?
        .is_some()
    {
        tx.commit().await?;
        return Err(AppError::field("phone", DUPLICATE_PERSON_PHONE));
    }
    let p = accounts::NewPerson {
        doc_type,
        doc_no: &doc_no,
        doc_no_idx: &doc_idx,
        name: f.name.trim(),
        email: email.as_str(),
        region_code,
        gender: &f.gender,
        phone: phone.as_str(),
        phone_idx: &phone_idx,
    };
    let id = match accounts::insert_person(
        &mut tx,
        &app.pii,
        &p,
        &hash,
        Membership::None.code(),
        app.now(),
    )
    .await
    {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "persons", "doc_no_idx") => {
            return Err(AppError::field("doc_no", DUPLICATE_PERSON));
        }
        Err(err) if is_unique_violation(&err, "persons", "phone_idx") => {
            return Err(AppError::field("phone", DUPLICATE_PERSON_PHONE));
        }
        Err(err) => return Err(err.into()),
    };
    let detail = match &bind {
        Some(b) => {
            let login = normal_login(phone.as_str()).to_uppercase();
            let approved = Membership::Approved.code();
            legacy::bind_normal_user(&mut tx, id, b.unit_id, &login, approved, app.now()).await?;
            format!("{}（{}普通用户）", f.name.trim(), b.unit_name)
        }
        None => f.name.trim().to_string(),
    };
    audit(
        &mut tx,
        app,
        actor,
        "person.register",
        ("person", Some(id)),
        "success",
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(PersonId(id))
}

/// A 普通用户's login name: xm + 手机号 (xm13712345678), told apart from
/// other accounts of the same phone (附件6 注意事项 1).
pub fn normal_login(phone: &str) -> String {
    format!("xm{phone}")
}
