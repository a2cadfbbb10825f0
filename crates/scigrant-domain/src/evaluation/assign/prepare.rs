//! The problem made ready for the flow: ids resolved, pins and removals
//! checked, each application's candidates scored and ranked; and the
//! chosen pairs turned back into an [`Assignment`] with its coverage.

use super::*;

/// Lists of lists in one allocation (one list per expert), so scoring
/// millions of candidates reads memory in few places.
pub(super) struct Flat<T> {
    pub(super) start: Vec<usize>,
    pub(super) items: Vec<T>,
}

impl<T> Flat<T> {
    pub(super) fn new<L: IntoIterator<Item = T>>(lists: impl IntoIterator<Item = L>) -> Flat<T> {
        let mut start = vec![0];
        let mut items = Vec::new();
        for list in lists {
            items.extend(list);
            start.push(items.len());
        }
        Flat { start, items }
    }

    pub(super) fn get(&self, i: usize) -> &[T] {
        &self.items[self.start[i]..self.start[i + 1]]
    }
}

/// One eligible pair, by positions in the problem's slices.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate {
    pub(super) expert: u32,
    pub(super) score: u32,
}

/// The problem digested: validated pins, remaining needs and capacities, and
/// every application's eligible experts, the best [`initial_width`] first
/// in order, the rest in no particular order.
pub(super) struct Prepared {
    pub(super) need: Vec<u32>,
    pub(super) capacity: Vec<u32>,
    pub(super) min_remaining: Vec<u32>,
    pub(super) pinned_load: Vec<u32>,
    pub(super) pinned: Vec<Assigned>,
    pub(super) candidates: Vec<Vec<Candidate>>,
    pub(super) matching: Vec<u32>,
}

pub(super) fn position(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

pub(super) fn prepare(p: &AssignmentProblem) -> Result<Prepared, AssignError> {
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
pub(super) fn finish(
    p: &AssignmentProblem,
    prep: &Prepared,
    chosen: &[(usize, Candidate)],
) -> Assignment {
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
