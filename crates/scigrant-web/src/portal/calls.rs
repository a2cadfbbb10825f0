//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::pages::{PageCtx, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::grants::applications::{self, Verification};
use scigrant_app::grants::calls::{CallView, DocumentView, document, guide};
use scigrant_domain::ids::{CallId, FileId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "apply/call.html")]
pub struct CallPage {
    pub ctx: PageCtx,
    pub call: CallView,
    pub documents: Vec<DocumentView>,
    pub open: bool,
    /// The names on the call's 申报单位名单.
    pub listed: Vec<String>,
}

/// 申报指南: a published call as applicants read it.
pub async fn call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
) -> Result<Response, WebError> {
    let g = guide(&state.app, id).await?;
    Ok(render(&CallPage {
        ctx: PageCtx::new(&state, &ctx),
        call: g.call,
        documents: g.documents,
        open: g.open,
        listed: g.listed,
    })
    .into_response())
}

/// A 通知附件 of a published or closed call, as a download.
pub async fn call_document(
    State(state): State<AppState>,
    Path((id, file)): Path<(CallId, FileId)>,
) -> Result<Response, WebError> {
    let f = document(&state.app, id, file, false).await?;
    Ok(crate::portal::articles::attachment_download(f))
}

#[derive(Template)]
#[template(path = "apply/verify.html")]
pub struct VerifyPage {
    pub ctx: PageCtx,
    pub n: String,
    pub d: String,
    /// `None` until a number is entered.
    pub outcome: Option<Verification>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyQuery {
    n: String,
    d: String,
}

/// Public: does a paper copy match the submitted version?
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let outcome = if q.n.is_empty() {
        None
    } else {
        Some(applications::verify(&state.app, &q.n, &q.d).await?)
    };
    Ok(render(&VerifyPage {
        ctx: PageCtx::new(&state, &ctx),
        n: q.n,
        d: q.d,
        outcome,
    })
    .into_response())
}
