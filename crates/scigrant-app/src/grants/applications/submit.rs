//! 提交 and its receipt (回执): the typed data is saved, validated against
//! the call's form and frozen with compare-and-set on the state, so a
//! second click, a retry or another tab gets the same receipt.

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::grants::application::{
    ApplicationEvent, ApplicationState, CallState, in_time,
};
use scigrant_domain::grants::form::{self, FormData};
use scigrant_domain::ids::{ApplicationId, PersonId};
use scigrant_store::grants::applications::{self as store, ApplicationHead, Submission};
use scigrant_store::grants::calls;

use super::draft::{Typed, check_applicant, draft_parts, save_at};
use super::{context_of, digest_of, draft_data};
use crate::grants::calls::{call_for_checks, spec_in};
use crate::{Actor, App, AppError, audit};

/// The receipt (回执) of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub application_id: ApplicationId,
    pub number: String,
    pub submitted_at: i64,
    pub digest: String,
}

/// 提交: saves `data`, validates it against the call's form, and freezes
/// it before the deadline by the server's clock. All or nothing and
/// idempotent: a second click, a retry or another tab gets the same
/// receipt. Side effects: number assigned (call code + sequence), digest,
/// 查重 signature, history `submitted`, audit `application.submit`.
/// Refused when one of its 负责人 reached the program's 限项.
pub async fn submit(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    data: &FormData,
) -> Result<Receipt, AppError> {
    submit_typed(app, actor, person_id, id, Typed::Data(data)).await
}

/// [`submit`] of a posted form (the page's 提交): the pairs are read
/// against the application's own form here, so the request reads the
/// application once.
pub async fn submit_posted(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    pairs: &[(String, String)],
) -> Result<Receipt, AppError> {
    submit_typed(app, actor, person_id, id, Typed::Pairs(pairs)).await
}

async fn submit_typed(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
    typed: Typed<'_>,
) -> Result<Receipt, AppError> {
    let now = app.now();
    let mut c = app.db.read().await?;
    let row = store::head(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    if row.person_id != person_id.0 {
        return Err(AppError::NotFound);
    }
    if let Some(r) = existing_receipt(&row) {
        return Ok(r);
    }
    let call_row = calls::call(&mut c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_for_checks(call_row)?;
    let ext = store::extension(&mut c, row.call_id, person_id.0)
        .await?
        .map(|e| e.until_at);
    let spec = spec_in(app, &mut c, row.form_spec_id).await?;
    drop(c);
    // Too late: nothing is kept (the page keeps its copy in the browser).
    if !in_time(now, call.closes_at, ext) {
        return Err(AppError::Refused(format!(
            "申报已于{}截止，不能提交",
            format_datetime(call.closes_at)
        )));
    }
    // The cover fields the call fixes are the call's, whatever was typed.
    let mut pinned = typed.read(&spec);
    form::pin(&spec, &call.code, &mut pinned);
    let data = &pinned;
    // In time, what was typed is kept even when the submission is refused:
    // saved on its own when it cannot be submitted, else in the
    // submission's transaction (one commit for both).
    if call.state != CallState::Published {
        save_at(app, actor, person_id, id, Typed::Data(data), now).await?;
        return Err(AppError::Refused("该计划类别未在受理期".into()));
    }
    let problems = form::validate(&spec, data, &context_of(&call));
    if !problems.is_empty() {
        save_at(app, actor, person_id, id, Typed::Data(data), now).await?;
        return Err(AppError::Form(problems));
    }
    // Stored sealed for this row and column; the digest is of what was
    // typed, as before, so a printed copy verifies the same way.
    let at = scigrant_store::pii::SealedColumn::APPLICATION_SUBMITTED.row(id.0);
    let json = crate::grants::sealed_form::seal(&app.pii, &spec, at, data);
    let digest = digest_of(&spec, data);
    let draft = draft_parts(app, &spec, id, data);
    // 查重: the signature is made here, outside the transaction, and
    // written with the submission.
    let signature = crate::evaluation::similarity::signature_of(&spec, data, &call.code);
    let mut tx = app.db.begin().await?;
    // The right is checked again where the submission is written: a lock
    // or a change of unit since the save above still stops it.
    let unit = check_applicant(&mut tx, app, actor, person_id.0, Some(row.unit_id)).await?;
    let admitted = async {
        // 申报单位名单: a list set after the draft was begun holds as well.
        crate::grants::calls::check_listed(
            &mut tx,
            call.id,
            &call.eligibility_text,
            &unit.name,
            &unit.uscc,
        )
        .await?;
        // 限项: counted where the submission is written, the program locked.
        crate::grants::limits::check_at_submission(app, &mut tx, &call, &spec, &row, data).await
    }
    .await;
    if let Err(e) = admitted {
        // Refused, the draft as typed is kept all the same.
        if matches!(e, AppError::Refused(_)) {
            let d = &draft;
            store::save_draft(&mut tx, id.0, person_id.0, &d.title, &d.json, &d.city, now).await?;
            tx.commit().await?;
        }
        return Err(e);
    }
    // What was typed is written as the draft by the same statement; a tab
    // that submitted meanwhile leaves it as submitted, and the receipt
    // below is that submission's.
    let first = store::submit(
        &mut tx,
        &Submission {
            id: id.0,
            person_id: person_id.0,
            title: &draft.title,
            data_json: &draft.json,
            pilot_city: &draft.city,
            submitted_json: &json,
            digest: &digest,
            now,
        },
    )
    .await?;
    if !first {
        tx.commit().await?;
        let mut c = app.db.read().await?;
        let row = store::head(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
        return existing_receipt(&row)
            .ok_or_else(|| AppError::Refused("申报书状态已变化，请刷新".into()));
    }
    crate::evaluation::similarity::store_signature(
        &mut tx,
        id.0,
        call.id.0,
        signature.as_deref(),
        now,
    )
    .await?;
    let history = format!("SM3摘要 {digest}");
    let submitted = ApplicationEvent::Submitted;
    store::add_event(&mut tx, id.0, now, &actor.label, submitted.code(), &history).await?;
    // The call's number counter is taken last, before only the statements
    // that need the number: its row stays locked until the commit, and
    // every submission to the call waits for that lock.
    let number = match row.number {
        Some(n) => n,
        None => {
            let seq = calls::next_seq(&mut tx, call.id.0).await?;
            let n = format!("{}-{seq:04}", call.code);
            store::set_number(&mut tx, id.0, &n).await?;
            n
        }
    };
    super::events::tell(&mut tx, app, id.0, now, submitted, &history).await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.submit",
        ("application", Some(id.0)),
        "success",
        &format!("{number} {digest}"),
    )
    .await?;
    tx.commit().await?;
    crate::ops::metrics::submitted();
    Ok(Receipt {
        application_id: id,
        number,
        submitted_at: now,
        digest,
    })
}

/// 提交 of the draft as last saved, for callers that send no form (the
/// integration API): the same [`submit`] with the stored draft's data, so
/// the receipt and digest are those the page would give.
pub async fn submit_saved(
    app: &App,
    actor: &Actor,
    person_id: PersonId,
    id: ApplicationId,
) -> Result<Receipt, AppError> {
    let data = {
        let mut c = app.db.read().await?;
        let row = store::get(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
        if row.person_id != person_id.0 {
            return Err(AppError::NotFound);
        }
        draft_data(&app.pii, row.id, &row.data_json)
    };
    submit(app, actor, person_id, id, &data).await
}

/// The receipt of an application already submitted (and not returned since).
fn existing_receipt(row: &ApplicationHead) -> Option<Receipt> {
    if ApplicationState::from_code(&row.state)?.editable() {
        return None;
    }
    Some(Receipt {
        application_id: ApplicationId(row.id),
        number: row.number.clone()?,
        submitted_at: row.submitted_at?,
        digest: row.digest.clone()?,
    })
}
