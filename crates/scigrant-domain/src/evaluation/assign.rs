//! 自动分配: which experts review which applications of a call. The
//! assignment maximises the total match between applications and experts
//! subject to the reviewers per application, every expert's load bounds,
//! every conflict of interest, and the pairs staff pinned or removed by hand.
//!
//! # The objective
//!
//! A pair's match ([`match_score`], an integer 0–[`MAX_SCORE`]) puts the
//! discipline first: the closest level at which one of the application's
//! GB/T 13745 codes meets one of the expert's (same 7-digit code 900, same
//! 5-digit prefix 600, same 3-digit prefix 300, +100 when the expert's code is
//! their primary one), then 50 per expert keyword found among the
//! application's terms (keywords, text tokens, 产业方向), at most 5. Pairs
//! with no match at all (score 0) are never proposed: they are not
//! "eligible".
//!
//! The assignment is optimal, lexicographically, for: (1) the most review
//! slots filled, then (2) the most minimum-load units met, then (3) the
//! highest total match. It is solved as one min-cost flow (source →
//! application, capacity = reviewers still needed; application → expert,
//! capacity 1, cost `MAX_SCORE − score`; expert → sink, one arc of capacity
//! = the minimum load still unmet at cost `−B` and one for the rest of the
//! maximum load at cost 0; application → sink, an "unfilled" arc at cost
//! `P`) with the network simplex of LEMON (the `mcmf` crate). The weights `B`
//! and `P` exceed anything a simple cycle of the lower priorities can gain
//! (`B > (2·min(#applications, #experts) + 2)·MAX_SCORE`, `P = 2B`), so the
//! weighted optimum is the lexicographic one. Minimum loads are thus met
//! wherever they can be without leaving a slot empty; those that cannot are
//! reported in [`Coverage::under_min_load`], never a failure.
//!
//! To keep the flow small, each application first gets arcs only to its
//! best-matching eligible experts. The solution is then priced against every
//! eligible pair left out (potentials from shortest paths in the residual
//! network): a left-out pair with a negative reduced cost is added and the
//! flow solved again, until none is left, so the result is optimal over all
//! eligible pairs, not just the ones first tried.
//!
//! [`assign_greedy`] fills the same slots greedily (best pairs first) for
//! comparison, and [`replace`] re-solves with every other assignment fixed
//! when an expert declines or misses the acceptance deadline.

use super::conflict::{ConflictReasons, Exclusions, normalise_name};
use crate::ids::{ApplicationId, ExpertId};
use mcmf::{Capacity, Cost, GraphBuilder, Vertex};
use std::collections::{HashMap, HashSet, VecDeque};

/// Reviewers per application unless the review plan says otherwise.
pub const DEFAULT_REVIEWERS: u32 = 3;

/// The highest possible [`match_score`].
pub const MAX_SCORE: u32 = 1_250;

const PRIMARY_BONUS: u32 = 100;
const KEYWORD_POINTS: u32 = 50;
const MAX_KEYWORDS: u32 = 5;

/// What an application is about, for matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationTopics {
    /// The application.
    pub application: ApplicationId,
    /// Its GB/T 13745 学科 codes ("520", "52010", "5201010").
    pub disciplines: Vec<String>,
    /// Its keywords, tokens of its text and its 产业方向.
    pub terms: Vec<String>,
}

/// What the expert library knows of an expert, for matching and loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpertProfile {
    /// The expert.
    pub expert: ExpertId,
    /// Their primary 学科 code.
    pub primary_discipline: String,
    /// Their other 学科 codes.
    pub disciplines: Vec<String>,
    /// Their 研究方向 keywords.
    pub keywords: Vec<String>,
    /// The fewest applications they should review in this call.
    pub min_load: u32,
    /// The most applications they may review in this call.
    pub max_load: u32,
    /// Whether they take new assignments (not paused, retired or away).
    pub available: bool,
}

/// One (application, expert) pair.
pub type Pair = (ApplicationId, ExpertId);

/// Everything an assignment is computed from.
#[derive(Clone, Copy, Debug)]
pub struct AssignmentProblem<'a> {
    /// The call's applications.
    pub applications: &'a [ApplicationTopics],
    /// The experts that may be assigned.
    pub experts: &'a [ExpertProfile],
    /// Reviewers per application.
    pub reviewers_per_application: u32,
    /// The call's conflicts of interest.
    pub exclusions: &'a Exclusions,
    /// Pairs staff fixed by hand: kept as they are (even for an expert who
    /// is no longer available), counted against loads and reviewers.
    pub pinned: &'a [Pair],
    /// Pairs staff removed by hand: never proposed.
    pub removed: &'a [Pair],
}

/// One assigned pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assigned {
    /// The application.
    pub application: ApplicationId,
    /// The expert.
    pub expert: ExpertId,
    /// Their [`match_score`].
    pub score: u32,
    /// Whether the pair was pinned (kept from the input) rather than chosen.
    pub pinned: bool,
}

/// Why an application has fewer reviewers than it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShortReason {
    /// Fewer available experts match its disciplines or keywords than it needs.
    NotEnoughEligible,
    /// Enough experts match, but conflicts or removals exclude too many.
    AllExcluded,
    /// Enough experts may review it, but their loads are taken.
    LoadsFull,
}

impl ShortReason {
    /// The reason as staff read it.
    pub fn label(self) -> &'static str {
        match self {
            ShortReason::NotEnoughEligible => "匹配的专家不足",
            ShortReason::AllExcluded => "回避后可选专家不足",
            ShortReason::LoadsFull => "可选专家评审量已满",
        }
    }
}

/// An application short of reviewers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shortfall {
    /// The application.
    pub application: ApplicationId,
    /// Reviewers it has.
    pub assigned: u32,
    /// Reviewers it needs.
    pub required: u32,
    /// Available experts that match it (before conflicts), besides pinned ones.
    pub matching: u32,
    /// Of those, the ones no conflict or removal excludes.
    pub eligible: u32,
    /// Why it is short.
    pub reason: ShortReason,
}

/// An expert left below their minimum load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadShortfall {
    /// The expert.
    pub expert: ExpertId,
    /// Applications assigned.
    pub load: u32,
    /// Their minimum load.
    pub min_load: u32,
}

/// How far the assignment covers the call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Review slots to fill (applications × reviewers).
    pub required: usize,
    /// Slots filled (pinned included).
    pub assigned: usize,
    /// Applications short of reviewers, by application id.
    pub short: Vec<Shortfall>,
    /// Experts below their minimum load, by expert id.
    pub under_min_load: Vec<LoadShortfall>,
}

/// An assignment of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Every assigned pair, pinned ones included, by (application, expert).
    pub pairs: Vec<Assigned>,
    /// The objective: the sum of the pairs' match scores.
    pub total_score: i64,
    /// Slots left empty and experts below their minimum load.
    pub coverage: Coverage,
}

impl Assignment {
    /// The experts assigned to `application`.
    pub fn experts_of(&self, application: ApplicationId) -> Vec<ExpertId> {
        self.pairs
            .iter()
            .filter(|p| p.application == application)
            .map(|p| p.expert)
            .collect()
    }
}

/// The outcome of replacing released assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// The proposed new pairs (none for a slot that cannot be filled).
    pub proposed: Vec<Assigned>,
    /// The whole assignment after the replacement.
    pub assignment: Assignment,
}

/// Input an assignment cannot be computed from, named for staff.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    /// A pair names an application not in the call.
    #[error("申报书 {0} 不在本批次中")]
    UnknownApplication(ApplicationId),
    /// A pair names an expert not in the list.
    #[error("专家 {0} 不在可分配的专家中")]
    UnknownExpert(ExpertId),
    /// A pinned pair is a conflict of interest.
    #[error("专家 {expert} 须回避申报书 {application}（{}），不能固定", reasons.labels())]
    PinnedExcluded {
        /// The application.
        application: ApplicationId,
        /// The expert.
        expert: ExpertId,
        /// The conflicts.
        reasons: ConflictReasons,
    },
    /// A pair is both pinned and removed.
    #[error("专家 {expert} 已从申报书 {application} 移除，不能同时固定")]
    PinnedRemoved {
        /// The application.
        application: ApplicationId,
        /// The expert.
        expert: ExpertId,
    },
    /// More experts are pinned to an application than it has reviewers.
    #[error("申报书 {application} 固定的专家（{pinned} 位）超过每份评审专家数 {reviewers}")]
    TooManyPinned {
        /// The application.
        application: ApplicationId,
        /// Experts pinned to it.
        pinned: u32,
        /// Reviewers per application.
        reviewers: u32,
    },
    /// An expert is pinned to more applications than their maximum load.
    #[error("专家 {expert} 固定的评审（{pinned} 份）超过其最多评审量 {max_load}")]
    OverMaxLoad {
        /// The expert.
        expert: ExpertId,
        /// Applications pinned to them.
        pinned: u32,
        /// Their maximum load.
        max_load: u32,
    },
    /// An expert's minimum load is above their maximum.
    #[error("专家 {expert} 的最少评审量 {min_load} 大于最多评审量 {max_load}")]
    LoadBounds {
        /// The expert.
        expert: ExpertId,
        /// Minimum load.
        min_load: u32,
        /// Maximum load.
        max_load: u32,
    },
    /// The problem is beyond the solver's integer range.
    #[error("评审规模过大（{slots} 个评审名额），超出求解范围")]
    TooLarge {
        /// Review slots to fill.
        slots: usize,
    },
}

/// A discipline code digested for comparison: its 3-, 5- and 7-digit
/// prefixes as numbers (0 where the code is shorter), so "520.10" and
/// "52010" are one code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Code([u32; 3]);

impl Code {
    fn parse(code: &str) -> Option<Code> {
        let digits: Vec<u32> = code
            .chars()
            .filter_map(|c| c.to_digit(10))
            .take(7)
            .collect();
        if digits.len() < 3 {
            return None;
        }
        let prefix = |n: usize| {
            if digits.len() < n {
                0
            } else {
                // +1 keeps a real prefix ("000") apart from "absent" (0).
                digits[..n].iter().fold(0u32, |acc, d| acc * 10 + d) + 1
            }
        };
        Some(Code([prefix(3), prefix(5), prefix(7)]))
    }

    /// The GB/T 13745 level at which two codes meet: 3 for the same 7-digit
    /// code, 2 for the same 5-digit prefix, 1 for the same 3-digit prefix.
    fn level(self, other: Code) -> u32 {
        let [a3, a5, a7] = self.0;
        let [b3, b5, b7] = other.0;
        if a7 != 0 && a7 == b7 {
            3
        } else if a5 != 0 && a5 == b5 {
            2
        } else if a3 != 0 && a3 == b3 {
            1
        } else {
            0
        }
    }

    fn first_level(self) -> u32 {
        self.0[0]
    }
}

/// An expert's codes, primary first, with their bonus.
fn expert_codes(e: &ExpertProfile) -> Vec<(Code, u32)> {
    let primary = Code::parse(&e.primary_discipline).map(|c| (c, PRIMARY_BONUS));
    let others = e
        .disciplines
        .iter()
        .filter_map(|c| Code::parse(c))
        .map(|c| (c, 0));
    primary.into_iter().chain(others).collect()
}

fn discipline_points(app: &[Code], expert: &[(Code, u32)]) -> u32 {
    let mut best = 0;
    for &(code, bonus) in expert {
        for &a in app {
            let level = a.level(code);
            if level > 0 {
                best = u32::max(best, level * 300 + bonus);
            }
        }
    }
    best
}

/// How well `expert` matches `application` (0 = not at all; see the module
/// documentation for the scale).
pub fn match_score(application: &ApplicationTopics, expert: &ExpertProfile) -> u32 {
    let codes: Vec<Code> = application
        .disciplines
        .iter()
        .filter_map(|c| Code::parse(c))
        .collect();
    let discipline = discipline_points(&codes, &expert_codes(expert));
    let terms: HashSet<String> = application
        .terms
        .iter()
        .map(|t| normalise_name(t))
        .filter(|t| !t.is_empty())
        .collect();
    let keywords: HashSet<String> = expert
        .keywords
        .iter()
        .map(|k| normalise_name(k))
        .filter(|k| terms.contains(k))
        .collect();
    let found = u32::try_from(keywords.len())
        .unwrap_or(MAX_KEYWORDS)
        .min(MAX_KEYWORDS);
    discipline + KEYWORD_POINTS * found
}

/// Finds the library's keywords in an application's free text (title,
/// abstract, 产业方向), to add to [`ApplicationTopics::terms`]: Chinese text
/// has no spaces to split on, so the text is searched for the experts'
/// keywords themselves (Aho–Corasick, overlapping matches, text and keywords
/// compared after [`normalise_name`]).
pub struct KeywordFinder {
    automaton: Option<aho_corasick::AhoCorasick>,
    keywords: Vec<String>,
}

impl KeywordFinder {
    /// A finder for every keyword of `experts`.
    pub fn new(experts: &[ExpertProfile]) -> KeywordFinder {
        let mut keywords: Vec<String> = experts
            .iter()
            .flat_map(|e| e.keywords.iter().map(|k| normalise_name(k)))
            .filter(|k| !k.is_empty())
            .collect();
        keywords.sort();
        keywords.dedup();
        // Building fails only beyond the automaton's size limits, far above
        // any expert library; such a finder finds nothing rather than panic.
        let automaton = aho_corasick::AhoCorasick::new(&keywords).ok();
        KeywordFinder {
            automaton,
            keywords,
        }
    }

    /// The distinct keywords found in `text`, in sorted order.
    pub fn terms_in(&self, text: &str) -> Vec<String> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        let text = normalise_name(text);
        let mut found: Vec<usize> = automaton
            .find_overlapping_iter(&text)
            .map(|m| m.pattern().as_usize())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .filter_map(|i| self.keywords.get(i).cloned())
            .collect()
    }
}

/// Interned, pre-digested profiles so candidate scoring is cheap; gives the
/// same scores as [`match_score`].
struct Scorer {
    expert_codes: Flat<(Code, u32)>,
    /// Per expert: sorted, deduplicated keyword ids.
    expert_keywords: Flat<u32>,
    app_codes: Vec<Vec<Code>>,
    /// Per application: sorted, deduplicated term ids (only terms that are
    /// some expert's keyword).
    app_terms: Vec<Vec<u32>>,
    /// How many distinct expert keywords there are.
    vocabulary: usize,
}

impl Scorer {
    fn new(apps: &[ApplicationTopics], experts: &[ExpertProfile]) -> Scorer {
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        let expert_keywords: Vec<Vec<u32>> = experts
            .iter()
            .map(|e| {
                let mut ids: Vec<u32> = e
                    .keywords
                    .iter()
                    .map(|k| normalise_name(k))
                    .filter(|k| !k.is_empty())
                    .map(|k| {
                        let next = u32::try_from(vocabulary.len()).unwrap_or(u32::MAX);
                        *vocabulary.entry(k).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        let app_terms = apps
            .iter()
            .map(|a| {
                let mut ids: Vec<u32> = a
                    .terms
                    .iter()
                    .filter_map(|t| vocabulary.get(&normalise_name(t)).copied())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            })
            .collect();
        Scorer {
            expert_codes: Flat::new(experts.iter().map(expert_codes)),
            expert_keywords: Flat::new(expert_keywords),
            app_codes: apps
                .iter()
                .map(|a| {
                    a.disciplines
                        .iter()
                        .filter_map(|c| Code::parse(c))
                        .collect()
                })
                .collect(),
            app_terms,
            vocabulary: vocabulary.len(),
        }
    }

    /// [`Scorer::score`] with the application's terms marked in `marks`
    /// (`marks[term] == app`), which avoids a merge per candidate.
    fn score_marked(&self, app: usize, expert: usize, marks: &[usize]) -> u32 {
        let discipline = discipline_points(&self.app_codes[app], self.expert_codes.get(expert));
        let found = self
            .expert_keywords
            .get(expert)
            .iter()
            .filter(|&&k| marks[k as usize] == app)
            .count();
        discipline + KEYWORD_POINTS * position(found).min(MAX_KEYWORDS)
    }

    fn score(&self, app: usize, expert: usize) -> u32 {
        let discipline = discipline_points(&self.app_codes[app], self.expert_codes.get(expert));
        let (mut i, mut j, mut found) = (0, 0, 0u32);
        let (xs, ys) = (&self.app_terms[app], self.expert_keywords.get(expert));
        while i < xs.len() && j < ys.len() {
            match xs[i].cmp(&ys[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    found += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        discipline + KEYWORD_POINTS * found.min(MAX_KEYWORDS)
    }
}

/// Lists of lists in one allocation (one list per expert), so scoring
/// millions of candidates reads memory in few places.
struct Flat<T> {
    start: Vec<usize>,
    items: Vec<T>,
}

impl<T> Flat<T> {
    fn new<L: IntoIterator<Item = T>>(lists: impl IntoIterator<Item = L>) -> Flat<T> {
        let mut start = vec![0];
        let mut items = Vec::new();
        for list in lists {
            items.extend(list);
            start.push(items.len());
        }
        Flat { start, items }
    }

    fn get(&self, i: usize) -> &[T] {
        &self.items[self.start[i]..self.start[i + 1]]
    }
}

/// One eligible pair, by positions in the problem's slices.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    expert: u32,
    score: u32,
}

/// The problem digested: validated pins, remaining needs and capacities, and
/// every application's eligible experts, the best [`initial_width`] first
/// in order, the rest in no particular order.
struct Prepared {
    need: Vec<u32>,
    capacity: Vec<u32>,
    min_remaining: Vec<u32>,
    pinned_load: Vec<u32>,
    pinned: Vec<Assigned>,
    candidates: Vec<Vec<Candidate>>,
    matching: Vec<u32>,
}

fn position(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn prepare(p: &AssignmentProblem) -> Result<Prepared, AssignError> {
    let app_pos: HashMap<ApplicationId, usize> = p
        .applications
        .iter()
        .enumerate()
        .map(|(i, a)| (a.application, i))
        .collect();
    let expert_pos: HashMap<ExpertId, usize> = p
        .experts
        .iter()
        .enumerate()
        .map(|(i, e)| (e.expert, i))
        .collect();
    for e in p.experts {
        if e.min_load > e.max_load {
            return Err(AssignError::LoadBounds {
                expert: e.expert,
                min_load: e.min_load,
                max_load: e.max_load,
            });
        }
    }
    let locate = |&(a, e): &Pair| -> Result<(usize, usize), AssignError> {
        let ai = *app_pos.get(&a).ok_or(AssignError::UnknownApplication(a))?;
        let ei = *expert_pos.get(&e).ok_or(AssignError::UnknownExpert(e))?;
        Ok((ai, ei))
    };
    // Per application, the expert positions it may not get (conflicts and
    // removals) and those already pinned, each sorted for binary search.
    let mut barred: Vec<Vec<u32>> = vec![Vec::new(); p.applications.len()];
    let mut pinned_to: Vec<Vec<u32>> = vec![Vec::new(); p.applications.len()];
    let removed: HashSet<Pair> = p.removed.iter().copied().collect();
    for pair in p.removed {
        let (ai, ei) = locate(pair)?;
        barred[ai].push(position(ei));
    }
    for (a, e) in p.exclusions.pair_keys() {
        if let (Some(&ai), Some(&ei)) = (app_pos.get(&a), expert_pos.get(&e)) {
            barred[ai].push(position(ei));
        }
    }
    let mut barred_everywhere = vec![false; p.experts.len()];
    for e in p.exclusions.call_wide_experts() {
        if let Some(&ei) = expert_pos.get(&e) {
            barred_everywhere[ei] = true;
        }
    }
    let scorer = Scorer::new(p.applications, p.experts);
    let mut pinned = Vec::new();
    let mut pinned_load = vec![0u32; p.experts.len()];
    for &pair in p.pinned {
        let (ai, ei) = locate(&pair)?;
        if pinned_to[ai].contains(&position(ei)) {
            continue;
        }
        let (application, expert) = pair;
        let reasons = p.exclusions.reasons(application, expert);
        if !reasons.is_empty() {
            return Err(AssignError::PinnedExcluded {
                application,
                expert,
                reasons,
            });
        }
        if removed.contains(&pair) {
            return Err(AssignError::PinnedRemoved {
                application,
                expert,
            });
        }
        pinned_to[ai].push(position(ei));
        pinned_load[ei] += 1;
        pinned.push(Assigned {
            application,
            expert,
            score: scorer.score(ai, ei),
            pinned: true,
        });
    }
    for (ai, list) in pinned_to.iter().enumerate() {
        let n = position(list.len());
        if n > p.reviewers_per_application {
            return Err(AssignError::TooManyPinned {
                application: p.applications[ai].application,
                pinned: n,
                reviewers: p.reviewers_per_application,
            });
        }
    }
    for (ei, &n) in pinned_load.iter().enumerate() {
        let e = &p.experts[ei];
        if n > e.max_load {
            return Err(AssignError::OverMaxLoad {
                expert: e.expert,
                pinned: n,
                max_load: e.max_load,
            });
        }
    }
    for list in barred.iter_mut().chain(pinned_to.iter_mut()) {
        list.sort_unstable();
        list.dedup();
    }
    let need: Vec<u32> = pinned_to
        .iter()
        .map(|list| p.reviewers_per_application - position(list.len()))
        .collect();
    let capacity: Vec<u32> = p
        .experts
        .iter()
        .zip(&pinned_load)
        .map(|(e, &n)| if e.available { e.max_load - n } else { 0 })
        .collect();
    let min_remaining: Vec<u32> = p
        .experts
        .iter()
        .zip(&pinned_load)
        .zip(&capacity)
        .map(|((e, &n), &cap)| e.min_load.saturating_sub(n).min(cap))
        .collect();

    // Index available experts by 3-digit discipline prefix and by keyword,
    // so an application scores only the experts it can match.
    let mut by_prefix: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut by_keyword: HashMap<u32, Vec<u32>> = HashMap::new();
    for (ei, e) in p.experts.iter().enumerate() {
        if !e.available {
            continue;
        }
        let mut prefixes: Vec<u32> = scorer
            .expert_codes
            .get(ei)
            .iter()
            .map(|(c, _)| c.first_level())
            .collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        for prefix in prefixes {
            by_prefix.entry(prefix).or_default().push(position(ei));
        }
        for &k in scorer.expert_keywords.get(ei) {
            by_keyword.entry(k).or_default().push(position(ei));
        }
    }
    let mut seen = vec![usize::MAX; p.experts.len()];
    let mut marks = vec![usize::MAX; scorer.vocabulary];
    let mut candidates = Vec::with_capacity(p.applications.len());
    let mut matching = Vec::with_capacity(p.applications.len());
    for ai in 0..p.applications.len() {
        let mut list = Vec::new();
        let mut matched = 0u32;
        if need[ai] == 0 {
            // Full already (all pinned): never short, needs no candidates.
            candidates.push(list);
            matching.push(matched);
            continue;
        }
        for &k in &scorer.app_terms[ai] {
            marks[k as usize] = ai;
        }
        let mut prefixes: Vec<u32> = scorer.app_codes[ai]
            .iter()
            .map(|c| c.first_level())
            .collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        let from_codes = prefixes
            .iter()
            .flat_map(|pre| by_prefix.get(pre).into_iter().flatten());
        let from_terms = scorer.app_terms[ai]
            .iter()
            .flat_map(|k| by_keyword.get(k).into_iter().flatten());
        for &ei in from_codes.chain(from_terms) {
            let e = ei as usize;
            if seen[e] == ai {
                continue;
            }
            seen[e] = ai;
            if pinned_to[ai].binary_search(&ei).is_ok() {
                continue;
            }
            let score = scorer.score_marked(ai, e, &marks);
            if score == 0 {
                continue;
            }
            matched += 1;
            if barred_everywhere[e] || barred[ai].binary_search(&ei).is_ok() {
                continue;
            }
            list.push(Candidate { expert: ei, score });
        }
        let best_first =
            |x: &Candidate, y: &Candidate| y.score.cmp(&x.score).then(x.expert.cmp(&y.expert));
        let head = initial_width(need[ai]);
        if list.len() > head {
            list.select_nth_unstable_by(head, best_first);
            list[..head].sort_unstable_by(best_first);
        } else {
            list.sort_unstable_by(best_first);
        }
        candidates.push(list);
        matching.push(matched);
    }
    Ok(Prepared {
        need,
        capacity,
        min_remaining,
        pinned_load,
        pinned,
        candidates,
        matching,
    })
}

/// Chosen (application, expert) positions and scores into an [`Assignment`].
fn finish(p: &AssignmentProblem, prep: &Prepared, chosen: &[(usize, Candidate)]) -> Assignment {
    let mut filled: Vec<u32> = prep
        .need
        .iter()
        .map(|n| p.reviewers_per_application - n)
        .collect();
    let mut load = prep.pinned_load.clone();
    let mut pairs = prep.pinned.clone();
    for &(ai, c) in chosen {
        filled[ai] += 1;
        load[c.expert as usize] += 1;
        pairs.push(Assigned {
            application: p.applications[ai].application,
            expert: p.experts[c.expert as usize].expert,
            score: c.score,
            pinned: false,
        });
    }
    pairs.sort_by_key(|x| (x.application, x.expert));
    let total_score = pairs.iter().map(|x| i64::from(x.score)).sum();
    let mut short = Vec::new();
    for (ai, a) in p.applications.iter().enumerate() {
        let required = p.reviewers_per_application;
        if filled[ai] >= required {
            continue;
        }
        let still = prep.need[ai];
        let eligible = u32::try_from(prep.candidates[ai].len()).unwrap_or(u32::MAX);
        let reason = if eligible >= still {
            ShortReason::LoadsFull
        } else if prep.matching[ai] >= still {
            ShortReason::AllExcluded
        } else {
            ShortReason::NotEnoughEligible
        };
        short.push(Shortfall {
            application: a.application,
            assigned: filled[ai],
            required,
            matching: prep.matching[ai],
            eligible,
            reason,
        });
    }
    short.sort_by_key(|s| s.application);
    let mut under_min_load: Vec<LoadShortfall> = p
        .experts
        .iter()
        .zip(&load)
        .filter(|(e, l)| **l < e.min_load)
        .map(|(e, &l)| LoadShortfall {
            expert: e.expert,
            load: l,
            min_load: e.min_load,
        })
        .collect();
    under_min_load.sort_by_key(|s| s.expert);
    let required = p.applications.len() * p.reviewers_per_application as usize;
    Assignment {
        coverage: Coverage {
            required,
            assigned: pairs.len(),
            short,
            under_min_load,
        },
        pairs,
        total_score,
    }
}

/// The optimal assignment of a call (see the module documentation for the
/// objective and the method).
pub fn assign(problem: &AssignmentProblem) -> Result<Assignment, AssignError> {
    let open = vec![true; problem.applications.len()];
    assign_open(problem, &open, initial_width)
}

/// [`assign`] filling only the slots of the `open` applications, starting
/// each application with `width(need)` of its best candidates.
fn assign_open(
    problem: &AssignmentProblem,
    open: &[bool],
    width: fn(u32) -> usize,
) -> Result<Assignment, AssignError> {
    let mut prep = prepare(problem)?;
    for (need, _) in prep.need.iter_mut().zip(open).filter(|(_, o)| !**o) {
        *need = 0;
    }
    let chosen = solve(
        &prep,
        problem.applications.len(),
        problem.experts.len(),
        width,
    )?;
    // Coverage counts every application's own shortfall, open or not.
    prep.need = needs(problem, &prep.pinned);
    Ok(finish(problem, &prep, &chosen))
}

/// Reviewers each application still needs beside its pinned ones.
fn needs(p: &AssignmentProblem, pinned: &[Assigned]) -> Vec<u32> {
    let mut per_app: HashMap<ApplicationId, u32> = HashMap::new();
    for x in pinned {
        *per_app.entry(x.application).or_default() += 1;
    }
    p.applications
        .iter()
        .map(|a| {
            let n = per_app.get(&a.application).copied().unwrap_or(0);
            p.reviewers_per_application.saturating_sub(n)
        })
        .collect()
}

/// A greedy assignment of the same problem, for comparison: every eligible
/// pair, best match first (ties by application, then expert position), is
/// taken while the application needs reviewers and the expert has room.
/// It ignores minimum loads.
pub fn assign_greedy(problem: &AssignmentProblem) -> Result<Assignment, AssignError> {
    let prep = prepare(problem)?;
    // Bucketed by score (scores are small integers), best first; within a
    // bucket by application, then expert position.
    let mut buckets: Vec<Vec<(usize, Candidate)>> = vec![Vec::new(); MAX_SCORE as usize + 1];
    for (ai, list) in prep.candidates.iter().enumerate() {
        for c in list {
            buckets[c.score as usize].push((ai, *c));
        }
    }
    let all = buckets.into_iter().rev().flat_map(|mut b| {
        b.sort_unstable_by_key(|(ai, c)| (*ai, c.expert));
        b
    });
    let mut need = prep.need.clone();
    let mut capacity = prep.capacity.clone();
    let mut chosen = Vec::new();
    for (ai, c) in all {
        let e = c.expert as usize;
        if need[ai] > 0 && capacity[e] > 0 {
            need[ai] -= 1;
            capacity[e] -= 1;
            chosen.push((ai, c));
        }
    }
    Ok(finish(problem, &prep, &chosen))
}

/// Re-solves after `released` pairs of `current` are given up (the expert
/// declined or missed the acceptance deadline): every other pair of
/// `current` stays as it is (pinned), the released pairs are never proposed
/// again, and the empty slots are filled by the same optimisation.
/// Only the released slots are filled: applications that were short before
/// stay as they were (run [`assign`] for those). `problem.pinned` is ignored
/// (the current assignment takes its place); `problem.removed` still applies.
pub fn replace(
    problem: &AssignmentProblem,
    current: &[Pair],
    released: &[Pair],
) -> Result<Replacement, AssignError> {
    let released_set: HashSet<Pair> = released.iter().copied().collect();
    let kept: Vec<Pair> = current
        .iter()
        .copied()
        .filter(|p| !released_set.contains(p))
        .collect();
    let mut removed = problem.removed.to_vec();
    removed.extend(released.iter().copied());
    let again = AssignmentProblem {
        pinned: &kept,
        removed: &removed,
        ..*problem
    };
    let reopened: HashSet<ApplicationId> = released.iter().map(|p| p.0).collect();
    let open: Vec<bool> = problem
        .applications
        .iter()
        .map(|a| reopened.contains(&a.application))
        .collect();
    let assignment = assign_open(&again, &open, initial_width)?;
    let proposed = assignment
        .pairs
        .iter()
        .filter(|p| !p.pinned)
        .copied()
        .collect();
    Ok(Replacement {
        proposed,
        assignment,
    })
}

/// How many left-out candidates of one application pricing adds per round
/// (measured: with 6 × reviewers candidates first and 16 per round, the
/// 20 000 × 8 000 benchmark is certified after two or three solves, the
/// last adding a few dozen pairs).
const PRICED_PER_ROUND: usize = 16;

/// How many of each application's best candidates enter the first solve.
fn initial_width(need: u32) -> usize {
    (need as usize * 6).max(12)
}

/// Costs of the flow (see the module documentation).
struct Weights {
    bonus: i64,
    unfilled: i64,
}

fn weights(apps: usize, experts: usize, slots: usize) -> Result<Weights, AssignError> {
    let cycle = 2 * apps.min(experts) as i64 + 2;
    let bonus = cycle * i64::from(MAX_SCORE) + 1;
    let unfilled = 2 * bonus;
    if unfilled > i64::from(i32::MAX) || slots > i32::MAX as usize {
        return Err(AssignError::TooLarge { slots });
    }
    Ok(Weights { bonus, unfilled })
}

fn cost_of(score: u32) -> i64 {
    i64::from(MAX_SCORE) - i64::from(score)
}

/// Solves the min-cost flow over every application's best candidates, then
/// prices the left-out candidates and adds those that could improve it,
/// until none can.
fn solve(
    prep: &Prepared,
    apps: usize,
    experts: usize,
    initial_width: fn(u32) -> usize,
) -> Result<Vec<(usize, Candidate)>, AssignError> {
    let slots: usize = prep.need.iter().map(|&n| n as usize).sum();
    let w = weights(apps, experts, slots)?;
    // Per application: how many of its candidates (best first) are in the
    // flow, plus any others priced in later.
    let mut width: Vec<usize> = prep
        .need
        .iter()
        .zip(&prep.candidates)
        .map(|(&n, c)| {
            if n == 0 {
                0
            } else {
                initial_width(n).min(c.len())
            }
        })
        .collect();
    let mut extra: Vec<Vec<usize>> = vec![Vec::new(); apps];
    loop {
        let arcs: Vec<(usize, usize)> = (0..apps)
            .flat_map(|ai| {
                (0..width[ai])
                    .chain(extra[ai].iter().copied())
                    .map(move |k| (ai, k))
            })
            .collect();
        let used = run_flow(prep, &w, &arcs, apps, experts);
        let violating = price(prep, &w, &arcs, &used, &width, &extra, apps, experts);
        if violating.is_empty() {
            return Ok(arcs
                .iter()
                .zip(&used)
                .filter(|(_, u)| **u)
                .map(|(&(ai, k), _)| (ai, prep.candidates[ai][k]))
                .collect());
        }
        for (ai, k) in violating {
            if k == width[ai] {
                width[ai] += 1;
            } else {
                extra[ai].push(k);
            }
        }
        for list in &mut extra {
            list.sort_unstable();
            list.dedup();
        }
        for ai in 0..apps {
            let w = width[ai];
            extra[ai].retain(|&k| k >= w);
        }
    }
}

/// Node numbering of the flow network.
fn app_node(ai: usize) -> u32 {
    u32::try_from(ai).unwrap_or(u32::MAX)
}

fn expert_node(apps: usize, ei: usize) -> u32 {
    u32::try_from(apps + ei).unwrap_or(u32::MAX)
}

/// Runs the network simplex over the given arcs (application position,
/// candidate index); returns which arcs carry a reviewer.
fn run_flow(
    prep: &Prepared,
    w: &Weights,
    arcs: &[(usize, usize)],
    apps: usize,
    experts: usize,
) -> Vec<bool> {
    let mut graph: GraphBuilder<u32> = GraphBuilder::new();
    let unfilled = Cost(i32::try_from(w.unfilled).unwrap_or(i32::MAX));
    let bonus = Cost(-i32::try_from(w.bonus).unwrap_or(i32::MAX));
    for (ai, &n) in prep.need.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let cap = Capacity(i32::try_from(n).unwrap_or(i32::MAX));
        graph.add_edge(Vertex::Source, app_node(ai), cap, Cost(0));
        graph.add_edge(app_node(ai), Vertex::Sink, cap, unfilled);
    }
    let mut index: HashMap<(u32, u32), usize> = HashMap::with_capacity(arcs.len());
    for (i, &(ai, k)) in arcs.iter().enumerate() {
        let c = prep.candidates[ai][k];
        let cost = Cost(i32::try_from(cost_of(c.score)).unwrap_or(i32::MAX));
        let to = expert_node(apps, c.expert as usize);
        graph.add_edge(app_node(ai), to, Capacity(1), cost);
        index.insert((app_node(ai), to), i);
    }
    for ei in 0..experts {
        let (cap, min) = (prep.capacity[ei], prep.min_remaining[ei]);
        if cap == 0 {
            continue;
        }
        let node = expert_node(apps, ei);
        if min > 0 {
            let min = Capacity(i32::try_from(min).unwrap_or(i32::MAX));
            graph.add_edge(node, Vertex::Sink, min, bonus);
        }
        if cap > min {
            let rest = Capacity(i32::try_from(cap - min).unwrap_or(i32::MAX));
            graph.add_edge(node, Vertex::Sink, rest, Cost(0));
        }
    }
    let (_, paths) = graph.mcmf();
    let mut used = vec![false; arcs.len()];
    for path in paths {
        let nodes: Vec<u32> = path
            .vertices()
            .into_iter()
            .filter_map(|v| (*v).as_option())
            .collect();
        if let [a, e] = nodes[..]
            && let Some(&i) = index.get(&(a, e))
        {
            used[i] = true;
        }
    }
    used
}

/// Shortest-path potentials of the residual network of the flow, then every
/// candidate not in the flow whose reduced cost is negative (it could
/// improve the solution), at most a few per application.
#[allow(clippy::too_many_arguments)]
fn price(
    prep: &Prepared,
    w: &Weights,
    arcs: &[(usize, usize)],
    used: &[bool],
    width: &[usize],
    extra: &[Vec<usize>],
    apps: usize,
    experts: usize,
) -> Vec<(usize, usize)> {
    let sink = apps + experts;
    let n = sink + 1;
    let mut filled = vec![0u32; apps];
    let mut load = vec![0u32; experts];
    let mut residual: Vec<(usize, usize, i64)> = Vec::new();
    for (&(ai, k), &u) in arcs.iter().zip(used) {
        let c = prep.candidates[ai][k];
        let e = c.expert as usize;
        let en = apps + e;
        if u {
            filled[ai] += 1;
            load[e] += 1;
            residual.push((en, ai, -cost_of(c.score)));
        } else if prep.capacity[e] > 0 {
            residual.push((ai, en, cost_of(c.score)));
        }
    }
    for (ai, (&need, &filled)) in prep.need.iter().zip(&filled).enumerate() {
        if need == 0 {
            continue;
        }
        if filled > 0 {
            residual.push((ai, sink, w.unfilled));
        }
        if filled < need {
            residual.push((sink, ai, -w.unfilled));
        }
    }
    for (e, &load) in load.iter().enumerate() {
        let (cap, min) = (prep.capacity[e], prep.min_remaining[e]);
        if cap == 0 {
            continue;
        }
        let at_min = load.min(min);
        let above = load - at_min;
        let en = apps + e;
        if at_min < min {
            residual.push((en, sink, -w.bonus));
        }
        if at_min > 0 {
            residual.push((sink, en, w.bonus));
        }
        if above < cap - min {
            residual.push((en, sink, 0));
        }
        if above > 0 {
            residual.push((sink, en, 0));
        }
    }
    let Some(dist) = potentials(n, &residual) else {
        // No potentials (cannot happen for an optimal flow): price in
        // everything so the next solve is exact over all candidates.
        return (0..apps)
            .flat_map(|ai| (width[ai]..prep.candidates[ai].len()).map(move |k| (ai, k)))
            .collect();
    };
    let mut out = Vec::new();
    for ai in 0..apps {
        if prep.need[ai] == 0 {
            continue;
        }
        let mut added = 0;
        for k in width[ai]..prep.candidates[ai].len() {
            if extra[ai].binary_search(&k).is_ok() {
                continue;
            }
            let c = prep.candidates[ai][k];
            let e = c.expert as usize;
            if prep.capacity[e] == 0 {
                continue;
            }
            if cost_of(c.score) + dist[ai] - dist[apps + e] < 0 {
                out.push((ai, k));
                added += 1;
                if added == PRICED_PER_ROUND {
                    break;
                }
            }
        }
    }
    out
}

/// Shortest distances from a virtual root joined to every node at cost 0
/// (queue-based Bellman–Ford); `None` if a negative cycle shows up.
fn potentials(n: usize, edges: &[(usize, usize, i64)]) -> Option<Vec<i64>> {
    let mut start = vec![0usize; n + 1];
    for &(u, _, _) in edges {
        start[u + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adjacency = vec![(0usize, 0i64); edges.len()];
    for &(u, v, c) in edges {
        adjacency[fill[u]] = (v, c);
        fill[u] += 1;
    }
    let mut dist = vec![0i64; n];
    let mut queued = vec![true; n];
    let mut passes = vec![0u32; n];
    let mut queue: VecDeque<usize> = (0..n).collect();
    while let Some(u) = queue.pop_front() {
        queued[u] = false;
        passes[u] += 1;
        if passes[u] as usize > n {
            return None;
        }
        for &(v, c) in &adjacency[start[u]..start[u + 1]] {
            if dist[u] + c < dist[v] {
                dist[v] = dist[u] + c;
                if !queued[v] {
                    queued[v] = true;
                    queue.push_back(v);
                }
            }
        }
    }
    Some(dist)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::conflict::ConflictReason;
    use proptest::prelude::*;

    fn app(id: i64, codes: &[&str], terms: &[&str]) -> ApplicationTopics {
        ApplicationTopics {
            application: ApplicationId(id),
            disciplines: codes.iter().map(|c| (*c).to_owned()).collect(),
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    fn expert(id: i64, primary: &str, others: &[&str], keywords: &[&str]) -> ExpertProfile {
        ExpertProfile {
            expert: ExpertId(id),
            primary_discipline: primary.to_owned(),
            disciplines: others.iter().map(|c| (*c).to_owned()).collect(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            min_load: 0,
            max_load: 10,
            available: true,
        }
    }

    fn problem<'a>(
        applications: &'a [ApplicationTopics],
        experts: &'a [ExpertProfile],
        reviewers: u32,
        exclusions: &'a Exclusions,
    ) -> AssignmentProblem<'a> {
        AssignmentProblem {
            applications,
            experts,
            reviewers_per_application: reviewers,
            exclusions,
            pinned: &[],
            removed: &[],
        }
    }

    #[test]
    fn the_score_puts_the_primary_exact_code_first_then_prefixes_then_keywords() {
        let a = app(1, &["5201010"], &["高原医学", "低氧"]);
        let score = |e: &ExpertProfile| match_score(&a, e);
        assert_eq!(score(&expert(1, "5201010", &[], &[])), 1000);
        assert_eq!(score(&expert(2, "630", &["5201010"], &[])), 900);
        assert_eq!(score(&expert(3, "5201020", &[], &[])), 700);
        assert_eq!(score(&expert(4, "630", &["52010"], &[])), 600);
        assert_eq!(score(&expert(5, "52020", &[], &[])), 400);
        assert_eq!(score(&expert(6, "630", &["520"], &[])), 300);
        assert_eq!(score(&expert(7, "630", &[], &["低氧", "高原医学"])), 100);
        assert_eq!(score(&expert(8, "630", &[], &["冰川"])), 0);
        assert_eq!(score(&expert(9, "5201010", &[], &["低氧"])), 1050);
    }

    #[test]
    fn keywords_are_found_in_unsegmented_text() {
        let experts = [
            expert(1, "520", &[], &["高原医学", "低氧"]),
            expert(2, "630", &[], &["人工智能", "智能芯片", "GPU"]),
        ];
        let finder = KeywordFinder::new(&experts);
        assert_eq!(
            finder.terms_in("本项目研究高原医学中的低氧适应，并用人工智能芯片（ＧＰＵ）加速"),
            vec!["gpu", "人工智能", "低氧", "智能芯片", "高原医学"]
        );
        assert_eq!(finder.terms_in("冰川与冻土"), Vec::<String>::new());
        let terms = finder.terms_in("人工智能芯片");
        assert_eq!(terms, vec!["人工智能", "智能芯片"]);
        let a = ApplicationTopics {
            terms,
            ..app(1, &["710"], &[])
        };
        assert_eq!(match_score(&a, &experts[1]), 100);
    }

    #[test]
    fn the_flow_beats_greedy_where_greedy_takes_the_contested_expert() {
        // Greedy gives application 1 its best expert A (1000), leaving
        // application 2 (which only A matches well) with B at 300; the
        // optimum gives A to 2 and B' to 1.
        let apps = [app(1, &["5201010"], &[]), app(2, &["5201010"], &[])];
        let mut a = expert(10, "5201010", &[], &[]);
        a.max_load = 1;
        let b = expert(11, "5201020", &[], &[]);
        let experts = [a, b];
        let ex = Exclusions::default();
        let mut ex2 = ex.clone();
        ex2.add(ApplicationId(2), ExpertId(11), ConflictReason::SameUnit);
        let p = problem(&apps, &experts, 1, &ex2);
        let best = assign(&p).unwrap();
        assert_eq!(best.experts_of(ApplicationId(1)), vec![ExpertId(11)]);
        assert_eq!(best.experts_of(ApplicationId(2)), vec![ExpertId(10)]);
        assert_eq!(best.total_score, 1700);
        let greedy = assign_greedy(&p).unwrap();
        assert_eq!(greedy.total_score, 1000);
        assert_eq!(greedy.coverage.short.len(), 1);
        assert_eq!(greedy.coverage.short[0].reason, ShortReason::LoadsFull);
        assert!(best.coverage.short.is_empty());
    }

    #[test]
    fn coverage_names_why_an_application_is_short() {
        let apps = [
            app(1, &["520"], &[]),
            app(2, &["630"], &[]),
            app(3, &["710"], &[]),
        ];
        let mut full = expert(12, "710", &[], &[]);
        full.max_load = 0;
        let experts = [
            expert(10, "520", &[], &[]),
            expert(11, "630", &[], &[]),
            full,
        ];
        let mut ex = Exclusions::default();
        ex.add(ApplicationId(2), ExpertId(11), ConflictReason::SameUnit);
        let result = assign(&problem(&apps, &experts, 1, &ex)).unwrap();
        let reasons: Vec<_> = result
            .coverage
            .short
            .iter()
            .map(|s| (s.application.0, s.reason.label()))
            .collect();
        assert_eq!(
            reasons,
            vec![(2, "回避后可选专家不足"), (3, "可选专家评审量已满")]
        );
        assert_eq!(result.coverage.required, 3);
        assert_eq!(result.coverage.assigned, 1);
        let none = assign(&problem(&apps[..1], &experts[1..2], 1, &ex)).unwrap();
        assert_eq!(none.coverage.short[0].reason.label(), "匹配的专家不足");
    }

    #[test]
    fn minimum_loads_are_met_where_they_can_be_and_reported_where_not() {
        let apps = [app(1, &["520"], &[]), app(2, &["520"], &[])];
        let best = expert(10, "520", &[], &[]);
        let mut needy = expert(11, "52099", &[], &[]);
        needy.min_load = 2;
        let mut hopeless = expert(12, "520", &[], &[]);
        hopeless.min_load = 1;
        let experts = [best, needy, hopeless];
        let ex = Exclusions::default();
        let result = assign(&problem(&apps, &experts, 1, &ex)).unwrap();
        assert_eq!(result.experts_of(ApplicationId(1)), vec![ExpertId(11)]);
        assert_eq!(result.experts_of(ApplicationId(2)), vec![ExpertId(11)]);
        assert_eq!(
            result.coverage.under_min_load,
            vec![LoadShortfall {
                expert: ExpertId(12),
                load: 0,
                min_load: 1
            }]
        );
    }

    #[test]
    fn bad_pins_and_loads_are_refused_with_the_limit_named() {
        let apps = [app(1, &["520"], &[])];
        let experts = [expert(10, "520", &[], &[]), expert(11, "520", &[], &[])];
        let mut ex = Exclusions::default();
        ex.add(ApplicationId(1), ExpertId(10), ConflictReason::TeamMember);
        let pinned = [(ApplicationId(1), ExpertId(10))];
        let p = AssignmentProblem {
            pinned: &pinned,
            ..problem(&apps, &experts, 1, &ex)
        };
        assert_eq!(
            assign(&p).unwrap_err().to_string(),
            "专家 10 须回避申报书 1（项目组成员），不能固定"
        );
        let clean = Exclusions::default();
        let both = [
            (ApplicationId(1), ExpertId(10)),
            (ApplicationId(1), ExpertId(11)),
        ];
        let p = AssignmentProblem {
            pinned: &both,
            ..problem(&apps, &experts, 1, &clean)
        };
        assert_eq!(
            assign(&p).unwrap_err().to_string(),
            "申报书 1 固定的专家（2 位）超过每份评审专家数 1"
        );
        let mut bad = experts.clone();
        bad[0].min_load = 5;
        bad[0].max_load = 2;
        assert_eq!(
            assign(&problem(&apps, &bad, 1, &clean))
                .unwrap_err()
                .to_string(),
            "专家 10 的最少评审量 5 大于最多评审量 2"
        );
        let stray = [(ApplicationId(9), ExpertId(10))];
        let p = AssignmentProblem {
            removed: &stray,
            ..problem(&apps, &experts, 1, &clean)
        };
        assert_eq!(
            assign(&p).unwrap_err(),
            AssignError::UnknownApplication(ApplicationId(9))
        );
    }

    #[test]
    fn a_replacement_changes_only_the_declined_pair() {
        let apps = [app(1, &["520"], &[]), app(2, &["520"], &[])];
        let experts = [
            expert(10, "520", &[], &[]),
            expert(11, "520", &[], &[]),
            expert(12, "52010", &[], &[]),
        ];
        let ex = Exclusions::default();
        let p = problem(&apps, &experts, 2, &ex);
        let first = assign(&p).unwrap();
        let current: Vec<Pair> = first
            .pairs
            .iter()
            .map(|x| (x.application, x.expert))
            .collect();
        let declined = current[0];
        let r = replace(&p, &current, &[declined]).unwrap();
        assert_eq!(r.proposed.len(), 1);
        assert_eq!(r.proposed[0].application, declined.0);
        assert_ne!(r.proposed[0].expert, declined.1);
        let after: HashSet<Pair> = r
            .assignment
            .pairs
            .iter()
            .map(|x| (x.application, x.expert))
            .collect();
        for pair in &current[1..] {
            assert!(after.contains(pair));
        }
        assert!(!after.contains(&declined));
    }

    // ---- property tests against brute force on tiny instances ----

    const CODES: [&str; 6] = ["520", "52010", "5201010", "5201020", "52020", "630"];
    const WORDS: [&str; 3] = ["冰川", "冻土", "低氧"];

    #[derive(Clone, Debug)]
    struct Instance {
        apps: Vec<ApplicationTopics>,
        experts: Vec<ExpertProfile>,
        reviewers: u32,
        excluded: Vec<Pair>,
        removed: Vec<Pair>,
        pinned: Vec<Pair>,
    }

    fn instance() -> impl Strategy<Value = Instance> {
        let topics = (
            proptest::collection::vec(0..CODES.len(), 1..3),
            proptest::collection::vec(0..WORDS.len(), 0..3),
        );
        let profile = (
            0..CODES.len(),
            proptest::collection::vec(0..CODES.len(), 0..2),
            proptest::collection::vec(0..WORDS.len(), 0..3),
            0u32..3,
            0u32..4,
            proptest::bool::weighted(0.85),
        );
        (
            proptest::collection::vec(topics, 1..5),
            proptest::collection::vec(profile, 1..5),
            1u32..3,
            proptest::collection::vec((0usize..5, 0usize..5, 0u8..4), 0..8),
        )
            .prop_map(|(topics, profiles, reviewers, marks)| {
                let apps: Vec<_> = topics
                    .into_iter()
                    .enumerate()
                    .map(|(i, (codes, words))| ApplicationTopics {
                        application: ApplicationId(i as i64 + 1),
                        disciplines: codes.iter().map(|&c| CODES[c].to_owned()).collect(),
                        terms: words.iter().map(|&w| WORDS[w].to_owned()).collect(),
                    })
                    .collect();
                let experts: Vec<_> = profiles
                    .into_iter()
                    .enumerate()
                    .map(
                        |(i, (primary, others, words, min, extra, available))| ExpertProfile {
                            expert: ExpertId(i as i64 + 100),
                            primary_discipline: CODES[primary].to_owned(),
                            disciplines: others.iter().map(|&c| CODES[c].to_owned()).collect(),
                            keywords: words.iter().map(|&w| WORDS[w].to_owned()).collect(),
                            min_load: min,
                            max_load: min + extra,
                            available,
                        },
                    )
                    .collect();
                let (mut excluded, mut removed, mut pinned) = (vec![], vec![], vec![]);
                for (a, e, kind) in marks {
                    let (Some(a), Some(e)) = (apps.get(a), experts.get(e)) else {
                        continue;
                    };
                    let pair = (a.application, e.expert);
                    match kind {
                        0 => excluded.push(pair),
                        1 => removed.push(pair),
                        2 => pinned.push(pair),
                        _ => {}
                    }
                }
                Instance {
                    apps,
                    experts,
                    reviewers,
                    excluded,
                    removed,
                    pinned,
                }
            })
    }

    fn exclusions_of(inst: &Instance) -> Exclusions {
        let mut ex = Exclusions::default();
        for &(a, e) in &inst.excluded {
            ex.add(a, e, ConflictReason::ExpertDeclaredAvoid);
        }
        ex
    }

    /// (slots filled, minimum-load units met, total score) of the best
    /// feasible assignment, by trying every subset of eligible pairs.
    fn brute_force(inst: &Instance, p: &AssignmentProblem) -> Option<(usize, u32, i64)> {
        let pinned: HashSet<Pair> = p.pinned.iter().copied().collect();
        let mut base_app = vec![0u32; inst.apps.len()];
        let mut base_load = vec![0u32; inst.experts.len()];
        let mut base_score = 0i64;
        for (ai, a) in inst.apps.iter().enumerate() {
            for (ei, e) in inst.experts.iter().enumerate() {
                if pinned.contains(&(a.application, e.expert)) {
                    base_app[ai] += 1;
                    base_load[ei] += 1;
                    base_score += i64::from(match_score(a, e));
                }
            }
        }
        let mut options = vec![];
        for (ai, a) in inst.apps.iter().enumerate() {
            for (ei, e) in inst.experts.iter().enumerate() {
                let pair = (a.application, e.expert);
                let s = match_score(a, e);
                if e.available
                    && s > 0
                    && !pinned.contains(&pair)
                    && !p.removed.contains(&pair)
                    && !p.exclusions.is_excluded(pair.0, pair.1)
                {
                    options.push((ai, ei, s));
                }
            }
        }
        let mut best: Option<(usize, u32, i64)> = None;
        for mask in 0u32..(1 << options.len()) {
            let mut per_app = base_app.clone();
            let mut load = base_load.clone();
            let mut score = base_score;
            for (bit, &(ai, ei, s)) in options.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    per_app[ai] += 1;
                    load[ei] += 1;
                    score += i64::from(s);
                }
            }
            if per_app.iter().any(|&n| n > p.reviewers_per_application)
                || load.iter().zip(&inst.experts).any(|(&l, e)| l > e.max_load)
            {
                continue;
            }
            let filled = per_app.iter().map(|&n| n as usize).sum();
            let min_met = load
                .iter()
                .zip(&inst.experts)
                .map(|(&l, e)| l.min(e.min_load))
                .sum();
            let key = (filled, min_met, score);
            if best.is_none_or(|b| key > b) {
                best = Some(key);
            }
        }
        best
    }

    fn min_met(result: &Assignment, experts: &[ExpertProfile]) -> u32 {
        experts
            .iter()
            .map(|e| {
                let load = result.pairs.iter().filter(|p| p.expert == e.expert).count() as u32;
                load.min(e.min_load)
            })
            .sum()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn the_assignment_is_optimal_and_breaks_no_rule(inst in instance()) {
            let ex = exclusions_of(&inst);
            let p = AssignmentProblem {
                applications: &inst.apps,
                experts: &inst.experts,
                reviewers_per_application: inst.reviewers,
                exclusions: &ex,
                pinned: &inst.pinned,
                removed: &inst.removed,
            };
            let Ok(result) = assign(&p) else {
                // Only invalid pins are refused; brute force agrees they are.
                let pinned_ok = inst.pinned.iter().all(|x| !ex.is_excluded(x.0, x.1) && !inst.removed.contains(x));
                prop_assert!(!pinned_ok || brute_force(&inst, &p).is_none());
                return Ok(());
            };
            for x in &result.pairs {
                prop_assert!(!ex.is_excluded(x.application, x.expert));
                prop_assert!(!inst.removed.contains(&(x.application, x.expert)));
            }
            for e in &inst.experts {
                let load = result.pairs.iter().filter(|x| x.expert == e.expert).count() as u32;
                prop_assert!(load <= e.max_load);
            }
            for a in &inst.apps {
                prop_assert!(result.experts_of(a.application).len() as u32 <= inst.reviewers);
            }
            for pair in &inst.pinned {
                prop_assert!(result.pairs.iter().any(|x| (x.application, x.expert) == *pair && x.pinned));
            }
            let best = brute_force(&inst, &p);
            prop_assert_eq!(
                Some((result.coverage.assigned, min_met(&result, &inst.experts), result.total_score)),
                best
            );
            // Starting from one candidate per application, pricing must add
            // every pair that can improve the flow and reach the same optimum.
            let open = vec![true; inst.apps.len()];
            let narrow = assign_open(&p, &open, |_| 1).unwrap();
            prop_assert_eq!(
                Some((narrow.coverage.assigned, min_met(&narrow, &inst.experts), narrow.total_score)),
                best
            );
            let greedy = assign_greedy(&p).unwrap();
            prop_assert!(greedy.coverage.assigned <= result.coverage.assigned);
        }

        #[test]
        fn a_replacement_keeps_every_other_pair(inst in instance(), pick in 0usize..16) {
            let ex = exclusions_of(&inst);
            let p = AssignmentProblem {
                applications: &inst.apps,
                experts: &inst.experts,
                reviewers_per_application: inst.reviewers,
                exclusions: &ex,
                pinned: &[],
                removed: &inst.removed,
            };
            let first = assign(&p).unwrap();
            prop_assume!(!first.pairs.is_empty());
            let current: Vec<Pair> = first.pairs.iter().map(|x| (x.application, x.expert)).collect();
            let declined = current[pick % current.len()];
            let r = replace(&p, &current, &[declined]).unwrap();
            let after: Vec<Pair> = r.assignment.pairs.iter().map(|x| (x.application, x.expert)).collect();
            prop_assert!(!after.contains(&declined));
            for pair in current.iter().filter(|x| **x != declined) {
                prop_assert!(after.contains(pair));
            }
            prop_assert!(r.proposed.len() <= 1);
            for x in &r.proposed {
                prop_assert_eq!(x.application, declined.0);
                prop_assert!(!ex.is_excluded(x.application, x.expert));
            }
            prop_assert_eq!(after.len(), current.len() - 1 + r.proposed.len());
        }
    }
}
