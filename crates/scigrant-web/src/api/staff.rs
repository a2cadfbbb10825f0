//! Staff: the applications of a call that reached the authority.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use scigrant_app::Page;
use scigrant_app::grants::applications::of_call;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::ids::CallId;
use utoipa::IntoParams;

use super::error::{ApiError, ErrorBody};
use super::models::ApplicationList;
use super::public::PageParams;
use super::{paging, path_id};
use crate::AppState;

// Documents the query for the OpenAPI document only: handlers read the
// query as a map, so a malformed value is the API's 422, not a rejection.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallApplicationsParams {
    /// Only this state: `recommended`, `accepted` or `returned`.
    pub state: Option<String>,
}

/// The applications of a call that its units recommended (and later
/// states), in the order of the call's page; `state` filters.
#[utoipa::path(
    get,
    path = "/api/v1/staff/calls/{id}/applications",
    tag = "staff",
    params(("id" = i64, Path, description = "The call", minimum = 1), CallApplicationsParams, PageParams),
    security(("bearer" = ["applications:read"])),
    responses(
        (status = 200, description = "A page of applications", body = ApplicationList),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not a 项目管理员, or the token lacks the scope", body = ErrorBody),
        (status = 404, description = "No such call", body = ErrorBody),
        (status = 422, description = "An unknown state or a paging parameter out of range", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn call_applications(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ApplicationList>, ApiError> {
    let call = CallId(path_id(&id)?);
    let (page, per_page) = paging(&q)?;
    let filter = match q.get("state").map(String::as_str) {
        None | Some("") => None,
        Some(code) => Some(ApplicationState::from_code(code).ok_or_else(|| {
            ApiError::invalid("参数 state 须为 recommended、accepted 或 returned")
        })?),
    };
    let all = of_call(&state.app, call, filter).await?;
    Ok(Json(ApplicationList::of(Page::window(all, page, per_page))))
}
