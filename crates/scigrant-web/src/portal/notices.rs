//! 公示公告: the 立项公示 list and one notice (project, unit, 负责人,
//! amount, period, notice text), with the 异议 form while the period is
//! open — real name, unit, contact phone, the project, grounds, the signed
//! or stamped statement (PDF or JPG) and the captcha.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::notices::{self, NoticeView};
use scigrant_app::evaluation::objections::{ObjectionForm, STATEMENT_MAX, lodge_objection};
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::evaluation::funding::NoticeKind;
use scigrant_domain::upload::FileKind;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{AnyKindSpec, merge, read_multipart_any};
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render};
use crate::http::rate::{Admitted, ClientAddr, Register};

#[derive(Template)]
#[template(path = "portal/notices.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub notices: Vec<NoticeView>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    Ok(render(&ListPage {
        ctx: PageCtx::new(&state, &ctx),
        notices: notices::public_notices(&state.app).await?,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "portal/notice.html")]
pub struct NoticePage {
    pub ctx: PageCtx,
    pub n: NoticeView,
    pub form: ObjectionForm,
    pub errs: Errs,
    pub error: String,
    /// The number of the objection just lodged.
    pub lodged: String,
    pub captcha_id: String,
    pub captcha_image: String,
    pub statement_max: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    ok: String,
    n: String,
}

async fn notice_page(
    state: &AppState,
    ctx: &Ctx,
    addr: &ClientAddr,
    id: i64,
    mut form: ObjectionForm,
    errs: FieldErrors,
) -> Result<NoticePage, WebError> {
    let n = notices::public_notice(&state.app, id).await?;
    let captcha = if n.open() {
        addr.captcha(state).await?
    } else {
        Default::default()
    };
    form.captcha.clear();
    Ok(NoticePage {
        ctx: PageCtx::new(state, ctx),
        n,
        form,
        errs: Errs(errs),
        error: String::new(),
        lodged: String::new(),
        captcha_id: captcha.id,
        captcha_image: captcha.image,
        statement_max: STATEMENT_MAX,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Query(q): Query<Shown>,
) -> Result<Response, WebError> {
    let mut page = notice_page(
        &state,
        &ctx,
        &addr,
        id,
        ObjectionForm::default(),
        FieldErrors::new(),
    )
    .await?;
    page.ctx = page.ctx.with_notice(notice_text(&q.ok));
    // Shown back only in the shape the product gives numbers.
    if q.ok == "objection" && q.n.starts_with("YY") && q.n.len() <= 16 {
        page.lodged = q.n;
    }
    Ok(render(&page).into_response())
}

/// The signed or stamped statement: a PDF, or a JPG photo of the page.
pub const STATEMENT_SPEC: [AnyKindSpec<'static>; 1] = [AnyKindSpec {
    field: "statement",
    kinds: &[FileKind::Pdf, FileKind::Jpeg],
    max: STATEMENT_MAX,
}];

pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    addr: ClientAddr,
    _: Admitted<Register>,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let app = &state.app;
    let s = read_multipart_any(app, mp, &STATEMENT_SPEC).await;
    let form = ObjectionForm {
        application: s.get("application"),
        name: s.get("name"),
        unit: s.get("unit"),
        contact: s.get("contact"),
        grounds: s.get("grounds"),
        captcha_id: s.get("captcha_id"),
        captcha: s.get("captcha"),
    };
    let upload_errors = s.errors.clone();
    let statement = if upload_errors.is_empty() {
        s.file("statement")
    } else {
        s.discard(app).await;
        None
    };
    match lodge_objection(app, &ctx.actor(), id, &form, statement).await {
        Ok(number) => Ok(see_other(&format!("/gongshi/{id}?ok=objection&n={number}"))),
        Err(AppError::Validation(e)) => {
            let mut errs = merge(upload_errors, e);
            if errs.get("statement").is_none() && statement.is_some() {
                errs.add(
                    "statement",
                    "请重新选择书面异议材料（出于安全考虑，出错后需重新选择文件）",
                );
            }
            let page = notice_page(&state, &ctx, &addr, id, form, errs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => {
            let mut page = notice_page(&state, &ctx, &addr, id, form, FieldErrors::new()).await?;
            page.error = m;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
