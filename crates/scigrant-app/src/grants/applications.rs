//! 项目申报: a member drafts an application through the call's declared
//! form (autosaved, never lost), submits it before the deadline by the
//! server's clock and gets a receipt (回执) with an SM3 digest of the frozen
//! version; the unit recommends (推荐, where the call's rules are enforced)
//! or returns it; staff accept it (形式审查) or return it, record the paper
//! copies and grant audited extensions. `verify` proves a paper copy.

use std::collections::BTreeMap;

use scigrant_domain::grants::application::{ApplicationState, CallState, INELIGIBILITY, in_time};
use scigrant_domain::grants::form::{
    self, FormData, FormSpec, Money, Problem, ValidationContext, Value,
};
use scigrant_domain::identity::account::{AccountKind, Membership, UnitKind, UnitState};
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::{
    self as store, ApplicationRow, NewApplication, Paper, Submission,
};
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;
use sm3::{Digest, Sm3};

use scigrant_domain::calendar::{self, DayPart, format_date, format_datetime};

use crate::grants::calls::moment_field;
use crate::grants::calls::{CallView, call_view};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The key of the field whose value is the project's title.
const TITLE_KEY: &str = "project_name";
/// The field naming the pilot city (意向服务的试点城市).
const CITY_KEY: &str = "pilot_cities";
/// The people table compared across a unit's applications.
const MEMBERS_KEY: &str = "members";

/// An application as its readers see it.
#[derive(Clone, Debug)]
pub struct ApplicationView {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: ApplicationState,
    pub call: CallView,
    pub spec: std::sync::Arc<FormSpec>,
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

/// The receipt (回执) of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub application_id: i64,
    pub number: String,
    pub submitted_at: i64,
    pub digest: String,
}

impl Receipt {
    pub fn submitted(&self) -> String {
        format_datetime(self.submitted_at)
    }
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

fn parse_data(json: &str) -> FormData {
    serde_json::from_str(json).unwrap_or_default()
}

fn sm3_hex(s: &str) -> String {
    hex::encode(Sm3::digest(s.as_bytes()))
}

/// The digest printed on the receipt and the paper copy.
pub fn digest_of(spec: &FormSpec, data: &FormData) -> String {
    sm3_hex(&form::digest_input(spec, data))
}

fn context_of(call: &CallView) -> ValidationContext {
    ValidationContext {
        category_cap_wan: Some(call.cap),
        period_end: calendar::parse_ymd(&call.period_end).ok(),
    }
}

fn text_of(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
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
    let spec = crate::grants::calls::spec_in(app, c, row.form_spec_id).await?;
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
        number: row.number.unwrap_or_default(),
        title: row.title,
        state: ApplicationState::from_code(&row.state).unwrap_or(ApplicationState::Draft),
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

/// Checks that `person_id` may apply to `call` and returns (unit id, unit name, unit kind).
async fn applicant_unit(
    c: &mut AnyConnection,
    person_id: i64,
    call: &CallView,
) -> Result<(i64, String, String), AppError> {
    let p = accounts::person(c, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if Membership::from_code(&p.membership) != Some(Membership::Approved) || p.member_locked != 0 {
        return Err(AppError::Refused(
            "只有所在单位审核通过（且未被锁定）的用户才能申报项目".into(),
        ));
    }
    let unit_id = p.unit_id.ok_or(AppError::NotFound)?;
    let unit = accounts::unit(c, unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !UnitState::from_code(&unit.state).is_some_and(|s| s.platform_open()) {
        return Err(AppError::Refused("所在单位账号尚未开通，不能申报".into()));
    }
    let kind = UnitKind::from_code(&unit.kind);
    if !kind.is_some_and(|k| call.eligible.contains(&k)) {
        return Err(AppError::Refused(format!(
            "本类别的申报主体为：{}；您所在单位（{}）不符合申报条件",
            call.eligible_labels(),
            kind.map(|k| k.label()).unwrap_or("其他")
        )));
    }
    Ok((unit.id, unit.name, unit.uscc))
}

/// Opens the person's application for a call, creating it (prefilled
/// with what the system knows) the first time. Audit `application.create`.
pub async fn start(
    app: &App,
    actor: &Actor,
    person_id: i64,
    call_id: i64,
) -> Result<i64, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let call_row = calls::call(&mut tx, call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(&mut tx, call_row).await?;
    if let Some(existing) = store::of_person_in_call(&mut tx, person_id, call_id).await? {
        tx.commit().await?;
        return Ok(existing.id);
    }
    if call.state != CallState::Published {
        return Err(AppError::Refused("该计划类别未在受理期".into()));
    }
    let ext = store::extension(&mut tx, call_id, person_id)
        .await?
        .map(|e| e.until_at);
    if now < call.opens_at || !in_time(now, call.closes_at, ext) {
        return Err(AppError::Refused(format!(
            "申报时间为{}至{}",
            call.opens(),
            call.closes()
        )));
    }
    let (unit_id, unit_name, uscc) = applicant_unit(&mut tx, person_id, &call).await?;
    let person = accounts::person(&mut tx, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let spec = crate::grants::calls::spec_in(app, &mut tx, call.form_spec_id).await?;
    let mut data = FormData::new();
    let mut put = |k: &str, v: String| {
        if spec.entry(k).is_some() {
            data.insert(k.to_string(), Value::Text(v));
        }
    };
    put("project_code", call.code.clone());
    put("applicant", unit_name.clone());
    put("unit_name", unit_name);
    put("unit_uscc", uscc);
    put("cover_contact", person.name.clone());
    put("cover_mobile", app.pii.open(&person.phone_enc)?);
    put("cover_email", person.email.clone());
    put("apply_date", format_date(now));
    let json = serde_json::to_string(&data).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = store::insert(
        &mut tx,
        &NewApplication {
            call_id,
            form_spec_id: call.form_spec_id,
            person_id,
            unit_id,
            title: "",
            data_json: &json,
            now,
        },
    )
    .await?;
    store::add_event(&mut tx, id, now, &actor.label, "created", "").await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.create",
        ("application", Some(id)),
        "success",
        &call.code,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Autosave (and 保存): stores whatever was typed, valid or not, and
/// returns the server time it was saved. Not audited: it is frequent and
/// changes nothing anyone else sees; the submission is.
pub async fn save(app: &App, person_id: i64, id: i64, data: &FormData) -> Result<i64, AppError> {
    let now = app.now();
    let json = serde_json::to_string(data).map_err(|e| AppError::Internal(e.to_string()))?;
    let title: String = text_of(data, TITLE_KEY).chars().take(200).collect();
    let city: String = text_of(data, CITY_KEY).chars().take(100).collect();
    let mut tx = app.db.begin().await?;
    if !store::save_draft(&mut tx, id, person_id, &title, &json, &city, now).await? {
        let row = store::get(&mut tx, id).await?;
        return match row {
            Some(r) if r.person_id == person_id => {
                Err(AppError::Refused("申报书已提交，不能再修改".into()))
            }
            _ => Err(AppError::NotFound),
        };
    }
    tx.commit().await?;
    Ok(now)
}

/// 提交: saves `data`, validates it against the call's form, and freezes
/// it before the deadline by the server's clock. All or nothing and
/// idempotent: a second click, a retry or another tab gets the same
/// receipt. Side effects: number assigned (call code + sequence), digest,
/// history `submitted`, audit `application.submit`.
pub async fn submit(
    app: &App,
    actor: &Actor,
    person_id: i64,
    id: i64,
    data: &FormData,
) -> Result<Receipt, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if row.person_id != person_id {
        return Err(AppError::NotFound);
    }
    if let Some(r) = existing_receipt(&row) {
        return Ok(r);
    }
    let call_row = calls::call(&mut c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(&mut c, call_row).await?;
    let ext = store::extension(&mut c, row.call_id, person_id)
        .await?
        .map(|e| e.until_at);
    let spec = crate::grants::calls::spec_in(app, &mut c, row.form_spec_id).await?;
    drop(c);
    // What was typed is kept even when the submission is refused.
    save(app, person_id, id, data).await?;
    if !in_time(now, call.closes_at, ext) {
        return Err(AppError::Refused(format!(
            "申报已于{}截止，不能提交",
            format_datetime(call.closes_at)
        )));
    }
    if call.state != CallState::Published {
        return Err(AppError::Refused("该计划类别未在受理期".into()));
    }
    let problems = form::validate(&spec, data, &context_of(&call));
    if !problems.is_empty() {
        return Err(AppError::Form(problems));
    }
    let json = serde_json::to_string(data).map_err(|e| AppError::Internal(e.to_string()))?;
    let digest = digest_of(&spec, data);
    let mut tx = app.db.begin().await?;
    let first = store::submit(
        &mut tx,
        &Submission {
            id,
            person_id,
            submitted_json: &json,
            digest: &digest,
            now,
        },
    )
    .await?;
    if !first {
        tx.commit().await?;
        let mut c = app.db.read().await?;
        let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
        return existing_receipt(&row)
            .ok_or_else(|| AppError::Refused("申报书状态已变化，请刷新".into()));
    }
    let number = match row.number {
        Some(n) => n,
        None => {
            let seq = calls::next_seq(&mut tx, call.id).await?;
            let n = format!("{}-{seq:04}", call.code);
            store::set_number(&mut tx, id, &n).await?;
            n
        }
    };
    store::add_event(
        &mut tx,
        id,
        now,
        &actor.label,
        "submitted",
        &format!("SM3摘要 {digest}"),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.submit",
        ("application", Some(id)),
        "success",
        &format!("{number} {digest}"),
    )
    .await?;
    tx.commit().await?;
    Ok(Receipt {
        application_id: id,
        number,
        submitted_at: now,
        digest,
    })
}

fn existing_receipt(row: &ApplicationRow) -> Option<Receipt> {
    let state = ApplicationState::from_code(&row.state)?;
    if state.editable() {
        return None;
    }
    Some(Receipt {
        application_id: row.id,
        number: row.number.clone()?,
        submitted_at: row.submitted_at?,
        digest: row.digest.clone()?,
    })
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
        number: r.number.unwrap_or_default(),
        title: r.title,
        call_code: call.code,
        call_name: call.name,
        state: ApplicationState::from_code(&r.state).unwrap_or(ApplicationState::Draft),
        person_name: person.name,
        person_phone_masked: mask_phone(&app.pii.open(&person.phone_enc)?),
        unit_name: unit.name,
        pilot_city: r.pilot_city,
        submitted: r.submitted_at.map(format_datetime).unwrap_or_default(),
        budget_requested: text_of(&data, "budget_requested"),
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

fn people(data: &FormData) -> Vec<(String, String)> {
    match data.get(MEMBERS_KEY) {
        Some(Value::Rows(rows)) => rows
            .iter()
            .filter_map(|r| {
                let name = r
                    .get("name")
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default();
                let contact = r
                    .get("contact")
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default();
                (!name.is_empty()).then_some((name, contact))
            })
            .collect(),
        _ => vec![],
    }
}

/// 推荐: the unit recommends a member's submitted application. The call's
/// rules are enforced here, each refusal naming the rule and the other
/// application: the three ineligibility declarations must be confirmed;
/// one application per 试点城市 across the call's city group; no person
/// in two of the unit's applications of the same program. Side effects:
/// state `recommended`, history, audit `application.recommend`.
pub async fn recommend(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    id: i64,
    declarations: &[bool],
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.unit_id != unit_id || row.state == "draft" {
        return Err(AppError::NotFound);
    }
    if row.state != ApplicationState::Submitted.code() {
        return Err(AppError::Refused(format!(
            "该申报书当前状态为“{}”，不能推荐",
            ApplicationState::from_code(&row.state)
                .map(|s| s.label())
                .unwrap_or("")
        )));
    }
    let mut e = FieldErrors::new();
    for (i, text) in INELIGIBILITY.iter().enumerate() {
        if !declarations.get(i).copied().unwrap_or(false) {
            e.add(&format!("declaration{i}"), format!("请确认：{text}"));
        }
    }
    e.into_result()?;
    let call = calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !call.city_group.is_empty() && !row.pilot_city.is_empty() {
        let others =
            store::recommended_in_city(&mut tx, &call.city_group, &row.pilot_city, id).await?;
        if let Some(o) = others.first() {
            return Err(AppError::Refused(format!(
                "每个试点城市限申报1个产业创新论坛或产学融合会议项目：{}已有申报书 {}（{}）",
                row.pilot_city,
                o.number.clone().unwrap_or_default(),
                o.title
            )));
        }
    }
    let mine = people(&parse_data(row.submitted_json.as_deref().unwrap_or("{}")));
    let siblings =
        store::recommended_of_unit_in_program(&mut tx, unit_id, call.program_id, id).await?;
    for o in &siblings {
        let theirs = people(&parse_data(o.submitted_json.as_deref().unwrap_or("{}")));
        if let Some((name, _)) = mine.iter().find(|p| theirs.contains(p)) {
            return Err(AppError::Refused(format!(
                "同一单位申报2个（含）以上项目时，各项目的专家不得重复：{name}已在申报书 {}（{}）中",
                o.number.clone().unwrap_or_default(),
                o.title
            )));
        }
    }
    let step = Step {
        from: ApplicationState::Submitted,
        to: ApplicationState::Recommended,
        event: "recommended",
        action: "application.recommend",
        refused: "申报书状态已变化，请刷新",
    };
    transition(&mut tx, app, actor, id, &step, "").await?;
    tx.commit().await?;
    Ok(())
}

/// One review decision: the state change it makes, its history entry and
/// audit action, and the message when the application moved meanwhile.
struct Step {
    from: ApplicationState,
    to: ApplicationState,
    event: &'static str,
    action: &'static str,
    refused: &'static str,
}

/// Performs `step` in the caller's transaction: compare-and-set on the
/// state (so two reviewers cannot both decide), history, audit.
async fn transition(
    tx: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    id: i64,
    step: &Step,
    comment: &str,
) -> Result<(), AppError> {
    debug_assert!(step.from.can_move_to(step.to));
    let now = app.now();
    if !store::move_state(tx, id, step.from, step.to, now).await? {
        return Err(AppError::Refused(step.refused.into()));
    }
    store::add_event(tx, id, now, &actor.label, step.event, comment).await?;
    audit(
        tx,
        app,
        actor,
        step.action,
        ("application", Some(id)),
        "success",
        comment,
    )
    .await
}

fn check_comment(comment: &str) -> Result<&str, AppError> {
    let c = comment.trim();
    if c.is_empty() {
        return Err(AppError::field("comment", "请填写退回意见"));
    }
    if c.chars().count() > 500 {
        return Err(AppError::field("comment", "退回意见不能超过500字"));
    }
    Ok(c)
}

/// 退回修改 by the unit, with comments the applicant sees. Audit
/// `application.unit_return`.
pub async fn unit_return(
    app: &App,
    actor: &Actor,
    unit_id: i64,
    id: i64,
    comment: &str,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.unit_id != unit_id || row.state == "draft" {
        return Err(AppError::NotFound);
    }
    let comment = check_comment(comment)?;
    let step = Step {
        from: ApplicationState::Submitted,
        to: ApplicationState::Returned,
        event: "unit_returned",
        action: "application.unit_return",
        refused: "只有待单位审核的申报书可以退回",
    };
    transition(&mut tx, app, actor, id, &step, comment).await?;
    tx.commit().await?;
    Ok(())
}

/// 形式审查: staff accept a recommended application, or return it with
/// reasons. Audit `application.accept|staff_return`.
pub async fn staff_decide(
    app: &App,
    actor: &Actor,
    id: i64,
    accept: bool,
    comment: &str,
) -> Result<(), AppError> {
    let comment = if accept {
        comment.trim()
    } else {
        check_comment(comment)?
    };
    let (to, event, action) = if accept {
        (ApplicationState::Accepted, "accepted", "application.accept")
    } else {
        (
            ApplicationState::Returned,
            "staff_returned",
            "application.staff_return",
        )
    };
    let mut tx = app.db.begin().await?;
    if store::get(&mut tx, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let step = Step {
        from: ApplicationState::Recommended,
        to,
        event,
        action,
        refused: "只有单位已推荐的申报书可以进行形式审查",
    };
    transition(&mut tx, app, actor, id, &step, comment).await?;
    tx.commit().await?;
    Ok(())
}

/// Records the arrival of the paper copies (日期, 份数, 是否盖章) against the
/// call's paper deadline. Audit `application.paper`.
pub async fn record_paper(
    app: &App,
    actor: &Actor,
    id: i64,
    received: &str,
    copies: &str,
    stamped: bool,
) -> Result<bool, AppError> {
    let mut e = FieldErrors::new();
    let at = moment_field(
        &mut e,
        "received",
        received,
        DayPart::Start,
        "请输入收到日期（如2023-04-27 或 2023-04-27 10:30）",
    );
    let n = copies
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=100).contains(n));
    if n.is_none() {
        e.add("copies", "请输入份数（1至100）");
    }
    let (Some(at), Some(n)) = (at, n) else {
        return Err(AppError::Validation(e));
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if row.submitted_at.is_none() {
        return Err(AppError::NotFound);
    }
    let call = calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let late = at > call.paper_deadline;
    store::record_paper(
        &mut tx,
        &Paper {
            application_id: id,
            received_at: at,
            copies: n,
            stamped,
            late,
            recorded_by: &actor.label,
            now,
        },
    )
    .await?;
    let comment = format!(
        "{} 收到{n}份，{}{}",
        format_datetime(at),
        if stamped { "已盖章" } else { "未盖章" },
        if late { "，逾期" } else { "" }
    );
    store::add_event(&mut tx, id, now, &actor.label, "paper", &comment).await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.paper",
        ("application", Some(id)),
        "success",
        &comment,
    )
    .await?;
    tx.commit().await?;
    Ok(late)
}

/// Grants one applicant more time on a call, with a reason the applicant
/// sees. Audit `call.extension`.
pub async fn grant_extension(
    app: &App,
    actor: &Actor,
    call_id: i64,
    person_id: i64,
    until: &str,
    reason: &str,
) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    let until_at = moment_field(
        &mut e,
        "until",
        until,
        DayPart::End,
        "请输入延期至（如2023-04-26 18:00）",
    );
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        e.add("reason", "请填写延期原因（200字以内）");
    }
    let Some(until_at) = until_at else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let call = calls::call(&mut tx, call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if until_at <= call.closes_at {
        return Err(AppError::field("until", "延期时间须晚于申报截止时间"));
    }
    if accounts::person(&mut tx, person_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    store::grant_extension(
        &mut tx,
        call_id,
        person_id,
        until_at,
        reason,
        &actor.label,
        now,
    )
    .await?;
    if let Some(a) = store::of_person_in_call(&mut tx, person_id, call_id).await? {
        store::add_event(
            &mut tx,
            a.id,
            now,
            &actor.label,
            "extension",
            &format!("延期至{}：{reason}", format_datetime(until_at)),
        )
        .await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "call.extension",
        ("person", Some(person_id)),
        "success",
        &format!(
            "{} 延期至{}：{reason}",
            call.code,
            format_datetime(until_at)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Export columns staff may choose, in a stable order.
pub const EXPORT_COLUMNS: [(&str, &str); 10] = [
    ("number", "申报编号"),
    ("call", "项目类别"),
    ("title", "项目名称"),
    ("unit", "申报单位"),
    ("person", "项目负责人"),
    ("phone", "手机"),
    ("city", "试点城市"),
    ("budget", "申请经费（万元）"),
    ("state", "状态"),
    ("paper", "纸质材料"),
];

/// The call's application list as .xlsx with the chosen columns (personal
/// data masked). Audit `application.export`.
pub async fn export_call(
    app: &App,
    actor: &Actor,
    call_id: i64,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let items = of_call(app, call_id, "").await?;
    let chosen: Vec<(&str, &str)> = EXPORT_COLUMNS
        .iter()
        .filter(|(k, _)| columns.is_empty() || columns.iter().any(|c| c == k))
        .copied()
        .collect();
    let headers: Vec<&str> = chosen.iter().map(|(_, l)| *l).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            chosen
                .iter()
                .map(|(k, _)| match *k {
                    "number" => i.number.clone(),
                    "call" => format!("{} {}", i.call_code, i.call_name),
                    "title" => i.title.clone(),
                    "unit" => i.unit_name.clone(),
                    "person" => i.person_name.clone(),
                    "phone" => i.person_phone_masked.clone(),
                    "city" => i.pilot_city.clone(),
                    "budget" => i.budget_requested.clone(),
                    "state" => i.state.label().to_string(),
                    _ => i.paper.clone(),
                })
                .collect()
        })
        .collect();
    let bytes = crate::export::xlsx("申报书", &headers, &rows)?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.export",
        ("call", Some(call_id)),
        "success",
        &format!("{}条", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// What the public verification page says about a paper copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The number exists and the digest is the submitted version's.
    Matches {
        title: String,
        unit: String,
        submitted: String,
    },
    /// The number exists but the digest differs: not the submitted version.
    Differs,
    NotFound,
}

/// /verify: recomputes the digest of the stored submission and compares
/// it with the one printed on the paper copy. Reveals only the title, unit
/// and submission time.
pub async fn verify(app: &App, number: &str, digest: &str) -> Result<Verification, AppError> {
    let mut c = app.db.read().await?;
    let Some(row) = store::by_number(&mut c, number.trim()).await? else {
        return Ok(Verification::NotFound);
    };
    let (Some(frozen), Some(stored), Some(at)) =
        (&row.submitted_json, &row.digest, row.submitted_at)
    else {
        return Ok(Verification::NotFound);
    };
    let spec = crate::grants::calls::spec_in(app, &mut c, row.form_spec_id).await?;
    let recomputed = digest_of(&spec, &parse_data(frozen));
    let given = digest.trim().to_ascii_lowercase();
    if recomputed != *stored || given != *stored {
        return Ok(Verification::Differs);
    }
    let unit = accounts::unit(&mut c, row.unit_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    Ok(Verification::Matches {
        title: row.title,
        unit,
        submitted: format_datetime(at),
    })
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
pub async fn form_of(
    app: &App,
    person_id: i64,
    id: i64,
) -> Result<std::sync::Arc<FormSpec>, AppError> {
    let mut c = app.db.read().await?;
    let row = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if row.person_id != person_id {
        return Err(AppError::NotFound);
    }
    crate::grants::calls::spec_in(app, &mut c, row.form_spec_id).await
}

fn authority_sees(row: &ApplicationRow) -> bool {
    ApplicationState::from_code(&row.state).is_some_and(|st| {
        scigrant_domain::permission::authority_sees_application(st, row.submitted_at.is_some())
    })
}
