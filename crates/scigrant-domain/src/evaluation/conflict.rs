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

mod mail;
pub use mail::{PUBLIC_MAIL_DOMAINS, email_domain, is_public_mail_domain};

#[cfg(test)]
mod tests;
