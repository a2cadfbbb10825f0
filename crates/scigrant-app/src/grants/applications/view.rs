//! What readers see: one application (`load`, for its author, its unit or
//! staff) and the lists of a person, a unit and a call.

use std::collections::BTreeMap;
use std::sync::Arc;

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{self, FormData, FormSpec, Money, Problem, Value};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::{self as store, ApplicationRow};
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use super::{BUDGET_KEY, authority_sees, context_of, parse_data, state_of, text_of};
use crate::grants::calls::{CallView, call_view, spec_in};
use crate::{App, AppError};

/// An application as its readers see it.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: ApplicationState,
    pub call: CallView,
    pub spec: Arc<FormSpec>,
    pub data: FormData,
    pub computed: BTreeMap<String, Money>,
    pub problems: Vec<Problem>,
    pub person_id: i64,
    pub person_name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub saved_at: i64,
    pub submitted_at: Option<i64>,
    pub digest: String,
    pub pilot_city: String,
    pub deadline: i64,
    pub extension_reason: String,
    pub events: Vec<EventView>,
    pub paper: Option<PaperView>,
}

impl ApplicationView {
    pub fn saved_time(&self) -> String {
        format_datetime(self.saved_at)[11..].to_string()
    }
    pub fn submitted(&self) -> String {
        self.submitted_at.map(format_datetime).unwrap_or_default()
    }
    pub fn deadline_text(&self) -> String {
        format_datetime(self.deadline)
    }
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

#[derive(Clone, Debug)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub comment: String,
}

#[derive(Clone, Debug)]
pub struct PaperView {
    pub received: String,
    pub copies: i64,
    pub stamped: bool,
    pub late: bool,
}

fn event_label(action: &str) -> &'static str {
    match action {
        "created" => "创建申报书",
        "submitted" => "提交",
        "recommended" => "单位推荐",
        "unit_returned" => "单位退回修改",
        "accepted" => "形式审查通过",
        "staff_returned" => "形式审查退回",
        "paper" => "纸质材料登记",
        "extension" => "延期",
        _ => "其他",
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
    let data = match (&row.submitted_json, ApplicationState::from_code(&row.state)) {
        (Some(frozen), Some(s)) if !s.editable() => parse_data(frozen),
        _ => parse_data(&row.data_json),
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
            at: format_datetime(e.at),
            actor: e.actor_label,
            action: event_label(&e.action),
            comment: e.comment,
        })
        .collect();
    let paper = store::paper(c, row.id).await?.map(|p| PaperView {
        received: format_datetime(p.received_at),
        copies: p.copies,
        stamped: p.stamped != 0,
        late: p.late != 0,
    });
    Ok(ApplicationView {
        id: row.id,
        state: state_of(&row),
        number: row.number.unwrap_or_default(),
        title: row.title,
        call,
        spec,
        data,
        computed,
        problems,
        person_id: row.person_id,
        person_name: person.name,
        unit_id: row.unit_id,
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
    Staff,
}

/// Loads an application for `reader`; others' applications are `NotFound`.
pub async fn load(app: &App, reader: Reader, id: i64) -> Result<ApplicationView, AppError> {
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let allowed = match reader {
        Reader::Person(p) => row.person_id == p,
        Reader::Unit(u) => row.unit_id == u && row.state != ApplicationState::Draft.code(),
        Reader::Staff => authority_sees(&row),
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    view_of(&mut c, app, row).await
}

/// Which kind of account `reader` is, for the web layer.
pub fn reader_for(kind: AccountKind, id: i64) -> Reader {
    match kind {
        AccountKind::Person => Reader::Person(id),
        AccountKind::Unit => Reader::Unit(id),
        AccountKind::Staff => Reader::Staff,
    }
}

/// The form an applicant fills, for reading a posted form: one query to
/// check ownership, the parsed specification from the cache.
pub async fn form_of(app: &App, person_id: i64, id: i64) -> Result<Arc<FormSpec>, AppError> {
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if row.person_id != person_id {
        return Err(AppError::NotFound);
    }
    spec_in(app, &mut c, row.form_spec_id).await
}

/// A row of an application list.
#[derive(Clone, Debug)]
pub struct ApplicationItem {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub call_code: String,
    pub call_name: String,
    pub state: ApplicationState,
    pub person_name: String,
    pub person_phone_masked: String,
    pub unit_name: String,
    pub pilot_city: String,
    pub submitted: String,
    pub budget_requested: String,
    pub paper: String,
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
    let data = parse_data(r.submitted_json.as_deref().unwrap_or(&r.data_json));
    let paper = match store::paper(c, r.id).await? {
        Some(p) => format!(
            "{} {}份{}{}",
            format_datetime(p.received_at),
            p.copies,
            if p.stamped != 0 {
                "，已盖章"
            } else {
                "，未盖章"
            },
            if p.late != 0 { "（逾期）" } else { "" }
        ),
        None => "未收到".into(),
    };
    Ok(ApplicationItem {
        id: r.id,
        state: state_of(&r),
        number: r.number.unwrap_or_default(),
        title: r.title,
        call_code: call.code,
        call_name: call.name,
        person_name: person.name,
        person_phone_masked: mask_phone(&app.pii.open(&person.phone_enc)?),
        unit_name: unit.name,
        pilot_city: r.pilot_city,
        submitted: r.submitted_at.map(format_datetime).unwrap_or_default(),
        budget_requested: text_of(&data, BUDGET_KEY),
        paper,
    })
}

pub async fn of_person(app: &App, person_id: i64) -> Result<Vec<ApplicationItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_person(&mut c, person_id).await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(item_of(&mut c, app, r).await?);
    }
    Ok(out)
}

pub async fn of_unit(app: &App, unit_id: i64) -> Result<Vec<ApplicationItem>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_unit(&mut c, unit_id).await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(item_of(&mut c, app, r).await?);
    }
    Ok(out)
}

/// Applications of a call that reached the authority (recommended or later).
pub async fn of_call(
    app: &App,
    call_id: i64,
    state: &str,
) -> Result<Vec<ApplicationItem>, AppError> {
    let filter = match state {
        "" => None,
        // A state the domain does not define matches nothing.
        code => match ApplicationState::from_code(code) {
            Some(s) => Some(s),
            None => return Ok(vec![]),
        },
    };
    let mut c = app.db.read().await?;
    let rows = store::of_call(&mut c, call_id, filter).await?;
    let mut out = Vec::new();
    for r in rows {
        // Returned ones show only when asked for, as the filter says.
        if authority_sees(&r)
            && (r.state != ApplicationState::Returned.code() || state == "returned")
        {
            out.push(item_of(&mut c, app, r).await?);
        }
    }
    Ok(out)
}
