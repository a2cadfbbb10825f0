//! 异议: during a 公示 anyone may object to a listed project under their
//! real name (name, unit, contact phone, grounds, a signed or stamped
//! statement as PDF or JPG, and the captcha); anonymous objections and objections
//! after the period are refused. Staff handle each with an outcome (不予
//! 受理 / 异议不成立 / 异议成立) and a reason; an upheld objection
//! withdraws the notice and sends that decision back to staff. The
//! objector's identity is seen by staff alone: the applicant's and the
//! unit's views carry nothing of it, and the contact is sealed.

use scigrant_domain::evaluation::funding::{self as rules, NoticeState, ObjectionOutcome};
use scigrant_domain::identity::phone::Phone;
use scigrant_domain::ids::{ApplicationId, FileId};
use scigrant_domain::mask::mask_phone;
use scigrant_store::evaluation::funding as store;
use scigrant_store::files::{self, NewFile};

use super::notices::{NoticeView, notice_view};
use crate::identity::captcha::take_captcha;
use crate::identity::home::Download;
use crate::identity::register::{Uploaded, discard};
use crate::notify::queue_sms;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The largest statement accepted (a scanned, signed page or a few).
pub const STATEMENT_MAX: u64 = 10 * 1024 * 1024;

/// The 异议 form as typed.
#[derive(Clone, Debug, Default)]
pub struct ObjectionForm {
    /// The application (project) objected to, as listed on the notice.
    pub application: String,
    pub name: String,
    pub unit: String,
    pub contact: String,
    pub grounds: String,
    pub captcha_id: String,
    pub captcha: String,
}

/// Lodges an objection to notice `notice_id`. Refused (`Refused`) when the
/// period is not open at the server's clock; field errors for a missing or
/// anonymous name, a bad phone, grounds, the project, the statement or the
/// captcha (taken once, right or wrong). A refused request keeps no file.
/// Side effects: the objection (contact sealed), the statement's file row,
/// audit `objection.lodge`. Returns the objection's number.
pub async fn lodge_objection(
    app: &App,
    actor: &Actor,
    notice_id: i64,
    f: &ObjectionForm,
    statement: Option<&Uploaded>,
) -> Result<String, AppError> {
    let result = lodge_inner(app, actor, notice_id, f, statement).await;
    if result.is_err() {
        discard(app, &[statement]).await;
    }
    result
}

async fn lodge_inner(
    app: &App,
    actor: &Actor,
    notice_id: i64,
    f: &ObjectionForm,
    statement: Option<&Uploaded>,
) -> Result<String, AppError> {
    let mut tx = app.db.begin().await?;
    let n = store::notice(&mut tx, notice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    if n.starts_at > now {
        return Err(AppError::NotFound);
    }
    let state = NoticeState::from_code(&n.state).unwrap_or(NoticeState::Withdrawn);
    if !rules::objection_window_open(state, n.starts_at, n.ends_at, now) {
        return Err(AppError::Refused(format!(
            "公示期已于 {} 结束，不再受理异议",
            scigrant_domain::calendar::format_datetime(n.ends_at)
        )));
    }
    let mut e = FieldErrors::new();
    let items = store::items(&mut tx, notice_id).await?;
    let application = f
        .application
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| items.iter().any(|i| i.application_id == *id));
    if application.is_none() {
        e.add("application", "请选择异议涉及的项目");
    }
    if let Err(r) = rules::check_objector_name(&f.name) {
        e.add(r.field, r.message);
    }
    e.require("unit", &f.unit, "工作单位", 100);
    let phone = match Phone::parse(&f.contact) {
        Ok(p) => Some(p),
        Err(err) => {
            e.add("contact", err.to_string());
            None
        }
    };
    let grounds = f.grounds.trim();
    let count = grounds.chars().count();
    if count < 10 {
        e.add("grounds", "请写明异议的事实和理由（不少于10个字）");
    } else if count > 2000 {
        e.add("grounds", "异议理由不能超过2000字");
    }
    if statement.is_none() {
        e.add(
            "statement",
            "请上传本人签名或单位盖章的书面异议材料（PDF或JPG格式）",
        );
    }
    // The captcha is taken last and always, so a form with other errors
    // still costs its one attempt.
    if !take_captcha(&mut tx, app, &f.captcha_id, &f.captcha).await? {
        e.add("captcha", "图形验证码不正确或已过期，请重新输入");
    }
    let (Some(application), Some(phone), Some(statement)) = (application, phone, statement) else {
        tx.commit().await?;
        return Err(AppError::Validation(e));
    };
    if !e.is_empty() {
        tx.commit().await?;
        return Err(AppError::Validation(e));
    }
    let name: String = statement.original_name.chars().take(200).collect();
    let file_id = files::insert(
        &mut tx,
        NewFile {
            owner_kind: "objection",
            owner_id: notice_id,
            purpose: "objection_statement",
            original_name: &name,
            stored: &statement.stored,
            now,
        },
    )
    .await?;
    let (id, number) = store::insert_objection(
        &mut tx,
        &app.pii,
        &store::NewObjection {
            notice_id,
            application_id: application,
            name: f.name.trim(),
            unit: f.unit.trim(),
            contact: phone.as_str(),
            contact_masked: &mask_phone(phone.as_str()),
            grounds,
            file_id,
            now,
        },
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "objection.lodge",
        ("objection", Some(id)),
        "success",
        &format!("{number} 公示 {notice_id} 申报书 {application}"),
    )
    .await?;
    tx.commit().await?;
    Ok(number)
}

/// An objection as staff read it (the contact masked).
#[derive(Clone, Debug)]
pub struct ObjectionView {
    pub id: i64,
    pub number: String,
    pub application_id: ApplicationId,
    pub project: String,
    pub name: String,
    pub unit: String,
    pub contact_masked: String,
    pub grounds: String,
    pub file_id: FileId,
    pub lodged_at: i64,
    /// `None` while pending.
    pub outcome: Option<ObjectionOutcome>,
    pub outcome_reason: String,
    pub handled_by: String,
    pub handled_at: Option<i64>,
}

/// A notice with its objections, for the staff handling them.
pub async fn objections_of(
    app: &App,
    notice_id: i64,
) -> Result<(NoticeView, Vec<ObjectionView>), AppError> {
    let mut c = app.db.read().await?;
    let n = store::notice(&mut c, notice_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let notice = notice_view(&mut c, app, n).await?;
    let rows = store::objections_of_notice(&mut c, notice_id).await?;
    let out = rows
        .into_iter()
        .map(|o| ObjectionView {
            project: notice
                .items
                .iter()
                .find(|i| i.application_id.0 == o.application_id)
                .map(|i| i.project.clone())
                .unwrap_or_default(),
            id: o.id,
            number: o.number,
            application_id: ApplicationId(o.application_id),
            name: o.objector_name,
            unit: o.objector_unit,
            contact_masked: o.contact_masked,
            grounds: o.grounds,
            file_id: FileId(o.file_id),
            lodged_at: o.created_at,
            outcome: ObjectionOutcome::from_code(&o.outcome),
            outcome_reason: o.outcome_reason,
            handled_by: o.handled_by,
            handled_at: o.handled_at,
        })
        .collect();
    Ok((notice, out))
}

/// Handles a pending objection with `outcome` (a posted code) and a
/// reason, once. 异议成立 withdraws the notice (if it still stands) and
/// reopens the decision on that application, which no longer counts in
/// the selection until staff decide again. Side effects: the outcome, an
/// SMS to the objector, audit `objection.handle` (and `notice.withdraw`).
/// Returns the notice's id.
pub async fn handle_objection(
    app: &App,
    actor: &Actor,
    id: i64,
    outcome: &str,
    reason: &str,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    let outcome = ObjectionOutcome::from_code(outcome);
    if outcome.is_none() {
        e.add("outcome", "请选择处理结果");
    }
    e.require(
        "outcome_reason",
        reason,
        "处理理由",
        rules::MAX_REASON_CHARS,
    );
    e.into_result()?;
    let Some(outcome) = outcome else {
        return Err(AppError::Internal("outcome checked above".into()));
    };
    let reason = reason.trim();
    let mut tx = app.db.begin().await?;
    let o = store::objection(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = app.now();
    let handled = store::handle_objection(
        &mut tx,
        &store::Handling {
            id,
            outcome: outcome.code(),
            reason,
            by: &actor.label,
            now,
        },
    )
    .await?;
    if !handled {
        return Err(AppError::Refused("该异议已处理，不能重复处理".into()));
    }
    if outcome.reopens_decision() {
        store::reopen_decision(&mut tx, o.application_id).await?;
        if store::move_notice(
            &mut tx,
            o.notice_id,
            NoticeState::Published,
            NoticeState::Withdrawn,
        )
        .await?
        {
            audit(
                &mut tx,
                app,
                actor,
                "notice.withdraw",
                ("notice", Some(o.notice_id)),
                "success",
                &format!(
                    "异议 {} 成立，申报书 {} 退回重新决定",
                    o.number, o.application_id
                ),
            )
            .await?;
        }
    }
    let contact = o.contact(&app.pii)?;
    queue_sms(
        &mut tx,
        app,
        &contact,
        &format!(
            "您提出的异议（编号{}）已处理：{}。",
            o.number,
            outcome.label()
        ),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "objection.handle",
        ("objection", Some(id)),
        "success",
        &format!("{} {}：{reason}", o.number, outcome.label()),
    )
    .await?;
    tx.commit().await?;
    Ok(o.notice_id)
}

/// The signed statement of an objection, for staff; the read is audited
/// as `file.read`.
pub async fn statement(app: &App, actor: &Actor, id: i64) -> Result<Download, AppError> {
    let mut tx = app.db.begin().await?;
    let o = store::objection(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = files::get(&mut tx, o.file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &mut tx,
        app,
        actor,
        "file.read",
        ("objection", Some(id)),
        "success",
        &format!("{} {}", f.purpose, f.original_name),
    )
    .await?;
    tx.commit().await?;
    Download::open(app, f).await
}
