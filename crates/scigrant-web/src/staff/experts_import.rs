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
async fn read(mut mp: Multipart) -> Result<(Vec<u8>, bool), String> {
    let mut bytes = Vec::new();
    let mut real = false;
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err("上传中断或文件过大，请重新选择文件".into()),
        };
        match field.name().unwrap_or("") {
            "file" => {
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| "上传中断，请重新选择文件".to_string())?
                {
                    if bytes.len() + chunk.len() > MAX_BYTES {
                        return Err(format!("文件不能超过{} MB", MAX_BYTES / 1024 / 1024));
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            "mode" => real = field.text().await.unwrap_or_default() == "import",
            _ => {}
        }
    }
    if bytes.is_empty() {
        return Err("请选择要导入的Excel文件".into());
    }
    Ok((bytes, real))
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
