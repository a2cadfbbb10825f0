//! 计划类别 / 申报指南: staff create a program and its calls from a
//! declared form (the built-in 附件4 / 附件5 or an imported one), publish
//! and close them; everybody lists what is open. A call's form is a stored,
//! never-changing specification: applications keep the version they began.
//!
//! This file holds what readers see (calls, guides, programs) and the
//! parsed form specifications; `create` holds creating programs and calls,
//! `publish` moving a call between its states, `documents` its 通知附件.

mod create;
mod documents;
mod eligibility;
mod publish;

pub(crate) use create::moment_field;
pub use create::{CallForm, create_call, create_program};
pub(crate) use documents::documents_on;
pub use documents::{DocumentView, add_document, document, remove_document};
pub(crate) use eligibility::check_listed;
pub use eligibility::{EligibilityForm, set_eligibility};
pub use publish::{set_state, target_state};

use std::sync::Arc;

use scigrant_domain::calendar;
use scigrant_domain::dictionary::{DictEntry, DictKind, Dictionary};
use scigrant_domain::grants::application::{CallState, call_open, shown_call_state};
use scigrant_domain::grants::eligibility::EligibleUnit;
use scigrant_domain::grants::form::{FormSpec, Money};
use scigrant_domain::ids::{CallId, ProgramId};
use scigrant_store::grants::calls::{self, CallRow};

use crate::{App, AppError};

/// A call as people read it. Times are epoch milliseconds (CST is applied
/// where they are shown); the unit kinds and state are domain enums.
#[derive(Clone, Debug)]
pub struct CallView {
    pub id: CallId,
    pub program_id: ProgramId,
    pub program: String,
    pub code: String,
    pub name: String,
    pub task: String,
    pub quota: i64,
    pub cap: Money,
    /// The day the project period ends (its 00:00 CST): 项目结束日期 may
    /// not be later.
    pub period_end: i64,
    /// 申报主体: the 单位性质 entries the call admits (by code), with the
    /// labels the dictionary gives them now.
    pub eligible: Vec<DictEntry>,
    /// 项目周期 as the notice words it; empty when staff left it to the date.
    pub period_text: String,
    /// 申报主体 as the notice words it; empty when the unit kinds say it.
    pub eligibility_text: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub paper_deadline: i64,
    pub state: CallState,
    pub form_spec_id: i64,
    pub form_title: String,
    pub city_group: String,
}

impl CallView {
    /// Whether the call takes applications at `now` ([`call_open`]).
    pub fn is_open(&self, now: i64) -> bool {
        call_open(self.state, self.opens_at, self.closes_at, now)
    }
    /// 项目周期 as the call page says it: the notice's words, else
    /// “2023年11月30日前完成” from the period's last day.
    pub fn period(&self) -> String {
        if self.period_text.is_empty() {
            let (y, m, d) = calendar::civil_date(self.period_end);
            format!("{y}年{m}月{d}日前完成")
        } else {
            self.period_text.clone()
        }
    }
    /// The state people see at `now` ([`shown_call_state`]).
    pub fn state_at(&self, now: i64) -> CallState {
        shown_call_state(self.state, self.closes_at, now)
    }
}

/// The call `row` as people read it: one statement for the 单位性质
/// labels, the rest is on the row. A list reads the labels once and
/// calls [`view_with`].
pub(crate) async fn call_view(
    c: &mut scigrant_store::AnyConnection,
    row: CallRow,
) -> Result<CallView, AppError> {
    let natures = crate::dictionary::read(c, DictKind::UnitNature).await?;
    view_with(row, &natures)
}

/// The call `row` for a submission's checks (deadline, state, cap and
/// period, 名单, 限项), without reading the 单位性质 labels: `eligible` is
/// left empty, as a submission checks no unit kind (that was checked when
/// the draft began).
pub(crate) fn call_for_checks(row: CallRow) -> Result<CallView, AppError> {
    let no_labels = Dictionary {
        kind: DictKind::UnitNature,
        entries: Vec::new(),
    };
    view_with(row, &no_labels)
}

fn view_with(row: CallRow, natures: &Dictionary) -> Result<CallView, AppError> {
    // Stored by `create_call` through the calendar, so it always reads back.
    let period_end = calendar::parse_ymd(&row.period_end)
        .map(calendar::day_start)
        .map_err(|e| AppError::Internal(format!("call {}: period_end: {e}", row.id)))?;
    Ok(CallView {
        id: CallId(row.id),
        program_id: ProgramId(row.program_id),
        program: row.program_name,
        eligible: row
            .eligible_kinds
            .split(',')
            .filter_map(|code| natures.entry(code).cloned())
            .collect(),
        cap: Money::from_cents(row.cap_cents),
        state: CallState::from_code(&row.state).unwrap_or(CallState::Draft),
        code: row.code,
        name: row.name,
        task: row.task,
        quota: row.quota,
        period_end,
        period_text: row.period_text,
        eligibility_text: row.eligibility_text,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        paper_deadline: row.paper_deadline,
        form_spec_id: row.form_spec_id,
        form_title: row.form_title,
        city_group: row.city_group,
    })
}

/// Calls as people read them, the labels read once.
async fn views_of(
    c: &mut scigrant_store::AnyConnection,
    rows: Vec<CallRow>,
) -> Result<Vec<CallView>, AppError> {
    let natures = crate::dictionary::read(c, DictKind::UnitNature).await?;
    rows.into_iter().map(|r| view_with(r, &natures)).collect()
}

pub async fn call(app: &App, id: CallId) -> Result<CallView, AppError> {
    let mut c = app.db.read().await?;
    let row = calls::call(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    call_view(&mut c, row).await
}

/// A call with what its own page shows besides: its 通知附件 and its
/// 申报单位名单.
#[derive(Clone, Debug)]
pub struct CallDetail {
    pub call: CallView,
    /// 通知附件, in the order they were added.
    pub documents: Vec<DocumentView>,
    /// The 申报单位名单, in order (empty: no list).
    pub listed: Vec<EligibleUnit>,
}

/// The call `id` with its attachments and list, on one connection.
pub async fn call_detail(app: &App, id: CallId) -> Result<CallDetail, AppError> {
    let mut c = app.db.read().await?;
    let row = calls::call(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    let call = call_view(&mut c, row).await?;
    Ok(CallDetail {
        documents: documents::documents_on(&mut c, id).await?,
        listed: eligibility::list_on(&mut c, id).await?,
        call,
    })
}

/// Published calls, soonest deadline first.
pub async fn published(app: &App) -> Result<Vec<CallView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = calls::published_calls(&mut c).await?;
    views_of(&mut c, rows).await
}

/// 正在受理的项目: the calls taking applications now by the server's
/// clock, soonest deadline first.
pub async fn open_calls(app: &App) -> Result<Vec<CallView>, AppError> {
    let now = app.now();
    let mut calls = published(app).await?;
    calls.retain(|c| c.is_open(now));
    Ok(calls)
}

/// A call's guide (申报指南) as the public reads it.
#[derive(Clone, Debug)]
pub struct Guide {
    pub call: CallView,
    /// 通知附件, in the order they were added.
    pub documents: Vec<DocumentView>,
    /// The names on its 申报单位名单 (codes are for matching, not shown).
    pub listed: Vec<String>,
    /// Whether it takes applications now, by the server's clock.
    pub open: bool,
}

/// The guide of a published or closed call; a draft is not public yet
/// (`NotFound`).
pub async fn guide(app: &App, id: CallId) -> Result<Guide, AppError> {
    let d = call_detail(app, id).await?;
    if d.call.state == CallState::Draft {
        return Err(AppError::NotFound);
    }
    Ok(Guide {
        open: d.call.is_open(app.now()),
        listed: d.listed.into_iter().map(|u| u.name).collect(),
        documents: d.documents,
        call: d.call,
    })
}

/// The declared form of a published or closed call, as the public reads
/// it with the guide; a draft call is `NotFound`.
pub async fn declared_form(app: &App, id: CallId) -> Result<Arc<FormSpec>, AppError> {
    let call = call(app, id).await?;
    if call.state == CallState::Draft {
        return Err(AppError::NotFound);
    }
    form_spec(app, call.form_spec_id).await
}

#[derive(Clone, Debug)]
pub struct ProgramView {
    pub id: ProgramId,
    pub name: String,
    pub notice: String,
    pub calls: Vec<CallView>,
    /// 限项 (none when never set).
    pub limits: scigrant_domain::grants::limits::HoldingLimits,
}

pub async fn programs(app: &App) -> Result<Vec<ProgramView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = calls::programs(&mut c).await?;
    let mut out = Vec::new();
    for p in rows {
        let rows = calls::calls_of_program(&mut c, p.id).await?;
        let views = views_of(&mut c, rows).await?;
        let limits = crate::grants::limits::limits_in(&mut c, p.id).await?;
        out.push(ProgramView {
            id: ProgramId(p.id),
            name: p.name,
            notice: p.notice,
            calls: views,
            limits,
        });
    }
    Ok(out)
}

/// The form specification `spec_id`, parsed once per process.
pub async fn form_spec(app: &App, spec_id: i64) -> Result<Arc<FormSpec>, AppError> {
    let mut c = app.db.read().await?;
    spec_in(app, &mut c, spec_id).await
}

pub(crate) async fn spec_in(
    app: &App,
    c: &mut scigrant_store::AnyConnection,
    spec_id: i64,
) -> Result<Arc<FormSpec>, AppError> {
    if let Ok(map) = app.cache.specs.read()
        && let Some(s) = map.get(&spec_id)
    {
        return Ok(s.clone());
    }
    let row = calls::form_spec(c, spec_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let spec = Arc::new(FormSpec::from_json(&row.spec_json).map_err(AppError::Internal)?);
    if let Ok(mut map) = app.cache.specs.write() {
        map.insert(spec_id, spec.clone());
    }
    Ok(spec)
}
