//! 专家分配 of a call: what the assignment is computed from (the call's
//! applications with their units, 联合申报单位, 负责人 and 人员 table, the
//! approved experts with their 学科, 研究方向, units, declared avoids and
//! conflicts), the automatic assignment (the optimal min-cost flow of
//! `scigrant_domain::evaluation::assign`, shown against its greedy
//! baseline), and staff's pins, removals and hand-made additions, a
//! conflicting addition refused with its reason.
//!
//! The 附件4 / 附件5 forms have no 学科 code and no 申请回避专家 field, so
//! matching rests on the experts' 研究方向 found in the application's text
//! and 产业方向, and the applicant-requested avoidance applies only to a
//! form that declares an `avoid_experts` table (姓名, 工作单位).

use std::collections::{BTreeMap, HashMap};

use scigrant_domain::evaluation::assign::{
    self as solver, ApplicationTopics, AssignmentProblem, ExpertProfile, KeywordFinder, Pair,
    match_score,
};
use scigrant_domain::evaluation::conflict::{
    ApplicationParties, AvoidedExpert, Exclusions, ExpertTies, PersonRef, UnitRef, exclusions,
};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::CONFLICT_PREFIX;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId, PersonId, UnitId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::review::{
    self as store, AssignmentRow, CallApplicationRow, PlanRow,
};

use super::plan::{PlanView, plan_view};
use crate::{Actor, App, AppError, audit};

/// Text fields whose words are matched against the experts' 研究方向.
const TEXT_KEYS: [&str; 8] = [
    "project_name",
    "rationale",
    "industries",
    "main_content",
    "outcomes",
    "conditions",
    "team_name",
    "basic_project_name",
];
/// Fields holding e-mail addresses of the applicant's side.
const EMAIL_KEYS: [&str; 5] = [
    "cover_email",
    "leader_email",
    "chief_expert_email",
    "contact_email",
    "email",
];
/// (name field, 工作单位及职务 field) of the 团长 / 负责人 and 首席专家.
const LEADER_KEYS: [(&str, &str); 2] = [
    ("leader_name", "leader_post"),
    ("chief_expert_name", "chief_expert_post"),
];

fn text(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

fn rows<'a>(data: &'a FormData, key: &str) -> Vec<&'a BTreeMap<String, String>> {
    match data.get(key) {
        Some(Value::Rows(r)) => r.iter().collect(),
        _ => Vec::new(),
    }
}

/// The unit part of "工作单位及职务/职称" as people type it ("西藏大学/教授",
/// "西藏大学 教授"): everything before the first separator.
fn unit_of_post(post: &str) -> String {
    post.trim()
        .split(['/', '／', ' ', '　', ',', '，', '、', ';', '；'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Names typed one per line or separated by 、，；.
fn names_in(list: &str) -> Vec<String> {
    list.split(['\n', '、', ',', '，', ';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn data_of(row: &CallApplicationRow) -> FormData {
    let json = row.submitted_json.as_deref().unwrap_or(&row.data_json);
    serde_json::from_str(json).unwrap_or_default()
}

fn parties_of(row: &CallApplicationRow, data: &FormData) -> ApplicationParties {
    let app_unit = row.unit_name.clone();
    let person = |name: String, post: &str| PersonRef {
        person: None,
        id_key: None,
        name,
        unit_name: match unit_of_post(post) {
            u if u.is_empty() => app_unit.clone(),
            u => u,
        },
    };
    let mut leaders = vec![PersonRef {
        person: Some(PersonId(row.person_id)),
        id_key: None,
        name: row.person_name.clone(),
        unit_name: app_unit.clone(),
    }];
    for (name, post) in LEADER_KEYS {
        let n = text(data, name);
        if !n.is_empty() {
            leaders.push(person(n, &text(data, post)));
        }
    }
    let team = rows(data, "members")
        .into_iter()
        .filter_map(|r| {
            let name = r
                .get("name")
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            (!name.is_empty()).then(|| person(name, r.get("post_title").map_or("", String::as_str)))
        })
        .collect();
    let mut emails = vec![row.person_email.clone()];
    emails.extend(
        EMAIL_KEYS
            .iter()
            .map(|k| text(data, k))
            .filter(|m| !m.is_empty()),
    );
    let avoided_experts = rows(data, "avoid_experts")
        .into_iter()
        .filter_map(|r| {
            let name = r
                .get("name")
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            (!name.is_empty()).then(|| AvoidedExpert {
                expert: None,
                name,
                unit_name: r
                    .get("unit")
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            })
        })
        .collect();
    ApplicationParties {
        application: ApplicationId(row.id),
        unit: UnitRef {
            unit: Some(UnitId(row.unit_id)),
            name: app_unit.clone(),
        },
        joint_units: names_in(&text(data, "partner_units"))
            .into_iter()
            .map(|name| UnitRef { unit: None, name })
            .collect(),
        leaders,
        team,
        emails,
        avoided_experts,
    }
}

/// The application's terms: every expert keyword its text contains (Chinese
/// text is not segmented, so the vocabulary is the experts'), and each
/// 产业方向 as typed.
fn topics_of(
    row: &CallApplicationRow,
    data: &FormData,
    finder: &KeywordFinder,
) -> ApplicationTopics {
    let mut body = row.title.clone();
    for k in TEXT_KEYS {
        body.push('\n');
        body.push_str(&text(data, k));
    }
    let mut terms = finder.terms_in(&body);
    terms.extend(names_in(&text(data, "industries")));
    ApplicationTopics {
        application: ApplicationId(row.id),
        disciplines: text(data, "discipline")
            .split([' ', ',', '，', '、'])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        terms,
    }
}

/// Everything one computation over a plan needs, read in one connection.
pub(crate) struct Problem {
    pub plan: PlanRow,
    pub applications: Vec<CallApplicationRow>,
    pub topics: Vec<ApplicationTopics>,
    pub experts: Vec<ExpertProfile>,
    pub exclusions: Exclusions,
    pub assignments: Vec<AssignmentRow>,
    /// Expert id → (name, unit).
    pub names: HashMap<i64, (String, String)>,
}

impl Problem {
    /// Active pairs (proposed or accepted).
    pub fn active(&self) -> Vec<&AssignmentRow> {
        self.assignments
            .iter()
            .filter(|a| a.state().is_some_and(AssignmentState::active))
            .collect()
    }

    /// What a re-run keeps: pairs staff pinned or the expert accepted.
    pub fn kept(&self) -> Vec<Pair> {
        self.active()
            .into_iter()
            .filter(|a| a.pinned != 0 || a.state() == Some(AssignmentState::Accepted))
            .map(|a| (ApplicationId(a.application_id), ExpertId(a.expert_id)))
            .collect()
    }

    /// Pairs given up (removed, declined, expired): never proposed again
    /// by the solver.
    pub fn removed(&self) -> Vec<Pair> {
        self.assignments
            .iter()
            .filter(|a| !a.state().is_some_and(AssignmentState::active))
            .map(|a| (ApplicationId(a.application_id), ExpertId(a.expert_id)))
            .collect()
    }

    pub fn problem<'a>(&'a self, pinned: &'a [Pair], removed: &'a [Pair]) -> AssignmentProblem<'a> {
        AssignmentProblem {
            applications: &self.topics,
            experts: &self.experts,
            reviewers_per_application: u32::try_from(self.plan.reviewers_per_app).unwrap_or(0),
            exclusions: &self.exclusions,
            pinned,
            removed,
        }
    }

    pub fn expert_name(&self, id: i64) -> String {
        self.names.get(&id).map(|n| n.0.clone()).unwrap_or_default()
    }

    pub fn score(&self, application: i64, expert: i64) -> u32 {
        let a = self.topics.iter().find(|t| t.application.0 == application);
        let e = self.experts.iter().find(|e| e.expert.0 == expert);
        match (a, e) {
            (Some(a), Some(e)) => match_score(a, e),
            _ => 0,
        }
    }
}

pub(crate) async fn load_problem(
    c: &mut AnyConnection,
    plan: PlanRow,
) -> Result<Problem, AppError> {
    let applications = store::applications_of_call(c, plan.call_id).await?;
    let assignments = store::assignments_of_plan(c, plan.id).await?;
    let library = store::approved_experts(c).await?;
    let mut codes: HashMap<i64, Vec<(String, bool)>> = HashMap::new();
    for (e, code, primary) in store::all_disciplines(c).await? {
        codes.entry(e).or_default().push((code, primary));
    }
    let mut avoids: HashMap<i64, Vec<store::AvoidRow>> = HashMap::new();
    for a in store::all_avoids(c).await? {
        avoids.entry(a.expert_id).or_default().push(a);
    }
    let mut declared: HashMap<i64, Vec<ApplicationId>> = HashMap::new();
    for a in &assignments {
        if a.state() == Some(AssignmentState::Declined) && a.reason.starts_with(CONFLICT_PREFIX) {
            declared
                .entry(a.expert_id)
                .or_default()
                .push(ApplicationId(a.application_id));
        }
    }
    let (min_load, max_load) = (
        u32::try_from(plan.min_load).unwrap_or(0),
        u32::try_from(plan.max_load).unwrap_or(0),
    );
    let mut experts = Vec::with_capacity(library.len());
    let mut ties = Vec::with_capacity(library.len());
    for e in &library {
        let keywords: Vec<String> = e
            .keywords
            .lines()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        let own = codes.remove(&e.id).unwrap_or_default();
        let primary = own
            .iter()
            .find(|(_, p)| *p)
            .map(|(c, _)| c.clone())
            .unwrap_or_default();
        experts.push(ExpertProfile {
            expert: ExpertId(e.id),
            primary_discipline: primary,
            disciplines: own
                .into_iter()
                .filter(|(_, p)| !p)
                .map(|(c, _)| c)
                .collect(),
            keywords,
            min_load,
            max_load,
            available: e.available != 0,
        });
        let mut avoid_units = Vec::new();
        let mut avoid_persons = Vec::new();
        for a in avoids.remove(&e.id).unwrap_or_default() {
            match (a.person_id, a.unit_id) {
                (Some(p), _) => avoid_persons.push(PersonRef {
                    person: Some(PersonId(p)),
                    id_key: None,
                    name: a.name,
                    unit_name: String::new(),
                }),
                (None, Some(unit)) => avoid_units.push(UnitRef {
                    unit: Some(UnitId(unit)),
                    name: a.name,
                }),
                // 回避人员 declared by name alone in the expert library.
                (None, None) => avoid_persons.push(PersonRef {
                    person: None,
                    id_key: None,
                    name: a.name,
                    unit_name: String::new(),
                }),
            }
        }
        ties.push(ExpertTies {
            expert: ExpertId(e.id),
            person: Some(PersonId(e.person_id)),
            id_key: None,
            name: e.name.clone(),
            unit: UnitRef {
                unit: e.unit_id.map(UnitId),
                name: e.unit_name.clone(),
            },
            email: Some(e.email.clone()).filter(|m| !m.is_empty()),
            avoid_units,
            avoid_persons,
            declared_conflicts: declared.remove(&e.id).unwrap_or_default(),
        });
    }
    let finder = KeywordFinder::new(&experts);
    let mut parties = Vec::with_capacity(applications.len());
    let mut topics = Vec::new();
    for row in &applications {
        let data = data_of(row);
        parties.push(parties_of(row, &data));
        if row.state == ApplicationState::Accepted.code() {
            topics.push(topics_of(row, &data, &finder));
        }
    }
    let names = store::expert_names(c)
        .await?
        .into_iter()
        .map(|(id, name, unit)| (id, (name, unit)))
        .collect();
    Ok(Problem {
        exclusions: exclusions(&parties, &ties),
        plan,
        applications,
        topics,
        experts,
        assignments,
        names,
    })
}

pub(crate) async fn plan_row(c: &mut AnyConnection, call: CallId) -> Result<PlanRow, AppError> {
    store::plan_of_call(c, call.0, scigrant_domain::evaluation::review::ROUND_REMOTE)
        .await?
        .ok_or_else(|| AppError::Refused("请先设置评审方案".into()))
}

fn solver_refusal(e: solver::AssignError) -> AppError {
    AppError::Refused(e.to_string())
}

/// What one automatic assignment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    /// Pairs stored (kept ones included).
    pub pairs: usize,
    pub total_score: i64,
    pub greedy_score: i64,
    /// Applications left short of reviewers.
    pub short: usize,
}

/// 自动分配: assigns every accepted application of the call. Pairs staff
/// pinned and pairs experts accepted are kept; other open proposals are
/// replaced by the optimal assignment for the current data; pairs given
/// up are never proposed again. Side effects: proposals stored, audit
/// `review.assign` with the objective against the greedy baseline.
pub async fn run_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
) -> Result<RunSummary, AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let p = load_problem(&mut tx, plan).await?;
    if p.topics.is_empty() {
        return Err(AppError::Refused(
            "本类别没有已受理的申报书，无需分配".into(),
        ));
    }
    let (kept, removed) = (p.kept(), p.removed());
    let problem = p.problem(&kept, &removed);
    let best = solver::assign(&problem).map_err(solver_refusal)?;
    let greedy = solver::assign_greedy(&problem).map_err(solver_refusal)?;
    // Open proposals before the run: an expert is told only of pairs new to them.
    let before: std::collections::HashSet<(i64, i64)> =
        store::assignments_of_plan(&mut tx, p.plan.id)
            .await?
            .into_iter()
            .filter(|a| a.state() == Some(AssignmentState::Proposed))
            .map(|a| (a.application_id, a.expert_id))
            .collect();
    store::clear_open_proposals(&mut tx, p.plan.id).await?;
    let now = app.now();
    let mut new_per_expert: BTreeMap<i64, usize> = BTreeMap::new();
    for pair in best.pairs.iter().filter(|x| !x.pinned) {
        if !before.contains(&(pair.application.0, pair.expert.0)) {
            *new_per_expert.entry(pair.expert.0).or_default() += 1;
        }
        store::propose(
            &mut tx,
            p.plan.id,
            pair.application.0,
            pair.expert.0,
            false,
            i64::from(pair.score),
            now,
        )
        .await?;
    }
    notify_assigned(&mut tx, app, &p.plan, &new_per_expert).await?;
    let summary = RunSummary {
        pairs: best.pairs.len(),
        total_score: best.total_score,
        greedy_score: greedy.total_score,
        short: best.coverage.short.len(),
    };
    audit(
        &mut tx,
        app,
        actor,
        "review.assign",
        ("review_plan", Some(p.plan.id)),
        "success",
        &format!(
            "自动分配{}对，总匹配度{}（贪心{}），{}份申报书专家不足",
            summary.pairs, summary.total_score, summary.greedy_score, summary.short
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// One SMS per expert with new assignments in a run (not one per pair):
/// how many applications of the call, and the acceptance deadline.
async fn notify_assigned(
    c: &mut AnyConnection,
    app: &App,
    plan: &scigrant_store::evaluation::review::PlanRow,
    new_per_expert: &BTreeMap<i64, usize>,
) -> Result<(), AppError> {
    if new_per_expert.is_empty() {
        return Ok(());
    }
    let call_name = scigrant_store::grants::calls::call(c, plan.call_id)
        .await?
        .map(|k| k.name)
        .unwrap_or_default();
    for (&expert_id, &n) in new_per_expert {
        let Some(e) = scigrant_store::evaluation::experts::expert(c, expert_id).await? else {
            continue;
        };
        let Some(person) = scigrant_store::identity::accounts::person(c, e.person_id).await? else {
            continue;
        };
        let body = format!(
            "您有{n}份“{call_name}”申报书的评审任务，请于{}前登录系统，在“评审任务”中确认无利益冲突并接受评审。",
            scigrant_domain::calendar::format_datetime(plan.accept_deadline)
        );
        crate::notify::queue_sms(c, app, &app.pii.open(&person.phone_enc)?, &body).await?;
    }
    Ok(())
}

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
    let p = load_problem(&mut c, plan.clone()).await?;
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

async fn own_assignment(
    c: &mut AnyConnection,
    call: CallId,
    id: AssignmentId,
) -> Result<(PlanRow, AssignmentRow), AppError> {
    let plan = plan_row(c, call).await?;
    let row = store::assignment(c, id.0)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.plan_id != plan.id {
        return Err(AppError::NotFound);
    }
    Ok((plan, row))
}

/// 固定 / 取消固定: a pinned pair is kept by every automatic assignment.
/// Side effect: audit `review.pin`.
pub async fn pin_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    id: AssignmentId,
    pinned: bool,
) -> Result<(), AppError> {
    let mut tx = app.db.begin().await?;
    let (_, row) = own_assignment(&mut tx, call, id).await?;
    if !row.state().is_some_and(AssignmentState::active) {
        return Err(AppError::Refused("该分配已撤销或被谢绝，不能固定".into()));
    }
    store::set_pinned(&mut tx, row.id, pinned).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.pin",
        ("review_assignment", Some(row.id)),
        "success",
        if pinned { "固定" } else { "取消固定" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 移除: staff release an assignment; the solver never proposes the pair
/// again. A submitted review cannot be removed. Side effect: audit
/// `review.remove`.
pub async fn remove_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    id: AssignmentId,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::field("reason", "请填写移除原因（200字以内）"));
    }
    let mut tx = app.db.begin().await?;
    let (_, row) = own_assignment(&mut tx, call, id).await?;
    if store::review(&mut tx, row.id)
        .await?
        .is_some_and(|r| r.submitted_at.is_some())
    {
        return Err(AppError::Refused("该专家已提交评审意见，不能移除".into()));
    }
    let moved = store::move_assignment(
        &mut tx,
        row.id,
        &[AssignmentState::Proposed, AssignmentState::Accepted],
        AssignmentState::Released,
        reason,
        app.now(),
    )
    .await?;
    if !moved {
        return Err(AppError::Refused("该分配已撤销或被谢绝".into()));
    }
    store::set_pinned(&mut tx, row.id, false).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.remove",
        ("review_assignment", Some(row.id)),
        "success",
        reason,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 手动分配: staff assign an expert to an application by hand (pinned, so
/// automatic runs keep it). Refused when the expert must avoid the
/// application (naming every reason), when the pair is already active,
/// and when the expert's maximum load is reached. Side effect: audit
/// `review.add`.
pub async fn add_assignment(
    app: &App,
    actor: &Actor,
    call: CallId,
    application: ApplicationId,
    expert: ExpertId,
) -> Result<AssignmentId, AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let p = load_problem(&mut tx, plan).await?;
    if !p.topics.iter().any(|t| t.application == application) {
        return Err(AppError::field("application", "请选择本类别已受理的申报书"));
    }
    if !p.experts.iter().any(|e| e.expert == expert) {
        return Err(AppError::field("expert", "请选择专家库中已入库的专家"));
    }
    let reasons = p.exclusions.reasons(application, expert);
    if !reasons.is_empty() {
        return Err(AppError::Refused(format!(
            "{}须回避该申报书：{}",
            p.expert_name(expert.0),
            reasons.labels()
        )));
    }
    let active = p.active();
    if active
        .iter()
        .any(|a| a.application_id == application.0 && a.expert_id == expert.0)
    {
        return Err(AppError::Refused("该专家已分配评审此申报书".into()));
    }
    let load = active.iter().filter(|a| a.expert_id == expert.0).count();
    if load as i64 >= p.plan.max_load {
        return Err(AppError::Refused(format!(
            "{}的评审量已达上限{}份",
            p.expert_name(expert.0),
            p.plan.max_load
        )));
    }
    let score = i64::from(p.score(application.0, expert.0));
    let id = store::propose(
        &mut tx,
        p.plan.id,
        application.0,
        expert.0,
        true,
        score,
        app.now(),
    )
    .await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.add",
        ("review_assignment", Some(id)),
        "success",
        &format!("手动分配专家{}", p.expert_name(expert.0)),
    )
    .await?;
    tx.commit().await?;
    Ok(AssignmentId(id))
}

/// 逾期未接受: releases every proposal the expert left unanswered past the
/// plan's acceptance deadline and proposes replacements for them all at
/// once, every other assignment unchanged. Refused before the deadline.
/// Side effects: assignments released (reason 逾期未接受), replacements
/// proposed, audit `review.expire`. Returns (released, proposed).
pub async fn expire_unanswered(
    app: &App,
    actor: &Actor,
    call: CallId,
) -> Result<(usize, usize), AppError> {
    let mut tx = app.db.begin().await?;
    let plan = plan_row(&mut tx, call).await?;
    let now = app.now();
    if now <= plan.accept_deadline {
        return Err(AppError::Refused(
            "接受评审截止时间未到，不能处理逾期未接受的分配".into(),
        ));
    }
    let mut released = Vec::new();
    for a in store::assignments_of_plan(&mut tx, plan.id).await? {
        if a.state() == Some(AssignmentState::Proposed)
            && store::move_assignment(
                &mut tx,
                a.id,
                &[AssignmentState::Proposed],
                AssignmentState::Released,
                "逾期未接受",
                now,
            )
            .await?
        {
            store::set_pinned(&mut tx, a.id, false).await?;
            released.push((ApplicationId(a.application_id), ExpertId(a.expert_id)));
        }
    }
    let plan_id = plan.id;
    let (_, proposed) = super::expert::propose_replacements(&mut tx, plan, &released, now).await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.expire",
        ("review_plan", Some(plan_id)),
        "success",
        &format!(
            "撤销逾期未接受的分配{}个，替补{}个",
            released.len(),
            proposed.len()
        ),
    )
    .await?;
    tx.commit().await?;
    Ok((released.len(), proposed.len()))
}
