//! What the product records about an action, inside the action's own
//! transaction: the audit record (who, from where, what, on what, with
//! which outcome) and, for decisions on an account, the entry of its
//! decision history that the account itself reads. One function writes
//! both, so a decision can never be recorded without its audit record.

use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::decision::{DecisionOutcome, DecisionStage};
use scigrant_store::admin::audit::NewRecord;
use scigrant_store::{AnyConnection, decisions};

use crate::{Actor, App, AppError};

/// Writes one audit record for `actor` inside the caller's transaction.
pub(crate) async fn audit(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    action: &str,
    target: (&str, Option<i64>),
    outcome: &str,
    detail: &str,
) -> Result<(), AppError> {
    // Every action has the auditor's name in the domain's catalogue; the
    // tests, which run every use case, catch a new one that lacks it.
    debug_assert!(
        scigrant_domain::admin::audit::action_label(action).is_some(),
        "audit action `{action}` is not in scigrant_domain::admin::audit::ACTIONS"
    );
    let id = scigrant_store::admin::audit::append(
        &mut *c,
        &app.pii.audit_chain_key(),
        &NewRecord {
            at: app.now(),
            actor_kind: actor.kind.map(|k| k.code()).unwrap_or("anonymous").into(),
            actor_id: actor.id,
            actor_label: actor.label.clone(),
            action: action.into(),
            target_kind: target.0.into(),
            target_id: target.1,
            outcome: outcome.into(),
            ip: actor.ip.clone(),
            request_id: actor.request_id.clone(),
            detail: detail.into(),
        },
    )
    .await?;
    if let (Some(on), Some(person)) = (&actor.on_behalf, actor.id) {
        scigrant_store::identity::delegations::record_action(
            c,
            id,
            on.unit_id,
            person,
            on.delegation_id,
        )
        .await?;
    }
    Ok(())
}

/// A decision on an account as its history shows it.
pub(crate) struct AccountDecision<'a> {
    pub subject: (AccountKind, i64),
    pub stage: DecisionStage,
    pub outcome: DecisionOutcome,
    pub reason: Option<&'a str>,
    /// Who the account sees as deciding (a unit's name, a reviewer's label).
    pub by: &'a str,
}

/// The audit record that goes with it.
pub(crate) struct AuditEvent<'a> {
    pub action: &'a str,
    pub target: (&'a str, Option<i64>),
    pub outcome: &'a str,
    pub detail: &'a str,
}

/// Records `d` in the account's decision history and `event` in the audit
/// log, in the caller's transaction.
pub(crate) async fn record_decision(
    c: &mut AnyConnection,
    app: &App,
    actor: &Actor,
    d: AccountDecision<'_>,
    event: AuditEvent<'_>,
) -> Result<(), AppError> {
    decisions::insert(
        c,
        &decisions::NewDecision {
            subject_kind: d.subject.0.code(),
            subject_id: d.subject.1,
            stage: d.stage.code(),
            outcome: d.outcome.code(),
            reason: d.reason,
            actor_label: d.by,
            at: app.now(),
        },
    )
    .await?;
    audit(
        c,
        app,
        actor,
        event.action,
        event.target,
        event.outcome,
        event.detail,
    )
    .await
}
