//! 单位账号注册 and 个人账号注册 pages. A refused form comes back with
//! every value as typed (passwords excepted) and each error beside its field.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::dictionary::dictionary;
use scigrant_app::identity::register::{
    PersonForm, UnitForm, limits, register_person, register_unit,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::upload::FileKind;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::{FileSpec, merge, read_multipart};
use crate::http::notice::see_other;
use crate::http::pages::{Errs, Opt, PageCtx, dict_options, options, render};
use crate::http::rate::{Admitted, ClientAddr, Register};

#[derive(Template)]
#[template(path = "auth/unit_form.html")]
pub struct UnitFormPage {
    pub ctx: PageCtx,
    pub title: &'static str,
    pub action: &'static str,
    /// Registration asks for a password; a correction does not.
    pub with_password: bool,
    pub form: UnitForm,
    pub kinds: Vec<Opt>,
    pub errs: Errs,
    pub reason: String,
    pub cert_max: u64,
    /// The image captcha of a registration; a correction shows none.
    pub captcha_id: String,
    pub captcha_image: String,
}

/// 单位性质 as the dictionary offers it (a retired one only when it is
/// the unit's own).
pub async fn unit_kinds(state: &AppState, current: &str) -> Result<Vec<Opt>, WebError> {
    let natures = dictionary(&state.app, DictKind::UnitNature).await?;
    Ok(dict_options(&natures, current))
}

/// What 供应商注册's 注册为单位管理员 carries over: the 单位全称 or the
/// 统一社会信用代码 the visitor searched for.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitPrefill {
    name: String,
    uscc: String,
}

pub async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<UnitPrefill>,
) -> Result<Response, WebError> {
    let form = UnitForm {
        name: q.name.chars().take(100).collect(),
        uscc: q.uscc.chars().take(18).collect(),
        ..UnitForm::default()
    };
    let page = unit_page_with(&state, &ctx, &addr, form, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

pub const CERT_SPEC: [FileSpec; 1] = [FileSpec {
    field: "cert",
    kind: FileKind::Jpeg,
    max: limits::USCC_CERT,
}];

pub fn unit_form_of(s: &crate::http::forms::Submitted) -> UnitForm {
    UnitForm {
        kind: s.get("kind"),
        name: s.get("name"),
        legal_rep: s.get("legal_rep"),
        reg_place: s.get("reg_place"),
        uscc: s.get("uscc"),
        password: s.get("password"),
        password_confirm: s.get("password_confirm"),
        contact_name: s.get("contact_name"),
        contact_phone: s.get("contact_phone"),
        captcha_id: s.get("captcha_id"),
        captcha: s.get("captcha"),
    }
}

pub async fn unit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    _: Admitted<Register>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let app = &state.app;
    let s = read_multipart(app, mp, &CERT_SPEC).await;
    let form = unit_form_of(&s);
    let upload_errors = s.errors.clone();
    let result = if upload_errors.is_empty() {
        register_unit(app, &ctx.actor(), &form, s.file("cert")).await
    } else {
        s.discard(app).await;
        // Still validate the other fields so every error shows at once.
        match register_unit(app, &ctx.actor(), &form, None).await {
            Ok(_) => Err(AppError::Internal("registered without certificate".into())),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(_) => Ok(see_other("/login?tab=unit&ok=registered_unit")),
        Err(AppError::Validation(e)) => {
            let mut errs = merge(upload_errors, e);
            if errs.get("cert").is_none() && s.file("cert").is_some() {
                errs.add(
                    "cert",
                    "请重新选择统一社会信用代码证图片（出于安全考虑，出错后需重新选择文件）",
                );
            }
            let page = unit_page_with(&state, &ctx, &addr, form, errs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn unit_page_with(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    mut form: UnitForm,
    errs: FieldErrors,
) -> Result<UnitFormPage, WebError> {
    let captcha = addr.captcha(state).await?;
    form.password.clear();
    form.password_confirm.clear();
    form.captcha.clear();
    let kinds = unit_kinds(state, &form.kind).await?;
    Ok(UnitFormPage {
        ctx: PageCtx::new(state, ctx),
        title: "单位账号注册",
        action: "/register/unit",
        with_password: true,
        form,
        kinds,
        errs: Errs(errs),
        reason: String::new(),
        cert_max: limits::USCC_CERT,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
    })
}

#[derive(Template)]
#[template(path = "auth/person_form.html")]
pub struct PersonFormPage {
    pub ctx: PageCtx,
    pub title: &'static str,
    pub action: String,
    /// 注册为普通用户: the unit's 统一社会信用代码 (empty otherwise).
    pub supplier_uscc: String,
    pub form: PersonForm,
    pub doc_types: Vec<Opt>,
    pub genders: Vec<Opt>,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
}

/// The person's registration page; for 注册为普通用户 (`supplier`: the
/// unit's 统一社会信用代码) it posts to 供应商注册.
pub(crate) async fn person_page_with(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    mut form: PersonForm,
    errs: FieldErrors,
    supplier: Option<&str>,
) -> Result<PersonFormPage, WebError> {
    let captcha = addr.captcha(state).await?;
    form.password.clear();
    form.password_confirm.clear();
    form.captcha.clear();
    let doc_types = dictionary(&state.app, DictKind::DocType).await?;
    if form.doc_type.is_empty() {
        // The first type offered is chosen, as the seed's form does.
        if let Some(first) = doc_types.entries.iter().find(|e| e.enabled) {
            form.doc_type = first.code.clone();
        }
    }
    Ok(PersonFormPage {
        ctx: PageCtx::new(state, ctx),
        title: if supplier.is_some() {
            "注册为普通用户"
        } else {
            "个人账号注册"
        },
        action: match supplier {
            Some(u) => format!(
                "/register/supplier/normal?uscc={}",
                crate::http::pages::qv(u)
            ),
            None => "/register/person".into(),
        },
        supplier_uscc: supplier.unwrap_or_default().to_string(),
        doc_types: dict_options(&doc_types, &form.doc_type),
        genders: options(&[("男", "男"), ("女", "女")], &form.gender),
        form,
        errs: Errs(errs),
        captcha_id: captcha.id,
        captcha_image: captcha.image,
    })
}

pub async fn person_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
) -> Result<Response, WebError> {
    let page = person_page_with(
        &state,
        &ctx,
        &addr,
        PersonForm::default(),
        FieldErrors::new(),
        None,
    )
    .await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonPost {
    doc_type: String,
    doc_no: String,
    name: String,
    email: String,
    region_code: String,
    gender: String,
    password: String,
    password_confirm: String,
    phone: String,
    captcha_id: String,
    captcha: String,
    agreed: String,
}

pub async fn person_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    _: Admitted<Register>,
    Form(p): Form<PersonPost>,
) -> Result<Response, WebError> {
    let app = &state.app;
    let form = p.into_form();
    match register_person(app, &ctx.actor(), &form).await {
        Ok(_) => Ok(see_other("/login?tab=person&ok=registered_person")),
        Err(AppError::Validation(e)) => {
            let page = person_page_with(&state, &ctx, &addr, form, e, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

impl PersonPost {
    pub(crate) fn into_form(self) -> PersonForm {
        PersonForm {
            doc_type: self.doc_type,
            doc_no: self.doc_no,
            name: self.name,
            email: self.email,
            region_code: self.region_code,
            gender: self.gender,
            password: self.password,
            password_confirm: self.password_confirm,
            phone: self.phone,
            captcha_id: self.captcha_id,
            captcha: self.captcha,
            agreed: !self.agreed.is_empty(),
        }
    }
}
