//! 门户: the home page of the 科技创新服务系统 with 重要发布 and its four
//! tabs, the section lists behind "更多>>" and the user agreement.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use scigrant_app::portal::ArticleLineView;
use scigrant_app::portal::public::{PortalHome, portal_home, section_page};
use scigrant_app::{AppError, Page};
use scigrant_domain::portal::article::Section;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::notice_text;
use crate::http::pages::{PageCtx, Pager, render};
use crate::http::public::public_page;

#[derive(Template)]
#[template(path = "portal/index.html")]
pub struct IndexPage {
    pub ctx: PageCtx,
    pub home: Arc<PortalHome>,
}

#[derive(Deserialize)]
pub struct Notice {
    #[serde(default)]
    pub ok: String,
}

/// 首页: 重要发布, the four tabs with their latest articles and 更多>>.
pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<Notice>,
) -> Result<Response, WebError> {
    let home = portal_home(&state.app).await?;
    Ok(public_page(
        &state,
        &ctx,
        &headers,
        &home,
        home.changed,
        || IndexPage {
            ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
            home: home.clone(),
        },
    ))
}

#[derive(Template)]
#[template(path = "portal/section.html")]
pub struct SectionPage<'a> {
    pub ctx: PageCtx,
    pub section: Section,
    pub page: &'a Page<ArticleLineView>,
    pub pager: Pager,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
}

/// A section's list behind 更多>>, with paging; an empty one says so.
pub async fn section(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let section = Section::from_code(&slug).ok_or(WebError::App(AppError::NotFound))?;
    let listed = section_page(&state.app, section, q.page).await?;
    Ok(public_page(
        &state,
        &ctx,
        &headers,
        &listed,
        listed.changed,
        || SectionPage {
            ctx: PageCtx::new(&state, &ctx),
            section,
            page: &listed.page,
            pager: Pager::new(&listed.page, String::new()),
        },
    ))
}

#[derive(Template)]
#[template(path = "portal/agreement.html")]
pub struct AgreementPage {
    pub ctx: PageCtx,
}

pub async fn agreement(State(state): State<AppState>, ctx: Ctx) -> impl IntoResponse {
    render(&AgreementPage {
        ctx: PageCtx::new(&state, &ctx),
    })
}

/// A browser's report of something the Content-Security-Policy blocked:
/// logged (what was blocked, on which page, by which directive) and
/// counted, never stored. Always 204, whatever was sent.
pub async fn csp_report(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    state
        .csp_reports
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let report: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let r = &report["csp-report"];
    tracing::warn!(
        page = %r["document-uri"].as_str().unwrap_or("-"),
        blocked = %r["blocked-uri"].as_str().unwrap_or("-"),
        directive = %r["violated-directive"].as_str().unwrap_or("-"),
        "content security policy violation"
    );
    axum::http::StatusCode::NO_CONTENT.into_response()
}
