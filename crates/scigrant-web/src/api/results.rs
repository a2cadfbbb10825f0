//! Staff: a call's review results and its funding decisions, for the
//! finance and archive systems that take them over. The same use cases
//! as the 评审结果 and 立项 pages; experts are not named (their scores,
//! grades and opinions are), as on the exports the authority hands on.

use axum::Json;
use axum::extract::{Path, State};
use scigrant_app::evaluation::funding::{Board, Candidate};
use scigrant_app::evaluation::review::{RankedApplication, Ranking, ranking};
use scigrant_domain::ids::CallId;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::path_id;
use crate::AppState;

/// One submitted (or pending) review, without the expert's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewOut {
    /// Total score as scored, e.g. "87.50"; null until submitted.
    pub total: Option<String>,
    /// `A`, `B`, `C` or `D`.
    pub grade: Option<String>,
    /// `priority`, `fundable` or `not_funded`.
    pub opinion: Option<String>,
    /// Far from the others' scores (flagged for the panel).
    pub outlier: bool,
    pub submitted_at: Option<i64>,
}

/// An application in the ranking of its category.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedOut {
    pub rank: u32,
    pub application_id: i64,
    pub number: String,
    pub title: String,
    pub unit_name: String,
    pub mean: Option<String>,
    pub trimmed_mean: Option<String>,
    /// Counts of A, B, C, D.
    pub grades: [u32; 4],
    /// Counts of 优先资助, 可资助, 不予资助.
    pub opinions: [u32; 3],
    pub reviews: Vec<ReviewOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// 项目子类 (empty when the form has none).
    pub category: String,
    pub applications: Vec<RankedOut>,
}

/// A call's review results, ranked per category by the trimmed mean.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewResultsOut {
    pub call_id: i64,
    pub categories: Vec<CategoryOut>,
    /// Reviews due, submitted, late and not yet accepted by their expert.
    pub due: usize,
    pub done: usize,
    pub late: usize,
    pub unanswered: usize,
}

fn ranked(a: RankedApplication) -> RankedOut {
    RankedOut {
        rank: a.rank,
        application_id: a.application_id.0,
        number: a.number,
        title: a.title,
        unit_name: a.unit_name,
        mean: a.mean.map(|p| p.to_string()),
        trimmed_mean: a.trimmed_mean.map(|p| p.to_string()),
        grades: a.grades,
        opinions: a.opinions,
        reviews: a
            .reviews
            .into_iter()
            .map(|r| ReviewOut {
                total: r.total.map(|p| p.to_string()),
                grade: r.grade.map(|g| g.code().to_string()),
                opinion: r.opinion.map(|o| o.code().to_string()),
                outlier: r.outlier,
                submitted_at: r.submitted_at,
            })
            .collect(),
    }
}

impl ReviewResultsOut {
    fn of(call: CallId, r: Ranking) -> ReviewResultsOut {
        ReviewResultsOut {
            call_id: call.0,
            due: r.progress.due,
            done: r.progress.done,
            late: r.progress.late,
            unanswered: r.progress.unanswered,
            categories: r
                .categories
                .into_iter()
                .map(|(category, apps)| CategoryOut {
                    category,
                    applications: apps.into_iter().map(ranked).collect(),
                })
                .collect(),
        }
    }
}

/// 评审结果: the call's accepted applications ranked per category.
#[utoipa::path(
    get,
    path = "/api/v1/staff/calls/{id}/reviews",
    tag = "staff",
    params(("id" = i64, Path, description = "The call", minimum = 1)),
    security(("bearer" = ["results:read"])),
    responses(
        (status = 200, description = "The ranking", body = ReviewResultsOut),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not a 项目管理员, or the token lacks the scope", body = ErrorBody),
        (status = 404, description = "No such call", body = ErrorBody),
        (status = 409, description = "The call has no review plan yet", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn reviews(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ReviewResultsOut>, ApiError> {
    let call = CallId(path_id(&id)?);
    let r = ranking(&state.app, call, false).await?;
    Ok(Json(ReviewResultsOut::of(call, r)))
}

/// A decision on an accepted application.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    /// `fund` (立项) or `decline` (不予立项).
    pub verdict: String,
    pub verdict_label: String,
    /// The approved amount in 万元 ("0.00" when declined).
    #[schema(example = "50.00")]
    pub amount_wan: String,
    pub reason: String,
    pub decided_at: i64,
    /// Sent back by an upheld objection: to be decided again.
    pub reopened: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOut {
    pub application_id: i64,
    pub number: String,
    pub title: String,
    pub unit_name: String,
    /// 申请经费 in 万元, as the form gives it.
    pub requested_wan: Option<String>,
    pub decision: Option<DecisionOut>,
}

/// A call's funding decisions, its limits and running totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct FundingOut {
    pub call_id: i64,
    /// 立项数量.
    pub quota: i64,
    /// The call's budget in 万元; null while none is set.
    pub budget_wan: Option<String>,
    pub funded_count: i64,
    pub funded_total_wan: String,
    /// A 立项公示 stands: the decisions are final unless an objection reopens one.
    pub locked: bool,
    pub candidates: Vec<CandidateOut>,
}

fn candidate(c: Candidate) -> CandidateOut {
    CandidateOut {
        application_id: c.id.0,
        number: c.number,
        title: c.title,
        unit_name: c.unit_name,
        requested_wan: c.requested.map(|m| m.to_string()),
        decision: c.decision.map(|d| DecisionOut {
            verdict: d.verdict.code().into(),
            verdict_label: d.verdict.label().into(),
            amount_wan: d.amount.to_string(),
            reason: d.reason,
            decided_at: d.decided_at,
            reopened: d.reopened,
        }),
    }
}

impl FundingOut {
    fn of(b: Board) -> FundingOut {
        FundingOut {
            call_id: b.call.id.0,
            quota: b.call.quota,
            budget_wan: b.budget.map(|m| m.to_string()),
            funded_count: b.funded_count,
            funded_total_wan: b.funded_total.to_string(),
            locked: b.locked,
            candidates: b.candidates.into_iter().map(candidate).collect(),
        }
    }
}

/// 立项: the call's accepted applications with their decisions.
#[utoipa::path(
    get,
    path = "/api/v1/staff/calls/{id}/funding",
    tag = "staff",
    params(("id" = i64, Path, description = "The call", minimum = 1)),
    security(("bearer" = ["results:read"])),
    responses(
        (status = 200, description = "The decisions", body = FundingOut),
        (status = 401, description = "No valid token or session", body = ErrorBody),
        (status = 403, description = "Not a 项目管理员, or the token lacks the scope", body = ErrorBody),
        (status = 404, description = "No such call", body = ErrorBody),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
        (status = 429, description = "This access token's requests for the minute are spent; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
pub async fn funding(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<FundingOut>, ApiError> {
    let call = CallId(path_id(&id)?);
    let b = scigrant_app::evaluation::funding::board(&state.app, call).await?;
    Ok(Json(FundingOut::of(b)))
}
