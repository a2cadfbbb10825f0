//! 在线办理 → 用户授权管理 (seed 004): the unit authorises real-name
//! verified persons to act for it (代办) on named services until an end
//! date, changes and revokes those authorisations, and reads 代办记录, what
//! was done in its name.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::delegation::{
    DelegatedActionView, DelegationView, GrantForm, change, grant, revoke, unit_actions,
    unit_delegations,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::delegation::{Service, Standing};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, Pager, render};

/// A service as a checkbox: code, label, ticked.
pub struct Tick {
    pub code: &'static str,
    pub label: &'static str,
    pub on: bool,
}

fn ticks(chosen: &[String]) -> Vec<Tick> {
    Service::ALL
        .into_iter()
        .map(|s| Tick {
            code: s.code(),
            label: s.label(),
            on: chosen.iter().any(|c| c == s.code()),
        })
        .collect()
}

/// One authorisation with its change form's boxes.
pub struct Row {
    pub d: DelegationView,
    pub live: bool,
    pub ticks: Vec<Tick>,
}

#[derive(Template)]
#[template(path = "unit/delegations.html")]
pub struct DelegationsPage {
    pub ctx: PageCtx,
    pub rows: Vec<Row>,
    pub form: GrantForm,
    pub ticks: Vec<Tick>,
    pub errs: Errs,
    /// The row whose change was refused, and why.
    pub row_error: Option<(i64, String)>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    form: GrantForm,
    errs: FieldErrors,
    row_error: Option<(i64, String)>,
    notice: &str,
) -> Result<DelegationsPage, WebError> {
    let list = unit_delegations(&state.app, ctx.unit()?).await?;
    let rows = list
        .into_iter()
        .map(|d| {
            let chosen: Vec<String> = d.services.list().iter().map(|s| s.code().into()).collect();
            Row {
                live: d.standing != Standing::Revoked,
                ticks: ticks(&chosen),
                d,
            }
        })
        .collect();
    Ok(DelegationsPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(notice)),
        rows,
        ticks: ticks(&form.services),
        form,
        errs: Errs(errs),
        row_error,
    })
}

/// 用户授权管理.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let form = GrantForm::default();
    let p = page(&state, &ctx, form, FieldErrors::new(), None, &q.ok).await?;
    Ok(render(&p).into_response())
}

/// 授权.
pub async fn grant_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let form = GrantForm {
        login: p.get("login"),
        doc_no: p.get("doc_no"),
        name: p.get("name"),
        services: p.all("services"),
        ends_on: p.get("ends_on"),
    };
    let errs = match grant(&state.app, &ctx.actor(), ctx.unit()?, &form).await {
        Ok(_) => return Ok(see_other("/unit/delegations?ok=delegation_granted")),
        Err(AppError::Validation(e)) => e,
        Err(AppError::Refused(why)) => {
            let mut e = FieldErrors::new();
            e.add("login", why);
            e
        }
        Err(e) => return Err(e.into()),
    };
    let p = page(&state, &ctx, form, errs, None, "").await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
}

/// 修改: an authorisation's services and 授权截止日期.
pub async fn change_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let services = p.all("services");
    let ends_on = p.get("ends_on");
    let why = match change(
        &state.app,
        &ctx.actor(),
        ctx.unit()?,
        id,
        &services,
        &ends_on,
    )
    .await
    {
        Ok(()) => return Ok(see_other("/unit/delegations?ok=delegation_changed")),
        Err(AppError::Validation(e)) => e.summary(),
        Err(AppError::Refused(why)) => why,
        Err(e) => return Err(e.into()),
    };
    let form = GrantForm::default();
    let p = page(&state, &ctx, form, FieldErrors::new(), Some((id, why)), "").await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
}

/// 撤销.
pub async fn revoke_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    revoke(&state.app, &ctx.actor(), ctx.unit()?, id).await?;
    Ok(see_other("/unit/delegations?ok=delegation_revoked"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogQuery {
    page: i64,
}

#[derive(Template)]
#[template(path = "unit/delegation_log.html")]
pub struct LogPage {
    pub ctx: PageCtx,
    pub rows: Vec<DelegatedActionView>,
    pub pager: Pager,
}

/// 代办记录: what persons did in the unit's name.
pub async fn log(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<LogQuery>,
) -> Result<Response, WebError> {
    let page = unit_actions(&state.app, ctx.unit()?, q.page, 20).await?;
    Ok(render(&LogPage {
        ctx: PageCtx::new(&state, &ctx),
        pager: Pager::new(&page, String::new()),
        rows: page.rows,
    })
    .into_response())
}
