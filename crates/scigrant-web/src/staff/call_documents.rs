//! 通知附件 on the 项目管理员's call page: upload a document (checked by
//! content and name while it streams in, refused before it is kept),
//! remove one, and download one even while the call is a draft.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::grants::calls::{add_document, document, remove_document};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::grants::documents::{DOCUMENT_KINDS, DOCUMENT_MAX};
use scigrant_domain::ids::{CallId, FileId};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::{AnyKindSpec, merge, read_multipart_any};
use crate::http::notice::see_other;
use crate::http::pages::{Errs, render};
use crate::staff::programs::call_page;

const FILE: [AnyKindSpec<'static>; 1] = [AnyKindSpec {
    field: "document",
    kinds: &DOCUMENT_KINDS,
    max: DOCUMENT_MAX,
}];

/// 上传附件: one document with an optional title.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let app = &state.app;
    let s = read_multipart_any(app, mp, &FILE).await;
    let title = s.get("title");
    let result = match (s.errors.is_empty(), s.file("document")) {
        (false, _) => Err(AppError::Validation(FieldErrors::new())),
        (true, None) => Err(AppError::field("document", "请选择要上传的附件文件")),
        (true, Some(u)) => add_document(app, &ctx.actor(), id, &title, u).await,
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/calls/{id}?ok=saved"))),
        Err(AppError::Validation(v)) => {
            s.discard(app).await;
            let mut errs = merge(s.errors.clone(), v);
            if errs.get("document").is_none() {
                errs.add(
                    "document",
                    "请重新选择附件（出于安全考虑，出错后需重新选择文件）",
                );
            }
            let mut page = call_page(&state, &ctx, id.0, "", "", FieldErrors::new()).await?;
            page.doc_title = title;
            page.doc_errs = Errs(errs);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => {
            s.discard(app).await;
            Err(e.into())
        }
    }
}

/// 删除附件.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(CallId, FileId)>,
) -> Result<Response, WebError> {
    remove_document(&state.app, &ctx.actor(), id, file).await?;
    Ok(see_other(&format!("/staff/calls/{id}?ok=saved")))
}

/// A document of any call, drafts included, as a download.
pub async fn download(
    State(state): State<AppState>,
    Path((id, file)): Path<(CallId, FileId)>,
) -> Result<Response, WebError> {
    let f = document(&state.app, id, file, true).await?;
    Ok(crate::portal::articles::attachment_download(f))
}
