//! What a person or a unit does with suggestions: start one (prefilled
//! with the suggester's unit and contact), autosave it as typed while the
//! solicitation is open, submit it for a receipt (number and SM3 digest of
//! the frozen text), read their own and, for a unit, its members'.

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::grants::form::{FormData, Problem, ValidationContext, Value, validate};
use scigrant_domain::grants::solicitation::{SUGGESTIONS_MAX, SuggestionState, TITLE_KEY, number};
use scigrant_domain::identity::account::{Membership, UnitState};
use scigrant_domain::portal::consultation::Phase;
use scigrant_store::AnyConnection;
use scigrant_store::grants::solicitations::{self as store, Freeze, NewSuggestion, SuggestionRow};
use scigrant_store::identity::accounts;
use scigrant_store::pii::SealedColumn;

use super::{SolicitationView, Suggester, SuggestionView, text, view_of, views};
use crate::grants::applications::digest_of;
use crate::grants::sealed_form;
use crate::{Actor, App, AppError, audit};

/// Who the suggester is now: the author's name, their unit (a person's
/// only while an approved, unlocked member), and the contact to prefill.
struct Standing {
    author: String,
    unit_id: Option<i64>,
    unit_name: String,
    contact: String,
    phone: String,
    email: String,
}

/// The suggester's standing, checked at the moment they act: a unit must
/// be open on the platform; a person may suggest as themselves.
async fn standing(app: &App, c: &mut AnyConnection, who: Suggester) -> Result<Standing, AppError> {
    match who {
        Suggester::Person(id) => {
            let p = accounts::person(c, id).await?.ok_or(AppError::NotFound)?;
            let member = Membership::from_code(&p.membership) == Some(Membership::Approved)
                && p.member_locked == 0;
            let unit = match p.unit_id.filter(|_| member) {
                Some(u) => accounts::unit(c, u).await?,
                None => None,
            };
            Ok(Standing {
                unit_id: unit.as_ref().map(|u| u.id),
                unit_name: unit.map(|u| u.name).unwrap_or_default(),
                contact: p.name.clone(),
                phone: p.phone(&app.pii)?,
                email: p.email,
                author: p.name,
            })
        }
        Suggester::Unit(id) => {
            let u = accounts::unit(c, id).await?.ok_or(AppError::NotFound)?;
            if !UnitState::from_code(&u.state).is_some_and(|s| s.platform_open()) {
                return Err(AppError::Refused(
                    "单位注册审核通过后才能提交指南建议".into(),
                ));
            }
            let contact_phone = u.contact_phone(&app.pii)?;
            Ok(Standing {
                unit_id: Some(u.id),
                contact: u.contact_name,
                phone: contact_phone,
                email: String::new(),
                author: u.name.clone(),
                unit_name: u.name,
            })
        }
    }
}

fn refuse_unless_open(s: &SolicitationView) -> Result<(), AppError> {
    match s.phase {
        Phase::Open => Ok(()),
        Phase::Scheduled => Err(AppError::Refused(format!(
            "征集尚未开始，开始时间为{}",
            format_datetime(s.opens_at)
        ))),
        _ => Err(AppError::Refused(format!(
            "征集已于{}截止，不能再提交或修改建议",
            format_datetime(s.closes_at)
        ))),
    }
}

/// 填写建议: a new draft in an open solicitation, prefilled with the
/// suggester's unit and contact. At most `SUGGESTIONS_MAX` per account.
/// Audit `suggestion.create`. Returns the suggestion's id.
pub async fn start(
    app: &App,
    actor: &Actor,
    who: Suggester,
    solicitation_id: i64,
) -> Result<i64, AppError> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let r = store::get(&mut tx, solicitation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = view_of(app, &mut tx, r).await?;
    refuse_unless_open(&s)?;
    let st = standing(app, &mut tx, who).await?;
    if store::count_of(&mut tx, s.id, who.kind(), who.id()).await? >= SUGGESTIONS_MAX {
        return Err(AppError::Refused(format!(
            "每个账号在一次征集中最多提交{SUGGESTIONS_MAX}条建议"
        )));
    }
    let mut data = FormData::new();
    let mut put = |k: &str, v: &str| {
        if s.spec.entry(k).is_some() && !v.is_empty() {
            data.insert(k.to_string(), Value::Text(v.to_string()));
        }
    };
    put("suggest_unit", &st.unit_name);
    put("contact_name", &st.contact);
    put("contact_phone", &st.phone);
    put("contact_email", &st.email);
    // Inserted without its data first: the phone is sealed for the row,
    // whose id the insert gives (same transaction).
    let id = store::insert_suggestion(
        &mut tx,
        &NewSuggestion {
            solicitation_id: s.id,
            account_kind: who.kind(),
            account_id: who.id(),
            unit_id: st.unit_id,
            author: &st.author,
            data_json: "{}",
            state: SuggestionState::Draft.code(),
            now,
        },
    )
    .await?;
    let at = SealedColumn::SUGGESTION_DATA.row(id);
    let json = sealed_form::seal(&app.pii, &s.spec, at, &data);
    store::save_draft(&mut tx, id, SuggestionState::Draft.code(), "", &json, now).await?;
    audit(
        &mut tx,
        app,
        actor,
        "suggestion.create",
        ("suggestion", Some(id)),
        "success",
        &s.title,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A suggestion with its solicitation and form, for its author.
pub struct SuggestionEdit {
    pub solicitation: SolicitationView,
    pub suggestion: SuggestionView,
    pub problems: Vec<Problem>,
}

async fn own(c: &mut AnyConnection, who: Suggester, id: i64) -> Result<SuggestionRow, AppError> {
    store::suggestion(c, id)
        .await?
        .filter(|r| who.owns(r))
        .ok_or(AppError::NotFound)
}

/// The author's suggestion with its form and what is still to fix.
pub async fn load(app: &App, who: Suggester, id: i64) -> Result<SuggestionEdit, AppError> {
    let mut c = app.db.read().await?;
    let r = own(&mut c, who, id).await?;
    let sol = store::get(&mut c, r.solicitation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let solicitation = view_of(app, &mut c, sol).await?;
    let suggestion = views(&mut c, &app.pii, vec![r]).await?.remove(0);
    let problems = validate(
        &solicitation.spec,
        &suggestion.data,
        &ValidationContext::default(),
    );
    Ok(SuggestionEdit {
        solicitation,
        suggestion,
        problems,
    })
}

/// The form a suggestion is filled against, for reading a post: the
/// author's only (`NotFound` otherwise). Lighter than [`load`], which
/// also builds the views and validates.
pub async fn form_of(
    app: &App,
    who: Suggester,
    id: i64,
) -> Result<std::sync::Arc<scigrant_domain::grants::form::FormSpec>, AppError> {
    let mut c = app.db.read().await?;
    let r = own(&mut c, who, id).await?;
    let sol = store::get(&mut c, r.solicitation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::grants::calls::spec_in(app, &mut c, sol.form_spec_id).await
}

/// Autosave (and 保存): keeps whatever was typed while the suggestion is a
/// draft and the solicitation open; returns the time saved. Not audited,
/// as for applications: the submission is.
pub async fn save(app: &App, who: Suggester, id: i64, data: &FormData) -> Result<i64, AppError> {
    let mut tx = app.db.begin().await?;
    let now = save_in(app, &mut tx, who, id, data).await?.1;
    tx.commit().await?;
    Ok(now)
}

async fn save_in(
    app: &App,
    tx: &mut AnyConnection,
    who: Suggester,
    id: i64,
    data: &FormData,
) -> Result<(SolicitationView, i64), AppError> {
    let now = app.now();
    let r = own(tx, who, id).await?;
    let sol = store::get(tx, r.solicitation_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = view_of(app, tx, sol).await?;
    if r.state != SuggestionState::Draft.code() {
        return Err(AppError::Refused(SUBMITTED.into()));
    }
    refuse_unless_open(&s)?;
    standing(app, tx, who).await?;
    let json = sealed_form::seal(
        &app.pii,
        &s.spec,
        SealedColumn::SUGGESTION_DATA.row(id),
        data,
    );
    let title: String = text(data, TITLE_KEY).chars().take(200).collect();
    let draft = SuggestionState::Draft.code();
    if !store::save_draft(tx, id, draft, &title, &json, now).await? {
        return Err(AppError::Refused(SUBMITTED.into()));
    }
    Ok((s, now))
}

const SUBMITTED: &str = "建议已提交，不能再修改";

/// The receipt of a submitted suggestion.
#[derive(Clone, Debug)]
pub struct SuggestionReceipt {
    pub number: String,
    pub digest: String,
    pub submitted_at: i64,
}

/// 提交: saves, validates against the declared form, freezes with a number
/// and the SM3 digest. A form with problems is kept as typed and comes
/// back as `AppError::Form`. Audit `suggestion.submit`.
pub async fn submit(
    app: &App,
    actor: &Actor,
    who: Suggester,
    id: i64,
    data: &FormData,
) -> Result<SuggestionReceipt, AppError> {
    let mut tx = app.db.begin().await?;
    let (s, now) = save_in(app, &mut tx, who, id, data).await?;
    let problems = validate(&s.spec, data, &ValidationContext::default());
    if !problems.is_empty() {
        // What was typed is kept; only the freeze waits.
        tx.commit().await?;
        return Err(AppError::Form(problems));
    }
    let st = standing(app, &mut tx, who).await?;
    let seq = store::next_seq(&mut tx, s.id).await?;
    let no = number(s.id, seq);
    let digest = digest_of(&s.spec, data);
    let frozen = store::freeze(
        &mut tx,
        &Freeze {
            id,
            draft: SuggestionState::Draft.code(),
            submitted: SuggestionState::Submitted.code(),
            number: &no,
            digest: &digest,
            unit_id: st.unit_id,
            now,
        },
    )
    .await?;
    if !frozen {
        return Err(AppError::Refused(SUBMITTED.into()));
    }
    audit(
        &mut tx,
        app,
        actor,
        "suggestion.submit",
        ("suggestion", Some(id)),
        "success",
        &format!("{no} SM3摘要 {digest}"),
    )
    .await?;
    tx.commit().await?;
    Ok(SuggestionReceipt {
        number: no,
        digest,
        submitted_at: now,
    })
}

/// The suggester's own suggestions, newest first.
pub async fn mine(app: &App, who: Suggester) -> Result<Vec<SuggestionView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_account(&mut c, who.kind(), who.id()).await?;
    views(&mut c, &app.pii, rows).await
}

/// What a unit sees: the submitted suggestions of the unit and of its
/// members, newest first.
pub async fn of_unit(app: &App, unit_id: i64) -> Result<Vec<SuggestionView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::of_unit(&mut c, unit_id, SuggestionState::Draft.code()).await?;
    views(&mut c, &app.pii, rows).await
}
