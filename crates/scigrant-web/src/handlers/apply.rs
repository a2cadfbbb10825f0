//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::applications::{
    self, ApplicationItem, ApplicationView, Reader, Verification, reader_for, recommend,
    unit_return,
};
use scigrant_app::calls::CallView;
use scigrant_domain::account::{AccountKind, StaffRole};
use scigrant_domain::application::INELIGIBILITY;
use scigrant_domain::form::Problem;
use scigrant_domain::permission::Caller;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::forms::Posted;
use crate::formview::{FormView, anchor, data_from_pairs, view};
use crate::handlers::{notice_text, see_other};
use crate::pages::{PageCtx, render};

#[derive(Template)]
#[template(path = "apply/call.html")]
pub struct CallPage {
    pub ctx: PageCtx,
    pub call: CallView,
    pub open: bool,
}

/// 申报指南: a published call as applicants read it.
pub async fn call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let call = scigrant_app::calls::call(&state.app, id).await?;
    if call.state == scigrant_domain::application::CallState::Draft {
        return Err(AppError::NotFound.into());
    }
    Ok(render(&CallPage {
        open: call.is_open(state.app.now()),
        ctx: PageCtx::new(&state, &ctx),
        call,
    })
    .into_response())
}

/// 申报: opens (or creates) the member's application for the call.
pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let app_id = applications::start(&state.app, &ctx.actor(), s.account_id, id)
        .await
        .map_err(|e| WebError::from(e).with_request(&ctx.request_id))?;
    Ok(see_other(&format!("/applications/{app_id}/edit")))
}

#[derive(Template)]
#[template(path = "apply/edit.html")]
pub struct EditPage {
    pub ctx: PageCtx,
    pub a: ApplicationView,
    pub form: FormView,
    pub problems: Vec<LinkedProblem>,
    pub counters_json: String,
}

#[derive(Clone, Debug)]
pub struct LinkedProblem {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

fn linked(problems: &[Problem]) -> Vec<LinkedProblem> {
    problems
        .iter()
        .map(|p| LinkedProblem {
            anchor: anchor(&p.path),
            label: p.label.clone(),
            message: p.message.clone(),
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditQuery {
    ok: String,
    add: String,
    check: String,
}

fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    a: ApplicationView,
    show_problems: bool,
    add: &str,
    notice: &str,
) -> EditPage {
    let problems: Vec<Problem> = if show_problems {
        a.problems.clone()
    } else {
        vec![]
    };
    let form = view(&a.spec, &a.data, &problems, add);
    let counters = scigrant_domain::form::counters(&a.spec);
    EditPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        problems: linked(&problems),
        counters_json: serde_json::to_string(&counters).unwrap_or_default(),
        form,
        a,
    }
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
    if !a.editable() {
        return Ok(see_other(&format!("/applications/{id}")));
    }
    let page = edit_page(
        &state,
        &ctx,
        a,
        !q.check.is_empty(),
        &q.add,
        notice_text(&q.ok),
    );
    Ok(render(&page).into_response())
}

/// 保存 (and 增加一行, 预览): the no-JavaScript path posts the whole form.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
    let posted = Posted::parse(&body);
    let data = data_from_pairs(&a.spec, &posted.0);
    applications::save(&state.app, s.account_id, id, &data).await?;
    let action = posted.get("action");
    let to = match action.as_str() {
        "preview" => format!("/applications/{id}/edit?check=1&ok=saved"),
        a if a.starts_with("add:") => format!("/applications/{id}/edit?ok=saved&add={}", &a[4..]),
        _ => format!("/applications/{id}/edit?ok=saved"),
    };
    Ok(see_other(&to))
}

#[derive(Serialize)]
pub struct Saved {
    saved_at: String,
}

/// Autosave from the page's script: JSON answer with the server time.
pub async fn autosave(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let spec = applications::form_of(&state.app, s.account_id, id).await?;
    let data = data_from_pairs(&spec, &Posted::parse(&body).0);
    match applications::save(&state.app, s.account_id, id, &data).await {
        Ok(at) => Ok(Json(Saved {
            saved_at: scigrant_app::clock::format_datetime(at)[11..].to_string(),
        })
        .into_response()),
        Err(AppError::Refused(m)) => Ok((StatusCode::CONFLICT, m).into_response()),
        Err(e) => Err(e.into()),
    }
}

/// 提交: saves, validates, freezes; shows the receipt, or the form with
/// every problem listed and linked to its field.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let spec = applications::form_of(&state.app, s.account_id, id).await?;
    let data = data_from_pairs(&spec, &Posted::parse(&body).0);
    match applications::submit(&state.app, &ctx.actor(), s.account_id, id, &data).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?ok=submitted"))),
        Err(AppError::Form(_)) => {
            let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
            let page = edit_page(&state, &ctx, a, true, "", "");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(AppError::Refused(m)) => {
            let a = applications::load(&state.app, Reader::Person(s.account_id), id).await?;
            let mut page = edit_page(&state, &ctx, a, false, "", "");
            page.problems.insert(
                0,
                LinkedProblem {
                    anchor: "top".into(),
                    label: "提交".into(),
                    message: m,
                },
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "apply/view.html")]
pub struct ViewPage {
    pub ctx: PageCtx,
    pub a: ApplicationView,
    pub form: FormView,
    pub reader: &'static str,
    pub declarations: Vec<(usize, &'static str)>,
    pub error: String,
    pub verify_url: String,
}

fn reader_of(ctx: &Ctx) -> Result<(Reader, &'static str), WebError> {
    let s = ctx.session.as_ref().ok_or(WebError::SignIn("/login"))?;
    match s.caller {
        Caller::Staff { role, .. } if role != StaffRole::ProgramManager => {
            Err(AppError::NotFound.into())
        }
        Caller::Staff { .. } => Ok((Reader::Staff, "staff")),
        Caller::Unit { .. } => Ok((reader_for(s.kind, s.account_id), "unit")),
        _ => Ok((reader_for(s.kind, s.account_id), "person")),
    }
}

async fn view_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: &str,
    error: String,
) -> Result<ViewPage, WebError> {
    let (reader, who) = reader_of(ctx)?;
    let a = applications::load(&state.app, reader, id).await?;
    let form = view(&a.spec, &a.data, &[], "");
    let verify_url = format!(
        "{}/verify?n={}&d={}",
        state.app.config.public_url, a.number, a.digest
    );
    Ok(ViewPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        form,
        reader: who,
        declarations: INELIGIBILITY.iter().copied().enumerate().collect(),
        error,
        verify_url,
        a,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    ok: String,
}

/// An application as its reader may see it (person, unit or staff).
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = view_page(&state, &ctx, id, notice_text(&q.ok), String::new()).await?;
    Ok(render(&page).into_response())
}

#[derive(Template)]
#[template(path = "apply/unit_list.html")]
pub struct UnitListPage {
    pub ctx: PageCtx,
    pub items: Vec<ApplicationItem>,
}

/// 项目管理 for a unit: its members' submitted applications.
pub async fn unit_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let items = applications::of_unit(&state.app, s.account_id).await?;
    Ok(render(&UnitListPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        items,
    })
    .into_response())
}

pub async fn unit_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Unit)?;
    let p = Posted::parse(&body);
    let result = if p.get("decision") == "recommend" {
        let declarations: Vec<bool> = (0..INELIGIBILITY.len())
            .map(|i| !p.get(&format!("declaration{i}")).is_empty())
            .collect();
        recommend(&state.app, &ctx.actor(), s.account_id, id, &declarations).await
    } else {
        unit_return(
            &state.app,
            &ctx.actor(),
            s.account_id,
            id,
            &p.get("comment"),
        )
        .await
    };
    match result {
        Ok(()) => Ok(see_other("/unit/applications?ok=decided")),
        Err(e @ (AppError::Refused(_) | AppError::Validation(_))) => {
            let msg = match &e {
                AppError::Validation(f) => f.0.values().cloned().collect::<Vec<_>>().join("；"),
                other => other.to_string(),
            };
            let page = view_page(&state, &ctx, id, "", msg).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(WebError::from(e).with_request(&ctx.request_id)),
    }
}

#[derive(Template)]
#[template(path = "apply/verify.html")]
pub struct VerifyPage {
    pub ctx: PageCtx,
    pub n: String,
    pub d: String,
    pub result: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyQuery {
    n: String,
    d: String,
}

/// Public: does a paper copy match the submitted version?
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, WebError> {
    let (result, ok, detail) = if q.n.is_empty() {
        (String::new(), false, String::new())
    } else {
        match applications::verify(&state.app, &q.n, &q.d).await? {
            Verification::Matches {
                title,
                unit,
                submitted,
            } => (
                "核验通过：该申报书与系统中提交的版本一致".to_string(),
                true,
                format!("项目名称：{title}；申报单位：{unit}；提交时间：{submitted}"),
            ),
            Verification::Differs => (
                "核验未通过：摘要与系统中提交的版本不一致，该文本可能已被修改".into(),
                false,
                String::new(),
            ),
            Verification::NotFound => (
                "未找到该申报编号的已提交申报书".into(),
                false,
                String::new(),
            ),
        }
    };
    Ok(render(&VerifyPage {
        ctx: PageCtx::new(&state, &ctx),
        n: q.n,
        d: q.d,
        result,
        ok,
        detail,
    })
    .into_response())
}

/// The application page with an error message (for the staff handlers).
pub async fn view_page_for(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    error: String,
) -> Result<ViewPage, WebError> {
    view_page(state, ctx, id, "", error).await
}

/// The print-ready PDF of a submitted application (申报书导出).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (reader, _) = reader_of(&ctx)?;
    let a = applications::load(&state.app, reader, id).await?;
    if a.submitted_at.is_none() {
        return Err(AppError::Refused("申报书提交后才能导出打印版".into()).into());
    }
    let verify_url = format!(
        "{}/verify?n={}&d={}",
        state.app.config.public_url, a.number, a.digest
    );
    let bytes = state
        .printer
        .pdf(&a, verify_url)
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
                    crate::pages::qv(&format!("{}申报书.pdf", a.number))
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
