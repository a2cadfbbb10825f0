//! 单位主界面, the unit's side of its registration review (correcting a
//! refused registration, uploading the 组织机构代码证 for 复审) and
//! 单位从属用户管理.

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, Pager, options, qv, render, xlsx_download};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use axum::response::{IntoResponse, Response};
use scigrant_app::identity::members::{
    MemberRow, decide_member, export_members, list_members, lock_member, member as member_of_unit,
    member_filter,
};
use scigrant_app::identity::subaccounts::{add_user, remove_user};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::Membership;
use scigrant_domain::identity::decision::parse_verdict;
use scigrant_domain::ids::{PersonId, UnitId};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberQuery {
    q: String,
    status: String,
    locked: String,
    page: i64,
    ok: String,
    /// 添加用户 as typed, when it was refused.
    #[serde(skip)]
    add_login: String,
    #[serde(skip)]
    add_name: String,
}

#[derive(Template)]
#[template(path = "unit/members.html")]
pub struct MembersPage {
    pub ctx: PageCtx,
    pub rows: Vec<MemberRow>,
    pub pager: Pager,
    pub q: String,
    pub statuses: Vec<Opt>,
    pub locks: Vec<Opt>,
    pub export_query: String,
    pub errs: Errs,
    pub add_login: String,
    pub add_name: String,
}

async fn members_page(
    state: &AppState,
    ctx: &Ctx,
    unit_id: i64,
    q: &MemberQuery,
    errs: FieldErrors,
) -> Result<MembersPage, WebError> {
    let filter = member_filter(&q.q, &q.status, &q.locked);
    let page = list_members(&state.app, UnitId(unit_id), &filter, q.page.max(1), 20).await?;
    let base = format!(
        "q={}&status={}&locked={}&",
        qv(&q.q),
        qv(&q.status),
        qv(&q.locked)
    );
    let statuses: Vec<(&str, &str)> = [
        Membership::Pending,
        Membership::Approved,
        Membership::Rejected,
    ]
    .iter()
    .map(|m| (m.code(), m.label()))
    .collect();
    Ok(MembersPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice_text(&q.ok)),
        pager: Pager::new(&page, base.clone()),
        rows: page.rows,
        q: q.q.clone(),
        statuses: options(&statuses, &q.status),
        locks: options(&[("0", "未锁定"), ("1", "锁定")], &q.locked),
        export_query: base,
        errs: Errs(errs),
        add_login: q.add_login.clone(),
        add_name: q.add_name.clone(),
    })
}

/// 单位从属用户管理.
pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MemberQuery>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let page = members_page(&state, &ctx, unit.0, &q, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

pub async fn members_export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MemberQuery>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let filter = member_filter(&q.q, &q.status, &q.locked);
    let bytes = export_members(&state.app, &ctx.actor(), unit, &filter).await?;
    Ok(xlsx_download("members.xlsx", "单位从属用户.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "unit/member.html")]
pub struct MemberPage {
    pub ctx: PageCtx,
    pub m: MemberRow,
}

pub async fn member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let m = member_of_unit(&state.app, unit, id).await?;
    Ok(render(&MemberPage {
        ctx: PageCtx::new(&state, &ctx),
        m,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecidePost {
    decision: String,
    reason: String,
}

pub async fn member_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(p): Form<DecidePost>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let approve = parse_verdict(&p.decision);
    match decide_member(&state.app, &ctx.actor(), unit, id, approve, &p.reason).await {
        Ok(()) => Ok(see_other("/unit/members?ok=decided")),
        Err(AppError::Validation(e)) => {
            let page = members_page(&state, &ctx, unit.0, &MemberQuery::default(), e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LockPost {
    locked: String,
}

pub async fn member_lock(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(p): Form<LockPost>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let locked = p.locked == "1";
    lock_member(&state.app, &ctx.actor(), unit, id, locked).await?;
    Ok(see_other(if locked {
        "/unit/members?ok=locked"
    } else {
        "/unit/members?ok=unlocked"
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddPost {
    add_login: String,
    add_name: String,
}

/// 添加用户: an account never bound to a unit (or rejected) joins this one.
pub async fn member_add(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<AddPost>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    match add_user(&state.app, &ctx.actor(), unit, &p.add_login, &p.add_name).await {
        Ok(_) => Ok(see_other("/unit/members?ok=member_added")),
        Err(AppError::Validation(e)) => {
            let q = MemberQuery {
                add_login: p.add_login,
                add_name: p.add_name,
                ..MemberQuery::default()
            };
            let page = members_page(&state, &ctx, unit.0, &q, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 删除: the user leaves the unit; the account stays.
pub async fn member_remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> Result<Response, WebError> {
    remove_user(&state.app, &ctx.actor(), ctx.unit()?, id).await?;
    Ok(see_other("/unit/members?ok=member_removed"))
}
