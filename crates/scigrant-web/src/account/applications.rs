//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use crate::AppState;
use crate::formview::{FormView, view};
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{OkQuery, notice_text};
use crate::http::pages::{PageCtx, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::evaluation::notices::{FundingOutcome, outcome};
use scigrant_app::grants::applications::{self, ApplicationView, Reader, reader_for};
use scigrant_domain::evaluation::funding::Verdict;
use scigrant_domain::grants::application::{ApplicationState, INELIGIBILITY};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::identity::delegation::Service;
use scigrant_domain::ids::ApplicationId;
use scigrant_domain::permission::Caller;

#[derive(Template)]
#[template(path = "apply/view.html")]
pub struct ViewPage {
    pub ctx: PageCtx,
    pub a: ApplicationView,
    pub form: FormView,
    pub reader: &'static str,
    pub declarations: Vec<(usize, &'static str)>,
    pub error: String,
    pub verify_url: String,
    /// 立项结果, once the call's 立项公示 has begun.
    pub outcome: Option<FundingOutcome>,
    /// Where the PDF of this reader's view is downloaded.
    pub pdf_url: String,
}

pub(crate) fn reader_of(ctx: &Ctx) -> Result<(Reader, &'static str), WebError> {
    let s = ctx.session.as_ref().ok_or(WebError::SignIn("/login"))?;
    match s.caller {
        Caller::Staff { role, .. } if role != StaffRole::ProgramManager => {
            Err(AppError::NotFound.into())
        }
        Caller::Staff { .. } => Ok((Reader::Staff, "staff")),
        Caller::Unit { .. } => Ok((reader_for(s.kind, s.account_id), "unit")),
        // Acting for a unit with 项目管理 (代办): the unit's applications too.
        Caller::Person {
            acting: Some(a), ..
        } if a.services.has(Service::Projects) => match (s.person(), s.unit()) {
            (Some(p), Some(u)) => Ok((
                Reader::Delegate {
                    person: p.0,
                    unit: u.0,
                },
                "unit",
            )),
            _ => Ok((reader_for(s.kind, s.account_id), "person")),
        },
        _ => Ok((reader_for(s.kind, s.account_id), "person")),
    }
}

/// Who the page speaks to: a delegate reads the unit's applications as the
/// unit (推荐 / 退回) and their own as the applicant.
fn speaking_as(reader: Reader, who: &'static str, a: &ApplicationView) -> &'static str {
    match reader {
        Reader::Delegate { unit, .. } if a.unit_id.0 != unit => "person",
        _ => who,
    }
}

pub(crate) async fn view_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    error: String,
) -> Result<ViewPage, WebError> {
    let (reader, who) = reader_of(ctx)?;
    let a = applications::load(&state.app, reader, ApplicationId(id)).await?;
    let who = speaking_as(reader, who, &a);
    let form = view(&a.spec, &a.data, &[], "", &a.call.code);
    let outcome = outcome(&state.app, reader, ApplicationId(id)).await?;
    let verify_url = format!(
        "{}/verify?n={}&d={}",
        state.app.config.public_url, a.number, a.digest
    );
    Ok(ViewPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        form,
        reader: who,
        declarations: INELIGIBILITY.iter().copied().enumerate().collect(),
        error,
        verify_url,
        outcome,
        pdf_url: format!("/applications/{id}/pdf"),
        a,
    })
}

/// An application as its reader may see it (person, unit or staff).
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = view_page(&state, &ctx, id.0, notice_text(&q.ok), String::new()).await?;
    Ok(render(&page).into_response())
}

/// The application page with an error message (for the staff handlers).
pub async fn view_page_for(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: String,
) -> Result<ViewPage, WebError> {
    view_page(state, ctx, id, "", error).await
}

/// The print-ready PDF of a submitted application (申报书导出).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
) -> Result<Response, WebError> {
    let (reader, _) = reader_of(&ctx)?;
    let a = applications::load(&state.app, reader, id).await?;
    if a.submitted_at.is_none() {
        return Err(AppError::Refused("申报书提交后才能导出打印版".into()).into());
    }
    let verify_url = format!(
        "{}/verify?n={}&d={}",
        state.app.config.public_url, a.number, a.digest
    );
    let bytes = state
        .printer
        .pdf(&a, verify_url)
        .await
        .map_err(|m| WebError::from(AppError::Refused(format!("导出失败：{m}"))))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.pdf\"; filename*=UTF-8''{}",
                    a.number,
                    crate::http::pages::qv(&format!("{}申报书.pdf", a.number))
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
