//! 通知附件: the 项目管理员 attaches documents to a call (the 实施要求 that
//! “具体要求：见附件1” points to, blank forms …) and removes them; visitors
//! and applicants download them from the call's page once it is published.
//! Files are checked by content and name while they stream in (the web's
//! multipart reader), so a refused file is never kept.

use scigrant_domain::grants::documents::{DOCUMENT_TITLE_MAX, DOCUMENTS_PER_CALL};
use scigrant_domain::ids::{CallId, FileId};
use scigrant_domain::upload::{FileKind, extension_fits};
use scigrant_store::files::{self, NewFile};
use scigrant_store::grants::calls::{self, DocumentRow};

use crate::identity::home::Download;
use crate::identity::register::Uploaded;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// A document as the call's page lists it.
#[derive(Clone, Debug)]
pub struct DocumentView {
    pub id: FileId,
    /// The title staff gave it, else the file's name.
    pub title: String,
    pub file_name: String,
    pub size: i64,
    pub kind: Option<FileKind>,
}

impl From<DocumentRow> for DocumentView {
    fn from(d: DocumentRow) -> Self {
        let title = if d.title.is_empty() {
            d.file.original_name.clone()
        } else {
            d.title
        };
        DocumentView {
            id: FileId(d.file.id),
            title,
            kind: FileKind::from_content_type(&d.file.content_type),
            file_name: d.file.original_name,
            size: d.file.size,
        }
    }
}

/// A call's 通知附件 on `c`, in the order they were added.
pub(crate) async fn documents_on(
    c: &mut scigrant_store::AnyConnection,
    call: CallId,
) -> Result<Vec<DocumentView>, AppError> {
    Ok(calls::documents_of(c, call.0)
        .await?
        .into_iter()
        .map(DocumentView::from)
        .collect())
}

/// 上传附件: attaches `upload` to the call under `title` (blank: the file's
/// name). Refused when the name does not fit the content, the title is too
/// long, the call already holds [`DOCUMENTS_PER_CALL`] documents or the
/// call does not exist. Audit `call.document_add`.
pub async fn add_document(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    title: &str,
    upload: &Uploaded,
) -> Result<FileId, AppError> {
    let mut e = FieldErrors::new();
    let title = title.trim();
    if title.chars().count() > DOCUMENT_TITLE_MAX {
        e.add("title", format!("附件名称不能超过{DOCUMENT_TITLE_MAX}个字"));
    }
    if !extension_fits(upload.stored.kind, &upload.original_name) {
        e.add(
            "document",
            format!(
                "附件《{}》的文件名与内容不符（内容为{}）",
                upload.original_name,
                upload.stored.kind.label()
            ),
        );
    }
    e.into_result()?;
    let staff = actor.id.ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let call = calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if calls::documents_of(&mut tx, call_id.0).await?.len() >= DOCUMENTS_PER_CALL {
        return Err(AppError::field(
            "document",
            format!("每个计划类别最多{DOCUMENTS_PER_CALL}个附件，请先删除不再需要的附件"),
        ));
    }
    let name: String = upload.original_name.chars().take(200).collect();
    let file_id = files::insert(
        &mut tx,
        NewFile {
            owner_kind: "staff",
            owner_id: staff,
            purpose: "call_document",
            original_name: &name,
            stored: &upload.stored,
            now: app.now(),
        },
    )
    .await?;
    calls::attach_document(&mut tx, call_id.0, file_id, title).await?;
    audit(
        &mut tx,
        app,
        actor,
        "call.document_add",
        ("call", Some(call_id.0)),
        "success",
        &format!(
            "{} 附件《{}》",
            call.code,
            if title.is_empty() { &name } else { title }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(FileId(file_id))
}

/// 删除附件: takes the document off the call (the stored file stays, as
/// every stored file does, for the record). Audit `call.document_remove`.
pub async fn remove_document(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    file: FileId,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let call = calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = files::get(&mut tx, file.0)
        .await?
        .map(|f| f.original_name)
        .unwrap_or_default();
    let title = calls::detach_document(&mut tx, call_id.0, file.0)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &mut tx,
        app,
        actor,
        "call.document_remove",
        ("call", Some(call_id.0)),
        "success",
        &format!(
            "{} 附件《{}》",
            call.code,
            if title.is_empty() { &name } else { &title }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A document of a published or closed call, opened for download; a
/// draft call's documents are `NotFound` to everyone but staff, who pass
/// `staff = true` from the console.
pub async fn document(
    app: &App,
    call_id: CallId,
    file: FileId,
    staff: bool,
) -> Result<Download, AppError> {
    let mut c = app.db.read().await?;
    let f = calls::document_file(&mut c, call_id.0, file.0, !staff)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    Download::open(app, f).await
}
