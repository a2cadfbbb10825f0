//! The only place HTTP statuses are chosen for errors. An error becomes a
//! `Failure` (title and message) on an otherwise empty response;
//! `page_for`, which every answer passes, renders it into `error.html` with the
//! request id, so every error page shows the id that the request's log
//! lines carry (the trace span in `http::layers` holds it). A 500 logs its
//! cause and never shows internals.

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use scigrant_app::AppError;

use crate::api::error::{ApiFailure, ErrorBody, code_for};
use crate::http::pages::{ErrorPage, render};

/// The title and text of the page answered while the database cannot be
/// reached: nothing was saved, and the same action may be repeated.
pub const UNAVAILABLE_TITLE: &str = "服务暂时不可用";
pub const UNAVAILABLE: &str = "系统暂时无法连接数据库，本次操作未保存。请勿关闭页面，稍后重试即可。如需联系技术支持，请提供下方的请求编号。";

/// An error a handler returns.
#[derive(Debug)]
pub enum WebError {
    App(AppError),
    /// Not signed in (or as another kind of account): go to the login page.
    SignIn(&'static str),
    Csrf,
    BadRequest(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}

/// What an error page says; `page_for` adds the request id.
#[derive(Clone, Debug)]
pub struct Failure {
    pub title: &'static str,
    pub message: String,
}

/// A response carrying `status` and a `Failure` for `page_for` to render.
pub fn failure(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    let mut res = status.into_response();
    res.extensions_mut().insert(Failure {
        title,
        message: message.into(),
    });
    res
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            WebError::SignIn(to) => return Redirect::to(to).into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "页面已过期",
                "页面已过期或来源不正确，请返回刷新页面后重新提交。".to_string(),
            ),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, "请求有误", m),
            WebError::App(e) => match e {
                AppError::NotFound => (
                    StatusCode::NOT_FOUND,
                    "未找到",
                    "您访问的页面或文件不存在。".to_string(),
                ),
                AppError::Forbidden => (StatusCode::FORBIDDEN, "无权访问", e.to_string()),
                AppError::RateLimited => {
                    (StatusCode::TOO_MANY_REQUESTS, "请稍后再试", e.to_string())
                }
                AppError::LoginFailed | AppError::Refused(_) | AppError::Upload(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "操作未完成",
                    e.to_string(),
                ),
                AppError::Form(problems) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "申报书需要修改",
                    problems
                        .iter()
                        .map(|p| format!("{}：{}", p.label, p.message))
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
                AppError::Validation(fe) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "填写有误", fe.summary())
                }
                _ if e.is_unavailable() => {
                    // The request's span adds the request id to this line.
                    tracing::warn!(error = %e, "database unavailable");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        UNAVAILABLE_TITLE,
                        UNAVAILABLE.to_string(),
                    )
                }
                AppError::Store(_) | AppError::Internal(_) => {
                    // The request's span adds the request id to this line.
                    tracing::error!(error = %e, "internal error");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "系统繁忙",
                        "系统处理出错，请稍后重试。如需联系技术支持，请提供下方的请求编号。"
                            .to_string(),
                    )
                }
            },
        };
        failure(status, title, message)
    }
}

/// Renders the `Failure` of a response into the error page with the
/// request id (the JSON error on /api/v1); other responses pass
/// unchanged. Every answer passes here (`http::layers::answered`).
pub fn page_for(mut res: Response, request_id: &str, api: bool) -> Response {
    let failure = res.extensions_mut().remove::<Failure>();
    let api_failure = res.extensions_mut().remove::<ApiFailure>();
    // On /api/v1 every error is the API's JSON shape, whoever made it.
    let api_failure = match (api_failure, failure.as_ref()) {
        (Some(a), _) => Some(a),
        (None, Some(f)) if api => Some(ApiFailure {
            code: code_for(res.status()),
            message: f.message.clone(),
        }),
        _ => None,
    };
    if let Some(a) = api_failure {
        let body = serde_json::to_string(&ErrorBody {
            code: a.code.to_string(),
            message: a.message,
            request_id: request_id.to_string(),
        })
        .unwrap_or_default();
        let (mut parts, _) = res.into_parts();
        parts.headers.remove(CONTENT_LENGTH);
        parts.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return Response::from_parts(parts, Body::from(body));
    }
    let Some(f) = failure else {
        return res;
    };
    let html = render(&ErrorPage {
        title: f.title,
        message: &f.message,
        request_id,
    });
    let (mut parts, _) = res.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(html.0))
}
