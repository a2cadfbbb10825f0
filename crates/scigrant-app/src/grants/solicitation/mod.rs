//! 指南征集 (MISSION flow 9): the 项目管理员 opens a solicitation on a
//! published notice with a period and a declared form (`staff`); persons
//! and units draft suggestions (autosaved, kept as typed) and submit them
//! for a receipt, units read their members' (`suggest`); staff tag, decide,
//! merge duplicates and reply, and export everything to Excel. Views are
//! typed; the web layer words and formats them.

pub mod staff;
pub mod suggest;

use std::sync::Arc;

use scigrant_domain::grants::form::{FormData, FormSpec, Value};
use scigrant_domain::grants::solicitation::{
    FIELD_KEY, SuggestionState, TITLE_KEY, phase, phase_label,
};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::ArticleId;
use scigrant_domain::portal::article::ArticleState;
use scigrant_domain::portal::consultation::Phase;
use scigrant_store::AnyConnection;
use scigrant_store::grants::solicitations::{
    self as store, SolicitationLine, SolicitationRow, SuggestionRow,
};
use scigrant_store::pii::{PiiCipher, SealedColumn};
use scigrant_store::portal::articles;

use crate::grants::calls::spec_in;
use crate::{App, AppError};

/// Who suggests: a person or a unit account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suggester {
    Person(i64),
    Unit(i64),
}

impl Suggester {
    /// The suggester of a signed-in account, if it may suggest at all.
    pub fn of(kind: AccountKind, id: i64) -> Option<Suggester> {
        match kind {
            AccountKind::Person => Some(Suggester::Person(id)),
            AccountKind::Unit => Some(Suggester::Unit(id)),
            _ => None,
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Suggester::Person(_) => "person",
            Suggester::Unit(_) => "unit",
        }
    }
    fn id(self) -> i64 {
        match self {
            Suggester::Person(id) | Suggester::Unit(id) => id,
        }
    }
    fn owns(self, r: &SuggestionRow) -> bool {
        r.account_kind == self.kind() && r.account_id == self.id()
    }
}

/// A solicitation as its pages show it.
#[derive(Clone, Debug)]
pub struct SolicitationView {
    pub id: i64,
    pub article_id: ArticleId,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub phase: Phase,
    pub spec: Arc<FormSpec>,
}

impl SolicitationView {
    pub fn open(&self) -> bool {
        self.phase == Phase::Open
    }
    pub fn phase_label(&self) -> &'static str {
        phase_label(self.phase)
    }
}

/// A line of a list of solicitations.
#[derive(Clone, Debug)]
pub struct SolicitationLineView {
    pub id: i64,
    pub article_id: ArticleId,
    pub title: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub phase: Phase,
    pub submitted: i64,
}

impl SolicitationLineView {
    pub fn phase_label(&self) -> &'static str {
        phase_label(self.phase)
    }
}

fn line_of(l: SolicitationLine, now: i64) -> SolicitationLineView {
    SolicitationLineView {
        phase: phase(l.opens_at, l.closes_at, false, now),
        id: l.id,
        article_id: ArticleId(l.article_id),
        title: l.title,
        opens_at: l.opens_at,
        closes_at: l.closes_at,
        submitted: l.submitted,
    }
}

/// A suggestion as its author, its unit and staff see it.
#[derive(Clone, Debug)]
pub struct SuggestionView {
    pub id: i64,
    pub solicitation_id: i64,
    /// The title of the announcing notice.
    pub solicitation: String,
    pub number: String,
    pub digest: String,
    /// 建议指南名称 and 所属领域 as typed.
    pub title: String,
    pub field: String,
    pub author: String,
    /// 个人 or 单位.
    pub by_unit: bool,
    pub state: SuggestionState,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub tags: Vec<String>,
    pub reply: String,
    pub handled_by: String,
    pub handled_at: Option<i64>,
    /// The number of the suggestion it was merged into.
    pub merged_into: String,
    pub data: FormData,
}

impl SuggestionView {
    pub fn state_label(&self) -> &'static str {
        self.state.label()
    }
    pub fn tags_text(&self) -> String {
        self.tags.join("、")
    }
    pub fn editable(&self) -> bool {
        self.state == SuggestionState::Draft
    }
}

fn text(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

/// Views of `rows`, with the notices' titles and merge targets' numbers
/// read once.
async fn views(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    rows: Vec<SuggestionRow>,
) -> Result<Vec<SuggestionView>, AppError> {
    let mut titles: Vec<(i64, String)> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let title = match titles.iter().find(|(id, _)| *id == r.solicitation_id) {
            Some((_, t)) => t.clone(),
            None => {
                let t = match store::get(c, r.solicitation_id).await? {
                    Some(s) => articles::get(c, s.article_id)
                        .await?
                        .map(|a| a.title)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                titles.push((r.solicitation_id, t.clone()));
                t
            }
        };
        let merged_into = match r.merged_into {
            Some(id) => store::suggestion(c, id)
                .await?
                .and_then(|m| m.number)
                .unwrap_or_default(),
            None => String::new(),
        };
        let at = SealedColumn::SUGGESTION_DATA.row(r.id);
        let data = crate::grants::sealed_form::open(pii, at, &r.data_json);
        out.push(SuggestionView {
            id: r.id,
            solicitation_id: r.solicitation_id,
            solicitation: title,
            number: r.number.unwrap_or_default(),
            digest: r.digest.unwrap_or_default(),
            title: text(&data, TITLE_KEY),
            field: text(&data, FIELD_KEY),
            author: r.author,
            by_unit: r.account_kind == "unit",
            state: SuggestionState::from_code(&r.state).unwrap_or(SuggestionState::Draft),
            saved_at: r.saved_at,
            submitted_at: r.submitted_at,
            tags: r
                .tags
                .split('、')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            reply: r.reply,
            handled_by: r.handled_by,
            handled_at: r.handled_at,
            merged_into,
            data,
        });
    }
    Ok(out)
}

async fn view_of(
    app: &App,
    c: &mut AnyConnection,
    r: SolicitationRow,
) -> Result<SolicitationView, AppError> {
    let title = articles::get(c, r.article_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    Ok(SolicitationView {
        spec: spec_in(app, c, r.form_spec_id).await?,
        phase: phase(r.opens_at, r.closes_at, false, app.now()),
        id: r.id,
        article_id: ArticleId(r.article_id),
        title,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
    })
}

/// The solicitations visitors see: opened, announced by a public notice.
pub async fn public_solicitations(app: &App) -> Result<Vec<SolicitationLineView>, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let lines = store::public_lines(
        &mut c,
        SuggestionState::Draft.code(),
        now,
        ArticleState::Published.code(),
    )
    .await?;
    Ok(lines.into_iter().map(|l| line_of(l, now)).collect())
}

/// One solicitation as visitors see it: not before it opens, and only
/// while its notice is public.
pub async fn public_solicitation(app: &App, id: i64) -> Result<SolicitationView, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if r.opens_at > now
        || articles::get_public(&mut c, r.article_id, now)
            .await?
            .is_none()
    {
        return Err(AppError::NotFound);
    }
    view_of(app, &mut c, r).await
}

/// The solicitation a public notice announces, for the notice's page.
pub async fn of_article(
    app: &App,
    article_id: ArticleId,
) -> Result<Option<SolicitationLineView>, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let Some(r) = store::of_article(&mut c, article_id.0).await? else {
        return Ok(None);
    };
    if r.opens_at > now {
        return Ok(None);
    }
    Ok(Some(SolicitationLineView {
        phase: phase(r.opens_at, r.closes_at, false, now),
        id: r.id,
        article_id,
        title: String::new(),
        opens_at: r.opens_at,
        closes_at: r.closes_at,
        submitted: 0,
    }))
}
