//! 专家管理 for the 项目管理员: the expert library searched by 学科
//! (a code or its prefix), keyword, 职称, unit, region and state, with
//! paging and the Excel export of the search; one expert's page with the
//! decisions their state allows (审核通过 / 不予通过 with a reason /
//! 暂停 / 恢复 / 退出专家库).

use askama::Template;
use axum::extract::{Path, Query, RawForm, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::experts::{
    EXPERT_COLUMNS, ExpertAction, ExpertItem, ExpertSearch, ExpertView, decide_expert,
    expert_detail, export_experts, search_experts,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::evaluation::discipline;
use scigrant_domain::evaluation::expert::{ExpertState, TITLES};
use scigrant_domain::ids::ExpertId;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, Pager, options, qv, render, xlsx_download};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExpertsQuery {
    discipline: String,
    keyword: String,
    title: String,
    unit: String,
    region: String,
    state: String,
    page: i64,
    ok: String,
}

impl ExpertsQuery {
    fn search(&self) -> ExpertSearch {
        ExpertSearch {
            discipline: self.discipline.trim().into(),
            keyword: self.keyword.trim().into(),
            title: self.title.trim().into(),
            unit: self.unit.trim().into(),
            region: self.region.trim().into(),
            state: self.state.trim().into(),
        }
    }
}

/// The search as a query string (ending in `&`), for the pager.
fn search_query(s: &ExpertSearch) -> String {
    format!(
        "discipline={}&keyword={}&title={}&unit={}&region={}&state={}&",
        qv(&s.discipline),
        qv(&s.keyword),
        qv(&s.title),
        qv(&s.unit),
        qv(&s.region),
        qv(&s.state)
    )
}

#[derive(Template)]
#[template(path = "staff/experts.html")]
pub struct ExpertsPage {
    pub ctx: PageCtx,
    pub search: ExpertSearch,
    pub disciplines: Vec<Opt>,
    pub titles: Vec<Opt>,
    pub states: Vec<Opt>,
    pub rows: Vec<ExpertItem>,
    pub pager: Pager,
    /// The export's columns: (key, header).
    pub columns: &'static [(&'static str, &'static str)],
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExpertsQuery>,
) -> Result<Response, WebError> {
    let search = q.search();
    let page = search_experts(&state.app, &search, q.page.max(1)).await?;
    let disciplines = discipline::all()
        .iter()
        .map(|d| Opt {
            value: d.code.to_string(),
            label: if d.level() == 1 {
                d.label()
            } else {
                format!("　{}", d.label())
            },
            selected: d.code == search.discipline,
        })
        .collect();
    let titles: Vec<(&str, &str)> = TITLES.iter().map(|t| (*t, *t)).collect();
    let states: Vec<(&str, &str)> = ExpertState::ALL
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    Ok(render(&ExpertsPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        pager: Pager::new(&page, search_query(&search)),
        disciplines,
        titles: options(&titles, &search.title),
        states: options(&states, &search.state),
        rows: page.rows,
        columns: EXPERT_COLUMNS,
        search,
    })
    .into_response())
}

/// The search's experts as .xlsx in the columns ticked (`col`, repeated).
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let q = Posted::parse(query.unwrap_or_default().as_bytes());
    let search = ExpertSearch {
        discipline: q.get("discipline").trim().into(),
        keyword: q.get("keyword").trim().into(),
        title: q.get("title").trim().into(),
        unit: q.get("unit").trim().into(),
        region: q.get("region").trim().into(),
        state: q.get("state").trim().into(),
    };
    let bytes = export_experts(&state.app, &ctx.actor(), &search, &q.all("col")).await?;
    Ok(xlsx_download("experts.xlsx", "专家列表.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "staff/expert.html")]
pub struct ExpertPage {
    pub ctx: PageCtx,
    pub e: ExpertView,
    pub actions: Vec<ExpertAction>,
    pub reason: String,
    pub errs: Errs,
}

async fn expert_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reason: String,
    errs: FieldErrors,
) -> Result<ExpertPage, WebError> {
    let e = expert_detail(&state.app, ExpertId(id)).await?;
    Ok(ExpertPage {
        ctx: PageCtx::new(state, ctx),
        actions: ExpertAction::offered(e.state),
        e,
        reason,
        errs: Errs(errs),
    })
}

pub async fn expert(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ExpertsQuery>,
) -> Result<Response, WebError> {
    let mut page = expert_page(&state, &ctx, id, String::new(), FieldErrors::new()).await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&page).into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let action = ExpertAction::from_code(&p.get("action"))?;
    let reason = p.get("reason");
    match decide_expert(&state.app, &ctx.actor(), ExpertId(id), action, &reason).await {
        Ok(()) => Ok(see_other(&format!("/staff/experts/{id}?ok=expert_decided"))),
        Err(AppError::Validation(e)) => {
            let page = expert_page(&state, &ctx, id, reason, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
