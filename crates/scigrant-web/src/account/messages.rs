//! 消息中心: the signed-in person's or unit's notifications, read and
//! unread, and marking them read.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use scigrant_app::notify::centre::{MessageView, mark_read, my_messages};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::see_other;
use crate::http::pages::{PageCtx, Pager, render};

#[derive(Template)]
#[template(path = "account/messages.html")]
pub struct MessagesPage {
    pub ctx: PageCtx,
    pub items: Vec<MessageView>,
    pub pager: Pager,
    pub unread: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    page: i64,
}

pub async fn messages(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let Some(session) = ctx.session.as_ref() else {
        return Err(WebError::SignIn("/login"));
    };
    let page = my_messages(&state.app, session, q.page).await?;
    Ok(render(&MessagesPage {
        ctx: PageCtx::new(&state, &ctx),
        pager: Pager::new(&page, String::new()),
        unread: session.unread_messages,
        items: page.rows,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadPost {
    /// One message's id, or empty for 全部标为已读.
    id: String,
}

pub async fn read(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<ReadPost>,
) -> Result<Response, WebError> {
    let Some(session) = ctx.session.as_ref() else {
        return Err(WebError::SignIn("/login"));
    };
    let id = match p.id.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| WebError::App(scigrant_app::AppError::NotFound))?,
        ),
    };
    mark_read(&state.app, &ctx.actor(), session, id).await?;
    Ok(see_other("/messages"))
}
