//! 征求意见: the list of consultations on draft guides and one
//! consultation with its sections and, while it is open, the comment form
//! (section, text, name, unit, phone and the captcha); after closing, the
//! 处理情况 (counts per state) and the 说明.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::portal::consultation::public::{
    CommentForm, comment, public_consultation, public_consultations,
};
use scigrant_app::portal::consultation::{ConsultationLineView, ConsultationView};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::portal::consultation::{COMMENT_MAX, CommentState, Phase};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::notice::see_other;
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, ClientAddr, Register};

#[derive(Template)]
#[template(path = "portal/consultations.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub items: Vec<ConsultationLineView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&ListPage {
        ctx: PageCtx::new(&state, &ctx),
        items: public_consultations(&state.app).await?,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "portal/consultation.html")]
pub struct ConsultationPage {
    pub ctx: PageCtx,
    pub k: ConsultationView,
    pub form: CommentForm,
    pub errs: Errs,
    pub error: String,
    /// A comment was just taken.
    pub taken: bool,
    pub captcha_id: String,
    pub captcha_image: String,
    pub comment_max: usize,
}

impl ConsultationPage {
    /// Whether this visitor may use the form (signed in, or the
    /// consultation takes anyone's comments).
    pub fn may_comment(&self) -> bool {
        self.k.anonymous || self.ctx.nav.is_some()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    ok: String,
    section: String,
}

async fn consultation_page(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    id: i64,
    mut form: CommentForm,
    errs: FieldErrors,
) -> Result<ConsultationPage, WebError> {
    let k = public_consultation(&state.app, id).await?;
    let pctx = PageCtx::new(state, ctx);
    let captcha = if k.phase == Phase::Open && (k.anonymous || pctx.nav.is_some()) {
        addr.captcha(state).await?
    } else {
        Default::default()
    };
    form.captcha.clear();
    Ok(ConsultationPage {
        ctx: pctx,
        k,
        form,
        errs: Errs(errs),
        error: String::new(),
        taken: false,
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        comment_max: COMMENT_MAX,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let form = CommentForm {
        section: q.section,
        ..CommentForm::default()
    };
    let mut page = consultation_page(&state, &ctx, &addr, id, form, FieldErrors::new()).await?;
    page.taken = q.ok == "comment";
    Ok(render(&page).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentPost {
    section: String,
    body: String,
    name: String,
    unit: String,
    phone: String,
    captcha_id: String,
    captcha: String,
}

pub async fn post_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    _: Admitted<Register>,
    Path(id): Path<i64>,
    Form(p): Form<CommentPost>,
) -> Result<Response, WebError> {
    let form = CommentForm {
        section: p.section,
        body: p.body,
        name: p.name,
        unit: p.unit,
        phone: p.phone,
        captcha_id: p.captcha_id,
        captcha: p.captcha,
    };
    match comment(&state.app, &ctx.actor(), id, &form).await {
        Ok(_) => Ok(see_other(&format!("/consultations/{id}?ok=comment"))),
        Err(AppError::Validation(e)) => {
            let page = consultation_page(&state, &ctx, &addr, id, form, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => {
            let mut page =
                consultation_page(&state, &ctx, &addr, id, form, FieldErrors::new()).await?;
            page.error = m;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
