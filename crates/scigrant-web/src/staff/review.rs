//! 专家评审 of a call for the 项目管理员: the review plan (评审方案), the
//! assignment table with automatic assignment, excluded pairs and their
//! reasons, the coverage report and hand-made changes, and the results
//! (ranking per category, progress, reopening a review, Excel export).

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::evaluation::review::{
    AssignmentBoard, PlanForm, PlanView, RANKING_COLUMNS, Ranking, add_assignment,
    assignment_board, expire_unanswered, export_reviews, pin_assignment, plan_form_of,
    plan_of_call, ranking, remind_experts, remove_assignment, reopen_review, run_assignment,
    save_plan,
};
use scigrant_app::grants::calls::CallView;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::ReviewState;
use scigrant_domain::evaluation::score::{Grade, Opinion, Points};
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId};
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, PageCtx, render, xlsx_download};

#[derive(Template)]
#[template(path = "staff/review_plan.html")]
pub struct PlanPage {
    pub ctx: PageCtx,
    pub call: CallView,
    pub plan: Option<PlanView>,
    pub f: PlanForm,
    pub errs: Errs,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewQuery {
    ok: String,
    normalise: String,
}

async fn plan_page(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    f: Option<PlanForm>,
    errs: FieldErrors,
    notice: &str,
) -> Result<PlanPage, WebError> {
    let plan = plan_of_call(&state.app, call).await?;
    Ok(PlanPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        call: scigrant_app::grants::calls::call(&state.app, call).await?,
        f: f.unwrap_or_else(|| plan_form_of(plan.as_ref())),
        plan,
        errs: Errs(errs),
    })
}

/// 评审方案 of a call.
pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, WebError> {
    let page = plan_page(
        &state,
        &ctx,
        call,
        None,
        FieldErrors::new(),
        notice_text(&q.ok),
    )
    .await?;
    Ok(render(&page).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let f = PlanForm {
        reviewers: p.get("reviewers"),
        min_load: p.get("min_load"),
        max_load: p.get("max_load"),
        accept_deadline: p.get("accept_deadline"),
        review_deadline: p.get("review_deadline"),
        hide_identity: !p.get("hide_identity").is_empty(),
        sheet_json: p.get("sheet_json"),
    };
    match save_plan(&state.app, &ctx.actor(), call, &f).await {
        Ok(_) => Ok(see_other(&format!("/staff/calls/{call}/review?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let page = plan_page(&state, &ctx, call, Some(f), e, "").await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/review_assign.html")]
pub struct AssignPage {
    pub ctx: PageCtx,
    pub call_id: CallId,
    pub board: AssignmentBoard,
    pub error: String,
}

async fn assign_page(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    notice: &str,
    error: String,
) -> Result<Response, WebError> {
    let board = match assignment_board(&state.app, call).await {
        Ok(b) => b,
        Err(AppError::Refused(_)) => {
            return Ok(see_other(&format!("/staff/calls/{call}/review")));
        }
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&AssignPage {
            ctx: PageCtx::new(state, ctx).with_notice(notice),
            call_id: call,
            board,
            error,
        }),
    )
        .into_response())
}

/// 专家分配 of a call.
pub async fn assignments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, WebError> {
    assign_page(&state, &ctx, call, notice_text(&q.ok), String::new()).await
}

/// A refusal is shown on the assignment page; anything else is an error.
async fn after(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    result: Result<(), AppError>,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/staff/calls/{call}/review/assign?ok=saved"
        ))),
        Err(AppError::Refused(m)) => assign_page(state, ctx, call, "", m).await,
        Err(AppError::Validation(e)) => assign_page(state, ctx, call, "", e.summary()).await,
        Err(e) => Err(e.into()),
    }
}

/// 自动分配.
pub async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
) -> Result<Response, WebError> {
    let r = run_assignment(&state.app, &ctx.actor(), call)
        .await
        .map(|_| ());
    after(&state, &ctx, call, r).await
}

/// 逾期未接受 → 替补.
pub async fn expire(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
) -> Result<Response, WebError> {
    let r = expire_unanswered(&state.app, &ctx.actor(), call)
        .await
        .map(|_| ());
    after(&state, &ctx, call, r).await
}

/// 手动分配.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let r = match (p.get("application").parse(), p.get("expert").parse()) {
        (Ok(a), Ok(e)) => add_assignment(
            &state.app,
            &ctx.actor(),
            call,
            ApplicationId(a),
            ExpertId(e),
        )
        .await
        .map(|_| ()),
        _ => Err(AppError::Refused("请选择申报书和专家".into())),
    };
    after(&state, &ctx, call, r).await
}

/// 固定 / 取消固定.
pub async fn pin(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((call, id)): Path<(CallId, AssignmentId)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let pinned = match Posted::parse(&body).get("pinned").as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return Err(
                AppError::Refused("无法识别的操作：请在分配表中选择固定或取消固定".into()).into(),
            );
        }
    };
    let r = pin_assignment(&state.app, &ctx.actor(), call, id, pinned).await;
    after(&state, &ctx, call, r).await
}

/// 移除.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((call, id)): Path<(CallId, AssignmentId)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let reason = Posted::parse(&body).get("reason");
    let r = remove_assignment(&state.app, &ctx.actor(), call, id, &reason).await;
    after(&state, &ctx, call, r).await
}

#[derive(Template)]
#[template(path = "staff/review_results.html")]
pub struct ResultsPage {
    pub ctx: PageCtx,
    pub call_id: CallId,
    pub r: Ranking,
    pub columns: Vec<(&'static str, &'static str)>,
    pub error: String,
}

impl ResultsPage {
    pub fn points(&self, p: &Option<Points>) -> String {
        p.map(|p| p.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn grade_label(&self, i: &usize) -> &'static str {
        Grade::ALL[*i].label()
    }
    pub fn opinion_label(&self, i: &usize) -> &'static str {
        Opinion::ALL[*i].label()
    }
}

async fn results_page(
    state: &AppState,
    ctx: &Ctx,
    call: CallId,
    normalise: bool,
    notice: &str,
    error: String,
) -> Result<Response, WebError> {
    let r = match ranking(&state.app, call, normalise).await {
        Ok(r) => r,
        Err(AppError::Refused(_)) => return Ok(see_other(&format!("/staff/calls/{call}/review"))),
        Err(e) => return Err(e.into()),
    };
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&ResultsPage {
            ctx: PageCtx::new(state, ctx).with_notice(notice),
            call_id: call,
            r,
            columns: RANKING_COLUMNS.to_vec(),
            error,
        }),
    )
        .into_response())
}

/// 评审结果: ranking, progress.
pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    Query(q): Query<ReviewQuery>,
) -> Result<Response, WebError> {
    results_page(
        &state,
        &ctx,
        call,
        q.normalise == "1",
        notice_text(&q.ok),
        String::new(),
    )
    .await
}

/// 退回专家修改.
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((call, id)): Path<(CallId, AssignmentId)>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let reason = Posted::parse(&body).get("reason");
    match reopen_review(&state.app, &ctx.actor(), call, id, &reason).await {
        Ok(()) => Ok(see_other(&format!(
            "/staff/calls/{call}/review/results?ok=saved"
        ))),
        Err(AppError::Refused(m)) => results_page(&state, &ctx, call, false, "", m).await,
        Err(AppError::Validation(e)) => {
            results_page(&state, &ctx, call, false, "", e.summary()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// 导出评审意见 (.xlsx).
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let cols = Posted::parse(&body).all("col");
    let bytes = export_reviews(&state.app, &ctx.actor(), call, &cols).await?;
    Ok(xlsx_download("reviews.xlsx", "评审意见.xlsx", bytes))
}

/// Words for the templates.
pub fn assignment_label(s: &AssignmentState) -> &'static str {
    s.label()
}

pub fn review_label(s: &Option<ReviewState>) -> &'static str {
    s.map(ReviewState::label).unwrap_or("未开始")
}

/// 催办: one SMS to every expert with open reviews of the call.
pub async fn remind(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(call): Path<CallId>,
) -> Result<Response, WebError> {
    match remind_experts(&state.app, &ctx.actor(), call).await {
        Ok(_) => Ok(see_other(&format!(
            "/staff/calls/{call}/review/results?ok=reminded"
        ))),
        Err(AppError::Refused(m)) => results_page(&state, &ctx, call, false, "", m).await,
        Err(e) => Err(e.into()),
    }
}
