//! 催办: staff remind the experts whose reviews of a call are still open
//! (proposed or accepted, not submitted) — one SMS per expert naming how
//! many are left and the deadline, through the outbox.

use std::collections::BTreeMap;

use scigrant_domain::calendar;
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::ReviewState;
use scigrant_domain::ids::CallId;
use scigrant_store::evaluation::experts;
use scigrant_store::evaluation::review as store;
use scigrant_store::grants::calls;
use scigrant_store::identity::accounts;

use super::assign::plan_row;
use crate::{Actor, App, AppError, audit};

/// Sends the reminders; returns how many experts were reminded. Side
/// effects: one SMS per expert with open reviews, audit `review.remind`.
pub async fn remind_experts(app: &App, actor: &Actor, call: CallId) -> Result<usize, AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let call_row = calls::call(&mut tx, call.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut open: BTreeMap<i64, usize> = BTreeMap::new();
    for r in store::reviews_of_plan(&mut tx, plan.id).await? {
        let active = AssignmentState::from_code(&r.assignment_state).is_some_and(|s| s.active());
        let submitted = r.review_state.as_deref().and_then(ReviewState::from_code)
            == Some(ReviewState::Submitted);
        if active && !submitted {
            *open.entry(r.expert_id).or_default() += 1;
        }
    }
    if open.is_empty() {
        return Err(AppError::Refused("没有尚未完成的评审任务，无需催办".into()));
    }
    let deadline = calendar::format_datetime(plan.review_deadline);
    let mut reminded = 0;
    for (expert_id, n) in &open {
        let Some(e) = experts::expert(&mut tx, *expert_id).await? else {
            continue;
        };
        let Some(p) = accounts::person(&mut tx, e.person_id).await? else {
            continue;
        };
        let phone = p.phone(&app.pii)?;
        let body = format!(
            "您有{n}份“{}”评审任务尚未完成，评审截止时间为{deadline}，请登录系统完成评审。",
            call_row.name
        );
        crate::notify::notify_account(
            &mut tx,
            app,
            &crate::notify::Recipient {
                kind: scigrant_domain::identity::account::AccountKind::Person,
                id: p.id,
                phone: &phone,
                email: None,
            },
            "评审催办",
            &body,
        )
        .await?;
        reminded += 1;
    }
    audit(
        &mut tx,
        app,
        actor,
        "review.remind",
        ("call", Some(call.0)),
        "success",
        &format!("催办{reminded}位专家"),
    )
    .await?;
    tx.commit().await?;
    Ok(reminded)
}
