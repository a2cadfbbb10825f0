//! 纸质材料登记 and 延期: staff record when the paper copies arrived
//! (late or not, against the call's paper deadline) and grant one applicant
//! more time. Both dates are read by the one calendar, so a day that does
//! not exist is refused beside its field.

use scigrant_domain::calendar::{DayPart, format_datetime};
use scigrant_domain::grants::application::ApplicationEvent;
use scigrant_domain::ids::{ApplicationId, CallId, PersonId};
use scigrant_store::grants::applications::{self as store, Paper};
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use crate::grants::calls::moment_field;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// Records the arrival of the paper copies (日期, 份数, 是否盖章) against the
/// call's paper deadline; returns whether they came late. Recording again
/// is a correction: it needs a reason (更正原因), and the earlier entry
/// stays in the application's history beside the new one. Side effects:
/// history `paper`, audit `application.paper`.
pub async fn record_paper(
    app: &App,
    actor: &Actor,
    id: ApplicationId,
    received: &str,
    copies: &str,
    stamped: bool,
    correction: &str,
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
    let now = app.now();
    // Paper arrives by post or by hand: it cannot have arrived after the
    // moment it is recorded (a date typed without a time means that day).
    if let Some(at) = at
        && at > now
    {
        e.add("received", "收到日期不能晚于今天");
    }
    let correction = correction.trim();
    if correction.chars().count() > 200 {
        e.add("correction", "更正原因不能超过200字");
    }
    let (Some(at), Some(n)) = (at, n) else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let mut tx = app.db.begin().await?;
    let row = store::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    if row.submitted_at.is_none() {
        return Err(AppError::NotFound);
    }
    // A second entry never replaces the first silently.
    let earlier = store::paper(&mut tx, id.0).await?;
    if earlier.is_some() && correction.is_empty() {
        let mut e = FieldErrors::new();
        e.add("correction", "纸质材料已登记，重新登记须填写更正原因");
        return Err(AppError::Validation(e));
    }
    let call = calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let late = at > call.paper_deadline;
    store::record_paper(
        &mut tx,
        &Paper {
            application_id: id.0,
            received_at: at,
            copies: n,
            stamped,
            late,
            recorded_by: &actor.label,
            now,
        },
    )
    .await?;
    let mut comment = format!(
        "{} 收到{n}份，{}{}",
        format_datetime(at),
        if stamped { "已盖章" } else { "未盖章" },
        if late { "，逾期" } else { "" }
    );
    if earlier.is_some() {
        comment = format!("更正登记（原因：{correction}）：{comment}");
    }
    let event = ApplicationEvent::Paper;
    super::events::record(&mut tx, app, id.0, now, &actor.label, event, &comment).await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.paper",
        ("application", Some(id.0)),
        "success",
        &comment,
    )
    .await?;
    tx.commit().await?;
    Ok(late)
}

/// Grants one applicant more time on a call, with a reason the applicant
/// sees. Side effects: history `extension` on the applicant's application
/// (when begun), audit `call.extension`.
pub async fn grant_extension(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    person_id: PersonId,
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
    let call = calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if until_at <= call.closes_at {
        return Err(AppError::field("until", "延期时间须晚于申报截止时间"));
    }
    if accounts::person(&mut tx, person_id.0).await?.is_none() {
        return Err(AppError::NotFound);
    }
    store::grant_extension(
        &mut tx,
        call_id.0,
        person_id.0,
        until_at,
        reason,
        &actor.label,
        now,
    )
    .await?;
    if let Some(a) = store::of_person_in_call(&mut tx, person_id.0, call_id.0).await? {
        super::events::record(
            &mut tx,
            app,
            a.id,
            now,
            &actor.label,
            ApplicationEvent::Extension,
            &format!("延期至{}：{reason}", format_datetime(until_at)),
        )
        .await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "call.extension",
        ("person", Some(person_id.0)),
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
