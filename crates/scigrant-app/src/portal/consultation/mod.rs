//! 征求意见 on a draft 申报指南 (MISSION flow 10): a 内容编辑 opens a
//! period on a published guide article with the guide's sections
//! (`staff`); visitors, or signed-in accounts only as opened, comment on a
//! section with name, unit, phone and the captcha (`public`); staff mark
//! and answer each comment, export them, and close the consultation with
//! a 处理情况说明 that the portal shows with the counts per state. Phones
//! are sealed and only ever shown masked. Views are typed; the words come
//! from the templates (the export is worded here).

pub mod public;
pub mod staff;

use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::consultation::{CommentState, Phase, phase, tally};
use scigrant_store::portal::consultations::{CommentRow, ConsultationLine, ConsultationRow};

use crate::AppError;

/// A consultation as its pages show it.
#[derive(Clone, Debug)]
pub struct ConsultationView {
    pub id: i64,
    pub article_id: ArticleId,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    /// Visitors without an account may comment.
    pub anonymous: bool,
    pub sections: Vec<String>,
    pub phase: Phase,
    pub explanation: String,
    pub closed_by: String,
    pub closed_at: Option<i64>,
    /// Comments per state, in `CommentState::ALL`'s order.
    pub tally: Vec<(CommentState, i64)>,
    pub total: i64,
}

impl ConsultationView {
    fn new(
        r: ConsultationRow,
        title: String,
        comments: &[CommentRow],
        now: i64,
    ) -> ConsultationView {
        let states = comments
            .iter()
            .filter_map(|c| CommentState::from_code(&c.state));
        ConsultationView {
            id: r.id,
            article_id: ArticleId(r.article_id),
            title,
            opens_at: r.opens_at,
            closes_at: r.closes_at,
            anonymous: r.anonymous != 0,
            sections: sections_of(&r.sections),
            phase: phase(r.opens_at, r.closes_at, r.closed_at.is_some(), now),
            explanation: r.explanation,
            closed_by: r.closed_by,
            closed_at: r.closed_at,
            tally: tally(states),
            total: comments.len() as i64,
        }
    }
    pub fn open(&self) -> bool {
        self.phase == Phase::Open
    }
    pub fn closed(&self) -> bool {
        self.phase == Phase::Closed
    }
    /// The sections numbered from 1, as the form posts them.
    pub fn numbered(&self) -> Vec<(i64, &str)> {
        self.sections
            .iter()
            .enumerate()
            .map(|(i, s)| (i as i64 + 1, s.as_str()))
            .collect()
    }
}

/// A line of a list of consultations.
#[derive(Clone, Debug)]
pub struct ConsultationLineView {
    pub id: i64,
    pub article_id: ArticleId,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub anonymous: bool,
    pub phase: Phase,
    pub comments: i64,
}

fn line_of(l: ConsultationLine, now: i64) -> ConsultationLineView {
    ConsultationLineView {
        phase: phase(l.opens_at, l.closes_at, l.closed_at.is_some(), now),
        id: l.id,
        article_id: ArticleId(l.article_id),
        title: l.title,
        opens_at: l.opens_at,
        closes_at: l.closes_at,
        anonymous: l.anonymous != 0,
        comments: l.comments,
    }
}

/// A comment as staff read it (the phone masked).
#[derive(Clone, Debug)]
pub struct CommentView {
    pub id: i64,
    pub section_no: i64,
    pub body: String,
    pub name: String,
    pub unit: String,
    pub phone_masked: String,
    pub at: i64,
    pub state: CommentState,
    pub reply: String,
    pub replied_by: String,
    pub replied_at: Option<i64>,
}

impl TryFrom<CommentRow> for CommentView {
    type Error = AppError;
    fn try_from(c: CommentRow) -> Result<Self, AppError> {
        Ok(CommentView {
            state: CommentState::from_code(&c.state)
                .ok_or_else(|| AppError::Internal(format!("unknown comment state {}", c.state)))?,
            id: c.id,
            section_no: c.section_no,
            body: c.body,
            name: c.name,
            unit: c.unit,
            phone_masked: c.phone_masked,
            at: c.created_at,
            reply: c.reply,
            replied_by: c.replied_by,
            replied_at: c.replied_at,
        })
    }
}

/// The comments on one section of the guide.
#[derive(Clone, Debug)]
pub struct SectionComments {
    pub no: i64,
    pub title: String,
    pub comments: Vec<CommentView>,
}

fn sections_of(stored: &str) -> Vec<String> {
    stored.lines().map(str::to_string).collect()
}

/// Groups comments under the sections, every section listed even when
/// nobody commented on it.
fn by_section(sections: &[String], comments: Vec<CommentView>) -> Vec<SectionComments> {
    let mut out: Vec<SectionComments> = sections
        .iter()
        .enumerate()
        .map(|(i, s)| SectionComments {
            no: i as i64 + 1,
            title: s.clone(),
            comments: Vec::new(),
        })
        .collect();
    for c in comments {
        if let Some(s) = out.iter_mut().find(|s| s.no == c.section_no) {
            s.comments.push(c);
        }
    }
    out
}
