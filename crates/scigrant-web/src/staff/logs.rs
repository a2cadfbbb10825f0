//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{PageCtx, Pager, qv, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::security::{seal_and_verify_audit, search_audit};
use scigrant_domain::calendar::{day_range, format_datetime};
use scigrant_store::admin::audit::{ChainCheck, Filter};
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

pub struct LogItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub ip: String,
    pub request_id: String,
    pub detail: String,
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
    pub items: Vec<LogItem>,
    pub pager: Pager,
    pub chain: Option<ChainCheck>,
}

async fn logs_page(
    state: &AppState,
    ctx: &Ctx,
    q: LogsQuery,
    chain: Option<ChainCheck>,
) -> Result<LogsPage, WebError> {
    let filter = Filter {
        actor: q.actor.trim().to_string(),
        action_prefix: q.action.trim().to_string(),
        logins: Some(q.kind == "login"),
        from: day_range(&q.from).ok().map(|(start, _)| start),
        to: day_range(&q.to).ok().map(|(_, end)| end),
    };
    let page = search_audit(&state.app, &filter, q.page.max(1)).await?;
    let items = page
        .rows
        .iter()
        .map(|r| LogItem {
            at: format_datetime(r.at),
            actor: r.actor_label.clone(),
            action: r.action.clone(),
            target: match r.target_id {
                Some(id) => format!("{} #{id}", r.target_kind),
                None => r.target_kind.clone(),
            },
            outcome: r.outcome.clone(),
            ip: r.ip.clone(),
            request_id: r.request_id.clone(),
            detail: r.detail.clone(),
        })
        .collect();
    let base = format!(
        "kind={}&actor={}&action={}&from={}&to={}&",
        qv(&q.kind),
        qv(&q.actor),
        qv(&q.action),
        qv(&q.from),
        qv(&q.to)
    );
    Ok(LogsPage {
        ctx: PageCtx::new(state, ctx),
        pager: Pager::new(&page, base),
        kind: if q.kind == "login" {
            "login".into()
        } else {
            "op".into()
        },
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        items,
        chain,
    })
}

/// 操作日志 / 登录日志.
pub async fn logs(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogsQuery>,
) -> Result<Response, WebError> {
    let page = logs_page(&state, &ctx, q, None).await?;
    Ok(render(&page).into_response())
}

/// Seals pending records and verifies the SM3 chain.
pub async fn logs_verify(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let check = seal_and_verify_audit(&state.app).await?;
    let page = logs_page(&state, &ctx, LogsQuery::default(), Some(check)).await?;
    Ok(render(&page).into_response())
}
