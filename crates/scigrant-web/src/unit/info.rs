//! 我的信息 of a unit (法人, seed 004, 2-2), 修改法人信息 (法人单位基本信息,
//! 法人授权信息, 法定代表人信息; 保存 triggers the verification) and
//! 上传法人信息 (the manual fallback).

use askama::Template;
use axum::extract::{Multipart, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::dictionary;
use scigrant_app::identity::realname::unit::{
    UnitInfoForm, UnitInfoView, save_unit_info, unit_info, upload_unit_images,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::realname::{IMAGE_MAX, image_labels};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::{Posted, read_front_back};
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, dict_options, render};

#[derive(Template)]
#[template(path = "unit/info.html")]
pub struct InfoPage {
    pub ctx: PageCtx,
    pub info: UnitInfoView,
}

/// 我的信息.
pub async fn info(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let info = unit_info(&state.app, ctx.unit()?).await?;
    Ok(render(&InfoPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        info,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "unit/info_edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub info: UnitInfoView,
    pub form: UnitInfoForm,
    pub doc_types: Vec<Opt>,
    pub doc_hint: String,
    pub errs: Errs,
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    form: Option<UnitInfoForm>,
    errs: FieldErrors,
) -> Result<EditPage, WebError> {
    let info = unit_info(&state.app, ctx.unit()?).await?;
    let form = form.unwrap_or_else(|| UnitInfoForm::of(&info));
    let doc_types = dictionary::dictionary(&state.app, DictKind::DocType).await?;
    let doc_hint = if info.legal_rep_doc_no_masked.is_empty() {
        String::new()
    } else {
        format!("当前：{}；不修改请留空", info.legal_rep_doc_no_masked)
    };
    Ok(EditPage {
        ctx: PageCtx::new(state, ctx),
        doc_types: dict_options(&doc_types, &form.legal_rep_doc_type),
        doc_hint,
        info,
        form,
        errs: Errs(errs),
    })
}

/// 修改法人信息.
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
    let form = UnitInfoForm {
        name: p.get("name"),
        reg_place: p.get("reg_place"),
        contact_name: p.get("contact_name"),
        legal_rep: p.get("legal_rep"),
        legal_rep_doc_type: p.get("legal_rep_doc_type"),
        legal_rep_doc_no: p.get("legal_rep_doc_no"),
    };
    match save_unit_info(&state.app, &ctx.actor(), ctx.unit()?, &form).await {
        Ok(_) => Ok(see_other("/unit/info?ok=info_saved")),
        Err(AppError::Validation(e)) => {
            let page = edit_page(&state, &ctx, Some(form), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "unit/info_upload.html")]
pub struct UploadPage {
    pub ctx: PageCtx,
    pub info: UnitInfoView,
    pub errs: Errs,
    pub max: u64,
    /// 统一社会信用代码证（营业执照）, 法定代表人身份证.
    pub front_label: &'static str,
    pub back_label: &'static str,
}

async fn upload_page(
    state: &AppState,
    ctx: &Ctx,
    errs: FieldErrors,
) -> Result<UploadPage, WebError> {
    let (front_label, back_label) = image_labels(AccountKind::Unit);
    Ok(UploadPage {
        ctx: PageCtx::new(state, ctx),
        info: unit_info(&state.app, ctx.unit()?).await?,
        errs: Errs(errs),
        max: IMAGE_MAX,
        front_label,
        back_label,
    })
}

/// 上传法人信息.
pub async fn upload(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&upload_page(&state, &ctx, FieldErrors::new()).await?).into_response())
}

/// 提交: the 统一社会信用代码证 and the 法定代表人's ID card, for manual
/// review, read in memory (at most 1 MB each) and checked before anything
/// is stored, as a person's are.
pub async fn upload_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let result = match read_front_back(mp).await {
        Ok(read) => {
            let (front, back) = (read.images.get("front"), read.images.get("back"));
            upload_unit_images(&state.app, &ctx.actor(), ctx.unit()?, front, back).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/unit/info?ok=realname_uploaded")),
        Err(AppError::Validation(e)) => {
            let page = upload_page(&state, &ctx, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
