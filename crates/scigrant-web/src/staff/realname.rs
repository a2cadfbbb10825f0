//! 后台 实名认证审核 (账号审核员): the queue of accounts waiting for manual
//! review, one account with its details and the uploaded images (each
//! view audited), 审核通过 (已审核认证) or 审核不通过 with a reason; and the
//! 项目管理员's switch that makes a call require verified applicants.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::realname::review::{
    QueueItem, ReviewCase, decide_realname, open_image, queue, review_case,
};
use scigrant_app::identity::realname::set_call_requirement;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::decision::{NO_VERDICT, parse_verdict};
use scigrant_domain::ids::CallId;

use crate::AppState;
use crate::account::password::chunks;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};

#[derive(Template)]
#[template(path = "staff/realname.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub rows: Vec<QueueItem>,
}

/// 实名认证审核: the queue.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let rows = queue(&state.app).await?;
    Ok(render(&QueuePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        rows,
    })
    .into_response())
}

fn kind_of(code: &str) -> Result<AccountKind, WebError> {
    match AccountKind::from_code(code) {
        Some(k @ (AccountKind::Person | AccountKind::Unit)) => Ok(k),
        _ => Err(AppError::NotFound.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/realname_case.html")]
pub struct CasePage {
    pub ctx: PageCtx,
    pub case: ReviewCase,
    pub kind: &'static str,
    pub errs: Errs,
    pub reason: String,
}

async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    kind: AccountKind,
    id: i64,
    errs: FieldErrors,
    reason: String,
) -> Result<CasePage, WebError> {
    Ok(CasePage {
        ctx: PageCtx::new(state, ctx),
        case: review_case(&state.app, kind, id).await?,
        kind: kind.code(),
        errs: Errs(errs),
        reason,
    })
}

/// One account of the queue.
pub async fn case(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((kind, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let kind = kind_of(&kind)?;
    let page = case_page(&state, &ctx, kind, id, FieldErrors::new(), String::new()).await?;
    Ok(render(&page).into_response())
}

/// 审核通过 / 审核不通过.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((kind, id)): Path<(String, i64)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let kind = kind_of(&kind)?;
    let p = Posted::parse(&body);
    let reason = p.get("reason");
    let Some(approve) = parse_verdict(&p.get("decision")) else {
        return Err(AppError::Refused(NO_VERDICT.into()).into());
    };
    match decide_realname(&state.app, &ctx.actor(), kind, id, approve, &reason).await {
        Ok(_) => Ok(see_other("/staff/realname?ok=decided")),
        Err(AppError::Validation(e)) => {
            let page = case_page(&state, &ctx, kind, id, e, reason).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The first or second image (a person's 身份证正面 / 反面, a unit's
/// 统一社会信用代码证 / 法定代表人身份证), shown inline to the reviewer
/// (audited).
pub async fn image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((kind, id, side)): Path<(String, i64, String)>,
) -> Result<Response, WebError> {
    let kind = kind_of(&kind)?;
    let front = match side.as_str() {
        "front" => true,
        "back" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    let file = open_image(&state.app, &ctx.actor(), kind, id, front).await?;
    Ok((
        [
            (CONTENT_TYPE, file.content_type.clone()),
            (CONTENT_LENGTH, file.size.to_string()),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(chunks(file.content)),
    )
        .into_response())
}

/// 申报要求实名认证 on the 项目管理员's call page.
pub async fn call_requirement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let required = Posted::parse(&body).get("realname_required") == "1";
    set_call_requirement(&state.app, &ctx.actor(), id, required).await?;
    Ok(see_other(&format!("/staff/calls/{id}?ok=saved")))
}
