//! The draft: `start` opens the person's application to a call (created
//! once, prefilled with what the system knows) and `save` keeps whatever
//! was typed while it is editable.

use scigrant_domain::calendar::{format_date, format_datetime};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::grants::application::{
    ApplicationEvent, ApplicationState, CallState, in_time,
};
use scigrant_domain::grants::form::{self, FormData, FormSpec, Value};
use scigrant_domain::identity::account::{Membership, UnitState};
use scigrant_domain::identity::delegation::{Service, Services};
use scigrant_domain::ids::{ApplicationId, CallId, PersonId};
use scigrant_domain::permission::{ApplicantStanding, applicant_may_act};
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::{self as store, NewApplication};
use scigrant_store::grants::calls;
use scigrant_store::identity::{accounts, delegations};
use scigrant_store::pii::SealedColumn;

use super::{CITY_KEY, TITLE_KEY, text_of};
use crate::grants::calls::{CallView, call_view, spec_in};
use crate::grants::sealed_form;
use crate::{Actor, App, AppError, audit};

/// The unit that applies for `person_id`.
struct ApplicantUnit {
    id: i64,
    name: String,
    uscc: String,
}

/// The person's right to apply as it stands now, checked by the domain's
/// [`applicant_may_act`]: an approved, unlocked member of an open unit and,
/// for an existing application (`application_unit`), still a member of the
/// unit it was made under. A person acting for a unit (代办) stands
/// instead on that unit's authorisation, read again here, holding
/// 科技项目申报. Every applicant use case calls it in the transaction that
/// acts. Returns the unit the person applies for.
pub(super) async fn check_applicant(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    person_id: i64,
    application_unit: Option<i64>,
) -> Result<accounts::UnitRow, AppError> {
    let p = accounts::person(c, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (membership, locked, unit_id) = match &actor.on_behalf {
        Some(on) => {
            let grant = delegations::in_force(c, on.unit_id, person_id, app.now()).await?;
            match grant.map(|d| Services::from_codes(&d.services)) {
                Some(s) if s.has(Service::Apply) => (Membership::Approved, false, Some(on.unit_id)),
                Some(_) => {
                    return Err(AppError::Refused(format!(
                        "“{}”未授权您代办科技项目申报；请退出代办后以本人身份申报",
                        on.unit_name
                    )));
                }
                None => {
                    return Err(AppError::Refused(format!(
                        "您对“{}”的代办授权已撤销或已过期",
                        on.unit_name
                    )));
                }
            }
        }
        None => (
            Membership::from_code(&p.membership).unwrap_or(Membership::None),
            p.member_locked != 0,
            p.unit_id,
        ),
    };
    let unit = match unit_id {
        Some(id) => accounts::unit(c, id).await?,
        None => None,
    };
    let standing = ApplicantStanding {
        membership,
        locked,
        unit_id,
        unit_open: unit
            .as_ref()
            .and_then(|u| UnitState::from_code(&u.state))
            .is_some_and(|s| s.platform_open()),
    };
    applicant_may_act(&standing, application_unit)
        .map_err(|bar| AppError::Refused(bar.message().into()))?;
    unit.ok_or(AppError::NotFound)
}

/// Checks that `person_id` may apply to `call`: an approved, unlocked
/// member of an open unit of a kind the call admits.
async fn applicant_unit(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    person_id: i64,
    call: &CallView,
) -> Result<ApplicantUnit, AppError> {
    let unit = check_applicant(c, app, actor, person_id, None).await?;
    if !call.eligible.iter().any(|k| k.code == unit.kind) {
        let eligible: Vec<&str> = call.eligible.iter().map(|k| k.label.as_str()).collect();
        let natures = crate::dictionary::read(c, DictKind::UnitNature).await?;
        return Err(AppError::Refused(format!(
            "本类别的申报主体为：{}；您所在单位（{}）不符合申报条件",
            eligible.join("、"),
            natures.label_of(&unit.kind)
        )));
    }
    crate::grants::calls::check_listed(c, call.id, &call.eligibility_text, &unit.name, &unit.uscc)
        .await?;
    Ok(ApplicantUnit {
        id: unit.id,
        name: unit.name,
        uscc: unit.uscc,
    })
}

/// Opens the person's application for a call, creating it (prefilled
/// with what the system knows) the first time; a call requiring 实名认证
/// refuses an applicant or unit not verified. Side effects on creation:
/// history `created`, audit `application.create`.
pub async fn start(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    call_id: CallId,
) -> Result<ApplicationId, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let call_row = calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(&mut tx, call_row).await?;
    if let Some(existing) = store::of_person_in_call(&mut tx, person_id.0, call_id.0).await? {
        check_applicant(&mut tx, app, actor, person_id.0, Some(existing.unit_id)).await?;
        tx.commit().await?;
        return Ok(ApplicationId(existing.id));
    }
    if call.state != CallState::Published {
        return Err(AppError::Refused("该计划类别未在受理期".into()));
    }
    let ext = store::extension(&mut tx, call_id.0, person_id.0)
        .await?
        .map(|e| e.until_at);
    if now < call.opens_at || !in_time(now, call.closes_at, ext) {
        return Err(AppError::Refused(format!(
            "申报时间为{}至{}",
            format_datetime(call.opens_at),
            format_datetime(call.closes_at)
        )));
    }
    let unit = applicant_unit(&mut tx, app, actor, person_id.0, &call).await?;
    crate::identity::realname::check_call(&mut tx, call_id.0, person_id.0, unit.id).await?;
    let person = accounts::person(&mut tx, person_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let spec = spec_in(app, &mut tx, call.form_spec_id).await?;
    let mut data = FormData::new();
    let mut put = |k: &str, v: String| {
        if spec.entry(k).is_some() {
            data.insert(k.to_string(), Value::Text(v));
        }
    };
    put("applicant", unit.name.clone());
    put("unit_name", unit.name);
    put("unit_uscc", unit.uscc);
    put("cover_contact", person.name.clone());
    put("cover_mobile", person.phone(&app.pii)?);
    put("cover_email", person.email.clone());
    // A date inside the form, typed there like the others: the form's text.
    put("apply_date", format_date(now));
    form::pin(&spec, &call.code, &mut data);
    // Inserted without its data first: the phone values are sealed for the
    // row, whose id the insert gives (same transaction).
    let id = store::insert(
        &mut tx,
        &NewApplication {
            call_id: call_id.0,
            form_spec_id: call.form_spec_id,
            person_id: person_id.0,
            unit_id: unit.id,
            title: "",
            data_json: "{}",
            now,
        },
    )
    .await?;
    let json = sealed_form::seal(
        &app.pii,
        &spec,
        SealedColumn::APPLICATION_DRAFT.row(id),
        &data,
    );
    store::save_draft(&mut tx, id, person_id.0, "", &json, "", now).await?;
    let created = ApplicationEvent::Created;
    super::events::record(&mut tx, app, id, now, &actor.label, created, "").await?;
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
    Ok(ApplicationId(id))
}

/// Autosave (and 保存): stores whatever was typed, valid or not, and
/// returns the server time it was saved. Refused once the application is
/// submitted, and after the deadline by the server's clock (or the
/// applicant's own extension): what was typed too late is not kept, the
/// page keeps its copy in the browser. Not audited: it is frequent and
/// changes nothing anyone else sees; the submission is.
pub async fn save(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    data: &FormData,
) -> Result<i64, AppError> {
    save_at(app, actor, person_id, id, Typed::Data(data), app.now()).await
}

/// [`save`] of a posted form (the page's autosave): the pairs are read
/// against the application's own form here, so the request reads the
/// application once.
pub async fn save_posted(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    pairs: &[(String, String)],
) -> Result<i64, AppError> {
    save_at(app, actor, person_id, id, Typed::Pairs(pairs), app.now()).await
}

/// What an applicant sent: the form's data, or the posted pairs still to
/// be read against the application's form.
#[derive(Clone, Copy)]
pub(super) enum Typed<'a> {
    Data(&'a FormData),
    Pairs(&'a [(String, String)]),
}

impl Typed<'_> {
    pub(super) fn read(self, spec: &FormSpec) -> FormData {
        match self {
            Typed::Data(d) => d.clone(),
            Typed::Pairs(p) => form::data_from_pairs(spec, p),
        }
    }
}

/// `save` as of `now`: a submission decides "in time" once, for both its
/// save and its freeze.
pub(super) async fn save_at(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    typed: Typed<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = app.db.begin().await?;
    let row = store::head(&mut tx, id.0)
        .await?
        .filter(|r| r.person_id == person_id.0)
        .ok_or(AppError::NotFound)?;
    if !ApplicationState::from_code(&row.state).is_some_and(ApplicationState::editable) {
        return Err(AppError::Refused(SUBMITTED.into()));
    }
    check_applicant(&mut tx, app, actor, person_id.0, Some(row.unit_id)).await?;
    let closes_at = calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?
        .closes_at;
    let ext = store::extension(&mut tx, row.call_id, person_id.0)
        .await?
        .map(|e| e.until_at);
    if !in_time(now, closes_at, ext) {
        return Err(AppError::Refused(format!(
            "申报已于{}截止，不能再保存修改",
            format_datetime(closes_at)
        )));
    }
    let spec = spec_in(app, &mut tx, row.form_spec_id).await?;
    let data = typed.read(&spec);
    // The state is checked again by the write itself.
    if !write_draft(&mut tx, app, &spec, person_id, id, &data, now).await? {
        return Err(AppError::Refused(SUBMITTED.into()));
    }
    tx.commit().await?;
    Ok(now)
}

/// A draft as written: its title and 试点城市 (listed without opening the
/// form) and the form sealed for the row's draft column.
pub(super) struct DraftParts {
    pub title: String,
    pub city: String,
    pub json: String,
}

pub(super) fn draft_parts(
    app: &App,
    spec: &FormSpec,
    id: ApplicationId,
    data: &FormData,
) -> DraftParts {
    DraftParts {
        title: text_of(data, TITLE_KEY).chars().take(200).collect(),
        city: text_of(data, CITY_KEY).chars().take(100).collect(),
        json: sealed_form::seal(
            &app.pii,
            spec,
            SealedColumn::APPLICATION_DRAFT.row(id.0),
            data,
        ),
    }
}

/// Writes `data` as the draft of application `id` while it is editable;
/// false when it is not (submitted meanwhile).
pub(super) async fn write_draft(
    c: &mut AnyConnection,
    app: &App,
    spec: &FormSpec,
    person_id: PersonId,
    id: ApplicationId,
    data: &FormData,
    now: i64,
) -> Result<bool, AppError> {
    let d = draft_parts(app, spec, id, data);
    Ok(store::save_draft(c, id.0, person_id.0, &d.title, &d.json, &d.city, now).await?)
}

const SUBMITTED: &str = "申报书已提交，不能再修改";
