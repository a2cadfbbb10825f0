//! 评审方案: one per call (函评 round). The program manager sets the
//! reviewers per application (default 3), each expert's minimum and
//! maximum load, the acceptance and review deadlines, whether applicants'
//! identities are hidden from experts, and the scoring form (the built-in
//! 项目评审意见表 or an imported declaration, stored as a form
//! specification that never changes once reviews use it).

use std::sync::Arc;

use scigrant_domain::calendar::{self, DayPart};
use scigrant_domain::evaluation::assign::DEFAULT_REVIEWERS;
use scigrant_domain::evaluation::review::{
    self as rules, Criterion, MAX_LOAD, MAX_REVIEWERS, PlanState, ROUND_REMOTE,
};
use scigrant_domain::grants::form::FormSpec;
use scigrant_domain::ids::{CallId, ReviewPlanId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::review::{self as store, PlanFields, PlanRow};
use scigrant_store::grants::calls;

use crate::grants::calls::{CallView, call_view, moment_field, spec_in};
use crate::{Actor, App, AppError, FieldErrors, audit};

/// The plan form as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanForm {
    pub reviewers: String,
    pub min_load: String,
    pub max_load: String,
    pub accept_deadline: String,
    pub review_deadline: String,
    pub hide_identity: bool,
    /// An imported scoring form (JSON); empty keeps the current one, or
    /// the built-in template for a new plan.
    pub sheet_json: String,
}

/// A call's plan as staff and experts read it.
#[derive(Clone, Debug)]
pub struct PlanView {
    pub id: ReviewPlanId,
    pub call: CallView,
    pub reviewers: u32,
    pub min_load: u32,
    pub max_load: u32,
    pub accept_deadline: i64,
    pub review_deadline: i64,
    pub hide_identity: bool,
    pub form_spec_id: i64,
    pub sheet: Arc<FormSpec>,
    pub criteria: Vec<Criterion>,
    pub max_total: u32,
}

pub(crate) async fn plan_view(
    app: &App,
    c: &mut AnyConnection,
    row: PlanRow,
) -> Result<PlanView, AppError> {
    let call_row = calls::call(c, row.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let call = call_view(c, call_row).await?;
    let sheet = spec_in(app, c, row.form_spec_id).await?;
    Ok(PlanView {
        id: ReviewPlanId(row.id),
        call,
        reviewers: u32::try_from(row.reviewers_per_app).unwrap_or(0),
        min_load: u32::try_from(row.min_load).unwrap_or(0),
        max_load: u32::try_from(row.max_load).unwrap_or(0),
        accept_deadline: row.accept_deadline,
        review_deadline: row.review_deadline,
        hide_identity: row.hide_identity != 0,
        form_spec_id: row.form_spec_id,
        criteria: rules::criteria(&sheet),
        max_total: rules::max_total(&sheet),
        sheet,
    })
}

/// The call's 函评 plan, if staff set one.
pub async fn plan_of_call(app: &App, call: CallId) -> Result<Option<PlanView>, AppError> {
    let mut c = app.db.read().await?;
    calls::call(&mut c, call.0)
        .await?
        .ok_or(AppError::NotFound)?;
    match store::plan_of_call(&mut c, call.0, ROUND_REMOTE).await? {
        Some(row) => Ok(Some(plan_view(app, &mut c, row).await?)),
        None => Ok(None),
    }
}

/// The form as it stands: the plan's values, or the defaults (3 reviewers,
/// loads 0 to 10) for a call without one.
pub fn plan_form_of(plan: Option<&PlanView>) -> PlanForm {
    match plan {
        Some(p) => PlanForm {
            reviewers: p.reviewers.to_string(),
            min_load: p.min_load.to_string(),
            max_load: p.max_load.to_string(),
            accept_deadline: calendar::format_datetime(p.accept_deadline),
            review_deadline: calendar::format_datetime(p.review_deadline),
            hide_identity: p.hide_identity,
            sheet_json: String::new(),
        },
        None => PlanForm {
            reviewers: DEFAULT_REVIEWERS.to_string(),
            min_load: "0".into(),
            max_load: "10".into(),
            hide_identity: true,
            ..PlanForm::default()
        },
    }
}

fn count(
    e: &mut FieldErrors,
    field: &str,
    value: &str,
    label: &str,
    min: u32,
    max: u32,
) -> Option<u32> {
    match value.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            e.add(field, format!("{label}应为{min}至{max}之间的整数"));
            None
        }
    }
}

/// Sets the call's 函评 plan (creating it the first time). Refused with
/// every problem beside its field: counts out of range, a minimum load
/// above the maximum, deadlines that are not real moments or in the wrong
/// order, a scoring form that does not parse or has no criterion. Side
/// effects: a new form specification when a scoring form is imported (or
/// the built-in one for a new plan), audit `review.plan`.
pub async fn save_plan(
    app: &App,
    actor: &Actor,
    call: CallId,
    f: &PlanForm,
) -> Result<ReviewPlanId, AppError> {
    let mut e = FieldErrors::new();
    let reviewers = count(
        &mut e,
        "reviewers",
        &f.reviewers,
        "每份申报书评审专家数",
        1,
        MAX_REVIEWERS,
    );
    let min_load = count(
        &mut e,
        "min_load",
        &f.min_load,
        "每位专家最少评审数",
        0,
        MAX_LOAD,
    );
    let max_load = count(
        &mut e,
        "max_load",
        &f.max_load,
        "每位专家最多评审数",
        1,
        MAX_LOAD,
    );
    if let (Some(lo), Some(hi)) = (min_load, max_load)
        && lo > hi
    {
        e.add("min_load", "最少评审数不能大于最多评审数");
    }
    let accept = moment_field(
        &mut e,
        "accept_deadline",
        &f.accept_deadline,
        DayPart::End,
        "请输入专家接受评审截止时间（如2023-05-10 或 2023-05-10 18:00）",
    );
    let review = moment_field(
        &mut e,
        "review_deadline",
        &f.review_deadline,
        DayPart::End,
        "请输入评审截止时间（如2023-05-20）",
    );
    if let (Some(a), Some(r)) = (accept, review)
        && a > r
    {
        e.add("review_deadline", "评审截止时间不能早于接受评审截止时间");
    }
    let imported = if f.sheet_json.trim().is_empty() {
        None
    } else {
        match FormSpec::from_json(&f.sheet_json).and_then(|s| rules::check_sheet(&s).map(|()| s)) {
            Ok(s) => Some(s),
            Err(m) => {
                e.add("sheet_json", format!("评审意见表定义有误：{m}"));
                None
            }
        }
    };
    let mut tx = app.db.begin().await?;
    let call_row = calls::call(&mut tx, call.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(a) = accept
        && a <= call_row.closes_at
    {
        e.add("accept_deadline", "接受评审截止时间须晚于申报截止时间");
    }
    e.into_result()?;
    let (Some(reviewers), Some(min_load), Some(max_load), Some(accept), Some(review)) =
        (reviewers, min_load, max_load, accept, review)
    else {
        return Err(AppError::Internal("plan checked without values".into()));
    };
    let existing = store::plan_of_call(&mut tx, call.0, ROUND_REMOTE).await?;
    let now = app.now();
    let sheet = match (imported, &existing) {
        (Some(s), _) => Some(s),
        (None, None) => Some(rules::standard_sheet()),
        (None, Some(_)) => None,
    };
    let form_spec_id = match (sheet, &existing) {
        (Some(s), _) => {
            calls::insert_form_spec(&mut tx, &s.code, &s.title, &s.to_json_pretty(), now).await?
        }
        (None, Some(p)) => p.form_spec_id,
        (None, None) => return Err(AppError::Internal("no scoring form".into())),
    };
    let fields = PlanFields {
        call_id: call.0,
        round: ROUND_REMOTE,
        reviewers_per_app: i64::from(reviewers),
        min_load: i64::from(min_load),
        max_load: i64::from(max_load),
        accept_deadline: accept,
        review_deadline: review,
        hide_identity: f.hide_identity,
        form_spec_id,
    };
    let id = match &existing {
        Some(p) => {
            store::update_plan(&mut tx, p.id, &fields, now).await?;
            p.id
        }
        None => store::insert_plan(&mut tx, &fields, PlanState::Open.code(), now).await?,
    };
    audit(
        &mut tx,
        app,
        actor,
        "review.plan",
        ("review_plan", Some(id)),
        "success",
        &format!(
            "{}：每份{}位专家，评审量{}–{}，{}",
            call_row.code,
            reviewers,
            min_load,
            max_load,
            if f.hide_identity {
                "隐去申请人身份"
            } else {
                "显示申请人身份"
            }
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(ReviewPlanId(id))
}
