//! 查重 pages: the 项目管理员's list of similar pairs for a call (against
//! every call and year) and one pair side by side; the unit's side-by-side
//! page of two of its own applications uses the same template.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::similarity::{
    Comparison, PairSide, SimilarPair, compare, pairs_of_call,
};
use scigrant_app::grants::applications::Reader;
use scigrant_app::grants::calls::CallView;
use scigrant_domain::evaluation::dedup::{DEFAULT_THRESHOLD, MarkedPassage, threshold_from};
use scigrant_domain::ids::{ApplicationId, CallId};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::pages::{PageCtx, render};

/// A similarity as people read it: a whole percentage.
pub fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub struct PairRow {
    pub similarity: String,
    pub left: PairSide,
    pub right: PairSide,
}

impl From<SimilarPair> for PairRow {
    fn from(p: SimilarPair) -> PairRow {
        PairRow {
            similarity: percent(p.similarity),
            left: p.left,
            right: p.right,
        }
    }
}

#[derive(Template)]
#[template(path = "evaluation/similarity.html")]
pub struct SimilarityPage {
    pub ctx: PageCtx,
    pub call: CallView,
    /// As typed.
    pub threshold: String,
    pub error: Option<String>,
    pub pairs: Vec<PairRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThresholdQuery {
    threshold: Option<String>,
}

/// 查重 of a call: pairs at or above the threshold (default 0.5).
pub async fn call_pairs(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    Query(q): Query<ThresholdQuery>,
) -> Result<Response, WebError> {
    let typed = q.threshold.unwrap_or_else(|| DEFAULT_THRESHOLD.to_string());
    let (threshold, error, status) = match threshold_from(&typed) {
        Ok(t) => (Some(t), None, StatusCode::OK),
        Err(e) => (None, Some(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let found = pairs_of_call(&state.app, id, threshold).await?;
    let page = SimilarityPage {
        ctx: PageCtx::new(&state, &ctx),
        call: found.call,
        threshold: typed,
        error,
        pairs: found.pairs.into_iter().map(PairRow::from).collect(),
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "evaluation/pair.html")]
pub struct PairPage {
    pub ctx: PageCtx,
    pub c: Comparison,
    pub sides: Vec<(PairSide, Vec<MarkedPassage>)>,
    pub estimated: String,
    pub exact: String,
}

/// The side-by-side page for `reader`.
pub async fn pair_page(
    state: &AppState,
    ctx: &Ctx,
    reader: Reader,
    a: ApplicationId,
    b: ApplicationId,
) -> Result<Response, WebError> {
    let c = compare(&state.app, reader, a, b).await?;
    let sides = vec![
        (c.left.clone(), c.left_text.clone()),
        (c.right.clone(), c.right_text.clone()),
    ];
    let page = PairPage {
        ctx: PageCtx::new(state, ctx),
        estimated: c.estimated.map(percent).unwrap_or_else(|| "—".into()),
        exact: percent(c.exact),
        sides,
        c,
    };
    Ok(render(&page).into_response())
}

/// Staff: one pair side by side.
pub async fn staff_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((a, b)): Path<(ApplicationId, ApplicationId)>,
) -> Result<Response, WebError> {
    pair_page(&state, &ctx, Reader::Staff, a, b).await
}
