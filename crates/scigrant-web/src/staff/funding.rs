//! 立项 for the 项目管理员: a call's accepted applications with what each
//! requested, one decision form per application (立项 with an amount or
//! 不予立项 with a reason), the running totals against the 立项数量 and
//! the budget, the 立项公示 form, and the objections of each notice with
//! their handling. A refused form comes back with its errors beside the
//! fields and everything as typed.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::funding::{self, Board, DecisionForm};
use scigrant_app::evaluation::notices::{self, NoticeForm, NoticeView};
use scigrant_app::evaluation::objections::{self, ObjectionView};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::evaluation::funding::{ObjectionOutcome, Verdict};
use scigrant_domain::ids::{ApplicationId, CallId};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, RowRefusal, qv, render};

/// The decision form that was refused: which application, what was typed.
pub struct Failed {
    pub id: ApplicationId,
    pub form: DecisionForm,
    pub errs: Errs,
}

#[derive(Template)]
#[template(path = "staff/funding.html")]
pub struct FundingPage {
    pub ctx: PageCtx,
    pub board: Board,
    pub budget_typed: String,
    pub budget_errs: Errs,
    pub failed: Option<Failed>,
    pub notice: NoticeForm,
    pub notice_errs: Errs,
    /// A refusal that belongs to no field (a locked selection).
    pub error: String,
}

impl FundingPage {
    /// What the decision form of `id` shows: as typed when it was refused,
    /// else the current decision.
    pub fn form_of(&self, id: &ApplicationId) -> DecisionForm {
        if let Some(f) = self.failed.as_ref().filter(|f| f.id == *id) {
            return f.form.clone();
        }
        let d = self
            .board
            .candidates
            .iter()
            .find(|c| c.id == *id)
            .and_then(|c| c.decision.clone());
        match d {
            Some(d) if !d.reopened => DecisionForm {
                verdict: d.verdict.code().into(),
                amount: if d.verdict == Verdict::Fund {
                    d.amount.to_string()
                } else {
                    String::new()
                },
                reason: d.reason,
            },
            _ => DecisionForm::default(),
        }
    }
    /// The error of `field` on the decision form of `id`.
    pub fn err_of(&self, id: &ApplicationId, field: &str) -> String {
        self.failed
            .as_ref()
            .filter(|f| f.id == *id)
            .map(|f| f.errs.msg(field).to_string())
            .unwrap_or_default()
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    notice: &str,
) -> Result<FundingPage, WebError> {
    let board = funding::board(&state.app, call).await?;
    Ok(FundingPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        budget_typed: board.budget.map(|b| b.to_string()).unwrap_or_default(),
        board,
        budget_errs: Errs::default(),
        failed: None,
        notice: NoticeForm::default(),
        notice_errs: Errs::default(),
        error: String::new(),
    })
}

fn refused(mut p: FundingPage) -> Response {
    p.ctx.notice.clear();
    (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response()
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    Ok(render(&page(&state, &ctx, id, notice_text(&q.ok)).await?).into_response())
}

pub async fn budget(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let typed = Posted::parse(&body).get("budget");
    match funding::set_budget(&state.app, &ctx.actor(), id, &typed).await {
        Ok(()) => Ok(see_other(&format!("/staff/calls/{id}/funding?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let mut p = page(&state, &ctx, id, "").await?;
            p.budget_typed = typed;
            p.budget_errs = Errs(e);
            Ok(refused(p))
        }
        Err(AppError::Refused(m)) => {
            let mut p = page(&state, &ctx, id, "").await?;
            p.budget_typed = typed;
            p.error = m;
            Ok(refused(p))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let call = CallId(
        p.get("call")
            .parse()
            .map_err(|_| WebError::from(AppError::NotFound))?,
    );
    let form = DecisionForm {
        verdict: p.get("verdict"),
        amount: p.get("amount"),
        reason: p.get("reason"),
    };
    match funding::decide(&state.app, &ctx.actor(), id, &form).await {
        Ok(()) => Ok(see_other(&format!(
            "/staff/calls/{call}/funding?ok=saved#a{id}"
        ))),
        Err(AppError::Validation(e)) => {
            let mut page = page(&state, &ctx, call, "").await?;
            page.failed = Some(Failed {
                id,
                form,
                errs: Errs(e),
            });
            Ok(refused(page))
        }
        Err(AppError::Refused(m)) => {
            let mut page = page(&state, &ctx, call, "").await?;
            page.error = m;
            Ok(refused(page))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let form = notice_form(&p);
    match notices::publish_funding_notice(&state.app, &ctx.actor(), id, &form).await {
        Ok(_) => Ok(see_other(&format!(
            "/staff/calls/{id}/funding?ok=published"
        ))),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            let mut page = page(&state, &ctx, id, "").await?;
            match e {
                AppError::Validation(f) => page.notice_errs = Errs(f),
                other => page.error = other.to_string(),
            }
            page.notice = form;
            Ok(refused(page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/objections.html")]
pub struct ObjectionsPage {
    pub ctx: PageCtx,
    pub notice: NoticeView,
    pub items: Vec<ObjectionView>,
    pub outcomes: Vec<(&'static str, &'static str)>,
    /// The objection whose handling was refused, with what was typed.
    pub failed: Option<RowRefusal>,
}

impl ObjectionsPage {
    pub fn typed(&self, id: &i64) -> (String, String) {
        RowRefusal::typed_for(&self.failed, *id).unwrap_or_default()
    }
    pub fn err_of(&self, id: &i64, field: &str) -> String {
        RowRefusal::err_for(&self.failed, *id, field)
    }
}

async fn objections_page(
    state: &AppState,
    ctx: &Ctx,
    notice_id: i64,
    notice: &str,
) -> Result<ObjectionsPage, WebError> {
    let (notice_view, items) = objections::objections_of(&state.app, notice_id).await?;
    Ok(ObjectionsPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        notice: notice_view,
        items,
        outcomes: ObjectionOutcome::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        failed: None,
    })
}

pub async fn objection_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    Ok(render(&objections_page(&state, &ctx, id, notice_text(&q.ok)).await?).into_response())
}

pub async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let (outcome, reason) = (p.get("outcome"), p.get("outcome_reason"));
    let notice: i64 = p
        .get("notice")
        .parse()
        .map_err(|_| WebError::from(AppError::NotFound))?;
    match objections::handle_objection(&state.app, &ctx.actor(), id, &outcome, &reason).await {
        Ok(n) => Ok(see_other(&format!(
            "/staff/notices/{n}/objections?ok=saved"
        ))),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            let mut page = objections_page(&state, &ctx, notice, "").await?;
            let errs = match e {
                AppError::Validation(f) => f,
                other => {
                    let mut f = FieldErrors::new();
                    f.add("outcome", other.to_string());
                    f
                }
            };
            page.failed = Some(RowRefusal {
                id,
                typed: (outcome, reason),
                errs: Errs(errs),
            });
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The objector's signed statement, for staff (audited as `file.read`).
pub async fn statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let file = objections::statement(&state.app, &ctx.actor(), id).await?;
    let ext = if file.content_type == "application/pdf" {
        "pdf"
    } else {
        "jpg"
    };
    let disposition = format!(
        "attachment; filename=\"objection-{id}.{ext}\"; filename*=UTF-8''{}",
        qv(&file.original_name)
    );
    Ok((
        [
            (CONTENT_TYPE, file.content_type.clone()),
            (CONTENT_DISPOSITION, disposition),
            (CONTENT_LENGTH, file.size.to_string()),
        ],
        Body::from_stream(crate::account::password::chunks(file.content)),
    )
        .into_response())
}

/// A 公示 form as posted (立项公示 here, 专家公示 in `experts_notice`).
pub(crate) fn notice_form(p: &Posted) -> NoticeForm {
    NoticeForm {
        title: p.get("title"),
        body: p.get("body"),
        starts: p.get("starts"),
        ends: p.get("ends"),
    }
}
