//! 申诉找回密码 in the browser: 自然人 (one form: 上传证件 → 等待审核),
//! 单位法人用户 (检索单位名称, then the unit's form), the 等待审核 page with
//! the 申诉编号, and 申诉进度查询. Images are read in memory (at most 1 MB
//! each) and handed to the use case, which checks and cleans them before
//! anything is stored.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::identity::appeal::unit::{
    FindUnit, UnitAppeal, UnitFound, find_unit, submit_unit_appeal, unit_of_ticket,
};
use scigrant_app::identity::appeal::{
    AppealStatus, PersonAppeal, appeal_status, send_appeal_code, submit_person_appeal,
};
use scigrant_app::{Actor, FieldErrors};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::identity::appeal::{IDENTITY_TYPES, IMAGE_MAX};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{Images, read_images};
use crate::http::pages::{Errs, Opt, PageCtx, dict_options, options, render};
use crate::http::rate::{Admitted, ClientAddr, Login, Register};

/// The message after 获取验证码.
fn sent_text(masked: &str) -> String {
    format!("验证码已发送至手机 {masked}，5分钟内有效。")
}

/// What happened to a post that did not file an appeal: errors beside the
/// fields, or a refusal above the form, or a note that a code was sent.
#[derive(Default)]
pub struct Outcome {
    pub errs: Errs,
    pub error: String,
    pub sent: String,
}

impl Outcome {
    fn status(&self) -> StatusCode {
        if self.errs.any() || !self.error.is_empty() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
    /// The outcome of a failed use case; other errors go to the error page.
    fn of(e: AppError) -> Result<Outcome, WebError> {
        match e {
            AppError::Validation(e) => Ok(Outcome {
                errs: Errs(e),
                ..Outcome::default()
            }),
            AppError::Refused(m) => Ok(Outcome {
                error: m,
                ..Outcome::default()
            }),
            AppError::RateLimited => Ok(Outcome {
                error: AppError::RateLimited.to_string(),
                ..Outcome::default()
            }),
            e => Err(e.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "auth/appeal_person.html")]
pub struct PersonAppealPage {
    pub ctx: PageCtx,
    pub f: PersonAppeal,
    pub identity_types: Vec<Opt>,
    pub doc_types: Vec<Opt>,
    pub o: Outcome,
    pub max: u64,
}

async fn person_page_with(
    state: &AppState,
    ctx: &Ctx,
    mut f: PersonAppeal,
    o: Outcome,
) -> Result<Response, WebError> {
    let doc_types = scigrant_app::dictionary::dictionary(&state.app, DictKind::DocType).await?;
    if f.identity_type.is_empty() {
        f.identity_type = "mainland".into();
    }
    if f.doc_type.is_empty()
        && let Some(first) = doc_types.entries.iter().find(|e| e.enabled)
    {
        f.doc_type = first.code.clone();
    }
    f.code.clear();
    let status = o.status();
    let page = PersonAppealPage {
        ctx: PageCtx::new(state, ctx),
        identity_types: options(&IDENTITY_TYPES, &f.identity_type),
        doc_types: dict_options(&doc_types, &f.doc_type),
        f,
        o,
        max: IMAGE_MAX,
    };
    Ok((status, render(&page)).into_response())
}

/// 自然人申诉找回密码.
pub async fn person_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    person_page_with(&state, &ctx, PersonAppeal::default(), Outcome::default()).await
}

#[derive(Template)]
#[template(path = "auth/appeal_done.html")]
pub struct DonePage {
    pub ctx: PageCtx,
    pub number: String,
}

fn done(state: &AppState, ctx: &Ctx, number: String) -> Response {
    render(&DonePage {
        ctx: PageCtx::new(state, ctx),
        number,
    })
    .into_response()
}

/// The refusal of a body that broke off on the way.
fn broken() -> Outcome {
    Outcome {
        error: "上传中断或文件过大，请重新选择文件后提交".into(),
        ..Outcome::default()
    }
}

/// 获取验证码 (`action=send`) or 下一步 (files the appeal).
pub async fn person_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    admitted: Result<Admitted<Register>, WebError>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let Images {
        posted,
        images,
        broken: cut,
    } = read_images(mp, &["front", "back"], IMAGE_MAX as usize).await;
    let f = PersonAppeal {
        name: posted.get("name"),
        identity_type: posted.get("identity_type"),
        doc_type: posted.get("doc_type"),
        doc_no: posted.get("doc_no"),
        phone: posted.get("phone"),
        code: posted.get("code"),
    };
    if admitted.is_err() {
        return person_page_with(&state, &ctx, f, Outcome::of(AppError::RateLimited)?).await;
    }
    if cut {
        return person_page_with(&state, &ctx, f, broken()).await;
    }
    let actor = ctx.actor();
    if posted.get("action") == "send" {
        let o = send_code(&state, &actor, &f.phone).await?;
        return person_page_with(&state, &ctx, f, o).await;
    }
    match submit_person_appeal(
        &state.app,
        &actor,
        &f,
        images.get("front"),
        images.get("back"),
    )
    .await
    {
        Ok(number) => Ok(done(&state, &ctx, number)),
        Err(e) => {
            let mut o = Outcome::of(e)?;
            reselect(&mut o.errs.0, &["front", "back"]);
            person_page_with(&state, &ctx, f, o).await
        }
    }
}

/// After any refusal the chosen files are not kept: each image field
/// without its own error asks for the file again.
fn reselect(e: &mut FieldErrors, fields: &[&str]) {
    if e.is_empty() {
        return;
    }
    for f in fields {
        if e.get(f).is_none() {
            e.add(f, "请重新选择图片（出于安全考虑，出错后需重新选择文件）");
        }
    }
}

async fn send_code(state: &AppState, actor: &Actor, phone: &str) -> Result<Outcome, WebError> {
    match send_appeal_code(&state.app, actor, phone).await {
        Ok(masked) => Ok(Outcome {
            sent: sent_text(&masked),
            ..Outcome::default()
        }),
        Err(e) => Outcome::of(e),
    }
}

#[derive(Template)]
#[template(path = "auth/appeal_unit.html")]
pub struct UnitAppealPage {
    pub ctx: PageCtx,
    /// 1 检索单位名称, 2 the unit's form.
    pub step: u8,
    pub name: String,
    pub captcha_id: String,
    pub captcha_image: String,
    pub unit: Option<UnitFound>,
    pub f: UnitAppeal,
    pub o: Outcome,
    pub max: u64,
}

async fn unit_step_one(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    name: String,
    o: Outcome,
) -> Result<Response, WebError> {
    let captcha = addr.captcha(state).await?;
    let status = o.status();
    let page = UnitAppealPage {
        ctx: PageCtx::new(state, ctx),
        step: 1,
        name,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        unit: None,
        f: UnitAppeal::default(),
        o,
        max: IMAGE_MAX,
    };
    Ok((status, render(&page)).into_response())
}

fn unit_step_two(
    state: &AppState,
    ctx: &Ctx,
    unit: UnitFound,
    mut f: UnitAppeal,
    o: Outcome,
) -> Response {
    f.code.clear();
    f.ticket = unit.ticket.clone();
    let status = o.status();
    let page = UnitAppealPage {
        ctx: PageCtx::new(state, ctx),
        step: 2,
        name: unit.name.clone(),
        captcha_id: String::new(),
        captcha_image: String::new(),
        unit: Some(unit),
        f,
        o,
        max: IMAGE_MAX,
    };
    (status, render(&page)).into_response()
}

/// 单位法人用户申诉找回密码, step one.
pub async fn unit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
) -> Result<Response, WebError> {
    unit_step_one(&state, &ctx, &addr, String::new(), Outcome::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindPost {
    name: String,
    captcha_id: String,
    captcha: String,
}

/// 检索单位名称.
pub async fn unit_find(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<FindPost>,
) -> Result<Response, WebError> {
    if admitted.is_err() {
        let o = Outcome::of(AppError::RateLimited)?;
        return unit_step_one(&state, &ctx, &addr, p.name, o).await;
    }
    let input = FindUnit {
        name: p.name.clone(),
        captcha_id: p.captcha_id,
        captcha: p.captcha,
    };
    match find_unit(&state.app, &ctx.actor(), &input).await {
        Ok(unit) => Ok(unit_step_two(
            &state,
            &ctx,
            unit,
            UnitAppeal::default(),
            Outcome::default(),
        )),
        Err(e) => {
            let o = Outcome::of(e)?;
            unit_step_one(&state, &ctx, &addr, p.name, o).await
        }
    }
}

/// The unit's form: 获取验证码 (`action=send`) or 下一步.
pub async fn unit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    admitted: Result<Admitted<Register>, WebError>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let Images {
        posted,
        images,
        broken: cut,
    } = read_images(mp, &["license", "letter"], IMAGE_MAX as usize).await;
    let f = UnitAppeal {
        ticket: posted.get("ticket"),
        phone: posted.get("phone"),
        code: posted.get("code"),
    };
    let unit = match unit_of_ticket(&state.app, &f.ticket).await {
        Ok(u) => u,
        Err(e) => {
            let o = Outcome::of(e)?;
            return unit_step_one(&state, &ctx, &addr, String::new(), o).await;
        }
    };
    if admitted.is_err() {
        let o = Outcome::of(AppError::RateLimited)?;
        return Ok(unit_step_two(&state, &ctx, unit, f, o));
    }
    if cut {
        return Ok(unit_step_two(&state, &ctx, unit, f, broken()));
    }
    let actor = ctx.actor();
    if posted.get("action") == "send" {
        let o = send_code(&state, &actor, &f.phone).await?;
        return Ok(unit_step_two(&state, &ctx, unit, f, o));
    }
    match submit_unit_appeal(
        &state.app,
        &actor,
        &f,
        images.get("license"),
        images.get("letter"),
    )
    .await
    {
        Ok(number) => Ok(done(&state, &ctx, number)),
        Err(e) => {
            let mut o = Outcome::of(e)?;
            reselect(&mut o.errs.0, &["license", "letter"]);
            Ok(unit_step_two(&state, &ctx, unit, f, o))
        }
    }
}

#[derive(Template)]
#[template(path = "auth/appeal_status.html")]
pub struct StatusPage {
    pub ctx: PageCtx,
    pub number: String,
    pub phone: String,
    pub found: Option<AppealStatus>,
    pub o: Outcome,
}

/// 申诉进度查询.
pub async fn status_page(State(state): State<AppState>, ctx: Ctx) -> Response {
    render(&StatusPage {
        ctx: PageCtx::new(&state, &ctx),
        number: String::new(),
        phone: String::new(),
        found: None,
        o: Outcome::default(),
    })
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusPost {
    number: String,
    phone: String,
}

/// 查询: by 申诉编号 and the phone given in the appeal.
pub async fn status_lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    admitted: Result<Admitted<Login>, WebError>,
    Form(p): Form<StatusPost>,
) -> Result<Response, WebError> {
    let result = if admitted.is_err() {
        Err(AppError::RateLimited)
    } else {
        appeal_status(&state.app, &p.number, &p.phone).await
    };
    let (found, o) = match result {
        Ok(s) => (Some(s), Outcome::default()),
        Err(e) => (None, Outcome::of(e)?),
    };
    let status = o.status();
    let page = StatusPage {
        ctx: PageCtx::new(&state, &ctx),
        number: p.number,
        phone: p.phone,
        found,
        o,
    };
    Ok((status, render(&page)).into_response())
}
