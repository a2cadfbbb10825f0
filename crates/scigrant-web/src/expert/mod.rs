//! 专家评审工作台: a signed-in person who is an expert of the library sees
//! their assignments with deadlines, accepts one after confirming 无利益冲突
//! or declines it (or declares a conflict), reads the application as
//! submitted (identities hidden when the plan says so, PDF included), and
//! fills the scoring form with autosave and a live total. Everything is
//! scoped to the expert's own assignments by the use cases.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scigrant_app::AppError;
use scigrant_app::evaluation::review::{
    ExpertAssignment, ReviewSheet, accept_assignment, declare_conflict, decline_assignment,
    review_application, review_sheet, save_review, submit_review, workspace,
};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::{Criterion, ReviewState};
use scigrant_domain::grants::application::INELIGIBILITY;
use scigrant_domain::ids::AssignmentId;
use scigrant_domain::permission::Permission;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::account::applications::ViewPage;
use crate::formview::{FormView, data_from_pairs, view};
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::see_other;
use crate::http::pages::{PageCtx, render};
use crate::routes::Table;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExpertQuery {
    ok: String,
}

fn notice(code: &str) -> &'static str {
    match code {
        "accepted" => "已接受评审任务，请在评审截止时间前提交评审意见。",
        "declined" => "已谢绝该评审任务，系统已安排替补专家。",
        "conflict" => "已记录利益冲突声明，该申报书将由其他专家评审。",
        "submitted" => "评审意见已提交。",
        _ => "",
    }
}

#[derive(Template)]
#[template(path = "expert/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub assignments: Vec<ExpertAssignment>,
    pub error: String,
}

async fn home_page(
    state: &AppState,
    ctx: &Ctx,
    notice: &str,
    error: String,
) -> Result<Response, WebError> {
    let w = workspace(&state.app, ctx.person()?).await?;
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&HomePage {
            ctx: PageCtx::new(state, ctx).with_notice(notice),
            assignments: w.assignments,
            error,
        }),
    )
        .into_response())
}

/// 专家主页: the expert's assignments.
pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExpertQuery>,
) -> Result<Response, WebError> {
    home_page(&state, &ctx, notice(&q.ok), String::new()).await
}

/// 接受评审 after confirming 无利益冲突.
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let confirmed = Posted::parse(&body).get("no_conflict") == "1";
    match accept_assignment(&state.app, &ctx.actor(), ctx.person()?, id, confirmed).await {
        Ok(()) => Ok(see_other("/expert?ok=accepted")),
        Err(AppError::Refused(m)) => home_page(&state, &ctx, "", m).await,
        Err(AppError::Validation(e)) => home_page(&state, &ctx, "", e.summary()).await,
        Err(e) => Err(e.into()),
    }
}

/// 谢绝 or 声明利益冲突, with a reason.
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let (person, actor, reason) = (ctx.person()?, ctx.actor(), p.get("reason"));
    let (result, done) = match p.get("kind").as_str() {
        "decline" => (
            decline_assignment(&state.app, &actor, person, id, &reason).await,
            "declined",
        ),
        "conflict" => (
            declare_conflict(&state.app, &actor, person, id, &reason).await,
            "conflict",
        ),
        _ => {
            return Err(
                AppError::Refused("无法识别的操作：请选择谢绝评审或声明利益冲突".into()).into(),
            );
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/expert?ok={done}"))),
        Err(AppError::Refused(m)) => home_page(&state, &ctx, "", m).await,
        Err(AppError::Validation(e)) => home_page(&state, &ctx, "", e.summary()).await,
        Err(e) => Err(e.into()),
    }
}

fn verify_url(state: &AppState, number: &str, digest: &str) -> String {
    format!(
        "{}/verify?n={number}&d={digest}",
        state.app.config.public_url
    )
}

/// The application as submitted, for its expert.
pub async fn application(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
) -> Result<Response, WebError> {
    let a = review_application(&state.app, ctx.person()?, id).await?;
    let form = view(&a.spec, &a.data, &[], "", &a.call.code);
    Ok(render(&ViewPage {
        ctx: PageCtx::new(&state, &ctx),
        form,
        reader: "expert",
        declarations: INELIGIBILITY.iter().copied().enumerate().collect(),
        error: String::new(),
        verify_url: verify_url(&state, &a.number, &a.digest),
        pdf_url: format!("/expert/assignments/{id}/pdf"),
        outcome: None,
        a,
    })
    .into_response())
}

/// The same print-ready PDF, identities hidden as on screen.
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
) -> Result<Response, WebError> {
    let a = review_application(&state.app, ctx.person()?, id).await?;
    let url = verify_url(&state, &a.number, &a.digest);
    let bytes = state
        .printer
        .pdf(&a, url)
        .await
        .map_err(|m| WebError::from(AppError::Refused(format!("导出失败：{m}"))))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}.pdf\"; filename*=UTF-8''{}",
                    a.number,
                    crate::http::pages::qv(&format!("{}申报书.pdf", a.number))
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "expert/review.html")]
pub struct ReviewPage {
    pub ctx: PageCtx,
    pub sheet: ReviewSheet,
    pub form: FormView,
    /// Show every problem (after a refused submission), not only on save.
    pub show_problems: bool,
}

impl ReviewPage {
    /// The criterion behind an input name (`f:innovation`), for its range.
    pub fn criterion(&self, name: &str) -> Option<&Criterion> {
        let key = name.strip_prefix("f:")?;
        self.sheet.plan.criteria.iter().find(|c| c.key == key)
    }
}

fn review_page(
    state: &AppState,
    ctx: &Ctx,
    sheet: ReviewSheet,
    show_problems: bool,
    notice: &str,
) -> ReviewPage {
    let problems = if show_problems {
        sheet.problems.clone()
    } else {
        Vec::new()
    };
    let form = view(&sheet.plan.sheet, &sheet.data, &problems, "", "");
    ReviewPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        sheet,
        form,
        show_problems,
    }
}

/// 评审意见表 of an accepted assignment.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
    Query(q): Query<ExpertQuery>,
) -> Result<Response, WebError> {
    let sheet = review_sheet(&state.app, ctx.person()?, id).await?;
    Ok(render(&review_page(&state, &ctx, sheet, false, notice(&q.ok))).into_response())
}

#[derive(Serialize)]
pub struct Saved {
    total: u32,
    max_total: u32,
    scored: usize,
    criteria: usize,
    saved_at: String,
}

/// Autosave: the server's total comes back with the save time.
pub async fn autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let person = ctx.person()?;
    let sheet = review_sheet(&state.app, person, id).await?;
    let data = data_from_pairs(&sheet.plan.sheet, &Posted::parse(&body).0);
    match save_review(&state.app, person, id, &data).await {
        Ok(t) => Ok(Json(Saved {
            total: t.total,
            max_total: t.max_total,
            scored: t.scored,
            criteria: t.criteria,
            saved_at: scigrant_domain::calendar::format_time(state.app.now()),
        })
        .into_response()),
        Err(AppError::Refused(m)) => Ok((StatusCode::CONFLICT, m).into_response()),
        Err(e) => Err(e.into()),
    }
}

/// 暂存 (without script) or 提交 (`action=submit`).
pub async fn post_review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<AssignmentId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let person = ctx.person()?;
    let sheet = review_sheet(&state.app, person, id).await?;
    let p = Posted::parse(&body);
    let data = data_from_pairs(&sheet.plan.sheet, &p.0);
    let result = match p.get("action").as_str() {
        "save" => save_review(&state.app, person, id, &data)
            .await
            .map(|_| "saved"),
        "submit" => submit_review(&state.app, &ctx.actor(), person, id, &data)
            .await
            .map(|_| "submitted"),
        _ => return Err(AppError::Refused("无法识别的操作：请选择暂存或提交".into()).into()),
    };
    match result {
        Ok("submitted") => Ok(see_other(&format!("/expert/assignments/{id}?ok=submitted"))),
        Ok(_) => Ok(see_other(&format!("/expert/assignments/{id}"))),
        Err(AppError::Form(_)) => {
            // Keep what was typed: save it as a draft, then show every problem.
            save_review(&state.app, person, id, &data).await?;
            let sheet = review_sheet(&state.app, person, id).await?;
            let page = review_page(&state, &ctx, sheet, true, "");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The expert's routes: any person may ask; the use cases answer 403 to
/// one who is not an expert and 404 for an assignment not theirs.
pub fn routes(t: Table) -> Table {
    let person = Permission::Person;
    t.get("/expert", person, get(home))
        .post("/expert/assignments/{id}/accept", person, post(accept))
        .post("/expert/assignments/{id}/decline", person, post(decline))
        .get("/expert/assignments/{id}", person, get(review))
        .post("/expert/assignments/{id}", person, post(post_review))
        .post("/expert/assignments/{id}/autosave", person, post(autosave))
        .get(
            "/expert/assignments/{id}/application",
            person,
            get(application),
        )
        .get("/expert/assignments/{id}/pdf", person, get(pdf))
}

/// Words for the templates.
pub fn proposed(s: &AssignmentState) -> bool {
    *s == AssignmentState::Proposed
}

pub fn accepted(s: &AssignmentState) -> bool {
    *s == AssignmentState::Accepted
}

pub fn review_label(s: &Option<ReviewState>) -> &'static str {
    s.map(ReviewState::label).unwrap_or("未开始")
}
