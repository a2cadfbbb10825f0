//! 计划管理 for the 项目管理员: programs and their calls (created from the
//! built-in 附件4 / 附件5 templates or an imported form), publishing,
//! the applications of a call with 形式审查, paper copies, extensions and
//! the Excel export with chosen columns.

use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use scigrant_app::dictionary::dictionary;
use scigrant_app::grants::applications::{
    self, ApplicationItem, EXPORT_COLUMNS, grant_extension, record_paper, staff_decide,
    staff_decision,
};
use scigrant_app::grants::calls::{
    CallForm, CallView, DocumentView, EligibilityForm, ProgramView, call_detail, create_call,
    create_program, programs, set_state, target_state,
};
use scigrant_app::grants::limits::set_program_limits;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::grants::application::{ApplicationState, CallState, StaffDecision};
use scigrant_domain::grants::form;
use scigrant_domain::ids::ApplicationId;
use scigrant_domain::ids::CallId;
use scigrant_domain::ids::PersonId;
use scigrant_domain::ids::ProgramId;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{DEFINITION_MAX, Posted, definition_text, read_in_memory};
use crate::http::notice::{notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, render, xlsx_download};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OkQuery {
    ok: String,
    state: String,
}

#[derive(Template)]
#[template(path = "staff/programs.html")]
pub struct ProgramsPage {
    pub ctx: PageCtx,
    pub programs: Vec<ProgramView>,
    pub errs: Errs,
    /// What was typed for 计划名称 (named apart from the form macro's own
    /// `name` parameter, which would shadow it).
    pub program_name: String,
    pub notice: String,
    /// The program whose 限项 form was posted and refused, with what was
    /// typed and the errors beside it.
    pub limits_for: i64,
    pub limits_typed: (String, String),
    pub limits_errs: Errs,
}

/// One 限项 field of a program's form, as shown.
pub struct LimitField {
    pub field: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: String,
}

impl ProgramsPage {
    /// The 限项 fields of program `p`: as typed, with their errors, when
    /// that form was refused; else the stored limits (blank = no limit).
    pub fn limit_fields(&self, p: &ProgramView) -> Vec<LimitField> {
        let refused = p.id.0 == self.limits_for;
        let shown = |n: u32| if n == 0 { String::new() } else { n.to_string() };
        let values = if refused {
            self.limits_typed.clone()
        } else {
            (shown(p.limits.per_call), shown(p.limits.per_program))
        };
        [
            ("per_call", "每个计划类别每人最多（项）", values.0),
            ("per_program", "本计划每人最多（项）", values.1),
        ]
        .into_iter()
        .map(|(field, label, value)| LimitField {
            field,
            label,
            value,
            error: if refused {
                self.limits_errs.msg(field).to_string()
            } else {
                String::new()
            },
        })
        .collect()
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    Ok(render(&ProgramsPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        programs: programs(&state.app).await?,
        errs: Errs::default(),
        program_name: String::new(),
        notice: String::new(),
        limits_for: 0,
        limits_typed: Default::default(),
        limits_errs: Errs::default(),
    })
    .into_response())
}

/// 设置限项 of a program.
pub async fn set_limits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(program_id): Path<ProgramId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let (per_call, per_program) = (p.get("per_call"), p.get("per_program"));
    match set_program_limits(
        &state.app,
        &ctx.actor(),
        program_id,
        &per_call,
        &per_program,
    )
    .await
    {
        Ok(_) => Ok(see_other("/staff/programs?ok=saved")),
        Err(AppError::Validation(e)) => {
            let page = ProgramsPage {
                ctx: PageCtx::new(&state, &ctx),
                programs: programs(&state.app).await?,
                errs: Errs::default(),
                program_name: String::new(),
                notice: String::new(),
                limits_for: program_id.0,
                limits_typed: (per_call, per_program),
                limits_errs: Errs(e),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_program(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let (name, notice) = (p.get("name"), p.get("notice"));
    match create_program(&state.app, &ctx.actor(), &name, &notice).await {
        Ok(_) => Ok(see_other("/staff/programs?ok=saved")),
        Err(AppError::Validation(e)) => {
            let page = ProgramsPage {
                ctx: PageCtx::new(&state, &ctx),
                programs: programs(&state.app).await?,
                errs: Errs(e),
                program_name: name,
                notice,
                limits_for: 0,
                limits_typed: Default::default(),
                limits_errs: Errs::default(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/call_new.html")]
pub struct NewCallPage {
    pub ctx: PageCtx,
    pub program_id: i64,
    pub f: CallForm,
    pub kinds: Vec<Opt>,
    pub templates: Vec<Opt>,
    pub errs: Errs,
}

async fn new_call_page(
    state: &AppState,
    ctx: &Ctx,
    program_id: i64,
    f: CallForm,
    errs: FieldErrors,
) -> Result<NewCallPage, WebError> {
    // 申报主体: the enabled 单位性质 entries of the dictionary.
    let natures = dictionary(&state.app, DictKind::UnitNature).await?;
    let kinds = natures
        .offered("")
        .into_iter()
        .map(|k| Opt {
            selected: f.eligible.contains(&k.code),
            value: k.code,
            label: k.label,
        })
        .collect();
    let templates = form::builtin_codes()
        .iter()
        .map(|(code, title)| Opt {
            value: (*code).into(),
            label: (*title).into(),
            selected: f.template == *code,
        })
        .collect();
    Ok(NewCallPage {
        ctx: PageCtx::new(state, ctx),
        program_id,
        f,
        kinds,
        templates,
        errs: Errs(errs),
    })
}

pub async fn new_call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(program_id): Path<ProgramId>,
) -> Result<Response, WebError> {
    let f = CallForm {
        template: "kczg2023-fj4".into(),
        ..CallForm::default()
    };
    let page = new_call_page(&state, &ctx, program_id.0, f, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

pub async fn add_call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(program_id): Path<ProgramId>,
    mp: Multipart,
) -> Result<Response, WebError> {
    let got = read_in_memory(mp, "form_file", DEFINITION_MAX).await;
    let imported = definition_text(&got);
    let p = &got.posted;
    let f = CallForm {
        code: p.get("code"),
        name: p.get("name"),
        task: p.get("task"),
        quota: p.get("quota"),
        cap: p.get("cap"),
        period_end: p.get("period_end"),
        period: p.get("period"),
        eligibility: p.get("eligibility"),
        eligible: p.all("eligible"),
        opens: p.get("opens"),
        closes: p.get("closes"),
        paper_deadline: p.get("paper_deadline"),
        template: p.get("template"),
        form_json: imported.clone().unwrap_or_default(),
        city_group: p.get("city_group"),
    };
    if let Err(m) = imported {
        let mut e = FieldErrors::new();
        e.add("form_json", m);
        let page = new_call_page(&state, &ctx, program_id.0, f, e).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    match create_call(&state.app, &ctx.actor(), program_id, &f).await {
        Ok(id) => Ok(see_other(&format!("/staff/calls/{id}?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let page = new_call_page(&state, &ctx, program_id.0, f, e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "staff/call.html")]
pub struct CallPage {
    pub ctx: PageCtx,
    pub call: CallView,
    /// 通知附件, in the order they were added.
    pub documents: Vec<DocumentView>,
    pub items: Vec<ApplicationItem>,
    pub filter: String,
    pub columns: Vec<(&'static str, &'static str)>,
    pub errs: Errs,
    /// The 通知附件 form as typed when it was refused, errors beside it.
    pub doc_title: String,
    pub doc_errs: Errs,
    pub document_max: u64,
    /// The 申报主体 form: as stored, or as typed when it was refused.
    pub elig: EligibilityForm,
    pub elig_errs: Errs,
    /// 申报要求实名认证.
    pub realname_required: bool,
}

pub(crate) async fn call_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    filter: &str,
    notice: &str,
    errs: FieldErrors,
) -> Result<CallPage, WebError> {
    let d = call_detail(&state.app, CallId(id)).await?;
    Ok(CallPage {
        ctx: PageCtx::new(state, ctx).with_notice(notice),
        elig: EligibilityForm::of(&d.call.eligibility_text, &d.listed),
        elig_errs: Errs::default(),
        realname_required: scigrant_app::identity::realname::call_requirement(
            &state.app,
            CallId(id),
        )
        .await?,
        call: d.call,
        documents: d.documents,
        items: applications::of_call(&state.app, CallId(id), ApplicationState::from_code(filter))
            .await?,
        filter: filter.to_string(),
        columns: EXPORT_COLUMNS.to_vec(),
        errs: Errs(errs),
        doc_title: String::new(),
        doc_errs: Errs::default(),
        document_max: scigrant_domain::grants::documents::DOCUMENT_MAX,
    })
}

pub async fn call(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let page = call_page(
        &state,
        &ctx,
        id.0,
        &q.state,
        notice_text(&q.ok),
        FieldErrors::new(),
    )
    .await?;
    Ok(render(&page).into_response())
}

pub async fn call_state(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let to = target_state(&Posted::parse(&body).get("to"))?;
    set_state(&state.app, &ctx.actor(), id, to).await?;
    Ok(see_other(&format!("/staff/calls/{id}?ok=saved")))
}

pub async fn extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let person =
        scigrant_app::identity::members::person_by_phone(&state.app, &p.get("phone")).await?;
    let result = match person {
        Some(pid) => {
            grant_extension(
                &state.app,
                &ctx.actor(),
                id,
                PersonId(pid),
                &p.get("until"),
                &p.get("reason"),
            )
            .await
        }
        None => Err(AppError::field("phone", "未找到该手机号码的申报人")),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/staff/calls/{id}?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let page = call_page(&state, &ctx, id.0, "", "", e).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let cols = Posted::parse(&body).all("col");
    let bytes = applications::export_call(&state.app, &ctx.actor(), id, &cols).await?;
    Ok(xlsx_download("applications.xlsx", "申报书.xlsx", bytes))
}

/// 形式审查 and paper copies, posted from the application page.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let result = match staff_decision(&p.get("decision"))? {
        StaffDecision::Accept => {
            staff_decide(&state.app, &ctx.actor(), id, true, &p.get("comment")).await
        }
        StaffDecision::Return => {
            staff_decide(&state.app, &ctx.actor(), id, false, &p.get("comment")).await
        }
        StaffDecision::Paper => record_paper(
            &state.app,
            &ctx.actor(),
            id,
            &p.get("received"),
            &p.get("copies"),
            !p.get("stamped").is_empty(),
            &p.get("correction"),
        )
        .await
        .map(|_| ()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/applications/{id}?ok=saved"))),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            let msg = match &e {
                AppError::Validation(f) => f.summary(),
                other => other.to_string(),
            };
            let page = crate::account::applications::view_page_for(&state, &ctx, id.0, msg).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The declared form as a readable JSON file (import/export).
pub async fn form_json(
    State(state): State<AppState>,
    Path(id): Path<CallId>,
) -> Result<Response, WebError> {
    let call = scigrant_app::grants::calls::call(&state.app, id).await?;
    let spec = scigrant_app::grants::calls::form_spec(&state.app, call.form_spec_id).await?;
    Ok((
        [
            (CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.json\"", spec.code),
            ),
        ],
        spec.to_json_pretty(),
    )
        .into_response())
}
