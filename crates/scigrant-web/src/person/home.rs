//! 个人主界面 and 完善个人信息 / 修改单位: choosing 所在单位 from the
//! searchable list, then the profile with its two PDF proofs.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::dictionary::profile_choices;
use scigrant_app::identity::home::{PersonHome, person_home};
use scigrant_app::identity::members::{
    ProfileForm, UnitChoice, person, save_profile, search_units,
};
use scigrant_app::identity::register::limits;
use scigrant_app::{AppError, FieldErrors};
use scigrant_domain::identity::account::{AccountKind, Membership};
use scigrant_domain::ids::PersonId;
use scigrant_domain::ids::UnitId;
use scigrant_domain::upload::FileKind;
use serde::Deserialize;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::{FileSpec, merge, read_multipart};
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{Errs, Opt, PageCtx, Pager, dict_options, qv, render};

#[derive(Template)]
#[template(path = "person/home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub home: PersonHome,
    pub calls: Vec<scigrant_app::grants::calls::CallView>,
    pub mine: Vec<scigrant_app::grants::applications::ApplicationItem>,
    pub status: &'static str,
    pub status_class: &'static str,
}

pub fn membership_badge(m: Membership) -> &'static str {
    match m {
        Membership::Approved => "ok",
        Membership::Rejected => "bad",
        Membership::Pending => "wait",
        Membership::None => "",
    }
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let home = person_home(&state.app, ctx.person()?).await?;
    let m = home.person.membership;
    let status = if home.person.locked {
        "已被所在单位锁定"
    } else {
        m.label()
    };
    let calls = scigrant_app::grants::calls::open_calls(&state.app).await?;
    let mine =
        scigrant_app::grants::applications::of_person(&state.app, PersonId(s.account_id)).await?;
    Ok(render(&HomePage {
        calls,
        mine,
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        status,
        status_class: if home.person.locked {
            "bad"
        } else {
            membership_badge(m)
        },
        home,
    })
    .into_response())
}

#[derive(Template)]
#[template(path = "person/profile.html")]
pub struct ProfilePage {
    pub ctx: PageCtx,
    /// Step 1: the 选择单位 list (shown when no unit is chosen).
    pub choosing: bool,
    pub q: String,
    pub units: Vec<UnitChoice>,
    pub pager: Option<Pager>,
    /// Step 2: the form.
    pub unit_name: String,
    pub form: ProfileForm,
    pub name: String,
    pub gender: String,
    pub doc_no_masked: String,
    pub phone_masked: String,
    pub region_label: String,
    pub educations: Vec<Opt>,
    pub degrees: Vec<Opt>,
    pub titles: Vec<Opt>,
    /// 所在部门 suggestions (the field takes any text).
    pub departments: Vec<String>,
    pub has_id_proof: bool,
    pub has_title_proof: bool,
    pub errs: Errs,
    pub id_max: u64,
    pub title_max: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProfileQuery {
    q: String,
    page: i64,
    unit: String,
    /// "修改单位": show the list even though a unit is set.
    change: String,
}

async fn profile_page_with(
    state: &AppState,
    ctx: &Ctx,
    person_id: i64,
    q: &ProfileQuery,
    form: Option<ProfileForm>,
    errs: FieldErrors,
) -> Result<ProfilePage, WebError> {
    let app = &state.app;
    let me = person(app, PersonId(person_id)).await?;
    let mut form = form.unwrap_or_else(|| ProfileForm {
        unit_id: me.unit_id.map(|u| u.to_string()).unwrap_or_default(),
        region_code: me.region_code.to_string(),
        department: me.department.clone(),
        email: me.email.clone(),
        education: me.education.clone(),
        degree: me.degree.clone(),
        title: me.title.clone(),
    });
    if !q.unit.is_empty() {
        form.unit_id = q.unit.clone();
    }
    let chosen = match form.unit_id.parse::<i64>() {
        Ok(id) => scigrant_app::identity::review::unit(app, UnitId(id))
            .await
            .ok(),
        Err(_) => None,
    };
    let choosing = chosen.is_none() || !q.change.is_empty();
    let choices = profile_choices(app).await?;
    let (units, pager) = if choosing {
        let page = search_units(app, &q.q, q.page.max(1)).await?;
        let base = format!("change=1&q={}&", qv(&q.q));
        let pager = Pager::new(&page, base);
        (page.rows, Some(pager))
    } else {
        (vec![], None)
    };
    Ok(ProfilePage {
        ctx: PageCtx::new(state, ctx),
        choosing,
        q: q.q.clone(),
        units,
        pager,
        unit_name: chosen.map(|u| u.name).unwrap_or_default(),
        educations: dict_options(&choices.education, &form.education),
        degrees: dict_options(&choices.degree, &form.degree),
        titles: dict_options(&choices.title, &form.title),
        departments: choices
            .department
            .offered("")
            .into_iter()
            .map(|o| o.label)
            .collect(),
        form,
        name: me.name,
        gender: me.gender,
        doc_no_masked: me.doc_no_masked,
        phone_masked: me.phone_masked,
        region_label: me.region_label,
        has_id_proof: me.id_proof_file_id.is_some(),
        has_title_proof: me.title_proof_file_id.is_some(),
        errs: Errs(errs),
        id_max: limits::ID_PROOF,
        title_max: limits::TITLE_PROOF,
    })
}

pub async fn profile_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let page = profile_page_with(&state, &ctx, s.account_id, &q, None, FieldErrors::new()).await?;
    Ok(render(&page).into_response())
}

const PROOF_SPECS: [FileSpec; 2] = [
    FileSpec {
        field: "id_proof",
        kind: FileKind::Pdf,
        max: limits::ID_PROOF,
    },
    FileSpec {
        field: "title_proof",
        kind: FileKind::Pdf,
        max: limits::TITLE_PROOF,
    },
];

pub async fn profile_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, WebError> {
    let s = ctx.require(AccountKind::Person)?;
    let app = &state.app;
    let sub = read_multipart(app, mp, &PROOF_SPECS).await;
    let form = ProfileForm {
        unit_id: sub.get("unit_id"),
        region_code: sub.get("region_code"),
        department: sub.get("department"),
        email: sub.get("email"),
        education: sub.get("education"),
        degree: sub.get("degree"),
        title: sub.get("title"),
    };
    let upload_errors = sub.errors.clone();
    let result = if upload_errors.is_empty() {
        save_profile(
            app,
            &ctx.actor(),
            ctx.person()?,
            &form,
            sub.file("id_proof"),
            sub.file("title_proof"),
        )
        .await
    } else {
        sub.discard(app).await;
        Err(AppError::Validation(FieldErrors::new()))
    };
    match result {
        Ok(()) => Ok(see_other("/person?ok=profile")),
        Err(AppError::Validation(e)) => {
            if upload_errors.is_empty() {
                // The use case deleted the files; ask to choose them again.
                sub.discard(app).await;
            }
            let errs = merge(upload_errors, e);
            let q = ProfileQuery::default();
            let page = profile_page_with(&state, &ctx, s.account_id, &q, Some(form), errs).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
