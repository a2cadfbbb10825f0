//! 回避: which expert may never review which application, and why. One call's
//! applications (their units, 联合申报单位, 负责人 and 人员 table, e-mail and
//! 申请回避专家) and the expert library (units, declared avoids, declared
//! conflicts) go in; the excluded pairs with their reasons come out.
//!
//! The computation never compares every application with every expert: each
//! expert's unit, identity, declared avoids and e-mail domain are indexed
//! once, and each application looks up only its own units, persons and
//! domains, so the work is linear in the size of the input plus the number of
//! exclusions found. An expert who takes part in any application of the call
//! is excluded from the whole call, which is kept as one entry per expert
//! instead of one per application.
//!
//! Matching is deliberately generous, because a missed conflict is worse than
//! one expert too few: a person matches another by account, by ID-number key,
//! or by the same name at the same unit; a unit matches by account or by the
//! same name after [`normalise_name`] (joint units are typed in the form).

use crate::ids::{ApplicationId, ExpertId, PersonId, UnitId};
use std::collections::{HashMap, HashSet};

/// Why an expert may not review an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConflictReason {
    /// The expert works at the applicant unit.
    SameUnit,
    /// The expert works at one of the 联合申报单位.
    JointUnit,
    /// The expert is the applicant, 团长, 负责人, 首席专家 or in the 人员 table.
    TeamMember,
    /// The expert declared, in their profile, that they must avoid this
    /// application's unit or one of its persons.
    ExpertDeclaredAvoid,
    /// The applicant listed the expert among the 申请回避专家.
    ApplicantRequested,
    /// The expert takes part in another application of the same call.
    SameCall,
    /// The expert's e-mail domain is the applicant's (public providers excepted).
    SameEmailDomain,
    /// The expert declared a conflict when opening the application.
    DeclaredAtOpening,
}

impl ConflictReason {
    /// Every reason, in display order.
    pub const ALL: [ConflictReason; 8] = [
        ConflictReason::SameUnit,
        ConflictReason::JointUnit,
        ConflictReason::TeamMember,
        ConflictReason::ExpertDeclaredAvoid,
        ConflictReason::ApplicantRequested,
        ConflictReason::SameCall,
        ConflictReason::SameEmailDomain,
        ConflictReason::DeclaredAtOpening,
    ];

    /// The reason as staff read it.
    pub fn label(self) -> &'static str {
        match self {
            ConflictReason::SameUnit => "同一单位",
            ConflictReason::JointUnit => "联合申报单位",
            ConflictReason::TeamMember => "项目组成员",
            ConflictReason::ExpertDeclaredAvoid => "专家声明回避",
            ConflictReason::ApplicantRequested => "申请人要求回避",
            ConflictReason::SameCall => "同批次申报",
            ConflictReason::SameEmailDomain => "同一邮箱域名",
            ConflictReason::DeclaredAtOpening => "专家声明利益冲突",
        }
    }

    /// A stable code for storage and exports.
    pub fn code(self) -> &'static str {
        match self {
            ConflictReason::SameUnit => "same_unit",
            ConflictReason::JointUnit => "joint_unit",
            ConflictReason::TeamMember => "team_member",
            ConflictReason::ExpertDeclaredAvoid => "expert_avoid",
            ConflictReason::ApplicantRequested => "applicant_avoid",
            ConflictReason::SameCall => "same_call",
            ConflictReason::SameEmailDomain => "email_domain",
            ConflictReason::DeclaredAtOpening => "declared_at_opening",
        }
    }

    /// The reason stored under `code`, if any.
    pub fn from_code(code: &str) -> Option<ConflictReason> {
        ConflictReason::ALL.into_iter().find(|r| r.code() == code)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`ConflictReason`]s (a pair can be excluded for several).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConflictReasons(u8);

impl ConflictReasons {
    /// The set holding only `reason`.
    pub fn of(reason: ConflictReason) -> ConflictReasons {
        ConflictReasons(reason.bit())
    }

    /// Adds `reason`.
    pub fn insert(&mut self, reason: ConflictReason) {
        self.0 |= reason.bit();
    }

    /// Whether `reason` is in the set.
    pub fn contains(self, reason: ConflictReason) -> bool {
        self.0 & reason.bit() != 0
    }

    /// Whether there is no reason at all (the pair is allowed).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Both sets together.
    pub fn union(self, other: ConflictReasons) -> ConflictReasons {
        ConflictReasons(self.0 | other.0)
    }

    /// The reasons in display order.
    pub fn iter(self) -> impl Iterator<Item = ConflictReason> {
        ConflictReason::ALL
            .into_iter()
            .filter(move |r| self.contains(*r))
    }

    /// The labels joined for display, e.g. "同一单位、项目组成员".
    pub fn labels(self) -> String {
        self.iter()
            .map(ConflictReason::label)
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A person as an application or an expert's declaration names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonRef {
    /// Their account, when known.
    pub person: Option<PersonId>,
    /// A key derived from their ID number (the number itself or a digest of
    /// it; compared trimmed and upper-cased), when known.
    pub id_key: Option<String>,
    /// 姓名.
    pub name: String,
    /// Their 工作单位 as typed.
    pub unit_name: String,
}

/// A unit as an application or an expert names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitRef {
    /// Its account, when the name was resolved to one.
    pub unit: Option<UnitId>,
    /// Its name as typed.
    pub name: String,
}

/// An expert the applicant asked to avoid (申请回避专家, up to
/// [`MAX_AVOIDED_EXPERTS`]), by library id when picked from it, else by name
/// and unit as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvoidedExpert {
    /// The library entry, when known.
    pub expert: Option<ExpertId>,
    /// 姓名.
    pub name: String,
    /// 工作单位.
    pub unit_name: String,
}

/// How many experts an applicant may ask to avoid.
pub const MAX_AVOIDED_EXPERTS: usize = 3;

/// The parties of one application that conflicts are checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationParties {
    /// The application.
    pub application: ApplicationId,
    /// 申报单位.
    pub unit: UnitRef,
    /// 联合申报单位.
    pub joint_units: Vec<UnitRef>,
    /// The applicant, 团长, 负责人 and 首席专家.
    pub leaders: Vec<PersonRef>,
    /// The 人员 table.
    pub team: Vec<PersonRef>,
    /// The applicant's and 负责人's e-mail addresses.
    pub emails: Vec<String>,
    /// 申请回避专家.
    pub avoided_experts: Vec<AvoidedExpert>,
}

/// What the expert library knows of one expert that bears on conflicts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpertTies {
    /// The expert.
    pub expert: ExpertId,
    /// Their person account, when they have one.
    pub person: Option<PersonId>,
    /// Key derived from their ID number (see [`PersonRef::id_key`]).
    pub id_key: Option<String>,
    /// 姓名.
    pub name: String,
    /// 工作单位.
    pub unit: UnitRef,
    /// Their e-mail address.
    pub email: Option<String>,
    /// Units they declared they must avoid.
    pub avoid_units: Vec<UnitRef>,
    /// Persons they declared they must avoid.
    pub avoid_persons: Vec<PersonRef>,
    /// Applications of this call on which they declared a conflict when
    /// opening them (专家声明利益冲突).
    pub declared_conflicts: Vec<ApplicationId>,
}

/// One excluded pair with its reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExcludedPair {
    /// The application.
    pub application: ApplicationId,
    /// The expert.
    pub expert: ExpertId,
    /// Why (never empty).
    pub reasons: ConflictReasons,
}

/// The excluded pairs of one call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exclusions {
    pairs: HashMap<(ApplicationId, ExpertId), ConflictReasons>,
    call_wide: HashMap<ExpertId, ConflictReasons>,
}

impl Exclusions {
    /// Why `expert` may not review `application` (empty when they may).
    pub fn reasons(&self, application: ApplicationId, expert: ExpertId) -> ConflictReasons {
        let pair = self
            .pairs
            .get(&(application, expert))
            .copied()
            .unwrap_or_default();
        let wide = self.call_wide.get(&expert).copied().unwrap_or_default();
        pair.union(wide)
    }

    /// Whether `expert` may not review `application`.
    pub fn is_excluded(&self, application: ApplicationId, expert: ExpertId) -> bool {
        !self.reasons(application, expert).is_empty()
    }

    /// Excludes one pair (e.g. a conflict declared after the computation).
    pub fn add(&mut self, application: ApplicationId, expert: ExpertId, reason: ConflictReason) {
        self.pairs
            .entry((application, expert))
            .or_default()
            .insert(reason);
    }

    /// Excludes `expert` from every application of the call.
    pub fn add_call_wide(&mut self, expert: ExpertId, reason: ConflictReason) {
        self.call_wide.entry(expert).or_default().insert(reason);
    }

    /// Experts excluded from the whole call, by expert id.
    pub fn call_wide(&self) -> Vec<(ExpertId, ConflictReasons)> {
        let mut all: Vec<_> = self.call_wide.iter().map(|(e, r)| (*e, *r)).collect();
        all.sort_by_key(|(e, _)| *e);
        all
    }

    /// The pair-specific exclusions by (application, expert), without the
    /// call-wide ones (see [`Exclusions::call_wide`]) except where the pair
    /// has a reason of its own, in which case the call-wide reasons are
    /// included too.
    pub fn pairs(&self) -> Vec<ExcludedPair> {
        let mut all: Vec<_> = self
            .pairs
            .keys()
            .map(|&(application, expert)| ExcludedPair {
                application,
                expert,
                reasons: self.reasons(application, expert),
            })
            .collect();
        all.sort_by_key(|p| (p.application, p.expert));
        all
    }

    /// Every excluded pair among `applications`, call-wide ones spelled out,
    /// by (application, expert): what staff see as the full list.
    pub fn listing(&self, applications: &[ApplicationId]) -> Vec<ExcludedPair> {
        let mut wide: Vec<ExpertId> = self.call_wide.keys().copied().collect();
        wide.sort();
        let wanted: HashSet<ApplicationId> = applications.iter().copied().collect();
        let mut all: Vec<ExcludedPair> = self
            .pairs
            .keys()
            .filter(|(a, e)| wanted.contains(a) && !self.call_wide.contains_key(e))
            .map(|&(application, expert)| ExcludedPair {
                application,
                expert,
                reasons: self.reasons(application, expert),
            })
            .collect();
        for &application in &wanted {
            for &expert in &wide {
                all.push(ExcludedPair {
                    application,
                    expert,
                    reasons: self.reasons(application, expert),
                });
            }
        }
        all.sort_by_key(|p| (p.application, p.expert));
        all
    }

    /// Every pair-specific exclusion (call-wide ones aside), in no
    /// particular order.
    pub fn pair_keys(&self) -> impl Iterator<Item = (ApplicationId, ExpertId)> + '_ {
        self.pairs.keys().copied()
    }

    /// The experts excluded from the whole call, in no particular order.
    pub fn call_wide_experts(&self) -> impl Iterator<Item = ExpertId> + '_ {
        self.call_wide.keys().copied()
    }

    /// How many pair-specific entries there are (call-wide experts not
    /// multiplied out).
    pub fn pair_count(&self) -> usize {
        self.pairs.len()
    }
}

/// Public mail providers: a shared domain there says nothing about a shared
/// employer. Subdomains (vip.qq.com, vip.163.com) count as the provider.
pub const PUBLIC_MAIL_DOMAINS: [&str; 36] = [
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "188.com",
    "netease.com",
    "sina.com",
    "sina.cn",
    "sina.com.cn",
    "sohu.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "21cn.com",
    "tom.com",
    "263.net",
    "aliyun.com",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.cn",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "yahoo.com",
    "yahoo.com.cn",
    "yahoo.cn",
    "protonmail.com",
    "proton.me",
    "mail.com",
    "aol.com",
    "gmx.com",
];

/// The lower-cased domain of an e-mail address, if it has one.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// Whether `domain` (lower-case) belongs to a public mail provider.
pub fn is_public_mail_domain(domain: &str) -> bool {
    PUBLIC_MAIL_DOMAINS.iter().any(|p| {
        domain == *p
            || domain
                .strip_suffix(p)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

/// A name as compared: full-width letters, digits and brackets folded to
/// their ASCII forms, the several middle dots of transcribed names made one,
/// every space removed and ASCII lower-cased, so "北京大学（医学部）" and
/// "北京大学(医学部) " are one unit.
pub fn normalise_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{B7}' | '\u{30FB}' | '\u{2022}' | '\u{2027}' | '\u{FF0E}' | '\u{FF65}' => '·',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PersonKey {
    Account(PersonId),
    IdKey(String),
    NameUnit(String, String),
}

fn person_keys(
    person: Option<PersonId>,
    id_key: Option<&str>,
    name: &str,
    unit_name: &str,
) -> Vec<PersonKey> {
    let mut keys = Vec::with_capacity(3);
    if let Some(p) = person {
        keys.push(PersonKey::Account(p));
    }
    if let Some(k) = id_key
        .map(|k| k.trim().to_uppercase())
        .filter(|k| !k.is_empty())
    {
        keys.push(PersonKey::IdKey(k));
    }
    let (name, unit) = (normalise_name(name), normalise_name(unit_name));
    if !name.is_empty() && !unit.is_empty() {
        keys.push(PersonKey::NameUnit(name, unit));
    }
    keys
}

fn person_ref_keys(p: &PersonRef) -> Vec<PersonKey> {
    person_keys(p.person, p.id_key.as_deref(), &p.name, &p.unit_name)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum UnitKey {
    Account(UnitId),
    Name(String),
}

fn unit_keys(u: &UnitRef) -> Vec<UnitKey> {
    let mut keys = Vec::with_capacity(2);
    if let Some(id) = u.unit {
        keys.push(UnitKey::Account(id));
    }
    let name = normalise_name(&u.name);
    if !name.is_empty() {
        keys.push(UnitKey::Name(name));
    }
    keys
}

/// Lists of expert positions (into the experts slice) under a key.
struct Index<K>(HashMap<K, Vec<u32>>);

impl<K: std::hash::Hash + Eq> Index<K> {
    fn new() -> Self {
        Index(HashMap::new())
    }

    fn put(&mut self, key: K, expert: usize) {
        let list = self.0.entry(key).or_default();
        let expert = u32::try_from(expert).unwrap_or(u32::MAX);
        if list.last() != Some(&expert) {
            list.push(expert);
        }
    }

    fn get(&self, key: &K) -> &[u32] {
        self.0.get(key).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Every excluded (application, expert) pair of one call with its reasons.
///
/// `applications` are all the applications of the call (the same-call rule
/// needs them all); `experts` the experts that may be assigned.
pub fn exclusions(applications: &[ApplicationParties], experts: &[ExpertTies]) -> Exclusions {
    let mut by_unit = Index::new();
    let mut by_person = Index::new();
    let mut by_expert_id = HashMap::new();
    let mut by_domain = Index::new();
    let mut avoiding_unit = Index::new();
    let mut avoiding_person = Index::new();
    // An avoided person declared by name alone (no account, no unit): the
    // expert avoids anyone of that name, erring on the side of caution.
    let mut avoiding_name = Index::new();
    for (i, e) in experts.iter().enumerate() {
        by_expert_id.insert(e.expert, i);
        for key in unit_keys(&e.unit) {
            by_unit.put(key, i);
        }
        for key in person_keys(e.person, e.id_key.as_deref(), &e.name, &e.unit.name) {
            by_person.put(key, i);
        }
        if let Some(domain) = e.email.as_deref().and_then(email_domain)
            && !is_public_mail_domain(&domain)
        {
            by_domain.put(domain, i);
        }
        for u in &e.avoid_units {
            for key in unit_keys(u) {
                avoiding_unit.put(key, i);
            }
        }
        for p in &e.avoid_persons {
            for key in person_ref_keys(p) {
                avoiding_person.put(key, i);
            }
            let name = normalise_name(&p.name);
            if p.person.is_none() && normalise_name(&p.unit_name).is_empty() && !name.is_empty() {
                avoiding_name.put(name, i);
            }
        }
    }

    let mut out = Exclusions::default();
    let pair = |out: &mut Exclusions, app: ApplicationId, idx: u32, reason| {
        if let Some(e) = experts.get(idx as usize) {
            out.add(app, e.expert, reason);
        }
    };
    for a in applications {
        let app = a.application;
        for key in unit_keys(&a.unit) {
            for &i in by_unit.get(&key) {
                pair(&mut out, app, i, ConflictReason::SameUnit);
            }
            for &i in avoiding_unit.get(&key) {
                pair(&mut out, app, i, ConflictReason::ExpertDeclaredAvoid);
            }
        }
        for joint in &a.joint_units {
            for key in unit_keys(joint) {
                for &i in by_unit.get(&key) {
                    pair(&mut out, app, i, ConflictReason::JointUnit);
                }
                for &i in avoiding_unit.get(&key) {
                    pair(&mut out, app, i, ConflictReason::ExpertDeclaredAvoid);
                }
            }
        }
        for person in a.leaders.iter().chain(&a.team) {
            for key in person_ref_keys(person) {
                for &i in by_person.get(&key) {
                    pair(&mut out, app, i, ConflictReason::TeamMember);
                    if let Some(e) = experts.get(i as usize) {
                        out.add_call_wide(e.expert, ConflictReason::SameCall);
                    }
                }
                for &i in avoiding_person.get(&key) {
                    pair(&mut out, app, i, ConflictReason::ExpertDeclaredAvoid);
                }
            }
            for &i in avoiding_name.get(&normalise_name(&person.name)) {
                pair(&mut out, app, i, ConflictReason::ExpertDeclaredAvoid);
            }
        }
        for avoided in &a.avoided_experts {
            if let Some(id) = avoided.expert
                && by_expert_id.contains_key(&id)
            {
                out.add(app, id, ConflictReason::ApplicantRequested);
            }
            for key in person_keys(None, None, &avoided.name, &avoided.unit_name) {
                for &i in by_person.get(&key) {
                    pair(&mut out, app, i, ConflictReason::ApplicantRequested);
                }
            }
        }
        let mut domains: Vec<String> = a
            .emails
            .iter()
            .filter_map(|m| email_domain(m))
            .filter(|d| !is_public_mail_domain(d))
            .collect();
        domains.sort();
        domains.dedup();
        for domain in &domains {
            for &i in by_domain.get(domain) {
                pair(&mut out, app, i, ConflictReason::SameEmailDomain);
            }
        }
    }
    let in_call: HashSet<ApplicationId> = applications.iter().map(|a| a.application).collect();
    for e in experts {
        for &app in &e.declared_conflicts {
            if in_call.contains(&app) {
                out.add(app, e.expert, ConflictReason::DeclaredAtOpening);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: ApplicationId = ApplicationId(1);
    const OTHER_APP: ApplicationId = ApplicationId(2);
    const EXPERT: ExpertId = ExpertId(10);

    fn unit(id: i64, name: &str) -> UnitRef {
        UnitRef {
            unit: Some(UnitId(id)),
            name: name.to_owned(),
        }
    }

    fn typed_unit(name: &str) -> UnitRef {
        UnitRef {
            unit: None,
            name: name.to_owned(),
        }
    }

    fn person(name: &str, unit_name: &str) -> PersonRef {
        PersonRef {
            person: None,
            id_key: None,
            name: name.to_owned(),
            unit_name: unit_name.to_owned(),
        }
    }

    fn application(id: ApplicationId) -> ApplicationParties {
        ApplicationParties {
            application: id,
            unit: unit(100, "西藏大学"),
            joint_units: vec![typed_unit("西藏农牧学院")],
            leaders: vec![PersonRef {
                person: Some(PersonId(500)),
                id_key: Some("540102199001011234".to_owned()),
                name: "格桑".to_owned(),
                unit_name: "西藏大学".to_owned(),
            }],
            team: vec![person("次仁", "西藏农牧学院")],
            emails: vec!["gesang@utibet.edu.cn".to_owned()],
            avoided_experts: vec![],
        }
    }

    /// An expert with no tie to [`application`].
    fn unrelated_expert() -> ExpertTies {
        ExpertTies {
            expert: EXPERT,
            person: Some(PersonId(900)),
            id_key: Some("110101198001010011".to_owned()),
            name: "张三".to_owned(),
            unit: unit(200, "四川大学"),
            email: Some("zhangsan@scu.edu.cn".to_owned()),
            avoid_units: vec![],
            avoid_persons: vec![],
            declared_conflicts: vec![],
        }
    }

    fn reasons_for(apps: &[ApplicationParties], expert: ExpertTies) -> Vec<ConflictReason> {
        let ex = exclusions(apps, &[expert]);
        ex.reasons(APP, EXPERT).iter().collect()
    }

    #[test]
    fn an_unrelated_expert_is_not_excluded() {
        assert_eq!(reasons_for(&[application(APP)], unrelated_expert()), vec![]);
    }

    #[test]
    fn the_applicant_unit_excludes_by_account_and_by_name() {
        let mut by_account = unrelated_expert();
        by_account.unit = unit(100, "另一个名称");
        assert_eq!(
            reasons_for(&[application(APP)], by_account),
            vec![ConflictReason::SameUnit]
        );
        let mut by_name = unrelated_expert();
        by_name.unit = typed_unit(" 西藏 大学 ");
        assert_eq!(
            reasons_for(&[application(APP)], by_name),
            vec![ConflictReason::SameUnit]
        );
    }

    #[test]
    fn a_joint_unit_excludes_by_normalised_name() {
        let mut app = application(APP);
        app.joint_units = vec![typed_unit("中国科学院（青藏高原研究所）")];
        let mut expert = unrelated_expert();
        expert.unit = unit(300, "中国科学院(青藏高原研究所)");
        assert_eq!(reasons_for(&[app], expert), vec![ConflictReason::JointUnit]);
    }

    #[test]
    fn a_team_member_or_leader_is_excluded_here_and_from_the_whole_call() {
        // By name and unit (the 人员 table is typed).
        let mut member = unrelated_expert();
        member.name = "次仁".to_owned();
        member.unit = typed_unit("西藏农牧学院");
        let apps = [application(APP), application(OTHER_APP)];
        let ex = exclusions(&apps, &[member]);
        let here: Vec<_> = ex.reasons(APP, EXPERT).iter().collect();
        assert!(here.contains(&ConflictReason::TeamMember));
        assert!(here.contains(&ConflictReason::SameCall));
        // By ID-number key, whatever the unit or name.
        let mut leader = unrelated_expert();
        leader.id_key = Some("540102199001011234".to_owned());
        let ex = exclusions(&[application(APP)], &[leader]);
        assert!(ex.reasons(APP, EXPERT).contains(ConflictReason::TeamMember));
        // By account.
        let mut leader = unrelated_expert();
        leader.person = Some(PersonId(500));
        let ex = exclusions(&[application(APP)], &[leader]);
        assert!(ex.reasons(APP, EXPERT).contains(ConflictReason::TeamMember));
    }

    #[test]
    fn an_application_in_the_same_call_excludes_from_every_application() {
        let mut mine = application(OTHER_APP);
        mine.unit = unit(200, "四川大学");
        mine.joint_units = vec![];
        mine.leaders = vec![person("张三", "四川大学")];
        mine.team = vec![];
        mine.emails = vec![];
        let ex = exclusions(&[application(APP), mine], &[unrelated_expert()]);
        assert_eq!(
            ex.reasons(APP, EXPERT).iter().collect::<Vec<_>>(),
            vec![ConflictReason::SameCall]
        );
        assert_eq!(
            ex.call_wide(),
            vec![(EXPERT, ConflictReasons::of(ConflictReason::SameCall))]
        );
        assert_eq!(ex.listing(&[APP, OTHER_APP]).len(), 2);
    }

    #[test]
    fn a_declared_avoid_of_the_unit_or_a_person_excludes() {
        let mut of_unit = unrelated_expert();
        of_unit.avoid_units = vec![typed_unit("西藏农牧学院")];
        assert_eq!(
            reasons_for(&[application(APP)], of_unit),
            vec![ConflictReason::ExpertDeclaredAvoid]
        );
        let mut of_person = unrelated_expert();
        of_person.avoid_persons = vec![person("格桑", "西藏大学")];
        assert_eq!(
            reasons_for(&[application(APP)], of_person),
            vec![ConflictReason::ExpertDeclaredAvoid]
        );
        // Declared by name alone, as the library's 回避人员 rows are.
        let mut by_name = unrelated_expert();
        by_name.avoid_persons = vec![person("格 桑", "")];
        assert_eq!(
            reasons_for(&[application(APP)], by_name),
            vec![ConflictReason::ExpertDeclaredAvoid]
        );
        let mut other_name = unrelated_expert();
        other_name.avoid_persons = vec![person("央金", "")];
        assert!(reasons_for(&[application(APP)], other_name).is_empty());
    }

    #[test]
    fn the_applicants_avoid_list_excludes_by_id_or_name_and_unit() {
        let mut by_id = application(APP);
        by_id.avoided_experts = vec![AvoidedExpert {
            expert: Some(EXPERT),
            name: String::new(),
            unit_name: String::new(),
        }];
        assert_eq!(
            reasons_for(&[by_id], unrelated_expert()),
            vec![ConflictReason::ApplicantRequested]
        );
        let mut by_name = application(APP);
        by_name.avoided_experts = vec![AvoidedExpert {
            expert: None,
            name: "张 三".to_owned(),
            unit_name: "四川大学".to_owned(),
        }];
        assert_eq!(
            reasons_for(&[by_name], unrelated_expert()),
            vec![ConflictReason::ApplicantRequested]
        );
    }

    #[test]
    fn a_shared_institutional_mail_domain_excludes_but_a_public_one_does_not() {
        let mut same_domain = unrelated_expert();
        same_domain.email = Some("Someone@UTIBET.edu.cn".to_owned());
        assert_eq!(
            reasons_for(&[application(APP)], same_domain),
            vec![ConflictReason::SameEmailDomain]
        );
        for public in [
            "qq.com",
            "vip.qq.com",
            "163.com",
            "126.com",
            "gmail.com",
            "sina.com",
        ] {
            let mut app = application(APP);
            app.emails = vec![format!("gesang@{public}")];
            let mut expert = unrelated_expert();
            expert.email = Some(format!("zhangsan@{public}"));
            assert_eq!(reasons_for(&[app], expert), vec![], "{public}");
        }
        assert!(!is_public_mail_domain("notqq.com"));
    }

    #[test]
    fn a_conflict_declared_at_opening_excludes_that_application_only() {
        let mut expert = unrelated_expert();
        expert.declared_conflicts = vec![APP];
        let ex = exclusions(&[application(APP), application(OTHER_APP)], &[expert]);
        assert_eq!(
            ex.reasons(APP, EXPERT).iter().collect::<Vec<_>>(),
            vec![ConflictReason::DeclaredAtOpening]
        );
        assert!(!ex.is_excluded(OTHER_APP, EXPERT));
    }

    #[test]
    fn reasons_have_labels_and_codes_that_round_trip() {
        let mut set = ConflictReasons::default();
        set.insert(ConflictReason::TeamMember);
        set.insert(ConflictReason::SameUnit);
        assert_eq!(set.labels(), "同一单位、项目组成员");
        for r in ConflictReason::ALL {
            assert_eq!(ConflictReason::from_code(r.code()), Some(r));
        }
        assert_eq!(
            ConflictReason::DeclaredAtOpening.label(),
            "专家声明利益冲突"
        );
    }

    #[test]
    fn names_fold_full_width_forms_and_spaces() {
        assert_eq!(normalise_name("ＡＢＣ 大学（一）"), "abc大学(一)");
        assert_eq!(normalise_name("阿沛・阿旺"), normalise_name("阿沛·阿旺"));
    }
}
