//! A unit's members (numbers masked) and its members' applications.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use scigrant_app::Page;
use scigrant_app::grants::applications::of_unit;
use scigrant_app::identity::members::{list_members, member_filter};
use scigrant_domain::ids::UnitId;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::models::{ApplicationList, MemberList};
use super::paging;
use super::public::PageParams;
use crate::AppState;
use crate::http::context::Ctx;

fn unit(ctx: &Ctx) -> Result<UnitId, ApiError> {
    ctx.session
        .as_ref()
        .and_then(|s| s.unit())
        .ok_or_else(ApiError::unauthorized)
}

// Documents the query for the OpenAPI document only: handlers read the
// query as a map, so a malformed value is the API's 422, not a rejection.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberParams {
    /// Part of a name (numbers are not searched).
    pub q: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: Option<String>,
    /// `1` locked only, `0` unlocked only.
    pub locked: Option<String>,
}

/// 单位从属用户: the unit's members as 单位从属用户管理 lists them, ID and
/// phone numbers masked.
#[utoipa::path(
    get,
    path = "/api/v1/unit/members",
    tag = "unit",
    params(MemberParams, PageParams),
    security(("bearer" = ["members:read"])),
    responses(
        (status = 200, description = "A page of members", body = MemberList),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not an opened unit, or the token lacks the scope", body = ErrorBody),
        (status = 422, description = "A paging parameter out of range", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<MemberList>, ApiError> {
    let (page, per_page) = paging(&q)?;
    let text = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let filter = member_filter(text("q"), text("status"), text("locked"));
    let list = list_members(&state.app, unit(&ctx)?, &filter, page, per_page).await?;
    Ok(Json(MemberList::of(list)))
}

/// 本单位申报书: the applications of the unit's members that left the draft stage.
#[utoipa::path(
    get,
    path = "/api/v1/unit/applications",
    tag = "unit",
    params(PageParams),
    security(("bearer" = ["applications:read"])),
    responses(
        (status = 200, description = "A page of applications", body = ApplicationList),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not an opened unit, or the token lacks the scope", body = ErrorBody),
        (status = 422, description = "A paging parameter out of range", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn applications(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ApplicationList>, ApiError> {
    let (page, per_page) = paging(&q)?;
    let all = of_unit(&state.app, unit(&ctx)?).await?;
    Ok(Json(ApplicationList::of(Page::window(all, page, per_page))))
}
