//! 立项: staff of a call (项目管理员) set its budget and decide each
//! accepted application — 立项 with an approved amount, or 不予立项 with
//! a reason. Every decision re-checks the whole selection against the
//! call's 立项数量 and budget, the cap and what was requested, in the
//! transaction that records it with its audit record.

use scigrant_domain::evaluation::funding::{
    self as rules, Limits, NoticeKind, NoticePhase, NoticeState, Refusal, Verdict,
};
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{FormData, Money, Value};
use scigrant_domain::ids::{ApplicationId, CallId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::funding as store;
use scigrant_store::grants::applications::{self as apps, ApplicationRow};
use scigrant_store::identity::accounts;

use crate::grants::applications::latest_data;
use crate::grants::calls::{CallView, call_view};
use crate::{Actor, App, AppError, audit};
use scigrant_store::pii::PiiCipher;

/// The field of the application forms stating 申请经费 (万元).
const BUDGET_KEY: &str = "budget_requested";
/// The field naming the 项目负责人 / 团长 on the built-in forms.
const LEADER_KEY: &str = "leader_name";

fn text_of(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

/// The frozen form of an accepted application (the draft when none).
fn frozen(pii: &PiiCipher, row: &ApplicationRow) -> FormData {
    latest_data(pii, row.id, &row.data_json, row.submitted_json.as_deref())
}

/// 申请经费 as submitted.
pub(crate) fn requested_of(pii: &PiiCipher, row: &ApplicationRow) -> Option<Money> {
    Money::parse(&text_of(&frozen(pii, row), BUDGET_KEY)).ok()
}

/// The 负责人 as the form names them, else the applicant.
pub(crate) async fn leader_of(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    row: &ApplicationRow,
) -> Result<String, AppError> {
    let named = text_of(&frozen(pii, row), LEADER_KEY);
    if !named.is_empty() {
        return Ok(named);
    }
    Ok(accounts::person(c, row.person_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default())
}

/// A decision as staff and (after the 公示) the applicant read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionView {
    pub verdict: Verdict,
    /// The approved amount; zero for 不予立项.
    pub amount: Money,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: i64,
    /// Sent back to staff by an upheld objection: to be decided again.
    pub reopened: bool,
}

impl From<store::DecisionRow> for DecisionView {
    fn from(d: store::DecisionRow) -> DecisionView {
        DecisionView {
            verdict: Verdict::from_code(&d.verdict).unwrap_or(Verdict::Decline),
            amount: Money::from_cents(d.amount_cents),
            reason: d.reason,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            reopened: d.reopened != 0,
        }
    }
}

/// An accepted application on the funding page.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub id: ApplicationId,
    pub number: String,
    pub title: String,
    pub unit_name: String,
    pub leader: String,
    pub requested: Option<Money>,
    pub decision: Option<DecisionView>,
}

/// A notice of the call as staff list it.
#[derive(Clone, Debug)]
pub struct NoticeLine {
    pub id: i64,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub phase: NoticePhase,
    pub unhandled: i64,
}

/// The funding page of a call: limits, running totals, the accepted
/// applications with their decisions, and the call's 立项公示.
#[derive(Clone, Debug)]
pub struct Board {
    pub call: CallView,
    pub budget: Option<Money>,
    pub funded_count: i64,
    pub funded_total: Money,
    pub candidates: Vec<Candidate>,
    pub notices: Vec<NoticeLine>,
    /// A 立项公示 stands (published, not withdrawn): decisions are locked.
    pub locked: bool,
}

impl Board {
    /// What is left of the budget, when one is set.
    pub fn remaining(&self) -> Option<Money> {
        self.budget
            .map(|b| Money::from_cents(b.cents() - self.funded_total.cents()))
    }
}

/// Amounts of the call's standing 立项 decisions, except `except`.
fn funded_amounts(decisions: &[store::DecisionRow], except: Option<i64>) -> Vec<Money> {
    decisions
        .iter()
        .filter(|d| d.reopened == 0 && Some(d.application_id) != except)
        .filter(|d| d.verdict == Verdict::Fund.code())
        .map(|d| Money::from_cents(d.amount_cents))
        .collect()
}

/// Whether a 立项公示 of the call stands (published and not withdrawn).
pub(crate) async fn standing_notice(
    c: &mut AnyConnection,
    call_id: i64,
) -> Result<Option<store::NoticeRow>, AppError> {
    Ok(store::notices_of_call(c, call_id, NoticeKind::Funding)
        .await?
        .into_iter()
        .find(|n| n.state == NoticeState::Published.code()))
}

pub async fn board(app: &App, call_id: CallId) -> Result<Board, AppError> {
    let mut c = app.db.read().await?;
    let row = scigrant_store::grants::calls::call(&mut c, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(&mut c, row).await?;
    let budget = store::budget(&mut c, call_id.0)
        .await?
        .map(Money::from_cents);
    let decisions = store::decisions_of_call(&mut c, call_id.0).await?;
    let funded = funded_amounts(&decisions, None);
    let rows = apps::of_call(&mut c, call_id.0, Some(ApplicationState::Accepted)).await?;
    let mut candidates = Vec::with_capacity(rows.len());
    for r in rows {
        let unit_name = accounts::unit(&mut c, r.unit_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let leader = leader_of(&mut c, &app.pii, &r).await?;
        candidates.push(Candidate {
            id: ApplicationId(r.id),
            requested: requested_of(&app.pii, &r),
            decision: decisions
                .iter()
                .find(|d| d.application_id == r.id)
                .cloned()
                .map(DecisionView::from),
            number: r.number.unwrap_or_default(),
            title: r.title,
            unit_name,
            leader,
        });
    }
    let now = app.now();
    let mut notices = Vec::new();
    for n in store::notices_of_call(&mut c, call_id.0, NoticeKind::Funding).await? {
        let unhandled = store::unhandled_count(&mut c, n.id).await?;
        let state = NoticeState::from_code(&n.state).unwrap_or(NoticeState::Withdrawn);
        notices.push(NoticeLine {
            id: n.id,
            phase: rules::phase(state, n.starts_at, n.ends_at, unhandled, now),
            title: n.title,
            starts_at: n.starts_at,
            ends_at: n.ends_at,
            unhandled,
        });
    }
    let locked = standing_notice(&mut c, call_id.0).await?.is_some();
    Ok(Board {
        call,
        budget,
        funded_count: funded.len() as i64,
        funded_total: funded.iter().fold(Money::ZERO, |a, m| a.saturating_add(*m)),
        candidates,
        notices,
        locked,
    })
}

fn refused(r: Refusal) -> AppError {
    AppError::field(r.field, r.message)
}

const LOCKED: &str = "本类别的立项公示已发布，立项决定不能修改；如异议成立，决定将退回重新办理";

/// Sets the call's budget (资助预算, 万元). Refused below what is already
/// funded, and while a 立项公示 stands. Side effects: the budget, audit
/// `funding.budget`.
pub async fn set_budget(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    budget: &str,
) -> Result<(), AppError> {
    let amount = Money::parse(budget).map_err(|e| AppError::field("budget", e.to_string()))?;
    let mut tx = app.db.begin().await?;
    scigrant_store::grants::calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock_selection(&mut tx, call_id.0).await?;
    if standing_notice(&mut tx, call_id.0).await?.is_some() {
        return Err(AppError::Refused(LOCKED.into()));
    }
    let decisions = store::decisions_of_call(&mut tx, call_id.0).await?;
    let total = funded_amounts(&decisions, None)
        .iter()
        .fold(Money::ZERO, |a, m| a.saturating_add(*m));
    rules::check_budget(amount, total).map_err(refused)?;
    store::set_budget(&mut tx, call_id.0, amount.cents(), &actor.label, app.now()).await?;
    audit(
        &mut tx,
        app,
        actor,
        "funding.budget",
        ("call", Some(call_id.0)),
        "success",
        &format!("资助预算 {amount} 万元"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A decision as posted: 立项 (`fund`) or 不予立项 (`decline`), the
/// approved amount in 万元 and the reason.
#[derive(Clone, Debug, Default)]
pub struct DecisionForm {
    pub verdict: String,
    pub amount: String,
    pub reason: String,
}

/// 立项 / 不予立项 on one accepted application. The amount must not
/// exceed what was requested or the call's cap, the call's standing 立项
/// (this one included) must stay within its 立项数量 and budget, and 不予
/// 立项 needs a reason; each refusal names the limit beside its field.
/// Side effects: the decision (replacing an earlier one), audit
/// `funding.decide`.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: ApplicationId,
    f: &DecisionForm,
) -> Result<(), AppError> {
    let verdict = Verdict::from_code(&f.verdict)
        .ok_or_else(|| AppError::field("verdict", "请选择立项或不予立项"))?;
    let reason = f.reason.trim();
    rules::check_reason(verdict, reason).map_err(refused)?;
    let amount = match verdict {
        Verdict::Fund => {
            Money::parse(&f.amount).map_err(|e| AppError::field("amount", e.to_string()))?
        }
        Verdict::Decline => Money::ZERO,
    };
    let mut tx = app.db.begin().await?;
    let row = apps::get(&mut tx, id.0).await?.ok_or(AppError::NotFound)?;
    store::lock_selection(&mut tx, row.call_id).await?;
    if row.state != ApplicationState::Accepted.code() {
        return Err(AppError::Refused(
            "只有形式审查已受理的申报书可以作出立项决定".into(),
        ));
    }
    if standing_notice(&mut tx, row.call_id).await?.is_some() {
        return Err(AppError::Refused(LOCKED.into()));
    }
    let call_row = scigrant_store::grants::calls::call(&mut tx, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if verdict == Verdict::Fund {
        let cap = Money::from_cents(call_row.cap_cents);
        rules::check_amount(amount, requested_of(&app.pii, &row), cap).map_err(refused)?;
        let limits = Limits {
            quota: call_row.quota,
            budget: store::budget(&mut tx, row.call_id)
                .await?
                .map(Money::from_cents),
            cap,
        };
        let decisions = store::decisions_of_call(&mut tx, row.call_id).await?;
        let mut funded = funded_amounts(&decisions, Some(row.id));
        funded.push(amount);
        rules::check_selection(&limits, &funded).map_err(refused)?;
    }
    store::upsert_decision(
        &mut tx,
        &store::NewDecision {
            application_id: row.id,
            call_id: row.call_id,
            verdict,
            amount_cents: amount.cents(),
            reason,
            by: &actor.label,
            now: app.now(),
        },
    )
    .await?;
    let detail = match verdict {
        Verdict::Fund => format!("立项 {amount} 万元 {reason}"),
        Verdict::Decline => format!("不予立项：{reason}"),
    };
    audit(
        &mut tx,
        app,
        actor,
        "funding.decide",
        ("application", Some(row.id)),
        "success",
        detail.trim(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
