//! What every signed-in account can do: change its password (staff must
//! at first login) and download the documents it may see.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::auth::{PasswordChange, change_password};
use scigrant_app::identity::home::open_file;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::ids::FileId;
use scigrant_domain::permission::Caller;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::notice::see_other;
use crate::http::pages::{Errs, PageCtx, qv, render};

#[derive(Template)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub must_change: bool,
    pub one_time: bool,
    pub errs: Errs,
}

/// Staff at first login, or an account signed in with an appeal's
/// one-time password.
fn must_change(ctx: &Ctx) -> bool {
    ctx.session
        .as_ref()
        .is_some_and(|s| s.caller.must_change_password())
}

/// Signed in with an appeal's one-time password (not staff).
fn one_time(ctx: &Ctx) -> bool {
    ctx.session.as_ref().is_some_and(|s| {
        s.caller.must_change_password() && !matches!(s.caller, Caller::Staff { .. })
    })
}

pub async fn password_page(State(state): State<AppState>, ctx: Ctx) -> impl IntoResponse {
    render(&PasswordPage {
        ctx: PageCtx::new(&state, &ctx),
        must_change: must_change(&ctx),
        one_time: one_time(&ctx),
        errs: Errs::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordPost {
    old: String,
    new: String,
    confirm: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(p): Form<PasswordPost>,
) -> Result<Response, WebError> {
    let Some(session) = ctx.session.as_ref() else {
        return Err(WebError::SignIn("/login"));
    };
    let form = PasswordChange {
        old: p.old,
        new: p.new,
        confirm: p.confirm,
    };
    match change_password(&state.app, &ctx.actor(), session, &form).await {
        Ok(()) => {
            let home = match session.kind {
                scigrant_domain::identity::account::AccountKind::Person => "/person?ok=password",
                scigrant_domain::identity::account::AccountKind::Unit => "/unit?ok=password",
                scigrant_domain::identity::account::AccountKind::Staff => "/staff?ok=password",
            };
            Ok(see_other(home))
        }
        Err(AppError::Validation(e)) => Ok(password_again(&state, &ctx, e)),
        Err(e) => Err(e.into()),
    }
}

fn password_again(state: &AppState, ctx: &Ctx, e: FieldErrors) -> Response {
    let page = PasswordPage {
        ctx: PageCtx::new(state, ctx),
        must_change: must_change(ctx),
        one_time: one_time(ctx),
        errs: Errs(e),
    };
    (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response()
}

/// Streams a stored document as an attachment, if the caller may read it.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<FileId>,
) -> Result<Response, WebError> {
    let Some(session) = ctx.session.as_ref() else {
        return Err(WebError::SignIn("/login"));
    };
    let file = open_file(&state.app, &ctx.actor(), session, id).await?;
    let stream = chunks(file.content);
    let ext = if file.content_type == "application/pdf" {
        "pdf"
    } else {
        "jpg"
    };
    let ascii_name = format!("file-{}.{ext}", file.id);
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        qv(&file.original_name)
    );
    Ok((
        [
            (CONTENT_TYPE, file.content_type.clone()),
            (CONTENT_DISPOSITION, disposition),
            (CONTENT_LENGTH, file.size.to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Reads a stored file in 64 KiB chunks as a body stream.
pub(crate) fn chunks<R>(f: R) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>>
where
    R: tokio::io::AsyncRead + Unpin + Send,
{
    use tokio::io::AsyncReadExt;
    futures_util::stream::unfold(f, |mut f| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    })
}
