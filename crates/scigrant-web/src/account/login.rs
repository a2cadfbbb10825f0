//! 统一身份认证: the login page with its person and unit tabs (named by
//! the deployment's `account_doors`: 个人用户登录 / 企业用户登录 or 自然人登录 / 法人登录),
//! the staff login, the captcha endpoint and logout.

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use scigrant_app::identity::auth::{LoginInput, LoginTab, login, logout as end_session};
use scigrant_app::identity::captcha::new_captcha;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::AccountKind;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::http::context::{Cookie, Ctx, set_cookie};
use crate::http::error::WebError;
use crate::http::notice::notice_text;
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, Captcha, ClientAddr, Login};

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    /// "person", "unit" or "register".
    pub tab: String,
    pub login: String,
    pub error: String,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
}

#[derive(Template)]
#[template(path = "auth/staff_login.html")]
pub struct StaffLoginPage {
    pub ctx: PageCtx,
    pub login: String,
    pub error: String,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
}

#[derive(Deserialize)]
pub struct TabQuery {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    ok: String,
    /// The login name a registration just gave (注册为普通用户: xm + 手机号).
    #[serde(default)]
    login: String,
}

fn tab_of(s: &str) -> &'static str {
    match s {
        "unit" => "unit",
        "register" => "register",
        _ => "person",
    }
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let captcha = addr.captcha(&state).await?;
    Ok(render(&LoginPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        tab: tab_of(&q.tab).into(),
        login: q.login.chars().take(32).collect(),
        error: String::new(),
        errs: Errs::default(),
        captcha_id: captcha.id,
        captcha_image: captcha.image,
    })
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    tab: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha: String,
}

fn session_cookie(
    state: &AppState,
    token: &str,
) -> [(axum::http::HeaderName, axum::http::HeaderValue); 1] {
    [(SET_COOKIE, set_cookie(state, Cookie::Session, token, None))]
}

/// Where an account lands after signing in.
fn landing(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Person => "/person",
        AccountKind::Unit => "/unit",
        AccountKind::Staff => "/staff",
    }
}

/// A refused login shows the form again with the reason, the rate limit's
/// included.
async fn do_login(
    state: &AppState,
    ctx: &Ctx,
    admitted: Result<Admitted<Login>, WebError>,
    tab: LoginTab,
    f: &LoginForm,
) -> Result<Result<Response, (String, FieldErrors)>, WebError> {
    if admitted.is_err() {
        return Ok(Err((AppError::RateLimited.to_string(), FieldErrors::new())));
    }
    let input = LoginInput {
        login: f.login.clone(),
        password: f.password.clone(),
        captcha_id: f.captcha_id.clone(),
        captcha: f.captcha.clone(),
        user_agent: ctx.user_agent().to_string(),
    };
    match login(&state.app, &ctx.actor(), tab, &input).await {
        Ok(s) => Ok(Ok((
            session_cookie(state, &s.token),
            Redirect::to(landing(s.kind)),
        )
            .into_response())),
        Err(AppError::Validation(e)) => Ok(Err((String::new(), e))),
        Err(e @ AppError::LoginFailed) => Ok(Err((e.to_string(), FieldErrors::new()))),
        Err(e) => Err(e.into()),
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let tab = if f.tab == "unit" {
        LoginTab::Unit
    } else {
        LoginTab::Person
    };
    match do_login(&state, &ctx, admitted, tab, &f).await? {
        Ok(r) => Ok(r),
        Err((error, errs)) => {
            let captcha = addr.captcha(&state).await?;
            let page = LoginPage {
                ctx: PageCtx::new(&state, &ctx),
                tab: tab_of(&f.tab).into(),
                login: f.login.clone(),
                error,
                errs: Errs(errs),
                captcha_id: captcha.id,
                captcha_image: captcha.image,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub async fn staff_login_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
) -> Result<Response, WebError> {
    let captcha = addr.captcha(&state).await?;
    Ok(render(&StaffLoginPage {
        ctx: PageCtx::new(&state, &ctx),
        login: String::new(),
        error: String::new(),
        errs: Errs::default(),
        captcha_id: captcha.id,
        captcha_image: captcha.image,
    })
    .into_response())
}

pub async fn staff_login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    match do_login(&state, &ctx, admitted, LoginTab::Staff, &f).await? {
        Ok(r) => Ok(r),
        Err((error, errs)) => {
            let captcha = addr.captcha(&state).await?;
            let page = StaffLoginPage {
                ctx: PageCtx::new(&state, &ctx),
                login: f.login.clone(),
                error,
                errs: Errs(errs),
                captcha_id: captcha.id,
                captcha_image: captcha.image,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

#[derive(Serialize)]
pub struct CaptchaJson {
    id: String,
    image: String,
}

pub async fn captcha(
    State(state): State<AppState>,
    _: Admitted<Captcha>,
) -> Result<Json<CaptchaJson>, WebError> {
    let c = new_captcha(&state.app).await?;
    Ok(Json(CaptchaJson {
        id: c.id,
        image: c.data_url,
    }))
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let to = match &ctx.session {
        Some(s) => {
            end_session(&state.app, &ctx.actor(), s).await?;
            if s.kind == AccountKind::Staff {
                "/staff/login"
            } else {
                "/?ok=logged_out"
            }
        }
        None => "/",
    };
    Ok((
        [(SET_COOKIE, set_cookie(&state, Cookie::Session, "", Some(0)))],
        Redirect::to(to),
    )
        .into_response())
}
