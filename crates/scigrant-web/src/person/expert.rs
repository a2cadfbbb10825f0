//! 科技项目专家申请: a person applies to the expert library from their
//! home, sees the state of their application (待审核 / 已入库 / 未通过
//! with the reason / 已暂停 / 已退出), and corrects and resubmits it
//! while it is 待审核 or after 未通过.

use askama::Template;
use axum::extract::{Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::experts::{
    AVOID_ROWS, AvoidLine, DISCIPLINE_ROWS, ExpertForm, ExpertView, apply, expert_form, my_expert,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::evaluation::discipline;
use scigrant_domain::evaluation::expert::TITLES;
use scigrant_domain::identity::account::AccountKind;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, options, render};

/// One 学科 row of the form: its select and whether it is the 主学科.
pub struct DisciplineRow {
    pub index: usize,
    pub options: Vec<Opt>,
    pub primary: bool,
}

#[derive(Template)]
#[template(path = "person/expert.html")]
pub struct ExpertPage {
    pub ctx: PageCtx,
    pub mine: Option<ExpertView>,
    /// Whether the form is shown (no application yet, 待审核 or 未通过).
    pub editable: bool,
    pub form: ExpertForm,
    pub rows: Vec<DisciplineRow>,
    pub titles: Vec<Opt>,
    pub avoid_units: Vec<AvoidLine>,
    pub avoid_persons: Vec<AvoidLine>,
    pub errs: Errs,
}

/// The select options of every shipped 学科, a 二级学科 indented under
/// its 一级学科.
fn discipline_options(current: &str) -> Vec<Opt> {
    discipline::all()
        .iter()
        .map(|d| Opt {
            value: d.code.to_string(),
            label: if d.level() == 1 {
                d.label()
            } else {
                format!("　{}", d.label())
            },
            selected: d.code == current.trim(),
        })
        .collect()
}

fn padded(lines: &[AvoidLine]) -> Vec<AvoidLine> {
    let mut v = lines.to_vec();
    v.resize(AVOID_ROWS.max(v.len()), AvoidLine::default());
    v
}

fn page(
    state: &AppState,
    ctx: &Ctx,
    mine: Option<ExpertView>,
    form: ExpertForm,
    errs: FieldErrors,
) -> ExpertPage {
    let primary_row = match form.primary.as_slice() {
        [one] => one.parse::<usize>().ok(),
        _ => None,
    };
    let rows = (0..DISCIPLINE_ROWS.max(form.disciplines.len()))
        .map(|i| DisciplineRow {
            index: i,
            options: discipline_options(form.disciplines.get(i).map_or("", String::as_str)),
            primary: primary_row == Some(i),
        })
        .collect();
    let titles: Vec<(&str, &str)> = TITLES.iter().map(|t| (*t, *t)).collect();
    ExpertPage {
        ctx: PageCtx::new(state, ctx),
        editable: mine.as_ref().is_none_or(ExpertView::editable),
        mine,
        rows,
        titles: options(&titles, &form.title),
        avoid_units: padded(&form.avoid_units),
        avoid_persons: padded(&form.avoid_persons),
        form,
        errs: Errs(errs),
    }
}

pub async fn expert_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    ctx.require(AccountKind::Person)?;
    let person = ctx.person()?;
    let mine = my_expert(&state.app, person).await?;
    let form = expert_form(&state.app, person).await?;
    let mut p = page(&state, &ctx, mine, form, FieldErrors::new());
    p.ctx = p.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&p).into_response())
}

/// The 回避 rows posted as parallel `…_name` / `…_reason` lists.
fn avoid_lines(p: &Posted, prefix: &str) -> Vec<AvoidLine> {
    let names = p.all(&format!("{prefix}_name"));
    let reasons = p.all(&format!("{prefix}_reason"));
    (0..names.len().max(reasons.len()))
        .map(|i| AvoidLine {
            name: names.get(i).cloned().unwrap_or_default(),
            reason: reasons.get(i).cloned().unwrap_or_default(),
        })
        .collect()
}

pub async fn expert_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    ctx.require(AccountKind::Person)?;
    let person = ctx.person()?;
    let p = Posted::parse(&body);
    let form = ExpertForm {
        disciplines: p.all("discipline"),
        primary: p.all("primary"),
        keywords: p.get("keywords"),
        title: p.get("title"),
        unit_name: p.get("unit_name"),
        summary: p.get("summary"),
        avoid_units: avoid_lines(&p, "avoid_unit"),
        avoid_persons: avoid_lines(&p, "avoid_person"),
        available: p.get("available") == "1",
    };
    match apply(&state.app, &ctx.actor(), person, &form).await {
        Ok(_) => Ok(see_other("/person/expert?ok=expert_applied")),
        Err(AppError::Validation(e)) => {
            let mine = my_expert(&state.app, person).await?;
            let page = page(&state, &ctx, mine, form, e);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
