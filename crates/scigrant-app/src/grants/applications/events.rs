//! What happened to an application: the entry of its 办理记录 (history)
//! and, where the deployment has a webhook, the signed call that tells the
//! systems integrated with it (queued in the same transaction, sent by the
//! delivery worker with retries; docs/operations.md, "Webhooks").

use scigrant_domain::grants::application::ApplicationEvent;
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications as store;

use crate::{App, AppError};

/// Records `event` on application `id` at `now`, in the caller's
/// transaction: its history entry, then the webhook call.
pub(crate) async fn record(
    c: &mut AnyConnection,
    app: &App,
    id: i64,
    now: i64,
    actor_label: &str,
    event: ApplicationEvent,
    comment: &str,
) -> Result<(), AppError> {
    store::add_event(c, id, now, actor_label, event.code(), comment).await?;
    tell(c, app, id, now, event, comment).await
}

/// The webhook call of `event`, queued in the caller's transaction when
/// the deployment has a webhook (nothing otherwise). It carries the
/// application as it stands, so it is queued after the change the event
/// records; [`record`] does both, a caller that writes the history entry
/// earlier (`store::add_event`) calls this after the change.
pub(crate) async fn tell(
    c: &mut AnyConnection,
    app: &App,
    id: i64,
    now: i64,
    event: ApplicationEvent,
    comment: &str,
) -> Result<(), AppError> {
    if app.config.webhook_url.trim().is_empty() {
        return Ok(());
    }
    let a = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    let name = format!("application.{}", event.code());
    // Identifiers and states only: integrations read the rest through the
    // API with their own token and permissions.
    let payload = serde_json::json!({
        "event": name,
        "at": now,
        "application": {
            "id": a.id,
            "number": a.number,
            "call_id": a.call_id,
            "unit_id": a.unit_id,
            "state": a.state,
        },
        "comment": comment,
    });
    crate::notify::queue_webhook(c, app, &name, &payload.to_string()).await
}
