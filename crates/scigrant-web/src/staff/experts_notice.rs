//! 专家公示 for the 项目管理员: the experts who submitted reviews of a
//! call (name, unit, 职称), the form publishing them on the portal for a
//! period, and the 专家公示 already published.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::evaluation::notices::{
    self, ExpertsNoticeBoard, NoticeForm, publish_experts_notice,
};
use scigrant_domain::ids::CallId;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};

#[derive(Template)]
#[template(path = "staff/experts_notice.html")]
pub struct ExpertsNoticePage {
    pub ctx: PageCtx,
    pub board: ExpertsNoticeBoard,
    pub notice: NoticeForm,
    pub errs: Errs,
    pub error: String,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    shown: &str,
) -> Result<ExpertsNoticePage, WebError> {
    Ok(ExpertsNoticePage {
        ctx: PageCtx::new(state, ctx).with_notice(shown),
        board: notices::experts_notice_board(&state.app, call).await?,
        notice: NoticeForm::default(),
        errs: Errs::default(),
        error: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    Ok(render(&page(&state, &ctx, id, notice_text(&q.ok)).await?).into_response())
}

pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let form = super::funding::notice_form(&p);
    match publish_experts_notice(&state.app, &ctx.actor(), id, &form).await {
        Ok(_) => Ok(see_other(&format!(
            "/staff/calls/{id}/experts-notice?ok=experts_published"
        ))),
        Err(AppError::Validation(e)) => {
            let mut page = page(&state, &ctx, id, "").await?;
            page.errs = Errs(e);
            page.notice = form;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => {
            let mut page = page(&state, &ctx, id, "").await?;
            page.error = m;
            page.notice = form;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
