//! 代办: a person switches their session to acting for a unit that
//! authorised them (listed on 我的信息 → 法人(单位)授权办理情况), and back.

use axum::extract::{Path, State};
use axum::response::Response;
use scigrant_app::AppError;
use scigrant_app::identity::delegation::{act_for, stop_acting};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::notice::see_other;

/// 代办: from the next page on, the header names the unit.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let session = ctx.session.as_ref().ok_or(AppError::Forbidden)?;
    act_for(&state.app, &ctx.actor(), session, id).await?;
    Ok(see_other("/person/info?ok=acting#auth"))
}

/// 退出代办.
pub async fn stop(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let session = ctx.session.as_ref().ok_or(AppError::Forbidden)?;
    stop_acting(&state.app, &ctx.actor(), session).await?;
    Ok(see_other("/person/info?ok=acting_stopped#auth"))
}
