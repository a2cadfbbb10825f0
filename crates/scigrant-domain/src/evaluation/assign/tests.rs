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
