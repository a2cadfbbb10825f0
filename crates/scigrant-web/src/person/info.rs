//! 我的信息 of a natural person (seed 004, 1-2): the tabs 自然人用户信息,
//! 法人(单位)授权办理情况 and 实名认证; 修改个人信息 (保存 triggers the
//! verification) and 上传自然人信息 (the manual fallback).

use askama::Template;
use axum::extract::{Multipart, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::dictionary;
use scigrant_app::identity::realname::person::{
    PersonInfoForm, PersonInfoView, person_info, save_person_info, upload_person_images,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::realname::IMAGE_MAX;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::{Posted, read_front_back};
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, dict_options, options, render};

#[derive(Template)]
#[template(path = "person/info.html")]
pub struct InfoPage {
    pub ctx: PageCtx,
    pub info: PersonInfoView,
}

/// 我的信息.
pub async fn info(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let info = person_info(&state.app, ctx.person()?).await?;
    Ok(render(&InfoPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        info,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "person/info_edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub info: PersonInfoView,
    pub form: PersonInfoForm,
    pub genders: Vec<Opt>,
    pub doc_types: Vec<Opt>,
    /// The stored number, masked: a blank field keeps it.
    pub doc_hint: String,
    pub errs: Errs,
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    form: Option<PersonInfoForm>,
    errs: FieldErrors,
) -> Result<EditPage, WebError> {
    let info = person_info(&state.app, ctx.person()?).await?;
    let form = form.unwrap_or_else(|| PersonInfoForm::of(&info));
    let doc_types = dictionary::dictionary(&state.app, DictKind::DocType).await?;
    Ok(EditPage {
        ctx: PageCtx::new(state, ctx),
        genders: options(&[("男", "男"), ("女", "女")], &form.gender),
        doc_types: dict_options(&doc_types, &form.doc_type),
        doc_hint: format!("当前：{}；不修改请留空", info.doc_no_masked),
        info,
        form,
        errs: Errs(errs),
    })
}

/// 修改个人信息.
pub async fn edit(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&edit_page(&state, &ctx, None, FieldErrors::new()).await?).into_response())
}

/// 保存: the details, then the verification.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let form = PersonInfoForm {
        name: p.get("name"),
        gender: p.get("gender"),
        nation: p.get("nation"),
        post: p.get("post"),
        email: p.get("email"),
        tel: p.get("tel"),
        doc_type: p.get("doc_type"),
        doc_no: p.get("doc_no"),
        doc_valid_until: p.get("doc_valid_until"),
        address: p.get("address"),
    };
    match save_person_info(&state.app, &ctx.actor(), ctx.person()?, &form).await {
        Ok(_) => Ok(see_other("/person/info?ok=info_saved")),
        Err(AppError::Validation(e)) => {
            let page = edit_page(&state, &ctx, Some(form), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "person/info_upload.html")]
pub struct UploadPage {
    pub ctx: PageCtx,
    pub info: PersonInfoView,
    pub errs: Errs,
    pub max: u64,
}

async fn upload_page(
    state: &AppState,
    ctx: &Ctx,
    errs: FieldErrors,
) -> Result<UploadPage, WebError> {
    Ok(UploadPage {
        ctx: PageCtx::new(state, ctx),
        info: person_info(&state.app, ctx.person()?).await?,
        errs: Errs(errs),
        max: IMAGE_MAX,
    })
}

/// 上传自然人信息.
pub async fn upload(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&upload_page(&state, &ctx, FieldErrors::new()).await?).into_response())
}

/// 提交: both sides of the ID card, for manual review. The images are
/// read in memory (at most 1 MB each), checked and stripped of metadata
/// before anything is stored, as an appeal's are.
pub async fn upload_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let result = match read_front_back(mp).await {
        Ok(read) => {
            let (front, back) = (read.images.get("front"), read.images.get("back"));
            upload_person_images(&state.app, &ctx.actor(), ctx.person()?, front, back).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/person/info?ok=realname_uploaded")),
        Err(AppError::Validation(e)) => {
            let page = upload_page(&state, &ctx, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
