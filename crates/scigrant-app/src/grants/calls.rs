//! 计划类别 / 申报指南: staff create a program and its calls from a
//! declared form (the built-in 附件4 / 附件5 or an imported one), publish
//! and close them; everybody lists what is open. A call's form is a stored,
//! never-changing specification: applications keep the version they began.

use std::sync::Arc;

use scigrant_domain::grants::application::{CallState, call_open};
use scigrant_domain::grants::form::{self, FormSpec, Money};
use scigrant_domain::identity::account::UnitKind;
use scigrant_store::grants::calls::{self, CallFields, CallRow};
use scigrant_store::is_unique_violation;

use crate::identity::register::required;
use crate::{Actor, App, AppError, FieldErrors, audit};
use scigrant_domain::calendar::{self, DateError, DayPart};

/// A call as people read it. Times are epoch milliseconds (CST is applied
/// where they are shown); the unit kinds and state are domain enums.
#[derive(Clone, Debug)]
pub struct CallView {
    pub id: i64,
    pub program_id: i64,
    pub program: String,
    pub code: String,
    pub name: String,
    pub task: String,
    pub quota: i64,
    pub cap: Money,
    /// The day the project period ends (its 00:00 CST).
    pub period_end: i64,
    pub eligible: Vec<UnitKind>,
    pub opens_at: i64,
    pub closes_at: i64,
    pub paper_deadline: i64,
    pub state: CallState,
    pub form_spec_id: i64,
    pub form_title: String,
    pub city_group: String,
}

impl CallView {
    /// Whether the call takes applications at `now` ([`call_open`]).
    pub fn is_open(&self, now: i64) -> bool {
        call_open(self.state, self.opens_at, self.closes_at, now)
    }
}

pub(crate) async fn call_view(
    c: &mut scigrant_store::AnyConnection,
    row: CallRow,
) -> Result<CallView, AppError> {
    let program = calls::program(c, row.program_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let form_title = calls::form_spec(c, row.form_spec_id)
        .await?
        .map(|f| f.title)
        .unwrap_or_default();
    // Stored by `create_call` through the calendar, so it always reads back.
    let period_end = calendar::parse_ymd(&row.period_end)
        .map(calendar::day_start)
        .map_err(|e| AppError::Internal(format!("call {}: period_end: {e}", row.id)))?;
    Ok(CallView {
        id: row.id,
        program_id: row.program_id,
        program,
        eligible: row
            .eligible_kinds
            .split(',')
            .filter_map(UnitKind::from_code)
            .collect(),
        cap: Money::from_cents(row.cap_cents),
        state: CallState::from_code(&row.state).unwrap_or(CallState::Draft),
        code: row.code,
        name: row.name,
        task: row.task,
        quota: row.quota,
        period_end,
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        paper_deadline: row.paper_deadline,
        form_spec_id: row.form_spec_id,
        form_title,
        city_group: row.city_group,
    })
}

pub async fn call(app: &App, id: i64) -> Result<CallView, AppError> {
    let mut c = app.db.read().await?;
    let row = calls::call(&mut c, id).await?.ok_or(AppError::NotFound)?;
    call_view(&mut c, row).await
}

/// Published calls, soonest deadline first.
pub async fn published(app: &App) -> Result<Vec<CallView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = calls::published_calls(&mut c).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(call_view(&mut c, r).await?);
    }
    Ok(out)
}

/// 正在受理的项目: the calls taking applications now by the server's
/// clock, soonest deadline first.
pub async fn open_calls(app: &App) -> Result<Vec<CallView>, AppError> {
    let now = app.now();
    let mut calls = published(app).await?;
    calls.retain(|c| c.is_open(now));
    Ok(calls)
}

/// A call's guide (申报指南) as the public reads it.
#[derive(Clone, Debug)]
pub struct Guide {
    pub call: CallView,
    /// Whether it takes applications now, by the server's clock.
    pub open: bool,
}

/// The guide of a published or closed call; a draft is not public yet
/// (`NotFound`).
pub async fn guide(app: &App, id: i64) -> Result<Guide, AppError> {
    let call = call(app, id).await?;
    if call.state == CallState::Draft {
        return Err(AppError::NotFound);
    }
    Ok(Guide {
        open: call.is_open(app.now()),
        call,
    })
}

#[derive(Clone, Debug)]
pub struct ProgramView {
    pub id: i64,
    pub name: String,
    pub notice: String,
    pub calls: Vec<CallView>,
}

pub async fn programs(app: &App) -> Result<Vec<ProgramView>, AppError> {
    let mut c = app.db.read().await?;
    let rows = calls::programs(&mut c).await?;
    let mut out = Vec::new();
    for p in rows {
        let mut views = Vec::new();
        for r in calls::calls_of_program(&mut c, p.id).await? {
            views.push(call_view(&mut c, r).await?);
        }
        out.push(ProgramView {
            id: p.id,
            name: p.name,
            notice: p.notice,
            calls: views,
        });
    }
    Ok(out)
}

/// Creates a program (计划). Audit `program.create`.
pub async fn create_program(
    app: &App,
    actor: &Actor,
    name: &str,
    notice: &str,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    required(&mut e, "name", name, "计划名称", 100);
    if notice.chars().count() > 20_000 {
        e.add("notice", "通知内容不能超过20000字");
    }
    e.into_result()?;
    let mut tx = app.db.begin().await?;
    let id = calls::insert_program(&mut tx, name.trim(), notice.trim(), app.now()).await?;
    audit(
        &mut tx,
        app,
        actor,
        "program.create",
        ("program", Some(id)),
        "success",
        name.trim(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The 计划类别 form, as typed.
#[derive(Clone, Debug, Default)]
pub struct CallForm {
    pub code: String,
    pub name: String,
    pub task: String,
    pub quota: String,
    pub cap: String,
    pub period_end: String,
    pub eligible: Vec<String>,
    pub opens: String,
    pub closes: String,
    pub paper_deadline: String,
    /// A built-in template code, or empty when `form_json` is given.
    pub template: String,
    pub form_json: String,
    /// Calls sharing a group allow one recommended application per 试点城市.
    pub city_group: String,
}

/// Reads a typed date or time into `e`: a blank or malformed entry gets
/// `hint` (what to type), a date that does not exist gets the calendar's
/// own message naming it.
pub(crate) fn moment_field(
    e: &mut FieldErrors,
    field: &str,
    value: &str,
    part: DayPart,
    hint: &str,
) -> Option<i64> {
    match calendar::parse_moment(value, part) {
        Ok(t) => Some(t),
        Err(DateError::Format) => {
            e.add(field, hint);
            None
        }
        Err(err) => {
            e.add(field, err.to_string());
            None
        }
    }
}

/// Creates a call (draft) with its form. Side effects: the form
/// specification stored as a new version, audit `call.create`.
pub async fn create_call(
    app: &App,
    actor: &Actor,
    program_id: i64,
    f: &CallForm,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    required(&mut e, "code", &f.code, "项目编号", 40);
    required(&mut e, "name", &f.name, "类别名称", 100);
    required(&mut e, "task", &f.task, "任务简介", 5000);
    let quota = f.quota.trim().parse::<i64>().ok().filter(|q| *q > 0);
    if quota.is_none() {
        e.add("quota", "请输入立项数量（正整数）");
    }
    let cap = Money::parse(&f.cap).ok().filter(|m| m.cents() > 0);
    if cap.is_none() {
        e.add("cap", "请输入经费额度（万元，最多两位小数）");
    }
    let period_end = match calendar::parse_ymd(&f.period_end) {
        Ok(d) => Some(d),
        Err(DateError::Format) => {
            e.add("period_end", "请输入项目周期截止日期（如2023-11-30）");
            None
        }
        Err(err) => {
            e.add("period_end", err.to_string());
            None
        }
    };
    let kinds: Vec<&str> = f
        .eligible
        .iter()
        .map(String::as_str)
        .filter(|k| UnitKind::from_code(k).is_some())
        .collect();
    if kinds.is_empty() {
        e.add("eligible", "请选择申报主体（单位性质）");
    }
    let opens = moment_field(
        &mut e,
        "opens",
        &f.opens,
        DayPart::Start,
        "请输入开始申报时间（如2023-04-10 或 2023-04-10 09:00）",
    );
    let closes = moment_field(
        &mut e,
        "closes",
        &f.closes,
        DayPart::End,
        "请输入申报截止时间（如2023-04-25）",
    );
    let paper = moment_field(
        &mut e,
        "paper_deadline",
        &f.paper_deadline,
        DayPart::End,
        "请输入纸质材料截止时间（如2023-04-28 12:00）",
    );
    if let (Some(o), Some(c)) = (opens, closes)
        && o >= c
    {
        e.add("closes", "申报截止时间须晚于开始时间");
    }
    if let (Some(c), Some(p)) = (closes, paper)
        && p < c
    {
        e.add("paper_deadline", "纸质材料截止时间不能早于申报截止时间");
    }
    let spec: Option<FormSpec> = if f.form_json.trim().is_empty() {
        let s = form::builtin(&f.template);
        if s.is_none() {
            e.add("template", "请选择申报书模板或导入申报书定义");
        }
        s
    } else {
        match FormSpec::from_json(&f.form_json) {
            Ok(s) => Some(s),
            Err(m) => {
                e.add("form_json", m);
                None
            }
        }
    };
    let (
        Some(quota),
        Some(cap),
        Some(period_end),
        Some(opens),
        Some(closes),
        Some(paper),
        Some(spec),
    ) = (quota, cap, period_end, opens, closes, paper, spec)
    else {
        return Err(AppError::Validation(e));
    };
    e.into_result()?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if calls::program(&mut tx, program_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let spec_id = calls::insert_form_spec(
        &mut tx,
        &spec.code,
        &spec.title,
        &spec.to_json_pretty(),
        now,
    )
    .await?;
    let fields = CallFields {
        program_id,
        code: f.code.trim(),
        name: f.name.trim(),
        task: f.task.trim(),
        quota,
        cap_cents: cap.cents(),
        period_end: &calendar::format_ymd(period_end),
        eligible_kinds: &kinds.join(","),
        opens_at: opens,
        closes_at: closes,
        paper_deadline: paper,
        form_spec_id: spec_id,
        city_group: f.city_group.trim(),
    };
    let id = match calls::insert_call(&mut tx, &fields, now).await {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "calls", "code") => {
            return Err(AppError::field("code", "该项目编号已存在"));
        }
        Err(err) => return Err(err.into()),
    };
    audit(
        &mut tx,
        app,
        actor,
        "call.create",
        ("call", Some(id)),
        "success",
        &format!("{} {}", f.code.trim(), f.name.trim()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reads the state staff ask a call to move to (发布 or 截止受理). A value
/// the domain does not define is refused rather than taken for one.
pub fn target_state(posted: &str) -> Result<CallState, AppError> {
    CallState::from_code(posted).ok_or_else(|| {
        AppError::Refused("无法识别的操作：请在计划类别页面选择发布或截止受理后重新提交".into())
    })
}

/// Publishes a draft call or closes a published one. Audit `call.publish|close`.
pub async fn set_state(
    app: &App,
    actor: &Actor,
    call_id: i64,
    to: CallState,
) -> Result<(), AppError> {
    let from = match to {
        CallState::Published => CallState::Draft,
        CallState::Closed => CallState::Published,
        CallState::Draft => return Err(AppError::Refused("已发布的计划类别不能改回草稿".into())),
    };
    let mut tx = app.db.begin().await?;
    if !calls::set_call_state(&mut tx, call_id, from, to, app.now()).await? {
        return Err(AppError::Refused(format!(
            "只有“{}”状态的计划类别可以{}",
            from.label(),
            if to == CallState::Published {
                "发布"
            } else {
                "截止"
            }
        )));
    }
    let action = if to == CallState::Published {
        "call.publish"
    } else {
        "call.close"
    };
    audit(
        &mut tx,
        app,
        actor,
        action,
        ("call", Some(call_id)),
        "success",
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The form specification `spec_id`, parsed once per process.
pub async fn form_spec(app: &App, spec_id: i64) -> Result<Arc<FormSpec>, AppError> {
    let mut c = app.db.read().await?;
    spec_in(app, &mut c, spec_id).await
}

pub(crate) async fn spec_in(
    app: &App,
    c: &mut scigrant_store::AnyConnection,
    spec_id: i64,
) -> Result<Arc<FormSpec>, AppError> {
    if let Ok(map) = app.cache.specs.read()
        && let Some(s) = map.get(&spec_id)
    {
        return Ok(s.clone());
    }
    let row = calls::form_spec(c, spec_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let spec = Arc::new(FormSpec::from_json(&row.spec_json).map_err(AppError::Internal)?);
    if let Ok(mut map) = app.cache.specs.write() {
        map.insert(spec_id, spec.clone());
    }
    Ok(spec)
}
