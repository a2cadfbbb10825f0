//! 立项公示: staff publish the call's standing 立项 (project, unit, 负责人,
//! amount) on the portal for a period with the notice text; anyone reads
//! it; the applicant and the unit read their outcome on the application's
//! page once the period has begun. The published rows are a snapshot:
//! later changes do not alter what was announced. 专家公示 uses the same
//! notices: the reviewing experts (name, unit, 职称) for a period, with
//! no objections.

use scigrant_domain::calendar::{self, DayPart};
use scigrant_domain::evaluation::funding::{
    self as rules, NoticeKind, NoticePhase, NoticeState, PeriodRule, Verdict,
};
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::Money;
use scigrant_domain::ids::{ApplicationId, CallId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::funding as store;
use scigrant_store::grants::applications as apps;
use scigrant_store::identity::accounts;

use super::funding::{DecisionView, leader_of, standing_notice};
use crate::grants::applications::Reader;
use crate::grants::calls::moment_field;
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The 公示 form as typed.
#[derive(Clone, Debug, Default)]
pub struct NoticeForm {
    pub title: String,
    pub body: String,
    /// First and last day of the period (`2023-06-01`), or a moment.
    pub starts: String,
    pub ends: String,
}

/// The period bounds staff may choose, from the configuration.
pub fn period_rule(app: &App) -> PeriodRule {
    PeriodRule {
        min_days: app.config.notice_min_days,
        max_days: app.config.notice_max_days,
    }
}

/// The title, text and period of a 公示 form, each error beside its
/// field: the period's length within the configured days, ending no
/// earlier than now.
fn notice_period(app: &App, f: &NoticeForm) -> Result<(i64, i64), AppError> {
    let mut e = FieldErrors::new();
    e.require("title", &f.title, "公示标题", 100);
    e.require("body", &f.body, "公示内容", 5000);
    let hint = "请按“年-月-日”填写，例如 2023-06-01";
    let starts = moment_field(&mut e, "starts", &f.starts, DayPart::Start, hint);
    let ends = moment_field(&mut e, "ends", &f.ends, DayPart::End, hint);
    if let (Some(s), Some(t)) = (starts, ends) {
        let first = calendar::day_start(calendar::civil_date(s));
        let last = calendar::day_start(calendar::civil_date(t));
        if let Err(r) = period_rule(app).check(first, last) {
            e.add(r.field, r.message);
        } else if t <= app.now() {
            e.add("ends", "公示结束时间不能早于当前时间");
        }
    }
    e.into_result()?;
    Ok((starts.unwrap_or(0), ends.unwrap_or(0)))
}

/// Publishes the 立项公示 of a call: every standing 立项 with its project,
/// unit, 负责人 and amount, for the period typed (its length within the
/// configured 5–10 days), ending no earlier than now. Refused while
/// another 立项公示 of the call stands, while a decision sent back by an
/// objection waits, or when nothing is funded. Side effects: the notice
/// and its rows, an SMS to each decided applicant and their unit, audit
/// `notice.publish`. Returns the notice's id.
pub async fn publish_funding_notice(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    f: &NoticeForm,
) -> Result<i64, AppError> {
    let (starts, ends) = notice_period(app, f)?;
    let mut tx = app.db.begin().await?;
    let call = scigrant_store::grants::calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock_selection(&mut tx, call_id.0).await?;
    if standing_notice(&mut tx, call_id.0).await?.is_some() {
        return Err(AppError::Refused("本类别已有立项公示，不能重复发布".into()));
    }
    let decisions = store::decisions_of_call(&mut tx, call_id.0).await?;
    if decisions.iter().any(|d| d.reopened != 0) {
        return Err(AppError::Refused(
            "有异议成立后退回的立项决定尚未重新作出，请先重新决定".into(),
        ));
    }
    let funded: Vec<_> = decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Fund.code())
        .collect();
    if funded.is_empty() {
        return Err(AppError::Refused("尚无立项项目，不能发布立项公示".into()));
    }
    let now = app.now();
    let id = store::insert_notice(
        &mut tx,
        &store::NewNotice {
            kind: NoticeKind::Funding,
            call_id: call_id.0,
            title: f.title.trim(),
            body: f.body.trim(),
            starts_at: starts,
            ends_at: ends,
            by: &actor.label,
            now,
        },
    )
    .await?;
    for d in &funded {
        let row = apps::get(&mut tx, d.application_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let unit_name = accounts::unit(&mut tx, row.unit_id)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        let leader = leader_of(&mut tx, &app.pii, &row).await?;
        store::insert_item(
            &mut tx,
            &store::NoticeItemRow {
                notice_id: id,
                application_id: row.id,
                project: row.title.clone(),
                unit_name,
                leader,
                amount_cents: d.amount_cents,
            },
        )
        .await?;
    }
    for d in &decisions {
        notify_parties(&mut tx, app, d.application_id, &call.name, starts).await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "notice.publish",
        ("notice", Some(id)),
        "success",
        &format!(
            "{} {} 立项 {} 项，公示期 {} 至 {}",
            call.code,
            f.title.trim(),
            funded.len(),
            calendar::format_datetime(starts),
            calendar::format_datetime(ends)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Tells the applicant and the unit's contact that the result is out.
async fn notify_parties(
    c: &mut AnyConnection,
    app: &App,
    application_id: i64,
    call_name: &str,
    starts: i64,
) -> Result<(), AppError> {
    let Some(row) = apps::get(c, application_id).await? else {
        return Ok(());
    };
    let body = format!(
        "您单位申报的“{call_name}”项目《{}》立项结果将于{}起公示，请登录系统查看。",
        row.title,
        calendar::format_date(starts)
    );
    if let Some(p) = accounts::person(c, row.person_id).await? {
        let phone = p.phone(&app.pii)?;
        crate::notify::notify_account(
            c,
            app,
            &crate::notify::Recipient {
                kind: scigrant_domain::identity::account::AccountKind::Person,
                id: p.id,
                phone: &phone,
                email: None,
            },
            "立项公示",
            &body,
        )
        .await?;
    }
    if let Some(u) = accounts::unit(c, row.unit_id).await? {
        let phone = u.contact_phone(&app.pii)?;
        crate::notify::notify_account(
            c,
            app,
            &crate::notify::Recipient {
                kind: scigrant_domain::identity::account::AccountKind::Unit,
                id: u.id,
                phone: &phone,
                email: None,
            },
            "立项公示",
            &body,
        )
        .await?;
    }
    Ok(())
}

/// One row of a published notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeItem {
    pub application_id: ApplicationId,
    pub project: String,
    pub unit_name: String,
    pub leader: String,
    pub amount: Money,
}

/// A notice as the portal shows it.
#[derive(Clone, Debug)]
pub struct NoticeView {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub call_id: CallId,
    pub call_code: String,
    pub call_name: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub phase: NoticePhase,
    pub items: Vec<NoticeItem>,
    pub total: Money,
    /// The experts a 专家公示 listed (empty for a 立项公示).
    pub experts: Vec<NoticeExpert>,
}

/// One expert listed by a 专家公示.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoticeExpert {
    pub name: String,
    pub unit_name: String,
    pub title: String,
}

impl From<store::NoticeExpertRow> for NoticeExpert {
    fn from(r: store::NoticeExpertRow) -> Self {
        NoticeExpert {
            name: r.name,
            unit_name: r.unit_name,
            title: r.title,
        }
    }
}

impl NoticeView {
    /// Whether objections are taken now: a 立项公示 in its period. A
    /// 专家公示 only informs; it takes none.
    pub fn open(&self) -> bool {
        self.kind == NoticeKind::Funding && self.phase == NoticePhase::Open
    }
    /// The phase as the portal reads it: a 专家公示 decides nothing, so it
    /// ends rather than "takes effect".
    pub fn phase_label(&self) -> &'static str {
        match (self.kind, self.phase) {
            (NoticeKind::Experts, NoticePhase::Final | NoticePhase::Pending) => "公示已结束",
            (_, p) => p.label(),
        }
    }
}

pub(crate) async fn notice_view(
    c: &mut AnyConnection,
    app: &App,
    n: store::NoticeRow,
) -> Result<NoticeView, AppError> {
    let call = scigrant_store::grants::calls::call(c, n.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let items: Vec<NoticeItem> = store::items(c, n.id)
        .await?
        .into_iter()
        .map(|i| NoticeItem {
            application_id: ApplicationId(i.application_id),
            project: i.project,
            unit_name: i.unit_name,
            leader: i.leader,
            amount: Money::from_cents(i.amount_cents),
        })
        .collect();
    let experts = store::notice_experts(c, n.id)
        .await?
        .into_iter()
        .map(NoticeExpert::from)
        .collect();
    let unhandled = store::unhandled_count(c, n.id).await?;
    let state = NoticeState::from_code(&n.state).unwrap_or(NoticeState::Withdrawn);
    Ok(NoticeView {
        experts,
        id: n.id,
        kind: NoticeKind::from_code(&n.kind).unwrap_or(NoticeKind::Funding),
        phase: rules::phase(state, n.starts_at, n.ends_at, unhandled, app.now()),
        total: items
            .iter()
            .fold(Money::ZERO, |a, i| a.saturating_add(i.amount)),
        items,
        title: n.title,
        body: n.body,
        call_id: CallId(n.call_id),
        call_code: call.code,
        call_name: call.name,
        starts_at: n.starts_at,
        ends_at: n.ends_at,
    })
}

/// 公示公告: every notice whose period has begun, newest first.
pub async fn public_notices(app: &App) -> Result<Vec<NoticeView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = store::notices_begun(&mut c, app.now()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for n in rows {
        out.push(notice_view(&mut c, app, n).await?);
    }
    Ok(out)
}

/// One notice for the portal; one whose period has not begun is not found.
pub async fn public_notice(app: &App, id: i64) -> Result<NoticeView, AppError> {
    let mut c = app.db.read().await?;
    let n = store::notice(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if n.starts_at > app.now() {
        return Err(AppError::NotFound);
    }
    notice_view(&mut c, app, n).await
}

/// One notice for staff, at any time.
pub async fn staff_notice(app: &App, id: i64) -> Result<NoticeView, AppError> {
    let mut c = app.db.read().await?;
    let n = store::notice(&mut c, id).await?.ok_or(AppError::NotFound)?;
    notice_view(&mut c, app, n).await
}

/// The funding outcome as the applicant and the unit read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingOutcome {
    pub notice_id: i64,
    pub phase: NoticePhase,
    pub starts_at: i64,
    pub ends_at: i64,
    /// `None` while an upheld objection has sent it back to staff.
    pub decision: Option<DecisionView>,
    /// The experts' submitted opinions, anonymised, in submission order.
    pub reviews: Vec<ReviewNote>,
}

/// One expert's 综合评价 and 评审意见 as the applicant reads them: the
/// expert is "专家一", "专家二"…, never named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewNote {
    pub expert: String,
    /// "A 优"…; empty when the form had no 综合评价.
    pub grade: String,
    pub comment: String,
}

/// The outcome of an application for its reader, once the call's latest
/// 立项公示 has begun; `None` before. Others' applications are
/// `NotFound`. Nothing about objections is shown here.
pub async fn outcome(
    app: &App,
    reader: Reader,
    id: ApplicationId,
) -> Result<Option<FundingOutcome>, AppError> {
    let mut c = app.db.read().await?;
    let row = apps::get(&mut c, id.0).await?.ok_or(AppError::NotFound)?;
    let allowed = match reader {
        Reader::Person(p) => row.person_id == p,
        Reader::Unit(u) => row.unit_id == u,
        Reader::Delegate { person, unit } => row.person_id == person || row.unit_id == unit,
        Reader::Staff => true,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    if row.state != ApplicationState::Accepted.code() {
        return Ok(None);
    }
    let now = app.now();
    let latest = store::notices_of_call(&mut c, row.call_id, NoticeKind::Funding)
        .await?
        .into_iter()
        .find(|n| n.starts_at <= now);
    let Some(n) = latest else {
        return Ok(None);
    };
    let unhandled = store::unhandled_count(&mut c, n.id).await?;
    let state = NoticeState::from_code(&n.state).unwrap_or(NoticeState::Withdrawn);
    let decision = store::decision(&mut c, row.id)
        .await?
        .map(DecisionView::from)
        .filter(|d| !d.reopened);
    let reviews = review_notes(&mut c, row.id).await?;
    Ok(Some(FundingOutcome {
        notice_id: n.id,
        phase: rules::phase(state, n.starts_at, n.ends_at, unhandled, now),
        starts_at: n.starts_at,
        ends_at: n.ends_at,
        decision,
        reviews,
    }))
}

/// The submitted reviews of an application that still count, anonymised.
async fn review_notes(c: &mut AnyConnection, id: i64) -> Result<Vec<ReviewNote>, AppError> {
    use scigrant_domain::evaluation::expert::AssignmentState;
    use scigrant_domain::evaluation::review::{COMMENT_KEY, anonymous_expert};
    use scigrant_domain::evaluation::score::Grade;
    use scigrant_domain::grants::form::{FormData, Value};
    let rows = scigrant_store::evaluation::review::submitted_reviews_of_application(c, id).await?;
    Ok(rows
        .into_iter()
        .filter(|r| AssignmentState::from_code(&r.assignment_state).is_some_and(|s| s.active()))
        .enumerate()
        .map(|(i, r)| {
            let data: FormData = serde_json::from_str(&r.data_json).unwrap_or_default();
            let comment = match data.get(COMMENT_KEY) {
                Some(Value::Text(t)) => t.trim().to_string(),
                _ => String::new(),
            };
            ReviewNote {
                expert: anonymous_expert(i + 1),
                grade: Grade::from_code(&r.grade)
                    .map(|g| g.label().to_string())
                    .unwrap_or_default(),
                comment,
            }
        })
        .collect())
}

/// What staff see before publishing a call's 专家公示: the experts who
/// submitted reviews, and the 专家公示 already published.
#[derive(Clone, Debug)]
pub struct ExpertsNoticeBoard {
    pub call_id: CallId,
    pub call_code: String,
    pub call_name: String,
    pub experts: Vec<NoticeExpert>,
    pub notices: Vec<NoticeView>,
}

pub async fn experts_notice_board(
    app: &App,
    call_id: CallId,
) -> Result<ExpertsNoticeBoard, AppError> {
    let mut c = app.db.read().await?;
    let call = scigrant_store::grants::calls::call(&mut c, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let experts = store::reviewing_experts(&mut c, call_id.0)
        .await?
        .into_iter()
        .map(NoticeExpert::from)
        .collect();
    let mut notices = Vec::new();
    for n in store::notices_of_call(&mut c, call_id.0, NoticeKind::Experts).await? {
        notices.push(notice_view(&mut c, app, n).await?);
    }
    Ok(ExpertsNoticeBoard {
        call_id,
        call_code: call.code,
        call_name: call.name,
        experts,
        notices,
    })
}

/// Publishes the 专家公示 of a call: the name, unit and 职称 of every
/// expert who submitted a review of its applications, for the period
/// typed (as for 立项公示). It takes no objections. Refused while another
/// 专家公示 of the call is in or before its period, or when no expert has
/// submitted a review. Side effects: the notice and its expert rows (a
/// snapshot), audit `notice.publish`. Returns the notice's id.
pub async fn publish_experts_notice(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    f: &NoticeForm,
) -> Result<i64, AppError> {
    let (starts, ends) = notice_period(app, f)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let call = scigrant_store::grants::calls::call(&mut tx, call_id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    // Serialises publications of the call's notices, as for 立项公示.
    store::lock_selection(&mut tx, call_id.0).await?;
    let standing = store::notices_of_call(&mut tx, call_id.0, NoticeKind::Experts)
        .await?
        .into_iter()
        .any(|n| n.state == NoticeState::Published.code() && n.ends_at >= now);
    if standing {
        return Err(AppError::Refused(
            "本类别的专家公示尚在公示期内，不能重复发布".into(),
        ));
    }
    let experts = store::reviewing_experts(&mut tx, call_id.0).await?;
    if experts.is_empty() {
        return Err(AppError::Refused(
            "尚无提交评审意见的专家，不能发布专家公示".into(),
        ));
    }
    let id = store::insert_notice(
        &mut tx,
        &store::NewNotice {
            kind: NoticeKind::Experts,
            call_id: call_id.0,
            title: f.title.trim(),
            body: f.body.trim(),
            starts_at: starts,
            ends_at: ends,
            by: &actor.label,
            now,
        },
    )
    .await?;
    for e in &experts {
        store::insert_notice_expert(
            &mut tx,
            &store::NoticeExpertRow {
                notice_id: id,
                ..e.clone()
            },
        )
        .await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        "notice.publish",
        ("notice", Some(id)),
        "success",
        &format!(
            "{} {} 专家公示 {} 人，公示期 {} 至 {}",
            call.code,
            f.title.trim(),
            experts.len(),
            calendar::format_datetime(starts),
            calendar::format_datetime(ends)
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
