//! What anyone may ask: the published calls, a call's declared form, and
//! whether a paper copy matches a submitted version (what /verify checks).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use scigrant_app::Page;
use scigrant_app::grants::applications::verify as verify_copy;
use scigrant_app::grants::calls::{declared_form, published};
use scigrant_domain::ids::CallId;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::models::{CallList, CallOut, VerificationOut};
use super::{paging, path_id};
use crate::AppState;

/// `?page=&per_page=` of every list.
// Documents the query for the OpenAPI document only: handlers read the
// query as a map, so a malformed value is the API's 422, not a rejection.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Rows per page (20 unless asked, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The calls published or closed, soonest deadline first.
#[utoipa::path(
    get,
    path = "/api/v1/calls",
    tag = "calls",
    params(PageParams),
    responses(
        (status = 200, description = "A page of calls", body = CallList),
        (status = 422, description = "A paging parameter out of range", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn calls(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<CallList>, ApiError> {
    let (page, per_page) = paging(&q)?;
    let now = state.app.now();
    let all = published(&state.app).await?;
    let rows = all.into_iter().map(|c| CallOut::new(c, now)).collect();
    Ok(Json(CallList::of(Page::window(rows, page, per_page))))
}

/// A call's declared form (申报书), as the import format describes it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallFormOut {
    pub call_id: i64,
    /// The form specification: cover fields, sections, tables, rules.
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
}

/// The declared form of a published or closed call.
#[utoipa::path(
    get,
    path = "/api/v1/calls/{id}/form",
    tag = "calls",
    params(("id" = i64, Path, description = "The call", minimum = 1)),
    responses(
        (status = 200, description = "The call's form", body = CallFormOut),
        (status = 404, description = "No such public call", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn call_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CallFormOut>, ApiError> {
    let id = path_id(&id)?;
    let spec = declared_form(&state.app, CallId(id)).await?;
    let form = serde_json::to_value(spec.as_ref())
        .map_err(|e| scigrant_app::AppError::Internal(e.to_string()))?;
    Ok(Json(CallFormOut { call_id: id, form }))
}

// Documents the query for the OpenAPI document only: handlers read the
// query as a map, so a malformed value is the API's 422, not a rejection.
#[allow(dead_code)]
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VerifyParams {
    /// 申报编号 printed on the paper copy.
    pub number: String,
    /// The SM3 digest printed on it.
    pub digest: String,
}

/// Whether a paper copy matches the submitted version (what /verify
/// checks); says nothing about a number without its digest.
#[utoipa::path(
    get,
    path = "/api/v1/verify",
    tag = "calls",
    params(VerifyParams),
    responses(
        (status = 200, description = "Whether it matches", body = VerificationOut),
        (status = 422, description = "Number or digest missing", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<VerificationOut>, ApiError> {
    let number = q.get("number").map(|s| s.trim()).unwrap_or("");
    let digest = q.get("digest").map(|s| s.trim()).unwrap_or("");
    if number.is_empty() || digest.is_empty() {
        return Err(ApiError::invalid(
            "请提供申报编号（number）和摘要（digest）",
        ));
    }
    Ok(Json(verify_copy(&state.app, number, digest).await?.into()))
}
