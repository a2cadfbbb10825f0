//! The application's one error type. The web layer maps it to a status in
//! one place; internal errors are logged with the request id and never shown.

use std::collections::BTreeMap;

use scigrant_store::StoreError;
use scigrant_store::files::UploadError;

/// Messages in Chinese keyed by the form field they belong beside.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }
    pub fn add(&mut self, field: &str, msg: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| msg.into());
    }
    /// A required text field: present, and at most `max` characters.
    pub fn require(&mut self, field: &str, value: &str, label: &str, max: usize) {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("请输入{label}"));
        } else if v.chars().count() > max {
            self.add(field, format!("{label}不能超过{max}个字"));
        }
    }
    /// Every message in one line, for pages that show no form.
    pub fn summary(&self) -> String {
        self.0.values().cloned().collect::<Vec<_>>().join("；")
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `Err(Validation)` when any field failed.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("表单填写有误")]
    Validation(FieldErrors),
    #[error("{0}")]
    Refused(String),
    #[error("未找到")]
    NotFound,
    #[error("无权进行此操作")]
    Forbidden,
    #[error("账号、密码或验证码不正确，连续失败多次账号将被锁定")]
    LoginFailed,
    #[error("请求过于频繁，请稍后再试")]
    RateLimited,
    #[error("{0}")]
    Upload(#[from] UploadError),
    /// An application form with problems, in form order.
    #[error("申报书有{}处需要修改", .0.len())]
    Form(Vec<scigrant_domain::grants::form::Problem>),
    #[error("internal: {0}")]
    Store(#[from] StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<scigrant_store::sqlx::Error> for AppError {
    fn from(e: scigrant_store::sqlx::Error) -> Self {
        AppError::Store(StoreError::Sql(e))
    }
}

impl AppError {
    /// Whether the database was unreachable or too busy (see
    /// `StoreError::is_unavailable`): the request may be repeated later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AppError::Store(e) if e.is_unavailable())
    }

    pub fn field(field: &str, msg: impl Into<String>) -> AppError {
        let mut e = FieldErrors::new();
        e.add(field, msg);
        AppError::Validation(e)
    }
}
