//! 指南征集 in the console: the 项目管理员 opens a solicitation on a
//! published notice (period, the built-in 指南建议表 or an imported form),
//! reads the submitted suggestions, decides, tags, merges duplicates and
//! replies to each, and exports them all to Excel.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_app::grants::solicitation::staff::{
    HandleForm, OpenForm, export_suggestions, handle_suggestion, open_solicitation, solicitations,
    staff_solicitation,
};
use scigrant_app::grants::solicitation::{SolicitationLineView, SolicitationView, SuggestionView};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::grants::form::{Entry, Value};
use scigrant_domain::grants::solicitation::SuggestionState;
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::ArticleId;
use scigrant_domain::permission::Permission::StaffRole as Role;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{DEFINITION_MAX, definition_text, read_in_memory};
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, RowRefusal, render, xlsx_download};
use crate::routes::Table;

pub fn routes(t: Table) -> Table {
    let manager = Role(StaffRole::ProgramManager);
    t.get("/staff/solicitations", manager, get(list))
        .post(
            "/staff/solicitations",
            manager,
            post(open).layer(DefaultBodyLimit::max(DEFINITION_MAX + 64 * 1024)),
        )
        .get("/staff/solicitations/{id}", manager, get(show))
        .get("/staff/solicitations/{id}/export", manager, get(export))
        .post("/staff/suggestions/{id}/handle", manager, post(handle))
}

#[derive(Template)]
#[template(path = "staff/solicitations.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub items: Vec<SolicitationLineView>,
    pub articles: Vec<(ArticleId, String)>,
    pub form: OpenForm,
    pub errs: Errs,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: OpenForm,
    errs: FieldErrors,
) -> Result<ListPage, WebError> {
    let (items, articles) = solicitations(&state.app).await?;
    Ok(ListPage {
        ctx: PageCtx::new(state, ctx),
        items,
        articles,
        form,
        errs: Errs(errs),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    ok: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let mut page = list_page(&state, &ctx, OpenForm::default(), FieldErrors::new()).await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&page).into_response())
}

/// 发起指南征集: the fields, and an imported form definition (a JSON file,
/// read in memory) when the built-in 指南建议表 is not wanted.
pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let got = read_in_memory(mp, "form_file", DEFINITION_MAX).await;
    let imported = definition_text(&got);
    let p = &got.posted;
    let form = OpenForm {
        article: p.get("article"),
        opens: p.get("opens"),
        closes: p.get("closes"),
        form_json: imported.clone().unwrap_or_default(),
    };
    if let Err(m) = imported {
        let mut e = FieldErrors::new();
        e.add("form_json", m);
        let page = list_page(&state, &ctx, form, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    match open_solicitation(&state.app, &ctx.actor(), &form).await {
        Ok(id) => Ok(see_other(&format!("/staff/solicitations/{id}?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let page = list_page(&state, &ctx, form, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/solicitation.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub s: SolicitationView,
    pub items: Vec<SuggestionView>,
    /// (code, label) of what staff may decide, 合并 last.
    pub states: Vec<(&'static str, &'static str)>,
    /// The suggestion whose handling was refused, with what was typed.
    pub failed: Option<RowRefusal<HandleForm>>,
}

impl ShowPage {
    /// The handling the row's form shows: as typed when its post was
    /// refused, else as stored.
    pub fn typed(&self, g: &SuggestionView) -> HandleForm {
        RowRefusal::typed_for(&self.failed, g.id).unwrap_or_else(|| HandleForm {
            state: if g.state.handled() {
                g.state.code().to_string()
            } else {
                String::new()
            },
            tags: g.tags.join("、"),
            reply: g.reply.clone(),
            merge_into: g.merged_into.clone(),
        })
    }
    /// The suggestion's fields in form order: (label, text as typed).
    pub fn content(&self, g: &SuggestionView) -> Vec<(String, String)> {
        self.s
            .spec
            .entries()
            .filter_map(|e| match (e, g.data.get(e.key())) {
                (Entry::Field(f), Some(Value::Text(t))) => Some((f.label.clone(), t.clone())),
                _ => None,
            })
            .collect()
    }
    pub fn err_of(&self, id: &i64, field: &str) -> String {
        RowRefusal::err_for(&self.failed, *id, field)
    }
}

async fn show_page(state: &AppState, ctx: &Ctx, id: i64) -> Result<ShowPage, WebError> {
    let (s, items) = staff_solicitation(&state.app, id).await?;
    let mut states: Vec<(&'static str, &'static str)> = SuggestionState::DECIDED
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect();
    states.push((SuggestionState::Merged.code(), "合并到其他建议"));
    Ok(ShowPage {
        ctx: PageCtx::new(state, ctx),
        s,
        items,
        states,
        failed: None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let mut page = show_page(&state, &ctx, id).await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&page).into_response())
}

/// Every submitted suggestion as .xlsx, named after the notice.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (title, bytes) = export_suggestions(&state.app, &ctx.actor(), id).await?;
    Ok(xlsx_download(
        &format!("suggestions-{id}.xlsx"),
        &format!("{title}-指南建议汇总.xlsx"),
        bytes,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandlePost {
    solicitation: String,
    state: String,
    tags: String,
    reply: String,
    merge_into: String,
}

pub async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<HandlePost>,
) -> Result<Response, WebError> {
    let solicitation: i64 = p
        .solicitation
        .parse()
        .map_err(|_| WebError::from(AppError::NotFound))?;
    let form = HandleForm {
        state: p.state,
        tags: p.tags,
        reply: p.reply,
        merge_into: p.merge_into,
    };
    match handle_suggestion(&state.app, &ctx.actor(), id, &form).await {
        Ok(s) => Ok(see_other(&format!(
            "/staff/solicitations/{s}?ok=handled#suggestion-{id}"
        ))),
        Err(AppError::Validation(errs)) => {
            let mut page = show_page(&state, &ctx, solicitation).await?;
            page.failed = Some(RowRefusal {
                id,
                typed: form,
                errs: Errs(errs),
            });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
