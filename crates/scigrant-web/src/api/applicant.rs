//! An applicant's own applications and the submission of a saved draft.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use scigrant_app::Page;
use scigrant_app::grants::applications::{of_person, submit_saved};
use scigrant_domain::ids::{ApplicationId, PersonId};

use super::error::{ApiError, ErrorBody};
use super::models::{ApplicationList, ReceiptOut};
use super::public::PageParams;
use super::{paging, path_id};
use crate::AppState;
use crate::http::context::Ctx;

fn person(ctx: &Ctx) -> Result<PersonId, ApiError> {
    ctx.session
        .as_ref()
        .and_then(|s| s.person())
        .ok_or_else(ApiError::unauthorized)
}

/// 我的申报书: the caller's applications and their states, latest change first.
#[utoipa::path(
    get,
    path = "/api/v1/me/applications",
    tag = "applicant",
    params(PageParams),
    security(("bearer" = ["applications:read"])),
    responses(
        (status = 200, description = "A page of the caller's applications", body = ApplicationList),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not a person's account, or the token lacks the scope", body = ErrorBody),
        (status = 422, description = "A paging parameter out of range", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn my_applications(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ApplicationList>, ApiError> {
    let (page, per_page) = paging(&q)?;
    let all = of_person(&state.app, person(&ctx)?).await?;
    Ok(Json(ApplicationList::of(Page::window(all, page, per_page))))
}

/// 提交 the draft as last saved: the receipt and digest are those the page
/// gives; a second call returns the same receipt.
#[utoipa::path(
    post,
    path = "/api/v1/me/applications/{id}/submit",
    tag = "applicant",
    params(("id" = i64, Path, description = "The application", minimum = 1)),
    security(("bearer" = ["applications:submit"])),
    responses(
        (status = 200, description = "The receipt (回执)", body = ReceiptOut),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not a person's account, or the token lacks the scope", body = ErrorBody),
        (status = 404, description = "No such application of the caller", body = ErrorBody),
        (status = 409, description = "Refused in the current state (deadline passed, call closed, 限项, right to apply withdrawn)", body = ErrorBody),
        (status = 422, description = "The form needs changes", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ReceiptOut>, ApiError> {
    let id = ApplicationId(path_id(&id)?);
    let receipt = submit_saved(&state.app, &ctx.actor(), person(&ctx)?, id).await?;
    Ok(Json(receipt.into()))
}
