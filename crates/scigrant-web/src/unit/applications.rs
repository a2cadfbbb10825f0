//! 项目申报 in the browser: the call's guide, the application form
//! rendered from its declaration (autosaved, with live counters and
//! totals), the preview with every problem linked to its field, the
//! receipt, the unit's 推荐 / 退回, and the public /verify page.

use crate::AppState;
use crate::account::applications::view_page;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::filters;
use crate::http::forms::Posted;
use crate::http::notice::{OkQuery, notice_text, see_other};
use crate::http::pages::{PageCtx, render};
use crate::staff::similarity::{pair_page, percent};
use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::evaluation::similarity::{OwnDuplicate, unit_applications};
use scigrant_app::grants::applications::{
    ApplicationItem, Reader, change_handler, recommend, unit_decision, unit_return,
};
use scigrant_domain::grants::application::{INELIGIBILITY, UnitDecision};
use scigrant_domain::ids::ApplicationId;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "apply/unit_list.html")]
pub struct UnitListPage {
    pub ctx: PageCtx,
    pub items: Vec<ApplicationItem>,
    /// 查重: near-duplicates among the unit's own applications, per application.
    pub duplicates: BTreeMap<ApplicationId, Vec<(OwnDuplicate, String)>>,
}

impl UnitListPage {
    fn duplicates_of(&self, id: &ApplicationId) -> &[(OwnDuplicate, String)] {
        self.duplicates.get(id).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// 项目管理 for a unit: its members' submitted applications.
pub async fn unit_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OkQuery>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let list = unit_applications(&state.app, unit).await?;
    let duplicates = list
        .duplicates
        .into_iter()
        .map(|(id, ds)| {
            let shown = ds
                .into_iter()
                .map(|d| {
                    let p = percent(d.similarity);
                    (d, p)
                })
                .collect();
            (id, shown)
        })
        .collect();
    Ok(render(&UnitListPage {
        ctx: PageCtx::new(&state, &ctx).with_notice(notice_text(&q.ok)),
        items: list.items,
        duplicates,
    })
    .into_response())
}

/// 查重: two of the unit's own applications side by side.
pub async fn unit_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((a, b)): Path<(ApplicationId, ApplicationId)>,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    pair_page(&state, &ctx, Reader::Unit(unit.0), a, b).await
}

pub async fn unit_decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let p = Posted::parse(&body);
    let result = match unit_decision(&p.get("decision"))? {
        UnitDecision::Recommend => {
            let declarations: Vec<bool> = (0..INELIGIBILITY.len())
                .map(|i| !p.get(&format!("declaration{i}")).is_empty())
                .collect();
            recommend(&state.app, &ctx.actor(), unit, id, &declarations).await
        }
        UnitDecision::Return => {
            unit_return(&state.app, &ctx.actor(), unit, id, &p.get("comment")).await
        }
    };
    match result {
        Ok(()) => Ok(see_other("/unit/applications?ok=decided")),
        Err(e @ (AppError::Refused(_) | AppError::Validation(_))) => {
            let msg = match &e {
                AppError::Validation(f) => f.summary(),
                other => other.to_string(),
            };
            let page = view_page(&state, &ctx, id.0, "", msg).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 变更项目经办人: the unit gives the application to another of its users.
pub async fn unit_handler(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ApplicationId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let unit = ctx.unit()?;
    let login = Posted::parse(&body).get("handler");
    match change_handler(&state.app, &ctx.actor(), unit, id, &login).await {
        Ok(()) => Ok(see_other(&format!(
            "/applications/{}?ok=handler_changed",
            id.0
        ))),
        Err(AppError::Validation(f)) => {
            let page = view_page(&state, &ctx, id.0, "", f.summary()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
