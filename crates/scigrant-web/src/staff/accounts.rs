//! 后台: the staff console. Account reviewers work the 初审 / 复审 queues;
//! the three separated administrators have one page each (staff accounts,
//! security and 在线用户, 操作日志 / 登录日志).

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, options, render, xlsx_download};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::staff::{
    STAFF_COLUMNS, StaffInvite, StaffView, export_staff, invite_staff, list_staff, update_staff,
};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::StaffRole;
use scigrant_domain::ids::StaffId;
use serde::Deserialize;

/// A staff account with the role choices of its row.
pub struct StaffItem {
    pub staff: StaffView,
    pub roles: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
pub struct AccountsPage {
    pub ctx: PageCtx,
    pub items: Vec<StaffItem>,
    pub form: StaffInvite,
    pub roles: Vec<Opt>,
    pub errs: Errs,
    /// The export's columns: (key, header).
    pub columns: &'static [(&'static str, &'static str)],
}

fn role_options(current: &str) -> Vec<Opt> {
    let items: Vec<(&str, &str)> = StaffRole::ALL
        .iter()
        .map(|r| (r.code(), r.label()))
        .collect();
    options(&items, current)
}

async fn accounts_page(
    state: &AppState,
    ctx: &Ctx,
    form: StaffInvite,
    errs: FieldErrors,
    ok: &str,
) -> Result<AccountsPage, WebError> {
    let rows = list_staff(&state.app).await?;
    let items = rows
        .into_iter()
        .map(|s| StaffItem {
            roles: role_options(s.role.map(|r| r.code()).unwrap_or("")),
            staff: s,
        })
        .collect();
    Ok(AccountsPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(ok)),
        items,
        roles: role_options(&form.role),
        form,
        errs: Errs(errs),
        columns: &STAFF_COLUMNS,
    })
}

pub async fn accounts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = accounts_page(
        &state,
        &ctx,
        StaffInvite::default(),
        FieldErrors::new(),
        &q.ok,
    )
    .await?;
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffPost {
    login: String,
    name: String,
    role: String,
    mobile: String,
}

pub async fn account_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<StaffPost>,
) -> Result<Response, WebError> {
    let f = StaffInvite {
        login: p.login,
        name: p.name,
        role: p.role,
        mobile: p.mobile,
    };
    match invite_staff(&state.app, &ctx.actor(), &f).await {
        Ok(_) => Ok(see_other("/staff/accounts?ok=staff_added")),
        Err(AppError::Validation(e)) => {
            let page = accounts_page(&state, &ctx, f, e, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StaffUpdatePost {
    role: String,
    disabled: String,
}

pub async fn account_update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<StaffId>,
    Form(p): Form<StaffUpdatePost>,
) -> Result<Response, WebError> {
    update_staff(&state.app, &ctx.actor(), id, &p.role, p.disabled == "1").await?;
    Ok(see_other("/staff/accounts?ok=staff_updated"))
}

/// 后台账号 as .xlsx in the columns ticked (`col`, repeated).
pub async fn accounts_export(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let q = Posted::parse(query.unwrap_or_default().as_bytes());
    let bytes = export_staff(&state.app, &ctx.actor(), &q.all("col")).await?;
    Ok(xlsx_download("staff.xlsx", "后台账号.xlsx", bytes))
}
