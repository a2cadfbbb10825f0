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

mod flow;
mod matching;
mod prepare;
use flow::*;
use matching::*;
pub use matching::{KeywordFinder, match_score};
use prepare::*;

#[cfg(test)]
mod tests;
