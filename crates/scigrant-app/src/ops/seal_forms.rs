//! 存量加密: application forms (and 指南建议) stored by a release before phone values
//! were sealed ([`crate::grants::sealed_form`]) are sealed in place. A
//! migration cannot do it (the key is outside the database), so the server
//! does it at start, in the background, until one pass has gone through
//! every stored form (then `pii_forms_sealed` is set): it reads every application
//! in id order, seals the phone values still stored plain in its draft and
//! its submitted version (the submitted text, and so its digest, does not
//! change), and writes each row compare-and-set on what it read. It is
//! idempotent: a second run finds nothing, and a row the applicant saved
//! in between was sealed by that save. A run that sealed anything writes
//! one audit record `pii.seal` with the count. Suggestions (指南建议),
//! whose form carries the suggester's 联系电话, are sealed the same way.

use scigrant_store::grants::applications::{self as store, StoredFormsRow};
use scigrant_store::grants::solicitations::{self as suggestions, StoredSuggestionRow};
use scigrant_store::pii::SealedColumn;

use crate::grants::calls::spec_in;
use crate::grants::sealed_form::{needs_sealing, parse, seal_in_place};
use crate::{Actor, App, AppError, audit};

/// Applications read per query.
const BATCH: i64 = 200;

/// Set once a pass has gone through every stored form: forms written
/// since are sealed by this release, so later starts skip the scan.
const FORMS_SEALED: &str = "pii_forms_sealed";

/// Seals the phone values still stored plain; returns how many
/// applications and suggestions were rewritten. Once a whole pass has
/// run, later calls return 0 without reading the forms.
pub async fn seal_stored_forms(app: &App) -> Result<u64, AppError> {
    {
        let mut c = app.db.read().await?;
        if scigrant_store::admin::settings::get(&mut c, FORMS_SEALED)
            .await?
            .is_some()
        {
            return Ok(0);
        }
    }
    let mut after = 0;
    let mut sealed = 0u64;
    loop {
        let rows = {
            let mut c = app.db.read().await?;
            store::forms_after(&mut c, after, BATCH).await?
        };
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            if seal_row(app, &row).await? {
                sealed += 1;
            }
        }
    }
    let mut suggestions_sealed = 0u64;
    let mut after = 0;
    loop {
        let rows = {
            let mut c = app.db.read().await?;
            suggestions::suggestion_forms_after(&mut c, after, BATCH).await?
        };
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            if seal_suggestion(app, &row).await? {
                suggestions_sealed += 1;
            }
        }
    }
    {
        let mut c = app.db.read().await?;
        scigrant_store::admin::settings::set(&mut c, FORMS_SEALED, "1").await?;
    }
    if sealed + suggestions_sealed > 0 {
        let mut tx = app.db.begin().await?;
        let detail = format!("{sealed} 份申报书，{suggestions_sealed} 条指南建议");
        let target = ("application", None);
        audit(
            &mut tx,
            app,
            &Actor::system(),
            "pii.seal",
            target,
            "success",
            &detail,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            applications = sealed,
            suggestions = suggestions_sealed,
            "phone values stored plain were sealed"
        );
    }
    Ok(sealed + suggestions_sealed)
}

/// Seals one application's forms when they need it; false when they did
/// not, or the row changed since it was read.
async fn seal_row(app: &App, row: &StoredFormsRow) -> Result<bool, AppError> {
    let spec = {
        let mut c = app.db.read().await?;
        spec_in(app, &mut c, row.form_spec_id).await?
    };
    let mut draft = parse(&row.data_json);
    let mut frozen = row.submitted_json.as_deref().map(parse);
    let plain =
        needs_sealing(&spec, &draft) || frozen.as_ref().is_some_and(|f| needs_sealing(&spec, f));
    if !plain {
        return Ok(false);
    }
    seal_in_place(
        &app.pii,
        &spec,
        SealedColumn::APPLICATION_DRAFT.row(row.id),
        &mut draft,
    );
    let data_json = to_json(&draft)?;
    let submitted_json = match frozen.as_mut() {
        Some(f) => {
            let at = SealedColumn::APPLICATION_SUBMITTED.row(row.id);
            seal_in_place(&app.pii, &spec, at, f);
            Some(to_json(f)?)
        }
        None => None,
    };
    let mut tx = app.db.begin().await?;
    let done = store::reseal_forms(&mut tx, row, &data_json, submitted_json.as_deref()).await?;
    tx.commit().await?;
    Ok(done)
}

/// Seals one suggestion's form when it needs it.
async fn seal_suggestion(app: &App, row: &StoredSuggestionRow) -> Result<bool, AppError> {
    let spec = {
        let mut c = app.db.read().await?;
        spec_in(app, &mut c, row.form_spec_id).await?
    };
    let mut data = parse(&row.data_json);
    if !needs_sealing(&spec, &data) {
        return Ok(false);
    }
    seal_in_place(
        &app.pii,
        &spec,
        SealedColumn::SUGGESTION_DATA.row(row.id),
        &mut data,
    );
    let mut tx = app.db.begin().await?;
    let done = suggestions::reseal_suggestion(&mut tx, row, &to_json(&data)?).await?;
    tx.commit().await?;
    Ok(done)
}

fn to_json(data: &scigrant_domain::grants::form::FormData) -> Result<String, AppError> {
    serde_json::to_string(data).map_err(|e| AppError::Internal(e.to_string()))
}
