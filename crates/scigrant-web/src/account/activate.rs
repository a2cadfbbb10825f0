//! 后台账号激活: a new staff member types the login name, the one-time
//! activation code sent to their own mobile and the password they choose.
//! The administrator who created the account never knows the password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::admin::staff::{Activation, activate_staff};
use scigrant_app::{AppError, FieldErrors};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, Login};

#[derive(Template)]
#[template(path = "auth/staff_activate.html")]
pub struct ActivatePage {
    pub ctx: PageCtx,
    pub login: String,
    pub error: String,
    pub errs: Errs,
    pub done: bool,
}

pub async fn activate_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&ActivatePage {
        ctx: PageCtx::new(&state, &ctx),
        login: String::new(),
        error: String::new(),
        errs: Errs::default(),
        done: false,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivatePost {
    login: String,
    code: String,
    password: String,
    confirm: String,
}

pub async fn activate_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    _: Admitted<Login>,
    Form(p): Form<ActivatePost>,
) -> Result<Response, WebError> {
    let f = Activation {
        login: p.login,
        code: p.code,
        password: p.password,
        confirm: p.confirm,
    };
    let (error, errs) = match activate_staff(&state.app, &ctx.actor(), &f).await {
        Ok(_) => {
            let page = ActivatePage {
                ctx: PageCtx::new(&state, &ctx),
                login: f.login,
                error: String::new(),
                errs: Errs::default(),
                done: true,
            };
            return Ok(render(&page).into_response());
        }
        Err(AppError::Validation(e)) => (String::new(), e),
        Err(AppError::Refused(msg)) => (msg, FieldErrors::new()),
        Err(e) => return Err(e.into()),
    };
    let page = ActivatePage {
        ctx: PageCtx::new(&state, &ctx),
        login: f.login,
        error,
        errs: Errs(errs),
        done: false,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}
