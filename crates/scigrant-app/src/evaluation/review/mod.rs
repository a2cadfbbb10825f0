//! 评审 of a call: the program manager's review plan (`plan`), the
//! automatic and manual assignment of experts with every conflict of
//! interest named (`assign`), the expert's workspace where assignments are
//! accepted, declined or declared conflicting and the scoring form is
//! filled (`expert`), and the aggregation, ranking and export of the
//! scores (`ranking`).

mod assign;
mod board;
mod expert;
mod plan;
mod problem;
mod ranking;
mod remind;

pub use assign::{
    RunSummary, add_assignment, expire_unanswered, pin_assignment, remove_assignment,
    run_assignment,
};
pub use board::{AssignmentBoard, BoardRow, ExcludedView, ShortView, assignment_board};
pub use expert::{
    ExpertAssignment, ReviewSheet, Workspace, accept_assignment, declare_conflict,
    decline_assignment, reopen_review, review_application, review_sheet, save_review,
    submit_review, workspace,
};
pub use plan::{PlanForm, PlanView, plan_form_of, plan_of_call, save_plan};
pub use ranking::{
    Progress, RANKING_COLUMNS, RankedApplication, Ranking, ReviewScore, export_reviews, ranking,
};
pub use remind::remind_experts;
