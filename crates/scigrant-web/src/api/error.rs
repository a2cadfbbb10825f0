//! The API's one error shape, `{ "code", "message", "request_id" }`, and
//! the one place its statuses are chosen. Like the pages' `Failure`, an
//! error leaves an `ApiFailure` on an empty response and `http::error::page_for`
//! writes the body with the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable machine-readable code (`not_found`, `forbidden` …).
    #[schema(example = "not_found")]
    pub code: String,
    /// What went wrong, in Chinese, for people.
    #[schema(example = "未找到")]
    pub message: String,
    /// The request id the server's logs carry.
    pub request_id: String,
}

/// What an API error says; `page_for` adds the request id.
#[derive(Clone, Debug)]
pub struct ApiFailure {
    pub code: &'static str,
    pub message: String,
}

/// An error of an API handler.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "请先登录，或在请求头 Authorization 中提供有效的访问令牌",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "您的账号无权访问此接口")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "未找到")
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            message,
        )
    }
}

/// A token that is unknown, expired or revoked, or an `Authorization`
/// header that is not a bearer token.
pub fn refused_token() -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "访问令牌无效、已过期或已撤销",
    )
    .into_response()
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        match e {
            AppError::NotFound => ApiError::not_found(),
            AppError::Forbidden => ApiError::new(S::FORBIDDEN, "forbidden", e.to_string()),
            AppError::RateLimited => {
                ApiError::new(S::TOO_MANY_REQUESTS, "rate_limited", e.to_string())
            }
            AppError::LoginFailed => ApiError::new(S::UNAUTHORIZED, "unauthorized", e.to_string()),
            // A refusal of the action in the state things are in (过了截止时间,
            // 不在受理期, 状态已变化, 限项): a conflict with the current state.
            AppError::Refused(m) => ApiError::new(S::CONFLICT, "refused", m),
            AppError::Upload(_) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_upload", e.to_string())
            }
            AppError::Form(problems) => ApiError::new(
                S::UNPROCESSABLE_ENTITY,
                "form_incomplete",
                problems
                    .iter()
                    .map(|p| format!("{}：{}", p.label, p.message))
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            AppError::Validation(fe) => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_parameter", fe.summary())
            }
            _ if e.is_unavailable() => {
                // The request's span adds the request id to this line.
                tracing::warn!(error = %e, "api: database unavailable");
                ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "系统暂时无法连接数据库，本次请求未处理，请稍后重试",
                )
            }
            AppError::Store(_) | AppError::Internal(_) => {
                tracing::error!(error = %e, "api: internal error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "系统处理出错，请稍后重试。如需联系技术支持，请提供请求编号",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        res.extensions_mut().insert(ApiFailure {
            code: self.code,
            message: self.message,
        });
        res
    }
}

/// The API's code for a status met outside its handlers (a page-style
/// `Failure` on an /api/v1 address: time limits, the fallback).
pub fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        408 => "timeout",
        409 => "refused",
        413 => "too_large",
        422 => "invalid_parameter",
        429 => "rate_limited",
        503 => "unavailable",
        504 => "timeout",
        _ => "internal",
    }
}
