//! What readers see: one application (`load`, for its author, its unit or
//! staff) and the lists of a person, a unit and a call. Times are epoch
//! milliseconds, states and history entries are domain enums, amounts are
//! `Money`; the web layer words and formats them.

use std::collections::BTreeMap;
use std::sync::Arc;

use scigrant_domain::grants::application::{ApplicationEvent, ApplicationState};
use scigrant_domain::grants::form::{self, FormData, FormSpec, Money, Problem, Value};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::ids::{ApplicationId, CallId, PersonId, UnitId};
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::{self as store, ApplicationRow, PaperRow};
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use super::{
    BUDGET_KEY, authority_sees, context_of, draft_data, latest_data, state_of, submitted_data,
    text_of,
};
use crate::grants::calls::{CallView, DocumentView, call_view, documents_on, spec_in};
use crate::{App, AppError};

/// An application as its readers see it.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub number: String,
    pub title: String,
    pub state: ApplicationState,
    pub call: CallView,
    /// The call's 通知附件, shown above the form.
    pub call_documents: Vec<DocumentView>,
    pub spec: Arc<FormSpec>,
    pub data: FormData,
    pub computed: BTreeMap<String, Money>,
    pub problems: Vec<Problem>,
    pub person_id: PersonId,
    pub person_name: String,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub digest: String,
    pub pilot_city: String,
    /// The close time, or the applicant's extension when later.
    pub deadline: i64,
    pub extension_reason: String,
    pub events: Vec<EventView>,
    pub paper: Option<PaperView>,
}

impl ApplicationView {
    pub fn editable(&self) -> bool {
        self.state.editable()
    }
    pub fn text(&self, key: &str) -> &str {
        match self.data.get(key) {
            Some(Value::Text(t)) => t,
            _ => "",
        }
    }
}

/// One entry of the history (办理记录).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub at: i64,
    pub actor: String,
    /// `None` for an entry written by another version that this one does
    /// not know; shown as "其他".
    pub action: Option<ApplicationEvent>,
    pub comment: String,
}

/// The paper copies as staff recorded their arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaperView {
    pub received: i64,
    pub copies: i64,
    pub stamped: bool,
    /// Received after the call's paper deadline.
    pub late: bool,
}

impl From<PaperRow> for PaperView {
    fn from(p: PaperRow) -> Self {
        PaperView {
            received: p.received_at,
            copies: p.copies,
            stamped: p.stamped != 0,
            late: p.late != 0,
        }
    }
}

async fn view_of(
    c: &mut AnyConnection,
    app: &App,
    row: ApplicationRow,
) -> Result<ApplicationView, AppError> {
    let call_row = calls::call(c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(c, call_row).await?;
    let spec = spec_in(app, c, row.form_spec_id).await?;
    let state = state_of(&row);
    let data = match &row.submitted_json {
        Some(frozen) if !state.editable() => submitted_data(&app.pii, row.id, frozen),
        _ => draft_data(&app.pii, row.id, &row.data_json),
    };
    let computed = form::computed(&spec, &data);
    let problems = form::validate(&spec, &data, &context_of(&call));
    let person = accounts::person(c, row.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = accounts::unit(c, row.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ext = store::extension(c, row.call_id, row.person_id).await?;
    let deadline = call
        .closes_at
        .max(ext.as_ref().map(|e| e.until_at).unwrap_or(i64::MIN));
    let events = store::events(c, row.id)
        .await?
        .into_iter()
        .map(|e| EventView {
            at: e.at,
            actor: e.actor_label,
            action: ApplicationEvent::from_code(&e.action),
            comment: e.comment,
        })
        .collect();
    let paper = store::paper(c, row.id).await?.map(PaperView::from);
    let call_documents = documents_on(c, call.id).await?;
    Ok(ApplicationView {
        id: ApplicationId(row.id),
        number: row.number.unwrap_or_default(),
        title: row.title,
        state,
        call,
        call_documents,
        spec,
        data,
        computed,
        problems,
        person_id: PersonId(row.person_id),
        person_name: person.name,
        unit_id: UnitId(row.unit_id),
        unit_name: unit.name,
        saved_at: row.saved_at,
        submitted_at: row.submitted_at,
        digest: row.digest.unwrap_or_default(),
        pilot_city: row.pilot_city,
        deadline,
        extension_reason: ext.map(|e| e.reason).unwrap_or_default(),
        events,
        paper,
    })
}

/// Who is reading an application.
#[derive(Clone, Copy, Debug)]
pub enum Reader {
    Person(i64),
    Unit(i64),
    /// A person acting for a unit with 项目管理 (代办): their own
    /// applications, and the unit's as the unit reads them.
    Delegate {
        person: i64,
        unit: i64,
    },
    Staff,
}

impl Reader {
    /// Whether `reader` may read an application of `person` and `unit` in
    /// `state`: its applicant always, its unit once it is not a draft.
    fn reads(self, person: i64, unit: i64, state: &str) -> bool {
        let unit_reads = |u: i64| unit == u && state != ApplicationState::Draft.code();
        match self {
            Reader::Person(p) => person == p,
            Reader::Unit(u) => unit_reads(u),
            Reader::Delegate { person: p, unit: u } => person == p || unit_reads(u),
            Reader::Staff => false,
        }
    }
}

/// Which kind of account `reader` is, for the web layer.
pub fn reader_for(kind: AccountKind, id: i64) -> Reader {
    match kind {
        AccountKind::Person => Reader::Person(id),
        AccountKind::Unit => Reader::Unit(id),
        AccountKind::Staff => Reader::Staff,
    }
}

/// Loads an application for `reader`; others' applications are `NotFound`.
pub async fn load(
    app: &App,
    reader: Reader,
    id: ApplicationId,
) -> Result<ApplicationView, AppError> {
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    let allowed = match reader {
        Reader::Staff => authority_sees(&row),
        _ => reader.reads(row.person_id, row.unit_id, &row.state),
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    view_of(&mut c, app, row).await
}

/// An application as an assigned expert reads it (评审): the version the
/// authority received. The caller has checked the assignment.
pub(crate) async fn load_for_review(
    app: &App,
    c: &mut AnyConnection,
    id: ApplicationId,
) -> Result<ApplicationView, AppError> {
    let row = store::get(c, id.0).await?.ok_or(AppError::NotFound)?;
    if !authority_sees(&row) {
        return Err(AppError::NotFound);
    }
    view_of(c, app, row).await
}

/// A row of an application list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationItem {
    pub id: ApplicationId,
    pub number: String,
    pub title: String,
    pub call_code: String,
    pub call_name: String,
    pub state: ApplicationState,
    pub person_name: String,
    pub person_phone_masked: String,
    pub unit_name: String,
    pub pilot_city: String,
    pub submitted: Option<i64>,
    /// 申请经费 as stated in the form; `None` while it is not an amount
    /// (a draft may hold anything, a submission always holds one).
    pub budget_requested: Option<Money>,
    /// `None` until the paper copies arrive (未收到).
    pub paper: Option<PaperView>,
}

async fn item_of(
    c: &mut AnyConnection,
    app: &App,
    r: ApplicationRow,
) -> Result<ApplicationItem, AppError> {
    let call = calls::call(c, r.call_id).await?.ok_or(AppError::NotFound)?;
    let person = accounts::person(c, r.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = accounts::unit(c, r.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = latest_data(&app.pii, r.id, &r.data_json, r.submitted_json.as_deref());
    let paper = store::paper(c, r.id).await?.map(PaperView::from);
    let phone = person.phone(&app.pii)?;
    Ok(ApplicationItem {
        id: ApplicationId(r.id),
        state: state_of(&r),
        number: r.number.unwrap_or_default(),
        title: r.title,
        call_code: call.code,
        call_name: call.name,
        person_name: person.name,
        person_phone_masked: mask_phone(&phone),
        unit_name: unit.name,
        pilot_city: r.pilot_city,
        submitted: r.submitted_at,
        budget_requested: Money::parse(&text_of(&data, BUDGET_KEY)).ok(),
        paper,
    })
}

async fn items_of(
    c: &mut AnyConnection,
    app: &App,
    rows: Vec<ApplicationRow>,
) -> Result<Vec<ApplicationItem>, AppError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(item_of(c, app, r).await?);
    }
    Ok(out)
}

/// 我的申报书: a person's applications, latest change first.
pub async fn of_person(app: &App, person_id: PersonId) -> Result<Vec<ApplicationItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_person(&mut c, person_id.0).await?;
    items_of(&mut c, app, rows).await
}

/// 本单位申报书: a unit's applications that left the draft stage.
pub async fn of_unit(app: &App, unit_id: UnitId) -> Result<Vec<ApplicationItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_unit(&mut c, unit_id.0).await?;
    items_of(&mut c, app, rows).await
}

/// Applications of a call that reached the authority (recommended or
/// later), only those in `state` when one is asked for. Returned ones show
/// only when asked for, as the filter says.
pub async fn of_call(
    app: &App,
    call_id: CallId,
    state: Option<ApplicationState>,
) -> Result<Vec<ApplicationItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_call(&mut c, call_id.0, state)
        .await?
        .into_iter()
        .filter(|r| {
            authority_sees(r)
                && (state_of(r) != ApplicationState::Returned
                    || state == Some(ApplicationState::Returned))
        })
        .collect();
    items_of(&mut c, app, rows).await
}
