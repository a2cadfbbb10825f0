//! 供应商注册 (附件6): the user agreement and 同意, then 统一社会信用代码 or
//! 单位全称 + 验证码 → 检索, answered with the seed's two texts and
//! buttons; 注册为普通用户 is the person's registration bound to the unit.
//! Each 检索 spends one request of the address's login budget, as
//! 账号检索 does.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::identity::register::PersonForm;
use scigrant_app::identity::supplier::{
    SupplierSearch, SupplierUnit, UNIT_EXISTS, UNIT_MISSING, register_normal_user, search_supplier,
};
use serde::Deserialize;

use crate::AppState;
use crate::account::register::{PersonPost, person_page_with};
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::notice::see_other;
use crate::http::pages::{Errs, PageCtx, qv, render};
use crate::http::rate::{Admitted, ClientAddr, Login, Register};

#[derive(Template)]
#[template(path = "auth/supplier.html")]
pub struct SupplierPage {
    pub ctx: PageCtx,
    /// 同意 was pressed: the search form shows.
    pub agreed: bool,
    pub key: String,
    pub error: String,
    pub errs: Errs,
    pub captcha_id: String,
    pub captcha_image: String,
    pub found: Option<SupplierUnit>,
}

impl SupplierPage {
    pub fn missing_text(&self) -> &'static str {
        UNIT_MISSING
    }
    pub fn exists_text(&self) -> &'static str {
        UNIT_EXISTS
    }
    /// Where 注册为单位管理员 leads: the unit registration, prefilled.
    pub fn admin_href(&self) -> String {
        match &self.found {
            Some(SupplierUnit::Missing { name, uscc }) => {
                format!("/register/unit?name={}&uscc={}", qv(name), qv(uscc))
            }
            _ => "/register/unit".into(),
        }
    }
}

#[derive(Default)]
struct Shown {
    key: String,
    error: String,
    errs: Errs,
    found: Option<SupplierUnit>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    agreed: bool,
    shown: Shown,
) -> Result<Response, WebError> {
    let captcha = addr.captcha(state).await?;
    let status = if shown.errs.any() || !shown.error.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let p = SupplierPage {
        ctx: PageCtx::new(state, ctx),
        agreed,
        key: shown.key,
        error: shown.error,
        errs: shown.errs,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        found: shown.found,
    };
    Ok((status, render(&p)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AgreedQuery {
    agreed: String,
}

/// 供应商注册: the agreement, then (同意) the search form.
pub async fn supplier_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<AgreedQuery>,
) -> Result<Response, WebError> {
    page(&state, &ctx, &addr, q.agreed == "1", Shown::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchPost {
    key: String,
    captcha_id: String,
    captcha: String,
}

/// 检索: the answer above a fresh form (the key kept as typed).
pub async fn supplier_search(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<SearchPost>,
) -> Result<Response, WebError> {
    if admitted.is_err() {
        let shown = Shown {
            key: p.key,
            error: AppError::RateLimited.to_string(),
            ..Shown::default()
        };
        return page(&state, &ctx, &addr, true, shown).await;
    }
    let input = SupplierSearch {
        key: p.key.clone(),
        captcha_id: p.captcha_id,
        captcha: p.captcha,
    };
    let shown = match search_supplier(&state.app, &ctx.actor(), &input).await {
        Ok(found) => Shown {
            key: p.key,
            found: Some(found),
            ..Shown::default()
        },
        Err(AppError::Validation(e)) => Shown {
            key: p.key,
            errs: Errs(e),
            ..Shown::default()
        },
        Err(e) => return Err(e.into()),
    };
    page(&state, &ctx, &addr, true, shown).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitQuery {
    uscc: String,
}

/// 注册为普通用户: the person's registration form, for the unit searched.
pub async fn normal_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Query(q): Query<UnitQuery>,
) -> Result<Response, WebError> {
    let form = PersonForm::default();
    let errs = scigrant_app::FieldErrors::new();
    let p = person_page_with(&state, &ctx, &addr, form, errs, Some(&q.uscc)).await?;
    Ok(render(&p).into_response())
}

/// 注册为普通用户 → 登录 (with the login name xm + 手机号 shown there).
pub async fn normal_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    _: Admitted<Register>,
    Query(q): Query<UnitQuery>,
    Form(p): Form<PersonPost>,
) -> Result<Response, WebError> {
    let form = p.into_form();
    match register_normal_user(&state.app, &ctx.actor(), &q.uscc, &form).await {
        Ok((_, login)) => Ok(see_other(&format!(
            "/login?tab=person&ok=registered_normal&login={}",
            qv(&login)
        ))),
        Err(AppError::Validation(e)) => {
            let p = person_page_with(&state, &ctx, &addr, form, e, Some(&q.uscc)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
