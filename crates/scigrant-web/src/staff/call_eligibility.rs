//! 申报主体 on the 项目管理员's call page: the notice's words and the
//! 申报单位名单 (one organisation a line, optionally with its 统一社会信用代码);
//! a wrong line comes back named beside the list, everything as typed.

use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scigrant_app::AppError;
use scigrant_app::grants::calls::{EligibilityForm, set_eligibility};
use scigrant_domain::ids::CallId;

use crate::AppState;
use crate::http::context::Ctx;
use crate::http::error::WebError;
use crate::http::forms::Posted;
use crate::http::notice::see_other;
use crate::http::pages::{Errs, render};
use crate::staff::programs::call_page;

/// 保存申报主体.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CallId>,
    RawForm(body): RawForm,
) -> Result<Response, WebError> {
    let p = Posted::parse(&body);
    let form = EligibilityForm {
        text: p.get("eligibility"),
        units: p.get("units"),
    };
    match set_eligibility(&state.app, &ctx.actor(), id, &form).await {
        Ok(_) => Ok(see_other(&format!("/staff/calls/{id}?ok=saved"))),
        Err(AppError::Validation(e)) => {
            let mut page =
                call_page(&state, &ctx, id.0, "", "", scigrant_app::FieldErrors::new()).await?;
            page.elig = form;
            page.elig_errs = Errs(e);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
