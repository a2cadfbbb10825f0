//! （个人/企业）账号检索 (火炬中心业务办理平台用户转移): the visitor types a
//! 统一社会信用代码 or a 手机号 and the captcha, and reads which of the
//! seed's cases applies, the login name and the login tab. Each lookup
//! spends one request of the address's login budget, as 检索登录名 does.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::identity::auth::LoginTab;
use scigrant_app::identity::legacy::lookup::{LookupAnswer, LookupInput, lookup_account};
use scigrant_app::identity::legacy::{Case, Lookup};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, ClientAddr, Login};

#[derive(Template)]
#[template(path = "auth/lookup.html")]
pub struct LookupPage {
    pub ctx: PageCtx,
    /// "unit" or "person".
    pub tab: String,
    pub key: String,
    pub error: String,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
    pub answer: Option<LookupAnswer>,
}

impl LookupPage {
    pub fn is_unit(&self) -> bool {
        self.tab == "unit"
    }
    /// The answer's case as the seed numbers it (1–4), 0 for none.
    pub fn case_no(&self) -> i64 {
        self.answer
            .as_ref()
            .and_then(|a| a.case)
            .map_or(0, Case::number)
    }
    pub fn imported(&self) -> bool {
        self.answer.as_ref().is_some_and(|a| a.imported)
    }
    pub fn login(&self) -> &str {
        self.answer.as_ref().map_or("", |a| a.login.as_str())
    }
    /// The login tab's query value, empty when there is no login to use.
    pub fn login_tab(&self) -> &'static str {
        match self.answer.as_ref().and_then(|a| a.tab) {
            Some(LoginTab::Unit) => "unit",
            Some(_) => "person",
            None => "",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TabQuery {
    tab: String,
}

fn lookup_of(tab: &str) -> Lookup {
    Lookup::from_code(tab).unwrap_or(Lookup::Unit)
}

/// What the page shows besides the form: the key as typed, an error
/// above the form or beside its fields, and the answer.
#[derive(Default)]
struct Shown {
    key: String,
    error: String,
    errs: Errs,
    answer: Option<LookupAnswer>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    lookup: Lookup,
    shown: Shown,
) -> Result<Response, WebError> {
    let Shown {
        key,
        error,
        errs,
        answer,
    } = shown;
    let captcha = addr.captcha(state).await?;
    let status = if errs.any() || !error.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = LookupPage {
        ctx: PageCtx::new(state, ctx),
        tab: lookup.code().into(),
        key,
        error,
        errs,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        answer,
    };
    Ok((status, render(&page)).into_response())
}

/// The form: 统一社会信用代码 (企业) or 手机号 (个人), and the captcha.
pub async fn lookup_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<TabQuery>,
) -> Result<Response, WebError> {
    let lookup = lookup_of(&q.tab);
    page(&state, &ctx, &addr, lookup, Shown::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupPost {
    tab: String,
    key: String,
    captcha_id: String,
    captcha: String,
}

/// 检索: the answer above a fresh form (the key kept as typed).
pub async fn lookup_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<LookupPost>,
) -> Result<Response, WebError> {
    let lookup = lookup_of(&p.tab);
    if admitted.is_err() {
        let shown = Shown {
            key: p.key,
            error: AppError::RateLimited.to_string(),
            ..Shown::default()
        };
        return page(&state, &ctx, &addr, lookup, shown).await;
    }
    let input = LookupInput {
        key: p.key.clone(),
        captcha_id: p.captcha_id,
        captcha: p.captcha,
    };
    let shown = match lookup_account(&state.app, &ctx.actor(), lookup, &input).await {
        Ok(answer) => Shown {
            key: p.key,
            answer: Some(answer),
            ..Shown::default()
        },
        Err(AppError::Validation(e)) => Shown {
            key: p.key,
            errs: Errs(e),
            ..Shown::default()
        },
        Err(e) => return Err(e.into()),
    };
    page(&state, &ctx, &addr, lookup, shown).await
}
