//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::pages::{Errs, PageCtx, Pager, qv, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::audit::{
    AuditEntry, AuditFilter, ChainReport, LogKind, seal_and_verify_audit, search_audit,
};
use scigrant_app::{AppError, FieldErrors, Page};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogsQuery {
    kind: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    page: i64,
}

#[derive(Template)]
#[template(path = "staff/logs.html")]
pub struct LogsPage {
    pub ctx: PageCtx,
    pub kind: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub items: Vec<AuditEntry>,
    pub pager: Pager,
    pub chain: Option<ChainReport>,
    pub errs: Errs,
}

async fn logs_page(
    state: &AppState,
    ctx: &Ctx,
    q: LogsQuery,
    chain: Option<ChainReport>,
) -> Result<(StatusCode, LogsPage), WebError> {
    let kind = if q.kind == "login" {
        LogKind::Logins
    } else {
        LogKind::Operations
    };
    let (status, page, errs) = match AuditFilter::parse(&q.actor, &q.action, kind, &q.from, &q.to) {
        Ok(filter) => (
            StatusCode::OK,
            search_audit(&state.app, &filter, q.page.max(1)).await?,
            FieldErrors::new(),
        ),
        Err(AppError::Validation(e)) => (StatusCode::UNPROCESSABLE_ENTITY, Page::empty(50), e),
        Err(e) => return Err(e.into()),
    };
    let base = format!(
        "kind={}&actor={}&action={}&from={}&to={}&",
        qv(&q.kind),
        qv(&q.actor),
        qv(&q.action),
        qv(&q.from),
        qv(&q.to)
    );
    let page = LogsPage {
        ctx: PageCtx::new(state, ctx),
        pager: Pager::new(&page, base),
        kind: if kind == LogKind::Logins {
            "login".into()
        } else {
            "op".into()
        },
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        items: page.rows,
        chain,
        errs: Errs(errs),
    };
    Ok((status, page))
}

/// 操作日志 / 登录日志.
pub async fn logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogsQuery>,
) -> Result<Response, WebError> {
    let (status, page) = logs_page(&state, &ctx, q, None).await?;
    Ok((status, render(&page)).into_response())
}

/// Seals pending records and verifies the SM3 chain.
pub async fn logs_verify(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let check = seal_and_verify_audit(&state.app).await?;
    let (status, page) = logs_page(&state, &ctx, LogsQuery::default(), Some(check)).await?;
    Ok((status, render(&page)).into_response())
}
