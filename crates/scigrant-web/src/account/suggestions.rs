//! 指南建议 for a signed-in person or unit: start one from a solicitation,
//! fill the declared form (autosaved by the application form's script,
//! kept as typed, live counters), submit it for a receipt (number and SM3
//! digest), and read their own and, for a unit, its members' with staff's
//! handling and reply.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::grants::solicitation::suggest::{self, SuggestionEdit};
use scigrant_app::grants::solicitation::{Suggester, SuggestionView};
use scigrant_domain::grants::form::counters;
use scigrant_domain::identity::account::AccountKind;
use serde::Deserialize;

use crate::AppState;
use crate::formview::{FormView, autosave_answer, data_from_pairs, view};
use crate::http::context::{Ctx, login_path_for};
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{PageCtx, render};
use crate::person::applications::{LinkedProblem, linked};

/// The signed-in suggester, or a redirect to the person login.
fn suggester(ctx: &Ctx) -> Result<Suggester, WebError> {
    ctx.session
        .as_ref()
        .and_then(|s| Suggester::of(s.kind, s.account_id))
        .ok_or(WebError::SignIn(login_path_for(AccountKind::Person)))
}

/// 在线填写指南建议: a new draft, then its form.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let who = suggester(&ctx)?;
    let sid = suggest::start(&state.app, &ctx.actor(), who, id).await?;
    Ok(see_other(&format!("/suggestions/{sid}/edit")))
}

#[derive(Template)]
#[template(path = "account/suggestion_edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub e: SuggestionEdit,
    pub form: FormView,
    pub problems: Vec<LinkedProblem>,
    pub counters_json: String,
}

fn edit_page(state: &AppState, ctx: &Ctx, e: SuggestionEdit, show: bool, notice: &str) -> EditPage {
    let shown = if show { e.problems.clone() } else { vec![] };
    EditPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        form: view(&e.solicitation.spec, &e.suggestion.data, &shown, "", ""),
        problems: linked(&shown),
        counters_json: serde_json::to_string(&counters(&e.solicitation.spec)).unwrap_or_default(),
        e,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    ok: String,
    check: String,
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let e = suggest::load(&state.app, suggester(&ctx)?, id).await?;
    if !e.suggestion.editable() {
        return Ok(see_other(&format!("/suggestions/{id}")));
    }
    let page = edit_page(&state, &ctx, e, !q.check.is_empty(), notice_text(&q.ok));
    Ok(render(&page).into_response())
}

/// 保存 and 检查 without JavaScript: the whole form is posted.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let who = suggester(&ctx)?;
    let spec = suggest::form_of(&state.app, who, id).await?;
    let posted = Posted::parse(&body);
    let data = data_from_pairs(&spec, &posted.0);
    match suggest::save(&state.app, who, id, &data).await {
        Ok(_) if posted.get("action") == "preview" => Ok(see_other(&format!(
            "/suggestions/{id}/edit?check=1&ok=saved"
        ))),
        Ok(_) => Ok(see_other(&format!("/suggestions/{id}/edit?ok=saved"))),
        Err(AppError::Refused(m)) => refused(&state, &ctx, who, id, m).await,
        Err(e) => Err(e.into()),
    }
}

/// The form again with the refusal on top (what was typed stays in the
/// browser's copy and on the page's fields).
async fn refused(
    state: &AppState,
    ctx: &Ctx,
    who: Suggester,
    id: i64,
    message: String,
) -> Result<Response, WebError> {
    let e = suggest::load(&state.app, who, id).await?;
    let mut page = edit_page(state, ctx, e, false, "");
    page.problems.insert(
        0,
        LinkedProblem {
            anchor: "top".into(),
            label: "提交".into(),
            message,
        },
    );
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

/// Autosave from the form's script: the server time as JSON, or 409 with
/// the reason it is no longer kept.
pub async fn autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let who = suggester(&ctx)?;
    let spec = suggest::form_of(&state.app, who, id).await?;
    let data = data_from_pairs(&spec, &Posted::parse(&body).0);
    autosave_answer(suggest::save(&state.app, who, id, &data).await)
}

/// 提交: the receipt, or the form with every problem linked to its field.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let who = suggester(&ctx)?;
    let spec = suggest::form_of(&state.app, who, id).await?;
    let data = data_from_pairs(&spec, &Posted::parse(&body).0);
    match suggest::submit(&state.app, &ctx.actor(), who, id, &data).await {
        Ok(_) => Ok(see_other(&format!("/suggestions/{id}?ok=suggested"))),
        Err(AppError::Form(_)) => {
            let e = suggest::load(&state.app, who, id).await?;
            let page = edit_page(&state, &ctx, e, true, "");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => refused(&state, &ctx, who, id, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/suggestion.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub e: SuggestionEdit,
    pub form: FormView,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    ok: String,
}

/// A suggestion with its receipt and staff's handling, for its author.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let e = suggest::load(&state.app, suggester(&ctx)?, id).await?;
    let form = view(&e.solicitation.spec, &e.suggestion.data, &[], "", "");
    Ok(render(&ShowPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        e,
        form,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "account/suggestions.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub mine: Vec<SuggestionView>,
    /// For a unit: the submitted suggestions of the unit and its members.
    pub of_unit: Option<Vec<SuggestionView>>,
}

/// 我的指南建议 (and, for a unit, 本单位指南建议).
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let who = suggester(&ctx)?;
    let mine = suggest::mine(&state.app, who).await?;
    let of_unit = match who {
        Suggester::Unit(id) => Some(suggest::of_unit(&state.app, id).await?),
        Suggester::Person(_) => None,
    };
    Ok(render(&ListPage {
        ctx: PageCtx::new(&state, &ctx),
        mine,
        of_unit,
    })
    .into_response())
}
