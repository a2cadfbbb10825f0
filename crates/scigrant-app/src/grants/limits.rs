//! 限项: staff set how many applications and ongoing projects one person
//! may hold as 负责人 in a program; submission checks it. A blank or 0
//! limit is no limit, and a program without limits set has none.
//! Counted against the limits: the program's applications that are
//! submitted, recommended or accepted, funded (在研) ones included, less
//! those declined at 立项 (不予立项); drafts and applications returned for
//! changes count when they are submitted again.

use scigrant_domain::grants::form::{FormData, FormSpec};
use scigrant_domain::grants::limits::{Holding, HoldingLimits, check_limits, holders_of};
use scigrant_domain::ids::ProgramId;
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::ApplicationHead;
use scigrant_store::grants::{calls, limits as store};
use scigrant_store::identity::accounts;
use scigrant_store::pii::SealedColumn;

use super::applications::submitted_data;
use super::calls::{CallView, spec_in};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The limits of `program_id` (none when never set).
pub async fn program_limits(app: &App, program_id: ProgramId) -> Result<HoldingLimits, AppError> {
    let mut c = app.db.read().await?;
    limits_in(&mut c, program_id.0).await
}

pub(crate) async fn limits_in(
    c: &mut AnyConnection,
    program_id: i64,
) -> Result<HoldingLimits, AppError> {
    Ok(match store::limits(c, program_id).await? {
        Some(r) => HoldingLimits {
            per_call: u32::try_from(r.per_call).unwrap_or(0),
            per_program: u32::try_from(r.per_program).unwrap_or(0),
        },
        None => HoldingLimits::default(),
    })
}

/// 设置限项: staff set the two limits of a program as typed (blank = 0 =
/// no limit). Side effects: the limits row, audit `program.limits`.
pub async fn set_program_limits(
    app: &App,
    actor: &Actor,
    program_id: ProgramId,
    per_call: &str,
    per_program: &str,
) -> Result<HoldingLimits, AppError> {
    let limits = HoldingLimits::parse(per_call, per_program).map_err(|errors| {
        let mut e = FieldErrors::new();
        for (field, msg) in errors {
            e.add(field, msg);
        }
        AppError::Validation(e)
    })?;
    let mut tx = app.db.begin().await?;
    let program = calls::program(&mut tx, program_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    store::set_limits(
        &mut tx,
        program_id.0,
        i64::from(limits.per_call),
        i64::from(limits.per_program),
        &actor.label,
        app.now(),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "program.limits",
        ("program", Some(program_id.0)),
        "success",
        &format!("{} {}", program.name, limits.describe()),
    )
    .await?;
    tx.commit().await?;
    Ok(limits)
}

/// 限项 at submission, inside its transaction: refused with a message
/// naming the applications already counted when one of the 负责人 of
/// `row` (as typed in `data`) has reached a limit of the program.
pub(crate) async fn check_at_submission(
    app: &App,
    c: &mut AnyConnection,
    call: &CallView,
    spec: &FormSpec,
    row: &ApplicationHead,
    data: &FormData,
) -> Result<(), AppError> {
    let limits = limits_in(c, call.program_id.0).await?;
    if limits.is_none() {
        return Ok(());
    }
    store::lock(c, call.program_id.0).await?;
    let me = accounts::person(c, row.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = Holding {
        call_id: call.id.0,
        number: row.number.clone().unwrap_or_default(),
        title: row.title.clone(),
        holders: holders_of(spec, data, &me.name, &me.phone(&app.pii)?),
    };
    let mut others = Vec::new();
    for o in store::holdings_in_program(c, call.program_id.0, row.id).await? {
        let spec = spec_in(app, c, o.form_spec_id).await?;
        let data = submitted_data(&app.pii, o.id, o.submitted_json.as_deref().unwrap_or("{}"));
        others.push(Holding {
            call_id: o.call_id,
            number: o.number.unwrap_or_default(),
            title: o.title,
            holders: holders_of(
                &spec,
                &data,
                &o.person_name,
                &app.pii
                    .open_at(SealedColumn::PERSON_PHONE.row(o.person_id), &o.phone_enc)?,
            ),
        });
    }
    check_limits(limits, &mine, &others).map_err(|r| AppError::Refused(r.message()))
}
