//! 单位主界面, the unit's side of its registration review (correcting a
//! refused registration, uploading the 组织机构代码证 for 复审) and
//! 单位从属用户管理.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::console::{UnitHome, unit_home};
use scigrant_app::members::{
    MemberRow, decide_member, export_members, list_members, lock_member, member_filter,
};
use scigrant_app::register::{UnitForm, limits, resubmit_unit, submit_org_cert, unit_form};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::account::{AccountKind, Membership, UnitState};
use scigrant_store::files::FileKind;
use serde::Deserialize;

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::forms::{FileSpec, merge, read_multipart};
use crate::handlers::register::{CERT_SPEC, UnitFormPage, unit_form_of, unit_kinds};
use crate::handlers::{notice_text, see_other};
use crate::pages::{Errs, Opt, PageCtx, Pager, options, qv, render};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    ok: String,
}

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
    let s = ctx.require(AccountKind::Unit)?;
    let home = unit_home(&state.app, s.account_id).await?;
    Ok(render(&HomePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        state_code: home.unit.state.code(),
        platform_open: home.unit.state.platform_open(),
        home,
    })
    .into_response())
}

fn correct_page_of(
    state: &AppState,
    ctx: &Ctx,
    form: UnitForm,
    errs: FieldErrors,
    reason: String,
) -> UnitFormPage {
    UnitFormPage {
        ctx: PageCtx::new(state, ctx),
        title: "修改单位注册信息",
        action: "/unit/correct",
        with_password: false,
        kinds: unit_kinds(&form.kind),
        form,
        errs: Errs(errs),
        reason,
        cert_max: limits::USCC_CERT,
    }
}

pub async fn correct_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let unit = scigrant_app::review::unit(&state.app, s.account_id).await?;
    if unit.state != UnitState::InitialRejected {
        return Ok(see_other("/unit"));
    }
    let form = unit_form(&state.app, s.account_id).await?;
    let page = correct_page_of(
        &state,
        &ctx,
        form,
        FieldErrors::new(),
        unit.reject_reason.unwrap_or_default(),
    );
    Ok(render(&page).into_response())
}

pub async fn correct_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let app = &state.app;
    let sub = read_multipart(app, mp, &CERT_SPEC).await;
    let mut form = unit_form_of(&sub);
    let upload_errors = sub.errors.clone();
    let result = if upload_errors.is_empty() {
        resubmit_unit(app, &ctx.actor(), s.account_id, &form, sub.file("cert")).await
    } else {
        sub.discard(app).await;
        Err(AppError::Validation(FieldErrors::new()))
    };
    match result {
        Ok(()) => Ok(see_other("/unit?ok=resubmitted")),
        Err(AppError::Validation(e)) => {
            let unit = scigrant_app::review::unit(app, s.account_id).await?;
            form.uscc = unit.uscc.clone();
            let page = correct_page_of(
                &state,
                &ctx,
                form,
                merge(upload_errors, e),
                unit.reject_reason.unwrap_or_default(),
            );
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
    let s = ctx.require(AccountKind::Unit)?;
    let home = unit_home(&state.app, s.account_id).await?;
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
    let home = unit_home(&state.app, unit_id).await?;
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
        submit_org_cert(app, &ctx.actor(), s.account_id, sub.file("org_cert")).await
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberQuery {
    q: String,
    status: String,
    locked: String,
    page: i64,
    ok: String,
}

#[derive(Template)]
#[template(path = "unit/members.html")]
pub struct MembersPage {
    pub ctx: PageCtx,
    pub rows: Vec<MemberRow>,
    pub pager: Pager,
    pub q: String,
    pub statuses: Vec<Opt>,
    pub locks: Vec<Opt>,
    pub export_query: String,
    pub errs: Errs,
}

async fn members_page(
    state: &AppState,
    ctx: &Ctx,
    unit_id: i64,
    q: &MemberQuery,
    errs: FieldErrors,
) -> Result<MembersPage, WebError> {
    let filter = member_filter(&state.app, &q.q, &q.status, &q.locked);
    let page = list_members(&state.app, unit_id, &filter, q.page.max(1), 20).await?;
    let base = format!(
        "q={}&status={}&locked={}&",
        qv(&q.q),
        qv(&q.status),
        qv(&q.locked)
    );
    let statuses: Vec<(&str, &str)> = [
        Membership::Pending,
        Membership::Approved,
        Membership::Rejected,
    ]
    .iter()
    .map(|m| (m.code(), m.label()))
    .collect();
    Ok(MembersPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(&q.ok)),
        pager: Pager::new(&page, base.clone()),
        rows: page.rows,
        q: q.q.clone(),
        statuses: options(&statuses, &q.status),
        locks: options(&[("0", "未锁定"), ("1", "锁定")], &q.locked),
        export_query: base,
        errs: Errs(errs),
    })
}

/// 单位从属用户管理.
pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MemberQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let page = members_page(&state, &ctx, s.account_id, &q, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

pub async fn members_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MemberQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let filter = member_filter(&state.app, &q.q, &q.status, &q.locked);
    let bytes = export_members(&state.app, &ctx.actor(), s.account_id, &filter).await?;
    Ok((
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"members.xlsx\"; filename*=UTF-8''{}",
                    qv("单位从属用户.xlsx")
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "unit/member.html")]
pub struct MemberPage {
    pub ctx: PageCtx,
    pub m: MemberRow,
}

pub async fn member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let filter = scigrant_store::accounts::MemberFilter::default();
    // Looked up through the unit's own list: another unit's person is 404.
    let page = list_members(&state.app, s.account_id, &filter, 1, 100_000).await?;
    let m = page
        .rows
        .into_iter()
        .find(|r| r.person_id == id)
        .ok_or(WebError::from(AppError::NotFound))?;
    Ok(render(&MemberPage {
        ctx: PageCtx::new(&state, &ctx),
        m,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecidePost {
    decision: String,
    reason: String,
}

pub async fn member_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<DecidePost>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let approve = p.decision == "approve";
    match decide_member(
        &state.app,
        &ctx.actor(),
        s.account_id,
        id,
        approve,
        &p.reason,
    )
    .await
    {
        Ok(()) => Ok(see_other("/unit/members?ok=decided")),
        Err(AppError::Validation(e)) => {
            let page = members_page(&state, &ctx, s.account_id, &MemberQuery::default(), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(WebError::from(e).with_request(&ctx.request_id)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LockPost {
    locked: String,
}

pub async fn member_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<LockPost>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let locked = p.locked == "1";
    lock_member(&state.app, &ctx.actor(), s.account_id, id, locked).await?;
    Ok(see_other(if locked {
        "/unit/members?ok=locked"
    } else {
        "/unit/members?ok=unlocked"
    }))
}
