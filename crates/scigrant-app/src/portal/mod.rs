//! 门户 content: staff write and review articles (`content`), visitors
//! read them (`public`) and search them (`search`); 征求意见 on a draft
//! guide (`consultation`). Views are typed
//! (sections and states as the domain's enums, times as epoch ms); the
//! words a person reads come from the templates.

pub mod cache;
pub mod consultation;
pub mod content;
pub mod public;
pub mod search;

use scigrant_domain::ids::{ArticleId, FileId};
use scigrant_domain::portal::article::{ArticleState, Section};
use scigrant_domain::upload::FileKind;
use scigrant_store::files::FileRow;
use scigrant_store::portal::articles::{ArticleLine, ArticleRow, VersionRow};

use crate::AppError;

/// A line of a list of articles.
#[derive(Clone, Debug)]
pub struct ArticleLineView {
    pub id: ArticleId,
    pub section: Section,
    pub title: String,
    pub publisher: String,
    pub state: ArticleState,
    pub important: bool,
    pub pinned: bool,
    pub scheduled_at: Option<i64>,
    pub publish_at: Option<i64>,
    pub version: i64,
    pub editor_label: String,
    pub updated_at: i64,
}

impl TryFrom<ArticleLine> for ArticleLineView {
    type Error = AppError;
    fn try_from(r: ArticleLine) -> Result<Self, AppError> {
        Ok(ArticleLineView {
            id: ArticleId(r.id),
            section: section_of(&r.section)?,
            title: r.title,
            publisher: r.publisher,
            state: state_of(&r.state)?,
            important: r.important != 0,
            pinned: r.pinned != 0,
            scheduled_at: r.scheduled_at,
            publish_at: r.publish_at,
            version: r.version,
            editor_label: r.editor_label,
            updated_at: r.updated_at,
        })
    }
}

/// An attachment as a list shows it.
#[derive(Clone, Debug)]
pub struct AttachmentView {
    pub id: FileId,
    pub name: String,
    pub size: i64,
    pub kind: Option<FileKind>,
}

impl From<FileRow> for AttachmentView {
    fn from(f: FileRow) -> Self {
        AttachmentView {
            id: FileId(f.id),
            kind: FileKind::from_content_type(&f.content_type),
            name: f.original_name,
            size: f.size,
        }
    }
}

/// A whole article: its text, clean body, attachments and, for staff, its
/// review state.
#[derive(Clone, Debug)]
pub struct ArticleView {
    pub line: ArticleLineView,
    pub body_md: String,
    /// Markdown rendered and cleaned by the domain's allow-list when saved.
    pub body_html: String,
    pub editor_id: i64,
    pub reviewer_label: String,
    pub return_reason: String,
    pub attachments: Vec<AttachmentView>,
}

impl ArticleView {
    fn new(r: ArticleRow, attachments: Vec<FileRow>) -> Result<ArticleView, AppError> {
        let line = ArticleLineView {
            id: ArticleId(r.id),
            section: section_of(&r.section)?,
            title: r.title,
            publisher: r.publisher,
            state: state_of(&r.state)?,
            important: r.important != 0,
            pinned: r.pinned != 0,
            scheduled_at: r.scheduled_at,
            publish_at: r.publish_at,
            version: r.version,
            editor_label: r.editor_label,
            updated_at: r.updated_at,
        };
        Ok(ArticleView {
            line,
            body_md: r.body_md,
            body_html: r.body_html,
            editor_id: r.editor_id,
            reviewer_label: r.reviewer_label,
            return_reason: r.return_reason,
            attachments: attachments.into_iter().map(AttachmentView::from).collect(),
        })
    }
}

/// A saved version of an article's text.
#[derive(Clone, Debug)]
pub struct VersionView {
    pub version: i64,
    pub section: Option<Section>,
    pub title: String,
    pub publisher: String,
    pub body_md: String,
    pub saved_by: String,
    pub saved_at: i64,
}

impl From<VersionRow> for VersionView {
    fn from(v: VersionRow) -> Self {
        VersionView {
            version: v.version,
            section: Section::from_code(&v.section),
            title: v.title,
            publisher: v.publisher,
            body_md: v.body_md,
            saved_by: v.saved_by,
            saved_at: v.saved_at,
        }
    }
}

fn section_of(code: &str) -> Result<Section, AppError> {
    Section::from_code(code).ok_or_else(|| AppError::Internal(format!("unknown section {code}")))
}

fn state_of(code: &str) -> Result<ArticleState, AppError> {
    ArticleState::from_code(code)
        .ok_or_else(|| AppError::Internal(format!("unknown article state {code}")))
}
