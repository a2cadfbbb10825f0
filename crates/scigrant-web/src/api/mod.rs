//! `/api/v1`, the integration API: JSON over the same use cases as the
//! pages (a handler parses, calls one use case, answers), every route in
//! the route table with its permission and, for personal access tokens,
//! the scope it needs. A bearer token or, for reading, the browser's own
//! session authenticates; errors are one shape (`error`); lists page with
//! `?page=&per_page=` in a stable order. The OpenAPI document is generated
//! from the handlers' annotations (`docs`).

pub mod docs;
pub mod error;
pub mod models;

mod applicant;
mod public;
mod results;
mod staff;
mod unit;

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_domain::identity::token::Scope;
use scigrant_domain::permission::{Caller, Decision, Permission, decide};

use crate::http::context::Ctx;
use crate::routes::Table;
use error::ApiError;

/// Where the API lives; the middleware and error pages recognise it.
pub const PREFIX: &str = "/api/v1/";

/// Rows per page unless asked otherwise, and the most one page holds.
pub const PER_PAGE: i64 = 20;
pub const MAX_PER_PAGE: i64 = 100;

pub fn routes(t: Table) -> Table {
    use Permission::*;
    use Scope::*;
    use scigrant_domain::identity::account::StaffRole::ProgramManager;
    t.api(
        "GET",
        "/api/v1/openapi.json",
        Public,
        None,
        get(docs::openapi_json),
    )
    .api("GET", "/api/v1/docs", Public, None, get(docs::docs_page))
    .api("GET", "/api/v1/calls", Public, None, get(public::calls))
    .api(
        "GET",
        "/api/v1/calls/{id}/form",
        Public,
        None,
        get(public::call_form),
    )
    .api("GET", "/api/v1/verify", Public, None, get(public::verify))
    .api(
        "GET",
        "/api/v1/me/applications",
        Person,
        Some(ApplicationsRead),
        get(applicant::my_applications),
    )
    .api(
        "POST",
        "/api/v1/me/applications/{id}/submit",
        Person,
        Some(ApplicationsSubmit),
        post(applicant::submit),
    )
    .api(
        "GET",
        "/api/v1/unit/members",
        UnitPlatform,
        Some(MembersRead),
        get(unit::members),
    )
    .api(
        "GET",
        "/api/v1/unit/applications",
        UnitPlatform,
        Some(ApplicationsRead),
        get(unit::applications),
    )
    .api(
        "GET",
        "/api/v1/staff/calls/{id}/applications",
        StaffRole(ProgramManager),
        Some(ApplicationsRead),
        get(staff::call_applications),
    )
    .api(
        "GET",
        "/api/v1/staff/calls/{id}/reviews",
        StaffRole(ProgramManager),
        Some(ResultsRead),
        get(results::reviews),
    )
    .api(
        "GET",
        "/api/v1/staff/calls/{id}/funding",
        StaffRole(ProgramManager),
        Some(ResultsRead),
        get(results::funding),
    )
}

/// The API's guard: the account's permission as for the pages, then the
/// token's scope. Nobody signed in is 401; another account kind, a role
/// without the permission or a token without the scope is 403.
pub fn refusal(permission: Permission, scope: Option<Scope>, ctx: &Ctx) -> Option<Response> {
    let caller = ctx.caller();
    match decide(permission, &caller) {
        Decision::Allow => {}
        _ if matches!(caller, Caller::Anonymous) => {
            return Some(ApiError::unauthorized().into_response());
        }
        Decision::ChangePassword => {
            return Some(
                ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "password_change_required",
                    "首次登录须修改初始密码后才能使用后台功能",
                )
                .into_response(),
            );
        }
        _ => return Some(ApiError::forbidden().into_response()),
    }
    match (scope, ctx.grant.as_ref()) {
        (Some(scope), Some(grant)) if !grant.allows(scope) => Some(
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("访问令牌未获得此接口所需的权限范围（{}）", scope.code()),
            )
            .into_response(),
        ),
        _ => None,
    }
}

/// `?page=&per_page=` read from the query: 1-based, at most
/// [`MAX_PER_PAGE`] rows a page; anything else is refused with 422.
pub fn paging(q: &HashMap<String, String>) -> Result<(i64, i64), ApiError> {
    let read = |key: &str, default: i64, max: i64| -> Result<i64, ApiError> {
        match q.get(key) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::invalid(format!("参数 {key} 须为1至{max}的整数"))),
            },
        }
    };
    Ok((
        read("page", 1, 1_000_000)?,
        read("per_page", PER_PAGE, MAX_PER_PAGE)?,
    ))
}

/// A path id: anything but a positive integer names nothing (404).
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(ApiError::not_found)
}
