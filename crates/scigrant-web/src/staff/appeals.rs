//! 申诉审核 (账号审核员): the queue of 申诉找回密码, one appeal with its
//! images, each image served only through this role's route (every view
//! audited by the use case, never cached), and the decision.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::appeal::review::{
    AppealLine, AppealVerdict, AppealView, appeal_image, appeal_queue, appeal_view, decide_appeal,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::decision::{NO_VERDICT, parse_verdict};
use serde::Deserialize;

use crate::AppState;
use crate::account::password::chunks;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::see_other;
use crate::http::pages::{Errs, PageCtx, render};

#[derive(Template)]
#[template(path = "staff/appeals.html")]
pub struct QueuePage {
    pub ctx: PageCtx,
    pub rows: Vec<AppealLine>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    ok: String,
}

/// The queue, pending first.
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let rows = appeal_queue(&state.app).await?;
    let notice = match q.ok.as_str() {
        "approved" => "已审核通过，一次性密码已通过短信发送至申诉人手机。",
        "rejected" => "已审核不通过，原因已通过短信告知申诉人。",
        _ => "",
    };
    Ok(render(&QueuePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice),
        rows,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/appeal.html")]
pub struct AppealPage {
    pub ctx: PageCtx,
    pub a: AppealView,
    pub errs: Errs,
    pub error: String,
    pub reason: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    errs: FieldErrors,
    error: String,
    reason: String,
) -> Result<Response, WebError> {
    let a = appeal_view(&state.app, id).await?;
    let status = if errs.is_empty() && error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AppealPage {
        ctx: PageCtx::new(state, ctx),
        a,
        errs: Errs(errs),
        error,
        reason,
    };
    Ok((status, render(&page)).into_response())
}

/// One appeal.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    page(
        &state,
        &ctx,
        id,
        FieldErrors::new(),
        String::new(),
        String::new(),
    )
    .await
}

/// One of its images, inline, never stored by the browser or a proxy.
pub async fn image(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let f = appeal_image(&state.app, &ctx.actor(), id, file).await?;
    Ok((
        [
            (CONTENT_TYPE, f.content_type.clone()),
            (CONTENT_DISPOSITION, "inline".to_string()),
            (CONTENT_LENGTH, f.size.to_string()),
            (CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(chunks(f.content)),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecidePost {
    decision: String,
    reason: String,
}

/// 审核通过 / 审核不通过.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<DecidePost>,
) -> Result<Response, WebError> {
    let verdict = match parse_verdict(&p.decision) {
        Some(true) => AppealVerdict::Approve,
        Some(false) => AppealVerdict::Reject(p.reason.clone()),
        None => return Err(AppError::Refused(NO_VERDICT.into()).into()),
    };
    match decide_appeal(&state.app, &ctx.actor(), id, &verdict).await {
        Ok(s) => Ok(see_other(&format!("/staff/appeals?ok={}", s.code()))),
        Err(AppError::Validation(e)) => page(&state, &ctx, id, e, String::new(), p.reason).await,
        Err(AppError::Refused(m)) => page(&state, &ctx, id, FieldErrors::new(), m, p.reason).await,
        Err(e) => Err(e.into()),
    }
}
