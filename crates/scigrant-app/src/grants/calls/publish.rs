//! A call moves draft → published (发布) → closed (截止受理), compare-and-set
//! on its state.

use scigrant_domain::grants::application::CallState;
use scigrant_domain::ids::CallId;
use scigrant_store::grants::calls;

use crate::{Actor, App, AppError, audit};

/// Reads the state staff ask a call to move to (发布 or 截止受理). A value
/// the domain does not define is refused rather than taken for one.
pub fn target_state(posted: &str) -> Result<CallState, AppError> {
    CallState::from_code(posted).ok_or_else(|| {
        AppError::Refused("无法识别的操作：请在计划类别页面选择发布或截止受理后重新提交".into())
    })
}

/// Publishes a draft call or closes a published one. Audit `call.publish|close`.
pub async fn set_state(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    to: CallState,
) -> Result<(), AppError> {
    let from = match to {
        CallState::Published => CallState::Draft,
        CallState::Closed => CallState::Published,
        CallState::Draft => return Err(AppError::Refused("已发布的计划类别不能改回草稿".into())),
    };
    let mut tx = app.db.begin().await?;
    if !calls::set_call_state(&mut tx, call_id.0, from, to, app.now()).await? {
        return Err(AppError::Refused(format!(
            "只有“{}”状态的计划类别可以{}",
            from.label(),
            if to == CallState::Published {
                "发布"
            } else {
                "截止"
            }
        )));
    }
    let action = if to == CallState::Published {
        "call.publish"
    } else {
        "call.close"
    };
    audit(
        &mut tx,
        app,
        actor,
        action,
        ("call", Some(call_id.0)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
