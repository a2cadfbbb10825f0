//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, Pager, qv, render, xlsx_download};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::review::{
    Queue, UNIT_COLUMNS, UnitView, Verdict, export_units, queue, review_unit,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::decision::{NO_VERDICT, parse_verdict};
use scigrant_domain::ids::UnitId;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitsQuery {
    queue: String,
    q: String,
    page: i64,
    ok: String,
}

#[derive(Template)]
#[template(path = "staff/units.html")]
pub struct UnitsPage {
    pub ctx: PageCtx,
    pub queue: String,
    pub q: String,
    pub rows: Vec<UnitView>,
    pub pager: Pager,
    /// The export's columns: (key, header).
    pub columns: &'static [(&'static str, &'static str)],
}

pub async fn units(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<UnitsQuery>,
) -> Result<Response, WebError> {
    let which = Queue::from_code(&q.queue);
    let page = queue(&state.app, which, &q.q, q.page.max(1)).await?;
    let queue_code = which.code();
    Ok(render(&UnitsPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        pager: Pager::new(&page, format!("queue={queue_code}&q={}&", qv(&q.q))),
        queue: queue_code.into(),
        columns: &UNIT_COLUMNS,
        q: q.q,
        rows: page.rows,
    })
    .into_response())
}

/// The queue's units (with the page's search) as .xlsx in the columns
/// ticked (`col`, repeated).
pub async fn units_export(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let q = Posted::parse(query.unwrap_or_default().as_bytes());
    let which = Queue::from_code(&q.get("queue"));
    let bytes = export_units(&state.app, &ctx.actor(), which, &q.get("q"), &q.all("col")).await?;
    Ok(xlsx_download("units.xlsx", "单位列表.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "staff/unit.html")]
pub struct UnitPage {
    pub ctx: PageCtx,
    pub unit: UnitView,
    pub history: Vec<scigrant_app::identity::home::DecisionView>,
    pub errs: Errs,
    pub reason: String,
}

async fn unit_page(
    state: &AppState,
    ctx: &Ctx,
    id: UnitId,
    errs: FieldErrors,
    reason: String,
) -> Result<UnitPage, WebError> {
    let unit = scigrant_app::identity::review::unit(&state.app, id).await?;
    let history =
        scigrant_app::identity::home::history(&state.app, AccountKind::Unit, id.0).await?;
    Ok(UnitPage {
        ctx: PageCtx::new(state, ctx),
        unit,
        history,
        errs: Errs(errs),
        reason,
    })
}

pub async fn unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<UnitId>,
) -> Result<Response, WebError> {
    let page = unit_page(&state, &ctx, id, FieldErrors::new(), String::new()).await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewPost {
    decision: String,
    reason: String,
}

pub async fn unit_review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<UnitId>,
    Form(p): Form<ReviewPost>,
) -> Result<Response, WebError> {
    let verdict = match parse_verdict(&p.decision) {
        Some(true) => Verdict::Approve,
        Some(false) => Verdict::Reject(p.reason.clone()),
        None => return Err(AppError::Refused(NO_VERDICT.into()).into()),
    };
    match review_unit(&state.app, &ctx.actor(), id, &verdict).await {
        Ok(_) => Ok(see_other("/staff/units?ok=reviewed")),
        Err(AppError::Validation(e)) => {
            let page = unit_page(&state, &ctx, id, e, p.reason).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
