//! The staff's assignment table of a call: every pair with its state, the
//! excluded pairs with their reasons, the coverage report and the optimum
//! against the greedy baseline.

use std::collections::HashMap;

use scigrant_domain::evaluation::assign::{self as solver, Pair};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId};

use super::plan::{PlanView, plan_view};
use crate::{App, AppError};

use super::problem::*;

/// One row of the assignment table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardRow {
    pub id: AssignmentId,
    pub application_id: ApplicationId,
    pub number: String,
    pub title: String,
    pub expert_id: ExpertId,
    pub expert_name: String,
    pub expert_unit: String,
    pub state: AssignmentState,
    pub pinned: bool,
    pub match_score: i64,
    pub reason: String,
}

/// An excluded pair as staff read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcludedView {
    pub application_id: ApplicationId,
    pub number: String,
    pub expert_id: ExpertId,
    pub expert_name: String,
    pub reasons: String,
}

/// An application short of reviewers, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortView {
    pub application_id: ApplicationId,
    pub number: String,
    pub assigned: u32,
    pub required: u32,
    pub reason: &'static str,
}

/// The assignment page of a call.
#[derive(Clone, Debug)]
pub struct AssignmentBoard {
    pub plan: PlanView,
    pub rows: Vec<BoardRow>,
    pub excluded: Vec<ExcludedView>,
    pub short: Vec<ShortView>,
    /// Experts under their minimum load: (name, load, minimum).
    pub under_min: Vec<(String, u32, u32)>,
    /// Σ match of the active assignments.
    pub current_score: i64,
    /// The optimum (min-cost flow) and the greedy baseline for the current
    /// pins and removals, or why they could not be computed.
    pub optimal_score: Option<i64>,
    pub greedy_score: Option<i64>,
    pub solver_error: String,
    /// Accepted applications and approved experts in the computation.
    pub applications: usize,
    pub experts: usize,
    /// (id, "number title") of the accepted applications and (id, "name
    /// unit") of the approved experts, for adding a pair by hand.
    pub application_options: Vec<(ApplicationId, String)>,
    pub expert_options: Vec<(ExpertId, String)>,
}

/// The assignment table, every excluded pair with its reasons, the
/// coverage report and the objective against greedy.
pub async fn assignment_board(app: &App, call: CallId) -> Result<AssignmentBoard, AppError> {
    let mut c = app.db.read().await?;
    let plan = plan_row(&mut c, call).await?;
    let p = load_problem(&mut c, &app.pii, plan.clone()).await?;
    let plan = plan_view(app, &mut c, plan).await?;
    let numbers: HashMap<i64, (String, String)> = p
        .applications
        .iter()
        .map(|a| {
            (
                a.id,
                (a.number.clone().unwrap_or_default(), a.title.clone()),
            )
        })
        .collect();
    let number = |id: i64| numbers.get(&id).map(|n| n.0.clone()).unwrap_or_default();
    let rows = p
        .assignments
        .iter()
        .filter_map(|a| {
            Some(BoardRow {
                id: AssignmentId(a.id),
                application_id: ApplicationId(a.application_id),
                number: number(a.application_id),
                title: numbers
                    .get(&a.application_id)
                    .map(|n| n.1.clone())
                    .unwrap_or_default(),
                expert_id: ExpertId(a.expert_id),
                expert_name: p.expert_name(a.expert_id),
                expert_unit: p
                    .names
                    .get(&a.expert_id)
                    .map(|n| n.1.clone())
                    .unwrap_or_default(),
                state: a.state()?,
                pinned: a.pinned != 0,
                match_score: a.match_score,
                reason: a.reason.clone(),
            })
        })
        .collect();
    let accepted: Vec<ApplicationId> = p.topics.iter().map(|t| t.application).collect();
    let excluded = p
        .exclusions
        .listing(&accepted)
        .into_iter()
        .map(|x| ExcludedView {
            application_id: x.application,
            number: number(x.application.0),
            expert_id: x.expert,
            expert_name: p.expert_name(x.expert.0),
            reasons: x.reasons.labels(),
        })
        .collect();
    let current: Vec<Pair> = p
        .active()
        .iter()
        .map(|a| (ApplicationId(a.application_id), ExpertId(a.expert_id)))
        .collect();
    let removed = p.removed();
    let problem = p.problem(&current, &removed);
    let mut board = AssignmentBoard {
        rows,
        excluded,
        short: Vec::new(),
        under_min: Vec::new(),
        current_score: p.active().iter().map(|a| a.match_score).sum(),
        optimal_score: None,
        greedy_score: None,
        solver_error: String::new(),
        applications: p.topics.len(),
        experts: p.experts.len(),
        application_options: p
            .applications
            .iter()
            .filter(|a| a.state == ApplicationState::Accepted.code())
            .map(|a| {
                (
                    ApplicationId(a.id),
                    format!("{} {}", a.number.clone().unwrap_or_default(), a.title),
                )
            })
            .collect(),
        expert_options: p
            .experts
            .iter()
            .map(|e| {
                let (n, u) = p.names.get(&e.expert.0).cloned().unwrap_or_default();
                (e.expert, format!("{n}（{u}）"))
            })
            .collect(),
        plan,
    };
    if p.topics.is_empty() {
        return Ok(board);
    }
    // Coverage of the current table completed optimally: what is short
    // even when every open slot is filled as well as it can be.
    match solver::assign(&problem) {
        Ok(done) => {
            board.short = done
                .coverage
                .short
                .iter()
                .map(|s| ShortView {
                    application_id: s.application,
                    number: number(s.application.0),
                    assigned: current.iter().filter(|(a, _)| *a == s.application).count() as u32,
                    required: s.required,
                    reason: s.reason.label(),
                })
                .collect();
            board.under_min = done
                .coverage
                .under_min_load
                .iter()
                .map(|u| (p.expert_name(u.expert.0), u.load, u.min_load))
                .collect();
        }
        Err(e) => board.solver_error = e.to_string(),
    }
    let kept = p.kept();
    let fresh = p.problem(&kept, &removed);
    match (solver::assign(&fresh), solver::assign_greedy(&fresh)) {
        (Ok(best), Ok(greedy)) => {
            board.optimal_score = Some(best.total_score);
            board.greedy_score = Some(greedy.total_score);
        }
        (Err(e), _) | (_, Err(e)) => board.solver_error = e.to_string(),
    }
    Ok(board)
}
