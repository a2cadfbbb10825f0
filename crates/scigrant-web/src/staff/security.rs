//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::params::set_params;
use scigrant_app::admin::sessions::{
    LockedAccount, OnlineSession, end_session as end, locked_accounts, online as online_sessions,
    unlock as unlock_account,
};
use scigrant_app::params::{SecurityParams, params};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::AccountKind;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff/security.html")]
pub struct SecurityPage {
    pub ctx: PageCtx,
    pub p: SecurityParams,
    pub locked: Vec<LockedAccount>,
    pub errs: Errs,
}

async fn security_page(
    state: &AppState,
    ctx: &Ctx,
    p: Option<SecurityParams>,
    errs: FieldErrors,
    ok: &str,
) -> Result<SecurityPage, WebError> {
    let p = match p {
        Some(p) => p,
        None => params(&state.app).await?,
    };
    let locked = locked_accounts(&state.app).await?;
    Ok(SecurityPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(ok)),
        p,
        locked,
        errs: Errs(errs),
    })
}

pub async fn security(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = security_page(&state, &ctx, None, FieldErrors::new(), &q.ok).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ParamsPost {
    max_failures: String,
    failure_window_minutes: String,
    lock_minutes: String,
    idle_minutes: String,
    absolute_hours: String,
}

pub async fn security_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ParamsPost>,
) -> Result<Response, WebError> {
    let n = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let p = SecurityParams {
        max_failures: n(&f.max_failures),
        failure_window_minutes: n(&f.failure_window_minutes),
        lock_minutes: n(&f.lock_minutes),
        idle_minutes: n(&f.idle_minutes),
        absolute_hours: n(&f.absolute_hours),
    };
    match set_params(&state.app, &ctx.actor(), p).await {
        Ok(()) => Ok(see_other("/staff/security?ok=params")),
        Err(AppError::Validation(e)) => {
            let page = security_page(&state, &ctx, Some(p), e, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnlockPost {
    kind: String,
    id: i64,
}

pub async fn unlock(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<UnlockPost>,
) -> Result<Response, WebError> {
    let kind = AccountKind::from_code(&p.kind).ok_or(AppError::NotFound)?;
    unlock_account(&state.app, &ctx.actor(), kind, p.id).await?;
    Ok(see_other("/staff/security?ok=unlocked"))
}

#[derive(Template)]
#[template(path = "staff/online.html")]
pub struct OnlinePage {
    pub ctx: PageCtx,
    pub items: Vec<OnlineSession>,
    /// The viewer's own session, which it cannot end from here.
    pub mine: String,
}

/// 在线用户.
pub async fn online(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let mine = ctx
        .session
        .as_ref()
        .map(|s| s.id_hash.clone())
        .unwrap_or_default();
    let items = online_sessions(&state.app).await?;
    Ok(render(&OnlinePage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        items,
        mine,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndPost {
    id: String,
}

pub async fn end_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<EndPost>,
) -> Result<Response, WebError> {
    end(&state.app, &ctx.actor(), &p.id).await?;
    Ok(see_other("/staff/online?ok=session_ended"))
}
