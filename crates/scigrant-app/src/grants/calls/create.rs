//! Creating a program (计划) and a call (计划类别) from a declared form:
//! every field typed by staff is read here, dates through the one calendar.

use scigrant_domain::calendar::{self, DateError, DayPart};
use scigrant_domain::dictionary::DictKind;
use scigrant_domain::grants::eligibility;
use scigrant_domain::grants::form::{self, FormSpec, Money};
use scigrant_domain::ids::{CallId, ProgramId};
use scigrant_store::grants::calls::{self, CallFields};
use scigrant_store::is_unique_violation;

use crate::{Actor, App, AppError, FieldErrors, audit};

/// Creates a program (计划). Audit `program.create`.
pub async fn create_program(
    app: &App,
    actor: &Actor,
    name: &str,
    notice: &str,
) -> Result<ProgramId, AppError> {
    let mut e = FieldErrors::new();
    e.require("name", name, "计划名称", 100);
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
    Ok(ProgramId(id))
}

/// The longest 项目周期 text (the notice's is 11 characters).
pub const PERIOD_TEXT_MAX: usize = 50;

/// The 计划类别 form, as typed.
#[derive(Clone, Debug, Default)]
pub struct CallForm {
    pub code: String,
    pub name: String,
    pub task: String,
    pub quota: String,
    pub cap: String,
    pub period_end: String,
    /// 项目周期 as the notice words it (“2023年11月底前完成”); blank: said
    /// from `period_end`.
    pub period: String,
    /// 申报主体 as the notice words it (“中国科协所属全国学会”); blank: the
    /// unit kinds say it.
    pub eligibility: String,
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
    program_id: ProgramId,
    f: &CallForm,
) -> Result<CallId, AppError> {
    let mut e = FieldErrors::new();
    e.require("code", &f.code, "项目编号", 40);
    e.require("name", &f.name, "类别名称", 100);
    e.require("task", &f.task, "任务简介", 5000);
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
    // 申报主体: enabled 单位性质 entries of the dictionary.
    let natures = crate::dictionary::dictionary(app, DictKind::UnitNature).await?;
    if f.period.trim().chars().count() > PERIOD_TEXT_MAX {
        e.add("period", format!("项目周期不能超过{PERIOD_TEXT_MAX}个字"));
    }
    if let Some(m) = eligibility::text_error(&f.eligibility) {
        e.add("eligibility", m);
    }
    let kinds: Vec<&str> = f
        .eligible
        .iter()
        .map(String::as_str)
        .filter(|k| natures.accepts(k, None))
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
    // The application's 项目编号 is the call's code: a form that lists the
    // codes it serves must list this one, or no application could be valid.
    if let Some(codes) = spec.as_ref().and_then(|s| s.code_options())
        && !f.code.trim().is_empty()
        && !codes.iter().any(|c| c == f.code.trim())
    {
        e.add(
            "code",
            format!("项目编号须为申报书中列出的编号之一：{}", codes.join("、")),
        );
    }
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
    if calls::program(&mut tx, program_id.0).await?.is_none() {
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
        program_id: program_id.0,
        code: f.code.trim(),
        name: f.name.trim(),
        task: f.task.trim(),
        quota,
        cap_cents: cap.cents(),
        period_end: &calendar::format_ymd(period_end),
        period_text: f.period.trim(),
        eligibility_text: f.eligibility.trim(),
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
    Ok(CallId(id))
}
