//! 通知附件: the documents staff publish with a call — the 实施要求 its
//! 具体要求 refer to (“见附件1”), the blank 申报书 templates, the
//! 供应商账号注册流程 — which applicants download from the call's page.
//! They are checked as the portal's attachments are: by content and name.

use crate::upload::FileKind;

/// One document may be at most 50 MB (as a portal attachment).
pub const DOCUMENT_MAX: u64 = crate::portal::article::ATTACHMENT_MAX;
/// A call holds at most this many documents (the 2023 call has six).
pub const DOCUMENTS_PER_CALL: usize = 12;
/// The kinds a document may be: PDF, Word/Excel/WPS (OLE2), DOCX/XLSX/ZIP.
pub const DOCUMENT_KINDS: [FileKind; 3] = crate::portal::article::ATTACHMENT_KINDS;
/// The title staff may give a document (“附件1 项目实施要求”).
pub const DOCUMENT_TITLE_MAX: usize = 100;
