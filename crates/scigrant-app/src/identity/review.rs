//! Staff review of unit registrations (后台初审 / 复审): the queue, the
//! unit's documents, and the decision, which the unit sees with its reason.

use scigrant_domain::dictionary::{DictKind, Dictionary};
use scigrant_domain::identity::account::{AccountKind, UnitState, UnitTransition};
use scigrant_domain::identity::decision::{DecisionOutcome, DecisionStage};
use scigrant_domain::ids::UnitId;
use scigrant_domain::mask::mask_phone;
use scigrant_store::identity::accounts;

use crate::dictionary::read as read_dictionary;
use crate::record::{AccountDecision, AuditEvent, record_decision};
use crate::{Actor, App, AppError, Page};

/// A unit as a reviewer sees it (contact phone masked).
#[derive(Clone, Debug)]
pub struct UnitView {
    pub id: UnitId,
    /// 单位性质: the dictionary code the unit holds, its label, and whether
    /// the entry has been retired (停用) since.
    pub kind: String,
    pub kind_label: String,
    pub kind_retired: bool,
    pub name: String,
    pub legal_rep: String,
    pub reg_place: String,
    pub uscc: String,
    pub contact_name: String,
    pub contact_phone_masked: String,
    pub state: UnitState,
    pub reject_reason: Option<String>,
    pub cert_file_id: Option<i64>,
    pub org_cert_file_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) fn unit_view(
    app: &App,
    u: accounts::UnitRow,
    natures: &Dictionary,
) -> Result<UnitView, AppError> {
    let entry = natures.entry(&u.kind);
    let contact_phone = u.contact_phone(&app.pii)?;
    Ok(UnitView {
        id: UnitId(u.id),
        kind_label: natures.label_of(&u.kind).to_string(),
        kind_retired: entry.is_some_and(|e| !e.enabled),
        kind: u.kind,
        contact_phone_masked: mask_phone(&contact_phone),
        state: UnitState::from_code(&u.state).unwrap_or(UnitState::PendingInitial),
        name: u.name,
        legal_rep: u.legal_rep,
        reg_place: u.reg_place,
        uscc: u.uscc,
        contact_name: u.contact_name,
        reject_reason: u.reject_reason,
        cert_file_id: u.cert_file_id,
        org_cert_file_id: u.org_cert_file_id,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// Which queue a reviewer looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queue {
    Initial,
    Second,
    All,
}

impl Queue {
    /// The queue a page asks for (`initial` when unknown or absent).
    pub fn from_code(code: &str) -> Queue {
        match code {
            "second" => Queue::Second,
            "all" => Queue::All,
            _ => Queue::Initial,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Queue::Initial => "initial",
            Queue::Second => "second",
            Queue::All => "all",
        }
    }
    fn states(self) -> Vec<&'static str> {
        match self {
            Queue::Initial => vec![UnitState::PendingInitial.code()],
            Queue::Second => vec![UnitState::PendingSecond.code()],
            Queue::All => vec![],
        }
    }
}

/// One page (20 units) of a review queue, searched by name.
pub async fn queue(app: &App, q: Queue, term: &str, page: i64) -> Result<Page<UnitView>, AppError> {
    queue_page(app, q, term, page, 20).await
}

async fn queue_page(
    app: &App,
    q: Queue,
    term: &str,
    page: i64,
    per_page: i64,
) -> Result<Page<UnitView>, AppError> {
    let mut c = app.db.read().await?;
    let (rows, total) = accounts::list_units(
        &mut c,
        &q.states(),
        term.trim(),
        per_page,
        Page::<UnitView>::offset(page, per_page),
    )
    .await?;
    let natures = read_dictionary(&mut c, DictKind::UnitNature).await?;
    let rows = rows
        .into_iter()
        .map(|u| unit_view(app, u, &natures))
        .collect::<Result<_, _>>()?;
    Ok(Page::new(rows, total, page, per_page))
}

/// Columns of the unit list export, in their stable order.
pub const UNIT_COLUMNS: [(&str, &str); 6] = [
    ("name", "单位名称"),
    ("kind", "单位性质"),
    ("uscc", "统一社会信用代码"),
    ("contact", "联系人"),
    ("state", "状态"),
    ("updated", "提交时间"),
];

/// The units of a queue (the page's search too) as .xlsx in the chosen
/// columns, the contact's phone masked as on screen. Audit `unit.export`.
pub async fn export_units(
    app: &App,
    actor: &Actor,
    q: Queue,
    term: &str,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let page = queue_page(app, q, term, 1, 100_000).await?;
    let bytes =
        crate::export::xlsx_of(
            "单位",
            &UNIT_COLUMNS,
            columns,
            &page.rows,
            |u, key| match key {
                "name" => u.name.clone(),
                "kind" => u.kind_label.clone(),
                "uscc" => u.uscc.clone(),
                "contact" => format!("{}（{}）", u.contact_name, u.contact_phone_masked),
                "state" => u.state.label().to_string(),
                _ => scigrant_domain::calendar::format_datetime(u.updated_at),
            },
        )?;
    let mut tx = app.db.begin().await?;
    crate::audit(
        &mut tx,
        app,
        actor,
        "unit.export",
        ("unit", None),
        "success",
        &format!("{}条", page.rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

pub async fn unit(app: &App, unit_id: UnitId) -> Result<UnitView, AppError> {
    let mut c = app.db.read().await?;
    let u = accounts::unit(&mut c, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let natures = read_dictionary(&mut c, DictKind::UnitNature).await?;
    unit_view(app, u, &natures)
}

#[derive(Clone, Debug)]
pub enum Verdict {
    Approve,
    Reject(String),
}

/// 初审 or 复审, whichever the unit waits for. Side effects: state moved
/// (only if still waiting: two reviewers cannot both decide), decision
/// history, SMS to the contact, audit `unit.review.initial|second`.
pub async fn review_unit(
    app: &App,
    actor: &Actor,
    unit_id: UnitId,
    verdict: &Verdict,
) -> Result<UnitState, AppError> {
    if let Verdict::Reject(reason) = verdict {
        let n = reason.trim().chars().count();
        if n == 0 {
            return Err(AppError::field("reason", "请填写不通过的原因"));
        }
        if n > 200 {
            return Err(AppError::field("reason", "原因不能超过200个字"));
        }
    }
    let mut tx = app.db.begin().await?;
    let u = accounts::unit(&mut tx, unit_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = UnitState::from_code(&u.state).ok_or(AppError::NotFound)?;
    let (stage, t) = match (state, verdict) {
        (UnitState::PendingInitial, Verdict::Approve) => {
            (DecisionStage::Initial, UnitTransition::ApproveInitial)
        }
        (UnitState::PendingInitial, Verdict::Reject(_)) => {
            (DecisionStage::Initial, UnitTransition::RejectInitial)
        }
        (UnitState::PendingSecond, Verdict::Approve) => {
            (DecisionStage::Second, UnitTransition::ApproveSecond)
        }
        (UnitState::PendingSecond, Verdict::Reject(_)) => {
            (DecisionStage::Second, UnitTransition::RejectSecond)
        }
        _ => {
            return Err(AppError::Refused(format!(
                "该单位当前状态为“{}”，无需审核",
                state.label()
            )));
        }
    };
    let next = state.apply(t).ok_or(AppError::Forbidden)?;
    let reason = match verdict {
        Verdict::Reject(r) => Some(r.trim()),
        Verdict::Approve => None,
    };
    let now = app.now();
    if !accounts::move_unit(&mut tx, unit_id.0, state.code(), next.code(), reason, now).await? {
        return Err(AppError::Refused(
            "该单位已被其他审核人员处理，请刷新".into(),
        ));
    }
    let outcome = DecisionOutcome::of_verdict(reason.is_none());
    let stage_label = stage.label();
    let detail = match reason {
        Some(r) => format!("{stage_label}不通过：{r}"),
        None => format!("{stage_label}通过"),
    };
    record_decision(
        &mut tx,
        app,
        actor,
        AccountDecision {
            subject: (AccountKind::Unit, unit_id.0),
            stage,
            outcome,
            reason,
            by: &actor.label,
        },
        AuditEvent {
            action: &format!("unit.review.{}", stage.code()),
            target: ("unit", Some(unit_id.0)),
            outcome: outcome.code(),
            detail: &detail,
        },
    )
    .await?;
    let body = match (stage, reason) {
        (DecisionStage::Initial, None) => "您的单位注册初审已通过，账号已开通。请登录“科技项目申报”完善单位信息并上传组织机构代码证。".to_string(),
        (_, None) => "您的单位注册复审已通过，单位注册完成。".to_string(),
        (_, Some(r)) => format!("您的单位注册{stage_label}未通过，原因：{r}。请登录修改后重新提交。"),
    };
    let phone = u.contact_phone(&app.pii)?;
    crate::notify::notify_account(
        &mut tx,
        app,
        &crate::notify::Recipient {
            kind: scigrant_domain::identity::account::AccountKind::Unit,
            id: u.id,
            phone: &phone,
            email: None,
        },
        "单位注册审核结果",
        &body,
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}
