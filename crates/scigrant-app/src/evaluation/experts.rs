//! 专家库: a person's 科技项目专家申请 (apply, correct, resubmit after
//! 未通过) and the staff's 专家管理 (search, detail, approve / reject /
//! pause / resume / retire, Excel export). Each action runs one
//! transaction and writes its audit record (`expert.*`).

use scigrant_domain::evaluation::conflict::email_domain;
use scigrant_domain::evaluation::discipline::{self, check_disciplines};
use scigrant_domain::evaluation::expert::{
    ExpertState, KEYWORD_CHARS, MAX_AVOIDS, MAX_KEYWORDS, SUMMARY_CHARS, TITLES, parse_keywords,
};
use scigrant_domain::identity::region;
use scigrant_domain::ids::{ExpertId, PersonId};
use scigrant_domain::mask::mask_phone;
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::experts::{
    self as store, AvoidRow, ExpertRow, NewAvoid, NewExpert,
};
use scigrant_store::identity::accounts;

use crate::{Actor, App, AppError, FieldErrors, audit};

/// One 回避 row as typed: the unit's or person's name and the reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvoidLine {
    pub name: String,
    pub reason: String,
}

/// The 科技项目专家申请 form as typed. `disciplines` holds one code per
/// row (empty rows allowed) and `primary` the row numbers ticked as 主学科
/// (the form offers one radio group, so more than one means a forged post).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpertForm {
    pub disciplines: Vec<String>,
    pub primary: Vec<String>,
    /// 研究方向, separated by new lines or commas.
    pub keywords: String,
    pub title: String,
    pub unit_name: String,
    pub summary: String,
    pub avoid_units: Vec<AvoidLine>,
    pub avoid_persons: Vec<AvoidLine>,
    /// 可参加评审.
    pub available: bool,
}

/// Rows the form offers for 学科 and for each kind of 回避.
pub const DISCIPLINE_ROWS: usize = discipline::MAX_DISCIPLINES;
pub const AVOID_ROWS: usize = MAX_AVOIDS;

/// A 学科 as pages show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisciplineView {
    pub code: String,
    /// "数学 › 代数学".
    pub path: String,
    pub primary: bool,
}

/// An expert as the person and the staff see them (personal data masked).
#[derive(Clone, Debug)]
pub struct ExpertView {
    pub id: ExpertId,
    pub person_id: PersonId,
    pub name: String,
    pub phone_masked: String,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    pub keywords: Vec<String>,
    pub region_label: String,
    pub available: bool,
    pub state: ExpertState,
    pub state_reason: String,
    pub source: String,
    pub disciplines: Vec<DisciplineView>,
    pub avoid_units: Vec<AvoidRow>,
    pub avoid_persons: Vec<AvoidRow>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ExpertView {
    /// Whether the person may change and (re)submit their application.
    pub fn editable(&self) -> bool {
        matches!(self.state, ExpertState::Applied | ExpertState::Rejected)
    }
    /// The form filled with what is stored, for a correction.
    pub fn form(&self) -> ExpertForm {
        let line = |a: &AvoidRow| AvoidLine {
            name: a.name.clone(),
            reason: a.reason.clone(),
        };
        ExpertForm {
            disciplines: self.disciplines.iter().map(|d| d.code.clone()).collect(),
            primary: vec!["0".into()],
            keywords: self.keywords.join("\n"),
            title: self.title.clone(),
            unit_name: self.unit_name.clone(),
            summary: self.summary.clone(),
            avoid_units: self.avoid_units.iter().map(line).collect(),
            avoid_persons: self.avoid_persons.iter().map(line).collect(),
            available: self.available,
        }
    }
}

async fn view(app: &App, c: &mut AnyConnection, e: ExpertRow) -> Result<ExpertView, AppError> {
    let p = accounts::person(c, e.person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let disciplines = store::disciplines(c, e.id)
        .await?
        .into_iter()
        .map(|(code, primary)| DisciplineView {
            path: discipline::path(&code),
            code,
            primary,
        })
        .collect();
    let (avoid_units, avoid_persons) = store::avoids(c, e.id)
        .await?
        .into_iter()
        .partition(|a| a.unit_id.is_some());
    let phone = p.phone(&app.pii)?;
    Ok(ExpertView {
        id: ExpertId(e.id),
        person_id: PersonId(e.person_id),
        name: p.name,
        phone_masked: mask_phone(&phone),
        unit_name: e.unit_name,
        title: e.title,
        summary: e.summary,
        keywords: parse_keywords(&e.keywords),
        region_label: region_label(e.region_code),
        available: e.available != 0,
        state: ExpertState::from_code(&e.state).unwrap_or(ExpertState::Applied),
        state_reason: e.state_reason,
        source: e.source,
        disciplines,
        avoid_units,
        avoid_persons,
        created_at: e.created_at,
        updated_at: e.updated_at,
    })
}

fn region_label(code: i64) -> String {
    u32::try_from(code)
        .ok()
        .and_then(region::display)
        .unwrap_or_default()
}

/// The person's own expert record, if they have applied.
pub async fn my_expert(app: &App, person: PersonId) -> Result<Option<ExpertView>, AppError> {
    let mut c = app.db.read().await?;
    match store::expert_of_person(&mut c, person.0).await? {
        Some(e) => Ok(Some(view(app, &mut c, e).await?)),
        None => Ok(None),
    }
}

/// The form a person starts from: their stored application, or their
/// unit's name and a 职称 read from their profile.
pub async fn expert_form(app: &App, person: PersonId) -> Result<ExpertForm, AppError> {
    if let Some(e) = my_expert(app, person).await? {
        return Ok(e.form());
    }
    let me = crate::identity::members::person(app, person).await?;
    let title = match me.title.as_str() {
        "正高级" => "正高级",
        "高级" => "副高级",
        "中级" => "中级",
        "" => "",
        _ => "其他",
    };
    Ok(ExpertForm {
        unit_name: me.unit_name.unwrap_or_default(),
        title: title.into(),
        available: true,
        primary: vec!["0".into()],
        ..ExpertForm::default()
    })
}

/// The checked content of a form.
pub(crate) struct Checked {
    pub(crate) disciplines: Vec<(&'static str, bool)>,
    pub(crate) keywords: Vec<String>,
    avoid_units: Vec<(i64, AvoidLine)>,
    avoid_persons: Vec<AvoidLine>,
}

/// Checks every field, each error beside its own field.
pub(crate) async fn check(c: &mut AnyConnection, f: &ExpertForm) -> Result<Checked, AppError> {
    let mut e = FieldErrors::new();
    // 学科: the ticked row names the primary code.
    let primary = match f.primary.as_slice() {
        [one] => one
            .parse::<usize>()
            .ok()
            .and_then(|i| f.disciplines.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        [] => String::new(),
        _ => {
            e.add("disciplines", "只能指定一个主学科");
            String::new()
        }
    };
    let disciplines = match check_disciplines(&f.disciplines, &primary) {
        Ok(d) => d,
        Err(p) => {
            e.add("disciplines", p.message());
            Vec::new()
        }
    };
    let keywords = parse_keywords(&f.keywords);
    if keywords.is_empty() {
        e.add("keywords", "请填写研究方向关键词");
    } else if keywords.len() > MAX_KEYWORDS {
        e.add(
            "keywords",
            format!(
                "研究方向最多填写{MAX_KEYWORDS}个关键词，当前{}个",
                keywords.len()
            ),
        );
    } else if let Some(k) = keywords.iter().find(|k| k.chars().count() > KEYWORD_CHARS) {
        e.add(
            "keywords",
            format!("关键词“{k}”过长，每个关键词不超过{KEYWORD_CHARS}个字"),
        );
    }
    if !TITLES.contains(&f.title.as_str()) {
        e.add("title", "请选择职称");
    }
    e.require("unit_name", &f.unit_name, "工作单位", 100);
    let n = f.summary.trim().chars().count();
    let (least, most) = SUMMARY_CHARS;
    if n == 0 {
        e.add("summary", "请填写研究领域");
    } else if n < least || n > most {
        e.add(
            "summary",
            format!("研究领域应为{least}至{most}个字，当前{n}个字"),
        );
    }
    let mut avoid_units = Vec::new();
    for (i, a) in filled(&f.avoid_units).enumerate() {
        match avoid_line(a, "单位") {
            Err(msg) => e.add("avoid_units", format!("第{}行：{msg}", i + 1)),
            Ok(()) => match store::unit_id_by_name(c, a.name.trim()).await? {
                Some(id) => avoid_units.push((id, a.clone())),
                None => e.add(
                    "avoid_units",
                    format!(
                        "第{}行：未找到单位“{}”，请填写在本平台注册的单位全称",
                        i + 1,
                        a.name.trim()
                    ),
                ),
            },
        }
    }
    if avoid_units.len() > MAX_AVOIDS {
        e.add("avoid_units", format!("回避单位最多{MAX_AVOIDS}个"));
    }
    let mut avoid_persons = Vec::new();
    for (i, a) in filled(&f.avoid_persons).enumerate() {
        match avoid_line(a, "人员姓名") {
            Err(msg) => e.add("avoid_persons", format!("第{}行：{msg}", i + 1)),
            Ok(()) => avoid_persons.push(a.clone()),
        }
    }
    if avoid_persons.len() > MAX_AVOIDS {
        e.add("avoid_persons", format!("回避人员最多{MAX_AVOIDS}个"));
    }
    e.into_result()?;
    Ok(Checked {
        disciplines,
        keywords,
        avoid_units,
        avoid_persons,
    })
}

fn filled(lines: &[AvoidLine]) -> impl Iterator<Item = &AvoidLine> {
    lines
        .iter()
        .filter(|a| !a.name.trim().is_empty() || !a.reason.trim().is_empty())
}

fn avoid_line(a: &AvoidLine, what: &str) -> Result<(), String> {
    let (name, reason) = (a.name.trim(), a.reason.trim());
    if name.is_empty() {
        return Err(format!("请填写{what}"));
    }
    if name.chars().count() > 100 {
        return Err(format!("{what}不能超过100个字"));
    }
    if reason.is_empty() {
        return Err("请填写回避理由".into());
    }
    if reason.chars().count() > 100 {
        return Err("回避理由不能超过100个字".into());
    }
    Ok(())
}

/// The library row of `p` from their checked form (`keywords` one per
/// line), shared by the application and the import.
pub(crate) fn new_expert<'a>(
    p: &accounts::PersonRow,
    f: &'a ExpertForm,
    keywords: &'a str,
    email_domain: &'a str,
    state: ExpertState,
    source: &'a str,
) -> NewExpert<'a> {
    NewExpert {
        person_id: p.id,
        unit_id: p.unit_id,
        unit_name: f.unit_name.trim(),
        title: &f.title,
        summary: f.summary.trim(),
        keywords,
        email_domain,
        region_code: p.region_code,
        available: f.available,
        state,
        source,
    }
}

/// 科技项目专家申请: a person applies to the expert library, corrects an
/// application still 待审核, or resubmits after 未通过. Side effects: the
/// expert row (state `applied`, the earlier reason cleared), its 学科
/// and avoidances replaced, audit `expert.apply`. An expert already in
/// the library (已入库 / 已暂停 / 已退出) is refused.
pub async fn apply(
    app: &App,
    actor: &Actor,
    person: PersonId,
    f: &ExpertForm,
) -> Result<ExpertId, AppError> {
    let mut tx = app.db.begin().await?;
    let checked = check(&mut tx, f).await?;
    let p = accounts::person(&mut tx, person.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let keywords = checked.keywords.join("\n");
    let email_domain = email_domain(&p.email).unwrap_or_default();
    let new = new_expert(
        &p,
        f,
        &keywords,
        &email_domain,
        ExpertState::Applied,
        "applied",
    );
    let now = app.now();
    let (id, detail) = match store::expert_of_person(&mut tx, person.0).await? {
        None => (
            store::insert_expert(&mut tx, &new, &checked.disciplines, now).await?,
            "新申请",
        ),
        Some(old) => {
            let state = old.state().unwrap_or(ExpertState::Applied);
            let detail = match state {
                ExpertState::Applied => "修改申请",
                ExpertState::Rejected => "未通过后重新提交",
                _ => {
                    return Err(AppError::Refused(format!(
                        "您已是{}专家，不能重新申请；如需修改信息请联系项目管理员",
                        state.label()
                    )));
                }
            };
            store::update_expert(&mut tx, old.id, &new, now).await?;
            store::set_disciplines(&mut tx, old.id, &checked.disciplines).await?;
            (old.id, detail)
        }
    };
    let mut avoids: Vec<NewAvoid> = checked
        .avoid_units
        .iter()
        .map(|(unit_id, a)| NewAvoid {
            unit_id: Some(*unit_id),
            person_id: None,
            name: a.name.trim(),
            reason: a.reason.trim(),
        })
        .collect();
    avoids.extend(checked.avoid_persons.iter().map(|a| NewAvoid {
        unit_id: None,
        person_id: None,
        name: a.name.trim(),
        reason: a.reason.trim(),
    }));
    store::set_avoids(&mut tx, id, &avoids).await?;
    audit(
        &mut tx,
        app,
        actor,
        "expert.apply",
        ("expert", Some(id)),
        "success",
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(ExpertId(id))
}

/// A staff decision on an expert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpertAction {
    Approve,
    Reject,
    Pause,
    Resume,
    Retire,
}

impl ExpertAction {
    pub const ALL: [ExpertAction; 5] = [
        Self::Approve,
        Self::Reject,
        Self::Pause,
        Self::Resume,
        Self::Retire,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Retire => "retire",
        }
    }
    /// Reads a posted action; anything else is refused rather than guessed.
    pub fn from_code(s: &str) -> Result<ExpertAction, AppError> {
        Self::ALL
            .into_iter()
            .find(|a| a.code() == s)
            .ok_or_else(|| AppError::Refused("无法识别的专家管理操作，请在专家页面重新选择".into()))
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Approve => "审核通过",
            Self::Reject => "不予通过",
            Self::Pause => "暂停",
            Self::Resume => "恢复",
            Self::Retire => "退出专家库",
        }
    }
    /// The state the action leads to.
    pub fn target(self) -> ExpertState {
        match self {
            Self::Approve | Self::Resume => ExpertState::Approved,
            Self::Reject => ExpertState::Rejected,
            Self::Pause => ExpertState::Paused,
            Self::Retire => ExpertState::Retired,
        }
    }
    /// The state it starts from: approve from 待审核, resume from 已暂停.
    fn applies_to(self, state: ExpertState) -> bool {
        match self {
            Self::Approve => state == ExpertState::Applied,
            Self::Resume => state == ExpertState::Paused,
            _ => state.can_move_to(self.target()),
        }
    }
    /// The actions offered for an expert in `state`.
    pub fn offered(state: ExpertState) -> Vec<ExpertAction> {
        Self::ALL
            .into_iter()
            .filter(|a| a.applies_to(state))
            .collect()
    }
    fn audit_action(self) -> &'static str {
        match self {
            Self::Approve => "expert.approve",
            Self::Reject => "expert.reject",
            Self::Pause => "expert.pause",
            Self::Resume => "expert.resume",
            Self::Retire => "expert.retire",
        }
    }
}

/// Staff act on an expert: approve (入库) or reject an application with
/// a reason the person reads, pause and resume, or retire for good. The
/// move is checked with [`ExpertState::can_move_to`] and made by
/// compare-and-set. Side effects: state and reason, audit `expert.<action>`,
/// an SMS to the person when approved or rejected.
pub async fn decide_expert(
    app: &App,
    actor: &Actor,
    id: ExpertId,
    action: ExpertAction,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if action == ExpertAction::Reject && reason.is_empty() {
        return Err(AppError::field("reason", "请填写不予通过的理由"));
    }
    if reason.chars().count() > 200 {
        return Err(AppError::field("reason", "理由不能超过200字"));
    }
    let mut tx = app.db.begin().await?;
    let e = store::expert(&mut tx, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = e.state().unwrap_or(ExpertState::Applied);
    if !action.applies_to(from) {
        return Err(AppError::Refused(format!(
            "该专家当前状态为“{}”，不能{}",
            from.label(),
            action.label()
        )));
    }
    debug_assert!(from.can_move_to(action.target()));
    if !store::move_state(&mut tx, id.0, from, action.target(), reason, app.now()).await? {
        return Err(AppError::Refused("专家状态已变化，请刷新后重试".into()));
    }
    let told = match action {
        ExpertAction::Approve => Some(
            "您的科技项目专家申请已审核通过，已入选专家库。请登录系统查看“评审任务”。".to_string(),
        ),
        ExpertAction::Reject => Some(format!(
            "您的科技项目专家申请未通过审核，原因：{reason}。请登录系统查看。"
        )),
        _ => None,
    };
    if let Some(body) = told
        && let Some(p) = accounts::person(&mut tx, e.person_id).await?
    {
        let phone = p.phone(&app.pii)?;
        crate::notify::notify_account(
            &mut tx,
            app,
            &crate::notify::Recipient {
                kind: scigrant_domain::identity::account::AccountKind::Person,
                id: p.id,
                phone: &phone,
                email: None,
            },
            "专家申请审核结果",
            &body,
        )
        .await?;
    }
    audit(
        &mut tx,
        app,
        actor,
        action.audit_action(),
        ("expert", Some(id.0)),
        "success",
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

mod search;
pub use search::{
    EXPERT_COLUMNS, ExpertItem, ExpertSearch, expert_detail, export_experts, search_experts,
};
