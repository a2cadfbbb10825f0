//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use crate::AppState;
use crate::formview::{FormView, anchor, autosave_answer, data_from_pairs, view};
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{PageCtx, render};
use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::grants::applications::{self, ApplicationView, Reader};
use scigrant_domain::grants::form::Problem;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::{ApplicationId, CallId};
use serde::Deserialize;

/// 申报: opens (or creates) the member's application for the call.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
) -> Result<Response, WebError> {
    let person = ctx.person()?;
    match applications::start(&state.app, &ctx.actor(), person, id).await {
        Ok(app_id) => Ok(see_other(&format!("/applications/{app_id}/edit"))),
        // A call requiring 实名认证: say so, with the way to 我的信息.
        Err(AppError::Refused(m)) if realname_refusal(&m) => {
            let page = RealnameRequiredPage {
                ctx: PageCtx::new(&state, &ctx),
                message: m,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn realname_refusal(m: &str) -> bool {
    use scigrant_app::identity::realname::{PERSON_REQUIRED, UNIT_REQUIRED};
    m == PERSON_REQUIRED || m == UNIT_REQUIRED
}

#[derive(Template)]
#[template(path = "apply/realname_required.html")]
pub struct RealnameRequiredPage {
    pub ctx: PageCtx,
    pub message: String,
}

#[derive(Template)]
#[template(path = "apply/edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub a: ApplicationView,
    pub form: FormView,
    pub problems: Vec<LinkedProblem>,
    pub counters_json: String,
}

#[derive(Clone, Debug)]
pub struct LinkedProblem {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

pub(crate) fn linked(problems: &[Problem]) -> Vec<LinkedProblem> {
    problems
        .iter()
        .map(|p| LinkedProblem {
            anchor: anchor(&p.path),
            label: p.label.clone(),
            message: p.message.clone(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    ok: String,
    add: String,
    check: String,
}

fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    a: ApplicationView,
    show_problems: bool,
    add: &str,
    notice: &str,
) -> EditPage {
    let problems: Vec<Problem> = if show_problems {
        a.problems.clone()
    } else {
        vec![]
    };
    let form = view(&a.spec, &a.data, &problems, add, &a.call.code);
    let counters = scigrant_domain::grants::form::counters(&a.spec);
    EditPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        problems: linked(&problems),
        counters_json: serde_json::to_string(&counters).unwrap_or_default(),
        form,
        a,
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
    if !a.editable() {
        return Ok(see_other(&format!("/applications/{id}")));
    }
    let page = edit_page(
        &state,
        &ctx,
        a,
        !q.check.is_empty(),
        &q.add,
        notice_text(&q.ok),
    );
    Ok(render(&page).into_response())
}

/// 保存 (and 增加一行, 预览): the no-JavaScript path posts the whole form.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
    let posted = Posted::parse(&body);
    let data = data_from_pairs(&a.spec, &posted.0);
    applications::save(&state.app, &ctx.actor(), ctx.person()?, id, &data).await?;
    let action = posted.get("action");
    let to = match action.as_str() {
        "preview" => format!("/applications/{id}/edit?check=1&ok=saved"),
        a if a.starts_with("add:") => format!("/applications/{id}/edit?ok=saved&add={}", &a[4..]),
        _ => format!("/applications/{id}/edit?ok=saved"),
    };
    Ok(see_other(&to))
}

/// Autosave from the page's script: JSON answer with the server time.
pub async fn autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let person = ctx.person()?;
    let pairs = Posted::parse(&body).0;
    autosave_answer(applications::save_posted(&state.app, &ctx.actor(), person, id, &pairs).await)
}

/// 提交: saves, validates, freezes; shows the receipt, or the form with
/// every problem listed and linked to its field.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let pairs = Posted::parse(&body).0;
    match applications::submit_posted(&state.app, &ctx.actor(), ctx.person()?, id, &pairs).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?ok=submitted"))),
        Err(AppError::Form(_)) => {
            let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
            let page = edit_page(&state, &ctx, a, true, "", "");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => {
            let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
            let mut page = edit_page(&state, &ctx, a, false, "", "");
            page.problems.insert(
                0,
                LinkedProblem {
                    anchor: "top".into(),
                    label: "提交".into(),
                    message: m,
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 撤回: the applicant takes a submitted application back before the unit
/// decides, with a reason.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let reason = Posted::parse(&body).get("reason");
    match applications::withdraw(&state.app, &ctx.actor(), ctx.person()?, id, &reason).await {
        Ok(()) => Ok(see_other(&format!("/applications/{id}?ok=withdrawn"))),
        Err(AppError::Refused(m)) => {
            let page = crate::account::applications::view_page_for(&state, &ctx, id.0, m).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Validation(e)) => {
            let page = crate::account::applications::view_page_for(&state, &ctx, id.0, e.summary())
                .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
