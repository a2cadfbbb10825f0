//! 单位主界面, the unit's side of its registration review (correcting a
//! refused registration, uploading the 组织机构代码证 for 复审) and
//! 单位从属用户管理.

use crate::AppState;
use crate::account::register::{CERT_SPEC, UnitFormPage, unit_form_of, unit_kinds};
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{FileSpec, merge, read_multipart};
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::home::{UnitHome, unit_home};
use scigrant_app::identity::register::{
    UnitForm, limits, resubmit_unit, submit_org_cert, unit_form,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::{AccountKind, UnitState};
use scigrant_domain::ids::UnitId;
use scigrant_domain::upload::FileKind;

#[derive(Template)]
#[template(path = "unit/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub home: UnitHome,
    pub state_code: &'static str,
    pub platform_open: bool,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let home = unit_home(&state.app, unit).await?;
    Ok(render(&HomePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        state_code: home.unit.state.code(),
        platform_open: home.unit.state.platform_open(),
        home,
    })
    .into_response())
}

async fn correct_page_of(
    state: &AppState,
    ctx: &Ctx,
    form: UnitForm,
    errs: FieldErrors,
    reason: String,
) -> Result<UnitFormPage, WebError> {
    Ok(UnitFormPage {
        ctx: PageCtx::new(state, ctx),
        title: "修改单位注册信息",
        action: "/unit/correct",
        with_password: false,
        kinds: unit_kinds(state, &form.kind).await?,
        form,
        errs: Errs(errs),
        reason,
        cert_max: limits::USCC_CERT,
        captcha_id: String::new(),
        captcha_image: String::new(),
    })
}

pub async fn correct_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let unit_id = ctx.unit()?;
    let unit = scigrant_app::identity::review::unit(&state.app, unit_id).await?;
    if unit.state != UnitState::InitialRejected {
        return Ok(see_other("/unit"));
    }
    let form = unit_form(&state.app, unit_id).await?;
    let page = correct_page_of(
        &state,
        &ctx,
        form,
        FieldErrors::new(),
        unit.reject_reason.unwrap_or_default(),
    )
    .await?;
    Ok(render(&page).into_response())
}

pub async fn correct_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let app = &state.app;
    let sub = read_multipart(app, mp, &CERT_SPEC).await;
    let mut form = unit_form_of(&sub);
    let upload_errors = sub.errors.clone();
    let result = if upload_errors.is_empty() {
        resubmit_unit(app, &ctx.actor(), unit, &form, sub.file("cert")).await
    } else {
        sub.discard(app).await;
        Err(AppError::Validation(FieldErrors::new()))
    };
    match result {
        Ok(()) => Ok(see_other("/unit?ok=resubmitted")),
        Err(AppError::Validation(e)) => {
            let unit = scigrant_app::identity::review::unit(app, unit).await?;
            form.uscc = unit.uscc.clone();
            let page = correct_page_of(
                &state,
                &ctx,
                form,
                merge(upload_errors, e),
                unit.reject_reason.unwrap_or_default(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "unit/platform.html")]
pub struct PlatformPage {
    pub ctx: PageCtx,
    pub home: UnitHome,
    pub can_upload: bool,
}

/// 科技计划项目管理平台 for a unit whose 初审 passed (the guard shows
/// "账号未开通，请联系我们" to the others).
pub async fn platform(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let home = unit_home(&state.app, unit).await?;
    let can_upload = matches!(
        home.unit.state,
        UnitState::Opened | UnitState::SecondRejected
    );
    Ok(render(&PlatformPage {
        ctx: PageCtx::new(&state, &ctx),
        home,
        can_upload,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "unit/org_cert.html")]
pub struct OrgCertPage {
    pub ctx: PageCtx,
    pub home: UnitHome,
    pub can_upload: bool,
    pub errs: Errs,
    pub max: u64,
}

async fn org_cert_with(
    state: &AppState,
    ctx: &Ctx,
    unit_id: i64,
    errs: FieldErrors,
) -> Result<OrgCertPage, WebError> {
    let home = unit_home(&state.app, UnitId(unit_id)).await?;
    Ok(OrgCertPage {
        ctx: PageCtx::new(state, ctx),
        can_upload: matches!(
            home.unit.state,
            UnitState::Opened | UnitState::SecondRejected
        ),
        home,
        errs: Errs(errs),
        max: limits::ORG_CERT,
    })
}

pub async fn org_cert_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let page = org_cert_with(&state, &ctx, s.account_id, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

const ORG_CERT_SPEC: [FileSpec; 1] = [FileSpec {
    field: "org_cert",
    kind: FileKind::Pdf,
    max: limits::ORG_CERT,
}];

pub async fn org_cert_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let app = &state.app;
    let sub = read_multipart(app, mp, &ORG_CERT_SPEC).await;
    let result = if sub.errors.is_empty() {
        submit_org_cert(app, &ctx.actor(), ctx.unit()?, sub.file("org_cert")).await
    } else {
        sub.discard(app).await;
        Err(AppError::Validation(sub.errors.clone()))
    };
    match result {
        Ok(()) => Ok(see_other("/unit?ok=org_cert")),
        Err(AppError::Validation(e)) => {
            let page = org_cert_with(&state, &ctx, s.account_id, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e @ AppError::Refused(_)) => {
            let page =
                org_cert_with(&state, &ctx, s.account_id, field("org_cert", e.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn field(name: &str, msg: String) -> FieldErrors {
    let mut e = FieldErrors::new();
    e.add(name, msg);
    e
}
