//! 指南征求意见 in the console: the 内容编辑 opens a consultation on a
//! published guide (period, who may comment, the guide's sections), reads
//! the comments per section with their counts, marks and answers each,
//! exports them to Excel, and closes the consultation with a 处理情况说明;
//! the 内容审核 reads along.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_app::portal::consultation::staff::{
    OpenForm, close_consultation, consultations, export_comments, handle_comment,
    open_consultation, staff_consultation,
};
use scigrant_app::portal::consultation::{
    CommentView, ConsultationLineView, ConsultationView, SectionComments,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::ArticleId;
use scigrant_domain::permission::CONTENT_STAFF;
use scigrant_domain::permission::Permission::{StaffRole as Role, StaffRoles};
use scigrant_domain::portal::consultation::{CommentState, Phase};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, RowRefusal, render, xlsx_download};
use crate::routes::Table;
use crate::staff::role_of;

pub fn routes(t: Table) -> Table {
    let editor = Role(StaffRole::ContentEditor);
    t.get("/staff/consultations", StaffRoles(CONTENT_STAFF), get(list))
        .post("/staff/consultations", editor, post(open))
        .get(
            "/staff/consultations/{id}",
            StaffRoles(CONTENT_STAFF),
            get(show),
        )
        .get(
            "/staff/consultations/{id}/export",
            StaffRoles(CONTENT_STAFF),
            get(export),
        )
        .post("/staff/consultations/{id}/close", editor, post(close))
        .post("/staff/comments/{id}/handle", editor, post(handle))
}

#[derive(Template)]
#[template(path = "staff/consultations.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub items: Vec<ConsultationLineView>,
    pub guides: Vec<(ArticleId, String)>,
    pub form: OpenForm,
    pub errs: Errs,
    pub is_editor: bool,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: OpenForm,
    errs: FieldErrors,
) -> Result<ListPage, WebError> {
    let (items, guides) = consultations(&state.app).await?;
    Ok(ListPage {
        ctx: PageCtx::new(state, ctx),
        items,
        guides,
        form,
        errs: Errs(errs),
        is_editor: role_of(ctx) == Some(StaffRole::ContentEditor),
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
    let form = OpenForm {
        anonymous: true,
        ..OpenForm::default()
    };
    let mut page = list_page(&state, &ctx, form, FieldErrors::new()).await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OpenPost {
    article: String,
    opens: String,
    closes: String,
    anonymous: String,
    sections: String,
}

pub async fn open(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<OpenPost>,
) -> Result<Response, WebError> {
    let form = OpenForm {
        article: p.article,
        opens: p.opens,
        closes: p.closes,
        anonymous: p.anonymous == "1",
        sections: p.sections,
    };
    match open_consultation(&state.app, &ctx.actor(), &form).await {
        Ok(id) => Ok(see_other(&format!("/staff/consultations/{id}?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let page = list_page(&state, &ctx, form, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/consultation.html")]
pub struct ConsultationPage {
    pub ctx: PageCtx,
    pub k: ConsultationView,
    pub sections: Vec<SectionComments>,
    pub states: Vec<(&'static str, &'static str)>,
    pub is_editor: bool,
    pub error: String,
    /// The comment whose handling was refused, with what was typed.
    pub failed: Option<RowRefusal>,
    /// The 处理情况说明 as typed, and its error.
    pub explanation: String,
    pub explanation_error: String,
}

impl ConsultationPage {
    /// The state and reply the form shows: as typed when its post was
    /// refused, else as stored.
    pub fn typed(&self, c: &CommentView) -> (String, String) {
        RowRefusal::typed_for(&self.failed, c.id)
            .unwrap_or_else(|| (c.state.code().to_string(), c.reply.clone()))
    }
    pub fn err_of(&self, id: &i64, field: &str) -> String {
        RowRefusal::err_for(&self.failed, *id, field)
    }
}

async fn consultation_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<ConsultationPage, WebError> {
    let (k, sections) = staff_consultation(&state.app, id).await?;
    Ok(ConsultationPage {
        ctx: PageCtx::new(state, ctx),
        explanation: k.explanation.clone(),
        k,
        sections,
        states: CommentState::HANDLED
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        is_editor: role_of(ctx) == Some(StaffRole::ContentEditor),
        error: String::new(),
        failed: None,
        explanation_error: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let mut page = consultation_page(&state, &ctx, id).await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&page).into_response())
}

/// The comments as .xlsx (phones masked), named after the guide.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (title, bytes) = export_comments(&state.app, &ctx.actor(), id).await?;
    Ok(xlsx_download(
        &format!("comments-{id}.xlsx"),
        &format!("{title}-意见汇总.xlsx"),
        bytes,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandlePost {
    consultation: String,
    state: String,
    reply: String,
}

pub async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<HandlePost>,
) -> Result<Response, WebError> {
    let consultation: i64 = p
        .consultation
        .parse()
        .map_err(|_| WebError::from(AppError::NotFound))?;
    match handle_comment(&state.app, &ctx.actor(), id, &p.state, &p.reply).await {
        Ok(k) => Ok(see_other(&format!(
            "/staff/consultations/{k}?ok=saved#comment-{id}"
        ))),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            let mut page = consultation_page(&state, &ctx, consultation).await?;
            let errs = match e {
                AppError::Validation(f) => f,
                other => {
                    let mut f = FieldErrors::new();
                    f.add("state", other.to_string());
                    f
                }
            };
            page.failed = Some(RowRefusal {
                id,
                typed: (p.state, p.reply),
                errs: Errs(errs),
            });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClosePost {
    explanation: String,
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(p): Form<ClosePost>,
) -> Result<Response, WebError> {
    match close_consultation(&state.app, &ctx.actor(), id, &p.explanation).await {
        Ok(()) => Ok(see_other(&format!("/staff/consultations/{id}?ok=saved"))),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            let mut page = consultation_page(&state, &ctx, id).await?;
            page.explanation = p.explanation;
            page.explanation_error = match e {
                AppError::Validation(f) => f.get("explanation").unwrap_or_default().to_string(),
                other => other.to_string(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
