//! 内容管理: the 内容编辑 writes articles (Markdown body, attachments,
//! 重要发布, pinning, publication time) and submits them; the 内容审核
//! approves or returns them and withdraws published ones; both read the
//! versions.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_app::portal::content::{
    self, ArticleForm, create_article, save_article, staff_article, staff_articles,
};
use scigrant_app::portal::{ArticleLineView, ArticleView, VersionView};
use scigrant_app::{AppError, FieldErrors, Page};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::{ArticleId, FileId};
use scigrant_domain::permission::CONTENT_STAFF;
use scigrant_domain::permission::Permission::{StaffRole as Role, StaffRoles};
use scigrant_domain::portal::article::{ATTACHMENT_KINDS, ATTACHMENT_MAX, ArticleState, Section};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{AnyKindSpec, merge, read_multipart_any};
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, Pager, render};
use crate::routes::{MB, Table};
use crate::staff::role_of;

pub fn routes(t: Table) -> Table {
    let editor = Role(StaffRole::ContentEditor);
    let reviewer = Role(StaffRole::ContentReviewer);
    let upload = || DefaultBodyLimit::max(3 * (ATTACHMENT_MAX as usize) + MB);
    t.get("/staff/content", StaffRoles(CONTENT_STAFF), get(list))
        .get("/staff/content/new", editor, get(new_form))
        .post("/staff/content/new", editor, post(create).layer(upload()))
        .get("/staff/content/{id}", StaffRoles(CONTENT_STAFF), get(show))
        .post("/staff/content/{id}", editor, post(save).layer(upload()))
        .post("/staff/content/{id}/submit", editor, post(submit))
        .post("/staff/content/{id}/review", reviewer, post(review))
        .post("/staff/content/{id}/withdraw", reviewer, post(withdraw))
}

#[derive(Template)]
#[template(path = "staff/content.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub page: Page<ArticleLineView>,
    pub pager: Pager,
    pub states: Vec<Opt>,
    pub is_editor: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    state: String,
    page: i64,
    ok: String,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let filter = ArticleState::from_code(&q.state);
    let page = staff_articles(&state.app, filter, q.page).await?;
    let pager = Pager::new(&page, format!("state={}&", filter.map_or("", |s| s.code())));
    let states = ArticleState::ALL
        .iter()
        .map(|s| Opt {
            value: s.code().into(),
            label: s.label().into(),
            selected: Some(*s) == filter,
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        page,
        pager,
        states,
        is_editor: role_of(&ctx) == Some(StaffRole::ContentEditor),
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "staff/article.html")]
pub struct ArticlePage {
    pub ctx: PageCtx,
    /// `None` for a new article.
    pub a: Option<ArticleView>,
    pub versions: Vec<VersionView>,
    pub form: ArticleForm,
    pub sections: Vec<Opt>,
    pub errs: Errs,
    pub error: String,
    pub is_editor: bool,
    pub is_reviewer: bool,
    pub attachment_max: u64,
}

impl ArticlePage {
    pub fn editable(&self) -> bool {
        self.is_editor && self.a.as_ref().is_none_or(|a| a.line.state.editable())
    }
    pub fn action(&self) -> String {
        match &self.a {
            Some(a) => format!("/staff/content/{}", a.line.id),
            None => "/staff/content/new".into(),
        }
    }
}

fn sections(current: &str) -> Vec<Opt> {
    Section::ALL
        .iter()
        .map(|s| Opt {
            value: s.code().into(),
            label: s.label().into(),
            selected: s.code() == current,
        })
        .collect()
}

fn form_of(a: &ArticleView) -> ArticleForm {
    ArticleForm {
        section: a.line.section.code().into(),
        title: a.line.title.clone(),
        publisher: a.line.publisher.clone(),
        body: a.body_md.clone(),
        important: a.line.important,
        pinned: a.line.pinned,
        publish_at: a
            .line
            .scheduled_at
            .map(scigrant_domain::calendar::format_datetime)
            .unwrap_or_default(),
        remove: Vec::new(),
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<ArticleId>,
    form: Option<ArticleForm>,
    errs: FieldErrors,
) -> Result<ArticlePage, WebError> {
    let (a, versions) = match id {
        Some(id) => {
            let (a, v) = staff_article(&state.app, id).await?;
            (Some(a), v)
        }
        None => (None, Vec::new()),
    };
    let form = form.unwrap_or_else(|| match &a {
        Some(a) => form_of(a),
        None => ArticleForm {
            section: "tzgg".into(),
            ..ArticleForm::default()
        },
    });
    let role = role_of(ctx);
    Ok(ArticlePage {
        ctx: PageCtx::new(state, ctx),
        sections: sections(&form.section),
        a,
        versions,
        form,
        errs: Errs(errs),
        error: String::new(),
        is_editor: role == Some(StaffRole::ContentEditor),
        is_reviewer: role == Some(StaffRole::ContentReviewer),
        attachment_max: ATTACHMENT_MAX,
    })
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&page(&state, &ctx, None, None, FieldErrors::new()).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    ok: String,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ArticleId>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let mut p = page(&state, &ctx, Some(id), None, FieldErrors::new()).await?;
    p.ctx = p.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&p).into_response())
}

const FILES: [AnyKindSpec<'static>; 3] = [
    AnyKindSpec {
        field: "file1",
        kinds: &ATTACHMENT_KINDS,
        max: ATTACHMENT_MAX,
    },
    AnyKindSpec {
        field: "file2",
        kinds: &ATTACHMENT_KINDS,
        max: ATTACHMENT_MAX,
    },
    AnyKindSpec {
        field: "file3",
        kinds: &ATTACHMENT_KINDS,
        max: ATTACHMENT_MAX,
    },
];

/// Reads the posted article form and its files, then runs `act` with
/// them; a refusal shows the form again as typed, errors beside fields.
async fn posted(
    state: &AppState,
    ctx: &Ctx,
    id: Option<ArticleId>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let app = &state.app;
    let s = read_multipart_any(app, mp, &FILES).await;
    let form = ArticleForm {
        section: s.get("section"),
        title: s.get("title"),
        publisher: s.get("publisher"),
        body: s.get("body"),
        important: s.get("important") == "1",
        pinned: s.get("pinned") == "1",
        publish_at: s.get("publish_at"),
        remove: s
            .get("remove")
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .map(FileId)
            .collect(),
    };
    let upload_errors = s.errors.clone();
    let uploads: Vec<_> = if upload_errors.is_empty() {
        FILES
            .iter()
            .filter_map(|f| s.file(f.field).cloned())
            .collect()
    } else {
        s.discard(app).await;
        Vec::new()
    };
    let result = if !upload_errors.is_empty() {
        Err(AppError::Validation(FieldErrors::new()))
    } else {
        match id {
            Some(id) => save_article(app, &ctx.actor(), id, &form, &uploads)
                .await
                .map(|_| id),
            None => create_article(app, &ctx.actor(), &form, &uploads).await,
        }
    };
    match result {
        Ok(id) => Ok(see_other(&format!("/staff/content/{id}?ok=article_saved"))),
        Err(e) => {
            s.discard(app).await;
            let (errs, error) = match e {
                AppError::Validation(v) => {
                    let mut errs = merge(upload_errors, v);
                    if !uploads.is_empty() && errs.get("attachments").is_none() {
                        errs.add(
                            "attachments",
                            "请重新选择附件（出于安全考虑，出错后需重新选择文件）",
                        );
                    }
                    (errs, String::new())
                }
                AppError::Refused(m) => (FieldErrors::new(), m),
                e => return Err(e.into()),
            };
            let mut p = page(state, ctx, id, Some(form), errs).await?;
            p.error = error;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    posted(&state, &ctx, None, mp).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ArticleId>,
    mp: Multipart,
) -> Result<Response, WebError> {
    posted(&state, &ctx, Some(id), mp).await
}

/// A refusal of a state change, shown on the article's page.
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    id: ArticleId,
    e: AppError,
) -> Result<Response, WebError> {
    let (errs, error) = match e {
        AppError::Validation(v) => (v, String::new()),
        AppError::Refused(m) => (FieldErrors::new(), m),
        e => return Err(e.into()),
    };
    let mut p = page(state, ctx, Some(id), None, errs).await?;
    p.error = error;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ArticleId>,
) -> Result<Response, WebError> {
    match content::submit_article(&state.app, &ctx.actor(), id).await {
        Ok(()) => Ok(see_other(&format!(
            "/staff/content/{id}?ok=article_submitted"
        ))),
        Err(e) => refused(&state, &ctx, id, e).await,
    }
}

#[derive(Deserialize)]
pub struct ReviewPost {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ArticleId>,
    Form(p): Form<ReviewPost>,
) -> Result<Response, WebError> {
    let approve = match p.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(WebError::App(AppError::field("decision", "请选择审核结果"))),
    };
    match content::review_article(&state.app, &ctx.actor(), id, approve, &p.reason).await {
        Ok(()) => {
            let ok = if approve {
                "article_approved"
            } else {
                "article_returned"
            };
            Ok(see_other(&format!("/staff/content/{id}?ok={ok}")))
        }
        Err(e) => refused(&state, &ctx, id, e).await,
    }
}

#[derive(Deserialize)]
pub struct WithdrawPost {
    #[serde(default)]
    reason: String,
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ArticleId>,
    Form(p): Form<WithdrawPost>,
) -> Result<Response, WebError> {
    match content::withdraw_article(&state.app, &ctx.actor(), id, &p.reason).await {
        Ok(()) => Ok(see_other(&format!(
            "/staff/content/{id}?ok=article_withdrawn"
        ))),
        Err(e) => refused(&state, &ctx, id, e).await,
    }
}
