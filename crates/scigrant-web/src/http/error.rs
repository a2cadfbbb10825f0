//! The only place HTTP statuses are chosen for errors. A 500 is logged
//! with the request id and shows the user that id, never internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use scigrant_app::AppError;

use crate::http::pages::{ErrorPage, render};

/// An error a handler returns.
#[derive(Debug)]
pub enum WebError {
    App(AppError, String),
    /// Not signed in (or as another kind of account): go to the login page.
    SignIn(&'static str),
    Csrf,
    BadRequest(String),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e, String::new())
    }
}

impl WebError {
    pub fn with_request(self, request_id: &str) -> WebError {
        match self {
            WebError::App(e, _) => WebError::App(e, request_id.to_string()),
            other => other,
        }
    }
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
            WebError::App(e, request_id) => match e {
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
                AppError::Validation(fe) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "填写有误",
                    fe.0.values().cloned().collect::<Vec<_>>().join("；"),
                ),
                AppError::Store(_) | AppError::Internal(_) => {
                    tracing::error!(request_id = %request_id, error = %e, "internal error");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "系统繁忙",
                        format!(
                            "系统处理出错，请稍后重试。如需联系技术支持，请提供编号 {request_id}。"
                        ),
                    )
                }
            },
        };
        let page = ErrorPage {
            title,
            message: &message,
        };
        (status, render(&page)).into_response()
    }
}
