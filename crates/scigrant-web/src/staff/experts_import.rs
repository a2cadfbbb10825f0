//! 专家导入 for the 项目管理员: upload an .xlsx of experts, see every row's
//! outcome as a dry run (试导入), then import for real. The sheet is read
//! in memory (at most [`MAX_BYTES`]) and never stored.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::evaluation::experts_import::{
    IMPORT_COLUMNS, ImportReport, MAX_ROWS, RowOutcome, import_experts,
};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{PageCtx, render};

/// The largest sheet accepted (a 2,000-row list is far below it).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

#[derive(Template)]
#[template(path = "staff/experts_import.html")]
pub struct ImportPage {
    pub ctx: PageCtx,
    pub columns: [&'static str; 7],
    pub max_rows: usize,
    pub error: String,
    pub report: Option<ImportReport>,
}

impl ImportPage {
    pub fn outcome_text(o: &RowOutcome) -> String {
        match o {
            RowOutcome::Ready => "可导入".into(),
            RowOutcome::Imported => "已导入".into(),
            RowOutcome::Refused(why) => format!("未导入：{why}"),
        }
    }
    pub fn refused(o: &RowOutcome) -> bool {
        matches!(o, RowOutcome::Refused(_))
    }
}

fn page(state: &AppState, ctx: &Ctx) -> ImportPage {
    ImportPage {
        ctx: PageCtx::new(state, ctx),
        columns: IMPORT_COLUMNS,
        max_rows: MAX_ROWS,
        error: String::new(),
        report: None,
    }
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&page(&state, &ctx)).into_response())
}

/// The posted sheet (`file`) and whether this is the real run (`mode`).
async fn read(mp: Multipart) -> Result<(Vec<u8>, bool), String> {
    let got = crate::http::forms::read_in_memory(mp, "file", MAX_BYTES).await;
    if let Some(e) = got.error {
        return Err(e);
    }
    if got.file.is_empty() {
        return Err("请选择要导入的Excel文件".into());
    }
    Ok((got.file, got.posted.get("mode") == "import"))
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let mut p = page(&state, &ctx);
    let (bytes, real) = match read(mp).await {
        Ok(r) => r,
        Err(msg) => {
            p.error = msg;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response());
        }
    };
    match import_experts(&state.app, &ctx.actor(), &bytes, !real).await {
        Ok(report) => {
            p.report = Some(report);
            Ok(render(&p).into_response())
        }
        Err(AppError::Validation(e)) => {
            p.error = e.get("file").unwrap_or("文件有误").to_string();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
