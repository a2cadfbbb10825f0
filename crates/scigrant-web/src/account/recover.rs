//! 忘记密码？: 选择找回密码方式, and 登录名重置密码 in the seed's three
//! steps (检索用户 → 重置密码 → 重置密码完成). The two appeal ways are
//! shown as the seed shows them, with the 技术咨询 phone, until they are
//! built.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::recovery::{
    FindLogin, ResetForm, find_login, reset_password, send_reset_code,
};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, ClientAddr, Login};

#[derive(Template)]
#[template(path = "auth/forgot.html")]
pub struct ForgotPage {
    pub ctx: PageCtx,
}

/// 选择找回密码方式.
pub async fn forgot_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(&ForgotPage {
        ctx: PageCtx::new(&state, &ctx),
    })
    .into_response()
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
pub struct ResetPage {
    pub ctx: PageCtx,
    /// 1 检索用户, 2 重置密码, 3 重置密码完成.
    pub step: u8,
    /// "person" or "unit".
    pub tab: String,
    pub error: String,
    pub sent: String,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
    pub f: ResetPost,
}

impl ResetPage {
    pub fn is_unit(&self) -> bool {
        self.tab == "unit"
    }
    pub fn by_email(&self) -> bool {
        self.f.method == "email"
    }
}

fn tab_of(s: &str) -> (LoginTab, &'static str) {
    if s == "unit" {
        (LoginTab::Unit, "unit")
    } else {
        (LoginTab::Person, "person")
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TabQuery {
    tab: String,
}

async fn step_one(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    tab: &str,
    login: &str,
    error: String,
    errs: Errs,
) -> Result<Response, WebError> {
    let captcha = addr.captcha(state).await?;
    let status = if errs.any() || !error.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ResetPage {
        ctx: PageCtx::new(state, ctx),
        step: 1,
        tab: tab.into(),
        error,
        sent: String::new(),
        errs,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        f: ResetPost {
            login: login.into(),
            ..ResetPost::default()
        },
    };
    Ok((status, render(&page)).into_response())
}

/// 登录名重置密码, step one: 登录名 and 图形验证码.
pub async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let (_, tab) = tab_of(&q.tab);
    step_one(&state, &ctx, &addr, tab, "", String::new(), Errs::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindPost {
    tab: String,
    login: String,
    captcha_id: String,
    captcha: String,
}

/// 检索登录名: the same step two for every login name.
pub async fn reset_find(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<FindPost>,
) -> Result<Response, WebError> {
    let (tab, tab_code) = tab_of(&p.tab);
    if admitted.is_err() {
        let error = AppError::RateLimited.to_string();
        return step_one(
            &state,
            &ctx,
            &addr,
            tab_code,
            &p.login,
            error,
            Errs::default(),
        )
        .await;
    }
    let input = FindLogin {
        login: p.login.clone(),
        captcha_id: p.captcha_id,
        captcha: p.captcha,
    };
    match find_login(&state.app, &ctx.actor(), tab, &input).await {
        Ok(t) => {
            let f = ResetPost {
                login: t.login,
                ticket: t.ticket,
                method: "phone".into(),
                ..ResetPost::default()
            };
            Ok(step_two(
                &state,
                &ctx,
                tab_code,
                f,
                String::new(),
                String::new(),
                Errs::default(),
            ))
        }
        Err(AppError::Validation(e)) => {
            step_one(
                &state,
                &ctx,
                &addr,
                tab_code,
                &p.login,
                String::new(),
                Errs(e),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Step two as posted: every field comes back as typed but the passwords
/// and the code.
#[derive(Clone, Debug, Deserialize, Default)]
#[serde(default)]
pub struct ResetPost {
    pub tab: String,
    pub action: String,
    pub login: String,
    pub ticket: String,
    pub method: String,
    pub reserved: String,
    pub reserved_confirm: String,
    pub unit_name: String,
    pub uscc: String,
    pub reason: String,
    pub password: String,
    pub confirm: String,
    pub code: String,
}

fn step_two(
    state: &AppState,
    ctx: &Ctx,
    tab: &str,
    mut f: ResetPost,
    error: String,
    sent: String,
    errs: Errs,
) -> Response {
    f.password.clear();
    f.confirm.clear();
    f.code.clear();
    let status = if errs.any() || !error.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ResetPage {
        ctx: PageCtx::new(state, ctx),
        step: 2,
        tab: tab.into(),
        error,
        sent,
        errs,
        captcha_id: String::new(),
        captcha_image: String::new(),
        f,
    };
    (status, render(&page)).into_response()
}

/// Step two again after an invalid or refused post, errors beside the
/// fields or above the form; any other error goes to the error page.
fn step_two_again(
    state: &AppState,
    ctx: &Ctx,
    tab: &str,
    f: ResetPost,
    e: AppError,
) -> Result<Response, WebError> {
    match e {
        AppError::Validation(e) => Ok(step_two(
            state,
            ctx,
            tab,
            f,
            String::new(),
            String::new(),
            Errs(e),
        )),
        AppError::Refused(m) => Ok(step_two(
            state,
            ctx,
            tab,
            f,
            m,
            String::new(),
            Errs::default(),
        )),
        e => Err(e.into()),
    }
}

/// Step two: 获取验证码 (`action=send`) or 确定 (`action=reset`).
pub async fn reset_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<ResetPost>,
) -> Result<Response, WebError> {
    let (tab, tab_code) = tab_of(&p.tab);
    if admitted.is_err() {
        let error = AppError::RateLimited.to_string();
        return Ok(step_two(
            &state,
            &ctx,
            tab_code,
            p,
            error,
            String::new(),
            Errs::default(),
        ));
    }
    let form = ResetForm {
        login: p.login.clone(),
        ticket: p.ticket.clone(),
        method: p.method.clone(),
        reserved: p.reserved.clone(),
        reserved_confirm: p.reserved_confirm.clone(),
        unit_name: p.unit_name.clone(),
        uscc: p.uscc.clone(),
        reason: p.reason.clone(),
        password: p.password.clone(),
        confirm: p.confirm.clone(),
        code: p.code.clone(),
    };
    let actor = ctx.actor();
    if p.action == "send" {
        return match send_reset_code(&state.app, &actor, tab, &form).await {
            Ok(masked) => {
                let what = if p.method == "email" {
                    "邮箱"
                } else {
                    "手机"
                };
                let sent = format!(
                    "如填写的信息与预留信息一致，验证码已发送至{what} {masked}，5分钟内有效。"
                );
                Ok(step_two(
                    &state,
                    &ctx,
                    tab_code,
                    p,
                    String::new(),
                    sent,
                    Errs::default(),
                ))
            }
            Err(e) => step_two_again(&state, &ctx, tab_code, p, e),
        };
    }
    match reset_password(&state.app, &actor, tab, &form).await {
        Ok(()) => {
            let page = ResetPage {
                ctx: PageCtx::new(&state, &ctx),
                step: 3,
                tab: tab_code.into(),
                error: String::new(),
                sent: String::new(),
                errs: Errs::default(),
                captcha_id: String::new(),
                captcha_image: String::new(),
                f: ResetPost::default(),
            };
            Ok(render(&page).into_response())
        }
        Err(e) => step_two_again(&state, &ctx, tab_code, p, e),
    }
}
