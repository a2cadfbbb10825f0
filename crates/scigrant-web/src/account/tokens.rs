//! 个人访问令牌: the page where a person, a unit or a staff member creates
//! tokens for the integration API (/api/v1), sees a new one once, lists
//! them with scopes, expiry and last use, and revokes them. Staff reach it
//! at /staff/tokens (the console's permission), others at /account/tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::identity::auth::SessionInfo;
use scigrant_app::identity::tokens::{TokenForm, TokenView, create_token, revoke_token, tokens};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::identity::token::{LIFETIME_DAYS, Scope, scopes_for};

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};

#[derive(Template)]
#[template(path = "account/tokens.html")]
pub struct TokensPage {
    pub ctx: PageCtx,
    /// `/account/tokens` or `/staff/tokens`.
    pub base: &'static str,
    pub tokens: Vec<TokenView>,
    /// The scopes this account may grant, with whether each is ticked.
    pub scopes: Vec<(Scope, bool)>,
    pub days: Vec<(i64, bool)>,
    /// The name as typed.
    pub token_name: String,
    /// A token just created, shown this once.
    pub created: Option<String>,
    pub errs: Errs,
}

fn base_of(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Staff => "/staff/tokens",
        _ => "/account/tokens",
    }
}

fn session(ctx: &Ctx) -> Result<&SessionInfo, WebError> {
    ctx.session.as_ref().ok_or(WebError::SignIn("/login"))
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    form: &TokenForm,
    created: Option<String>,
    errs: FieldErrors,
) -> Result<TokensPage, WebError> {
    let s = session(ctx)?;
    let days: i64 = form.days.parse().unwrap_or(90);
    Ok(TokensPage {
        ctx: PageCtx::new(state, ctx),
        base: base_of(s.kind),
        tokens: tokens(&state.app, s).await?,
        scopes: scopes_for(s.kind)
            .into_iter()
            .map(|sc| (sc, form.scopes.iter().any(|c| c == sc.code())))
            .collect(),
        days: LIFETIME_DAYS.iter().map(|d| (*d, *d == days)).collect(),
        token_name: form.name.clone(),
        created,
        errs: Errs(errs),
    })
}

pub async fn tokens_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let mut p = page(
        &state,
        &ctx,
        &TokenForm::default(),
        None,
        FieldErrors::new(),
    )
    .await?;
    p.ctx = p.ctx.with_notice(notice_text(&q.ok));
    Ok(render(&p).into_response())
}

/// Creates a token and shows it once, on this very answer (it is stored
/// hashed and cannot be shown again).
pub async fn tokens_create(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let s = session(&ctx)?;
    let mut form = TokenForm::default();
    for (k, v) in fields {
        match k.as_str() {
            "name" => form.name = v,
            "scopes" => form.scopes.push(v),
            "days" => form.days = v,
            _ => {}
        }
    }
    match create_token(&state.app, &ctx.actor(), s, &form).await {
        Ok(created) => {
            let shown = page(
                &state,
                &ctx,
                &TokenForm::default(),
                Some(created.token),
                FieldErrors::new(),
            )
            .await?;
            Ok(render(&shown).into_response())
        }
        Err(AppError::Validation(e)) => {
            let again = page(&state, &ctx, &form, None, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&again)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn tokens_revoke(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let s = session(&ctx)?;
    revoke_token(&state.app, &ctx.actor(), s, id).await?;
    Ok(see_other(&format!("{}?ok=token_revoked", base_of(s.kind))))
}
