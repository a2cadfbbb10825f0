//! 消息中心: what each account (person or unit) was told, kept in the
//! system with its read / unread state, so nothing depends on an SMS or a
//! mail reaching its recipient. Rows are written by `notify_account`.

use scigrant_store::identity::messages;

use crate::identity::auth::SessionInfo;
use crate::{Actor, App, AppError, Page, audit};

/// Messages on one page of the 消息中心.
pub const PER_PAGE: i64 = 20;

/// A message as its account reads it.
#[derive(Clone, Debug)]
pub struct MessageView {
    pub id: i64,
    pub body: String,
    pub created_at: i64,
    pub read: bool,
}

/// A page of the signed-in account's messages, newest first.
pub async fn my_messages(
    app: &App,
    session: &SessionInfo,
    page: i64,
) -> Result<Page<MessageView>, AppError> {
    let mut c = app.db.read().await?;
    let (rows, total) = messages::list(
        &mut c,
        session.kind.code(),
        session.account_id,
        PER_PAGE,
        Page::<()>::offset(page, PER_PAGE),
    )
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| MessageView {
            id: r.id,
            body: r.body,
            created_at: r.created_at,
            read: r.read_at.is_some(),
        })
        .collect();
    Ok(Page::new(rows, total, page, PER_PAGE))
}

/// Marks one of the signed-in account's messages read (`Some(id)`), or
/// all of them (`None`); another account's message is left alone. Audit
/// `message.read` when something changed.
pub async fn mark_read(
    app: &App,
    actor: &Actor,
    session: &SessionInfo,
    id: Option<i64>,
) -> Result<(), AppError> {
    let kind = session.kind.code();
    let mut tx = app.db.begin().await?;
    let changed = messages::mark_read(&mut tx, kind, session.account_id, id, app.now()).await?;
    if changed > 0 {
        let detail = match id {
            Some(id) => format!("消息 {id} 标为已读"),
            None => format!("全部标为已读（{changed}条）"),
        };
        audit(
            &mut tx,
            app,
            actor,
            "message.read",
            (kind, Some(session.account_id)),
            "success",
            &detail,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
