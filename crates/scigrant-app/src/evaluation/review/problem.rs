//! What the solver needs to know of a call, read from the store: its
//! accepted applications as parties (units, joint units, leaders, team,
//! e-mails, avoided experts) and topics, and the approved experts with
//! their ties, loads and answers so far.

use std::collections::{BTreeMap, HashMap};

use scigrant_domain::evaluation::assign::{
    ApplicationTopics, AssignmentProblem, ExpertProfile, KeywordFinder, Pair, match_score,
};
use scigrant_domain::evaluation::conflict::{
    ApplicationParties, AvoidedExpert, Exclusions, ExpertTies, PersonRef, UnitRef, exclusions,
};
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::CONFLICT_PREFIX;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_domain::ids::{ApplicationId, CallId, ExpertId, PersonId, UnitId};
use scigrant_store::AnyConnection;
use scigrant_store::evaluation::review::{
    self as store, AssignmentRow, CallApplicationRow, PlanRow,
};

use crate::AppError;
use crate::grants::applications::latest_data;
use scigrant_store::pii::PiiCipher;

/// Text fields whose words are matched against the experts' 研究方向.
pub(super) const TEXT_KEYS: [&str; 8] = [
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
pub(super) const EMAIL_KEYS: [&str; 5] = [
    "cover_email",
    "leader_email",
    "chief_expert_email",
    "contact_email",
    "email",
];
/// (name field, 工作单位及职务 field) of the 团长 / 负责人 and 首席专家.
pub(super) const LEADER_KEYS: [(&str, &str); 2] = [
    ("leader_name", "leader_post"),
    ("chief_expert_name", "chief_expert_post"),
];

pub(super) fn text(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

pub(super) fn rows<'a>(data: &'a FormData, key: &str) -> Vec<&'a BTreeMap<String, String>> {
    match data.get(key) {
        Some(Value::Rows(r)) => r.iter().collect(),
        _ => Vec::new(),
    }
}

/// The unit part of "工作单位及职务/职称" as people type it ("西藏大学/教授",
/// "西藏大学 教授"): everything before the first separator.
pub(super) fn unit_of_post(post: &str) -> String {
    post.trim()
        .split(['/', '／', ' ', '　', ',', '，', '、', ';', '；'])
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Names typed one per line or separated by 、，；.
pub(super) fn names_in(list: &str) -> Vec<String> {
    list.split(['\n', '、', ',', '，', ';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub(super) fn data_of(pii: &PiiCipher, row: &CallApplicationRow) -> FormData {
    latest_data(pii, row.id, &row.data_json, row.submitted_json.as_deref())
}

pub(super) fn parties_of(row: &CallApplicationRow, data: &FormData) -> ApplicationParties {
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
pub(super) fn topics_of(
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
    pii: &PiiCipher,
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
        let data = data_of(pii, row);
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
