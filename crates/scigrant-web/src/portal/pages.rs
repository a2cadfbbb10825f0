//! 门户: the home page of the 科技创新服务系统 with its sections, list
//! pages behind "更多>>" and the user agreement.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::notice::notice_text;
use crate::http::pages::{PageCtx, render};

/// The portal's sections: path segment and title.
pub const SECTIONS: [(&str, &str); 4] = [
    ("tzgg", "通知公告"),
    ("sbzn", "申报指南"),
    ("cjwd", "常见问答"),
    ("wjfg", "文件法规"),
];

pub struct Section {
    pub slug: &'static str,
    pub title: &'static str,
}

#[derive(Template)]
#[template(path = "portal/index.html")]
pub struct IndexPage {
    pub ctx: PageCtx,
    pub sections: Vec<Section>,
}

#[derive(Deserialize)]
pub struct Notice {
    #[serde(default)]
    pub ok: String,
}

pub async fn index(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Notice>,
) -> impl IntoResponse {
    let page = IndexPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        sections: SECTIONS
            .iter()
            .map(|(slug, title)| Section { slug, title })
            .collect(),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "portal/section.html")]
pub struct SectionPage {
    pub ctx: PageCtx,
    pub title: &'static str,
}

pub async fn section(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse, WebError> {
    let (_, title) = SECTIONS
        .iter()
        .find(|(s, _)| *s == slug)
        .ok_or(WebError::App(scigrant_app::AppError::NotFound))?;
    Ok(render(&SectionPage {
        ctx: PageCtx::new(&state, &ctx),
        title,
    }))
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
