//! 专家管理's search: the library filtered by 学科 prefix, keyword, 职称,
//! unit, region and state, one expert's page, and the Excel export of a
//! search (phone masked, no ID number).

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::evaluation::discipline::{self};
use scigrant_domain::evaluation::expert::{ExpertState, parse_keywords};
use scigrant_domain::ids::ExpertId;
use scigrant_domain::mask::mask_phone;
use scigrant_store::evaluation::experts::{self as store, ExpertFilter, ExpertListRow};
use scigrant_store::pii::SealedColumn;

use crate::export::Columns;
use crate::{Actor, App, AppError, Page, audit};

use super::{ExpertView, region_label, view};

/// The 专家管理 search as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpertSearch {
    pub discipline: String,
    pub keyword: String,
    pub title: String,
    pub unit: String,
    pub region: String,
    /// An [`ExpertState`] code; empty for every state.
    pub state: String,
}

impl ExpertSearch {
    fn filter(&self) -> ExpertFilter<'_> {
        ExpertFilter {
            discipline: &self.discipline,
            keyword: &self.keyword,
            title: &self.title,
            unit: &self.unit,
            region: &self.region,
            state: ExpertState::from_code(&self.state),
        }
    }
}

/// One row of the 专家管理 list (phone masked).
#[derive(Clone, Debug)]
pub struct ExpertItem {
    pub id: ExpertId,
    pub name: String,
    pub phone_masked: String,
    pub unit_name: String,
    pub title: String,
    /// "110 数学".
    pub primary: String,
    pub keywords: Vec<String>,
    pub region_label: String,
    pub available: bool,
    pub state: ExpertState,
    pub state_reason: String,
    pub updated_at: i64,
}

fn item(app: &App, r: ExpertListRow) -> Result<ExpertItem, AppError> {
    let primary = r
        .primary_code
        .as_deref()
        .map(|c| {
            discipline::lookup(c)
                .map(|d| d.label())
                .unwrap_or_else(|| c.to_string())
        })
        .unwrap_or_default();
    Ok(ExpertItem {
        id: ExpertId(r.id),
        name: r.name,
        phone_masked: mask_phone(
            &app.pii
                .open_at(SealedColumn::PERSON_PHONE.row(r.person_id), &r.phone_enc)?,
        ),
        unit_name: r.unit_name,
        title: r.title,
        primary,
        keywords: parse_keywords(&r.keywords),
        region_label: region_label(r.region_code),
        available: r.available != 0,
        state: ExpertState::from_code(&r.state).unwrap_or(ExpertState::Applied),
        state_reason: r.state_reason,
        updated_at: r.updated_at,
    })
}

/// One page (20 experts) of the search, most recently changed first.
pub async fn search_experts(
    app: &App,
    s: &ExpertSearch,
    page: i64,
) -> Result<Page<ExpertItem>, AppError> {
    search_page(app, s, page, 20).await
}

async fn search_page(
    app: &App,
    s: &ExpertSearch,
    page: i64,
    per_page: i64,
) -> Result<Page<ExpertItem>, AppError> {
    let mut c = app.db.read().await?;
    let (rows, total) = store::search(
        &mut c,
        &s.filter(),
        per_page,
        Page::<()>::offset(page, per_page),
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| item(app, r))
        .collect::<Result<_, _>>()?;
    Ok(Page::new(rows, total, page, per_page))
}

/// One expert for staff.
pub async fn expert_detail(app: &App, id: ExpertId) -> Result<ExpertView, AppError> {
    let mut c = app.db.read().await?;
    let e = store::expert(&mut c, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    view(app, &mut c, e).await
}

/// Columns of the expert export, in their stable order. ID numbers are
/// never exported; the phone only masked.
pub const EXPERT_COLUMNS: Columns = &[
    ("name", "姓名"),
    ("phone", "手机号码"),
    ("unit", "工作单位"),
    ("title", "职称"),
    ("primary", "主学科"),
    ("disciplines", "学科"),
    ("keywords", "研究方向"),
    ("region", "所在地区"),
    ("available", "可参加评审"),
    ("state", "状态"),
    ("updated", "更新时间"),
];

/// The search's experts as .xlsx in the chosen columns, the phone masked
/// as on screen and no ID number. Audit `expert.export`.
pub async fn export_experts(
    app: &App,
    actor: &Actor,
    s: &ExpertSearch,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let page = search_page(app, s, 1, 100_000).await?;
    let mut all_codes = Vec::with_capacity(page.rows.len());
    {
        let mut c = app.db.read().await?;
        for e in &page.rows {
            let codes = store::disciplines(&mut c, e.id.0).await?;
            all_codes.push(
                codes
                    .iter()
                    .map(|(code, _)| {
                        discipline::lookup(code)
                            .map(|d| d.label())
                            .unwrap_or_else(|| code.clone())
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            );
        }
    }
    let rows: Vec<(&ExpertItem, &String)> = page.rows.iter().zip(all_codes.iter()).collect();
    let bytes = crate::export::xlsx_of(
        "专家",
        EXPERT_COLUMNS,
        columns,
        &rows,
        |(e, codes), key| match key {
            "name" => e.name.clone(),
            "phone" => e.phone_masked.clone(),
            "unit" => e.unit_name.clone(),
            "title" => e.title.clone(),
            "primary" => e.primary.clone(),
            "disciplines" => (*codes).clone(),
            "keywords" => e.keywords.join("；"),
            "region" => e.region_label.clone(),
            "available" => if e.available { "是" } else { "否" }.into(),
            "state" => e.state.label().into(),
            _ => format_datetime(e.updated_at),
        },
    )?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "expert.export",
        ("expert", None),
        "success",
        &format!("{}条", page.rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}
