//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{PageCtx, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::grants::applications::{self, Verification};
use scigrant_app::grants::calls::{CallView, guide};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "apply/call.html")]
pub struct CallPage {
    pub ctx: PageCtx,
    pub call: CallView,
    pub open: bool,
}

/// 申报指南: a published call as applicants read it.
pub async fn call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let g = guide(&state.app, id).await?;
    Ok(render(&CallPage {
        ctx: PageCtx::new(&state, &ctx),
        call: g.call,
        open: g.open,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "apply/verify.html")]
pub struct VerifyPage {
    pub ctx: PageCtx,
    pub n: String,
    pub d: String,
    pub result: String,
    pub ok: bool,
    pub detail: String,
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
    let (result, ok, detail) = if q.n.is_empty() {
        (String::new(), false, String::new())
    } else {
        match applications::verify(&state.app, &q.n, &q.d).await? {
            Verification::Matches {
                title,
                unit,
                submitted,
            } => (
                "核验通过：该申报书与系统中提交的版本一致".to_string(),
                true,
                format!("项目名称：{title}；申报单位：{unit}；提交时间：{submitted}"),
            ),
            Verification::Differs => (
                "核验未通过：摘要与系统中提交的版本不一致，该文本可能已被修改".into(),
                false,
                String::new(),
            ),
            Verification::NotFound => (
                "未找到该申报编号的已提交申报书".into(),
                false,
                String::new(),
            ),
        }
    };
    Ok(render(&VerifyPage {
        ctx: PageCtx::new(&state, &ctx),
        n: q.n,
        d: q.d,
        result,
        ok,
        detail,
    })
    .into_response())
}
