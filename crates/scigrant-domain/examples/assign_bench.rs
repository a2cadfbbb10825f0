//! Expert assignment at the size of a large call: synthetic but realistic
//! applications and experts (GB/T 13745-like discipline codes with a few
//! popular disciplines, keywords per discipline, units with their own e-mail
//! domains, public mail for some, joint units, teams that include experts,
//! declared avoids and applicants' avoid lists), conflicts computed, then the
//! optimal assignment (network simplex via `mcmf`) against the greedy
//! baseline, and the replacement when one expert declines.
//!
//! `cargo run --release -p scigrant-domain --example assign_bench`
//! (20 000 applications × 3 reviewers over 8 000 experts);
//! `-- --small` for 2 000 × 1 000, or `-- --apps N --experts M`.

use scigrant_domain::evaluation::assign::{
    ApplicationTopics, AssignmentProblem, ExpertProfile, KeywordFinder, Pair, assign,
    assign_greedy, replace,
};
use scigrant_domain::evaluation::conflict::{
    ApplicationParties, AvoidedExpert, ExpertTies, PersonRef, UnitRef, exclusions,
};
use scigrant_domain::evaluation::score::{
    AggregateOptions, Grade, Opinion, Points, RankBy, RankingEntry, Review, aggregate, rank,
};
use scigrant_domain::ids::{ApplicationId, ExpertId, PersonId, UnitId};
use std::collections::HashSet;
use std::time::Instant;

/// GB/T 13745-2009 first-level codes (a subset), the popular ones first.
const FIRST_LEVEL: [&str; 48] = [
    "520", "510", "413", "416", "320", "310", "150", "140", "110", "120", "130", "170", "180",
    "210", "220", "230", "240", "330", "340", "350", "360", "410", "420", "430", "440", "450",
    "460", "470", "480", "490", "530", "535", "540", "550", "560", "570", "580", "610", "620",
    "630", "710", "720", "730", "740", "750", "790", "810", "910",
];
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞宇浩然子轩梓涵一诺欣怡博文思远晨曦雨桐佳琪俊杰志强建国海燕丹丹";
const PUBLIC: [&str; 4] = ["qq.com", "163.com", "126.com", "gmail.com"];

/// splitmix64: a small, seeded generator so every run sees the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// Skewed towards small indices (a few disciplines and units are popular).
    fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * n as f64) as usize).min(n - 1)
    }
}

fn name(rng: &mut Rng) -> String {
    let s: Vec<char> = SURNAMES.chars().collect();
    let g: Vec<char> = GIVEN.chars().collect();
    let mut out = String::new();
    out.push(s[rng.below(s.len())]);
    for _ in 0..1 + rng.below(2) {
        out.push(g[rng.below(g.len())]);
    }
    out
}

fn unit_name(u: usize) -> String {
    format!("第{u}研究院")
}

fn unit_domain(u: usize) -> String {
    format!("inst{u}.ac.cn")
}

/// A discipline code near `first`: 3, 5 or 7 digits.
fn code(rng: &mut Rng, first: &str) -> String {
    let second = 10 * (1 + rng.below(5));
    let third = 10 * (1 + rng.below(4));
    match rng.below(10) {
        0 => first.to_owned(),
        1..=3 => format!("{first}{second:02}"),
        _ => format!("{first}{second:02}{third:02}"),
    }
}

fn keyword(rng: &mut Rng, first: &str) -> String {
    format!("{first}方向{}", rng.below(40))
}

struct Data {
    /// Each application's free text (title and abstract, ~220 characters).
    texts: Vec<String>,
    parties: Vec<ApplicationParties>,
    topics: Vec<ApplicationTopics>,
    ties: Vec<ExpertTies>,
    profiles: Vec<ExpertProfile>,
}

fn generate(apps: usize, experts: usize, seed: u64) -> Data {
    let mut rng = Rng(seed);
    let units = (apps / 12).max(20);
    let mut ties = Vec::with_capacity(experts);
    let mut profiles = Vec::with_capacity(experts);
    for i in 0..experts {
        let unit = rng.skewed(units);
        let first = FIRST_LEVEL[rng.skewed(FIRST_LEVEL.len())];
        let primary = code(&mut rng, first);
        let mut others = Vec::new();
        for _ in 0..rng.below(3) {
            let f = if rng.chance(0.6) {
                first
            } else {
                FIRST_LEVEL[rng.skewed(FIRST_LEVEL.len())]
            };
            others.push(code(&mut rng, f));
        }
        let keywords = (0..5).map(|_| keyword(&mut rng, first)).collect();
        let email = if rng.chance(0.7) {
            format!("e{i}@{}", unit_domain(unit))
        } else {
            format!("e{i}@{}", PUBLIC[rng.below(PUBLIC.len())])
        };
        let mut avoid_units = Vec::new();
        if rng.chance(0.03) {
            let u = rng.below(units);
            avoid_units.push(UnitRef {
                unit: None,
                name: unit_name(u),
            });
        }
        let mut avoid_persons = Vec::new();
        if rng.chance(0.02) {
            let u = rng.below(units);
            avoid_persons.push(PersonRef {
                person: None,
                id_key: None,
                name: name(&mut rng),
                unit_name: unit_name(u),
            });
        }
        ties.push(ExpertTies {
            expert: ExpertId(i as i64 + 1),
            person: Some(PersonId(1_000_000 + i as i64)),
            id_key: Some(format!("ID{i:08}")),
            name: name(&mut rng),
            unit: UnitRef {
                unit: Some(UnitId(unit as i64 + 1)),
                name: unit_name(unit),
            },
            email: Some(email),
            avoid_units,
            avoid_persons,
            declared_conflicts: Vec::new(),
        });
        let min_load = if rng.chance(0.2) { 2 } else { 0 };
        profiles.push(ExpertProfile {
            expert: ExpertId(i as i64 + 1),
            primary_discipline: primary,
            disciplines: others,
            keywords,
            min_load,
            max_load: 8 + rng.below(8) as u32,
            available: rng.chance(0.95),
        });
    }
    let mut parties = Vec::with_capacity(apps);
    let mut texts = Vec::with_capacity(apps);
    let mut topics = Vec::with_capacity(apps);
    for i in 0..apps {
        let unit = rng.skewed(units);
        let first = FIRST_LEVEL[rng.skewed(FIRST_LEVEL.len())];
        let mut disciplines = vec![code(&mut rng, first)];
        if rng.chance(0.3) {
            let other = FIRST_LEVEL[rng.skewed(FIRST_LEVEL.len())];
            disciplines.push(code(&mut rng, other));
        }
        let mut terms: Vec<String> = (0..3 + rng.below(6))
            .map(|_| keyword(&mut rng, first))
            .collect();
        terms.push(format!("产业{}", rng.below(20)));
        let joint_units = (0..if rng.chance(0.3) { 1 + rng.below(2) } else { 0 })
            .map(|_| UnitRef {
                unit: None,
                name: unit_name(rng.below(units)),
            })
            .collect();
        let leader = PersonRef {
            person: Some(PersonId(i as i64 + 1)),
            id_key: Some(format!("AP{i:08}")),
            name: name(&mut rng),
            unit_name: unit_name(unit),
        };
        let mut team: Vec<PersonRef> = (0..4 + rng.below(7))
            .map(|_| PersonRef {
                person: None,
                id_key: None,
                name: name(&mut rng),
                unit_name: unit_name(if rng.chance(0.8) {
                    unit
                } else {
                    rng.below(units)
                }),
            })
            .collect();
        if rng.chance(0.01) {
            // An expert of the library is in this team.
            let e = &ties[rng.below(experts)];
            team.push(PersonRef {
                person: None,
                id_key: e.id_key.clone(),
                name: e.name.clone(),
                unit_name: e.unit.name.clone(),
            });
        }
        let avoided_experts = (0..if rng.chance(0.1) { 1 + rng.below(3) } else { 0 })
            .map(|_| {
                let e = &ties[rng.below(experts)];
                AvoidedExpert {
                    expert: None,
                    name: e.name.clone(),
                    unit_name: e.unit.name.clone(),
                }
            })
            .collect();
        let email = if rng.chance(0.5) {
            format!("a{i}@{}", unit_domain(unit))
        } else {
            format!("a{i}@{}", PUBLIC[rng.below(PUBLIC.len())])
        };
        parties.push(ApplicationParties {
            application: ApplicationId(i as i64 + 1),
            unit: UnitRef {
                unit: Some(UnitId(unit as i64 + 1)),
                name: unit_name(unit),
            },
            joint_units,
            leaders: vec![leader],
            team,
            emails: vec![email],
            avoided_experts,
        });
        let mut text = String::new();
        for _ in 0..12 {
            text.push_str("本项目围绕关键科学问题开展系统研究，");
            if rng.chance(0.3) {
                text.push_str(&keyword(&mut rng, first));
            }
        }
        texts.push(text);
        topics.push(ApplicationTopics {
            application: ApplicationId(i as i64 + 1),
            disciplines,
            terms,
        });
    }
    Data {
        texts,
        parties,
        topics,
        ties,
        profiles,
    }
}

fn pairs_of(a: &scigrant_domain::evaluation::assign::Assignment) -> HashSet<Pair> {
    a.pairs.iter().map(|p| (p.application, p.expert)).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let small = args.iter().any(|a| a == "--small");
    let apps = arg("--apps").unwrap_or(if small { 2_000 } else { 20_000 });
    let experts = arg("--experts").unwrap_or(if small { 1_000 } else { 8_000 });
    let reviewers = 3;
    println!("{apps} applications × {reviewers} reviewers over {experts} experts");

    let t = Instant::now();
    let data = generate(apps, experts, 2026);
    println!("generated in {:.2} s", t.elapsed().as_secs_f64());

    let total = Instant::now();
    let t = Instant::now();
    let ex = exclusions(&data.parties, &data.ties);
    let conflict_time = t.elapsed();
    println!(
        "conflicts: {:.3} s ({} pair exclusions, {} experts excluded call-wide)",
        conflict_time.as_secs_f64(),
        ex.pair_count(),
        ex.call_wide().len()
    );

    let problem = AssignmentProblem {
        applications: &data.topics,
        experts: &data.profiles,
        reviewers_per_application: reviewers,
        exclusions: &ex,
        pinned: &[],
        removed: &[],
    };
    let t = Instant::now();
    let best = match assign(&problem) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("assignment refused: {e}");
            std::process::exit(1);
        }
    };
    let solve_time = t.elapsed();
    println!(
        "optimal (network simplex): {:.3} s; conflicts + assignment {:.3} s",
        solve_time.as_secs_f64(),
        total.elapsed().as_secs_f64()
    );
    for p in &best.pairs {
        assert!(
            !ex.is_excluded(p.application, p.expert),
            "conflict assigned"
        );
    }

    let t = Instant::now();
    let greedy = assign_greedy(&problem).unwrap_or_else(|e| panic!("{e}"));
    let greedy_time = t.elapsed();
    let report = |label: &str, a: &scigrant_domain::evaluation::assign::Assignment| {
        println!(
            "{label}: total score {}, {} of {} slots filled, {} applications short, {} experts below minimum load",
            a.total_score,
            a.coverage.assigned,
            a.coverage.required,
            a.coverage.short.len(),
            a.coverage.under_min_load.len()
        );
    };
    report("optimal", &best);
    report("greedy ", &greedy);
    println!(
        "greedy {:.3} s; greedy / optimal total score = {:.4}",
        greedy_time.as_secs_f64(),
        greedy.total_score as f64 / best.total_score as f64
    );

    // Keywords found in every application's free text (what the product
    // adds to the application's terms before assigning).
    let t = Instant::now();
    let finder = KeywordFinder::new(&data.profiles);
    let found: usize = data.texts.iter().map(|t| finder.terms_in(t).len()).sum();
    println!(
        "keywords in {} texts of {} characters: {:.3} s ({found} found)",
        data.texts.len(),
        data.texts.first().map_or(0, |t| t.chars().count()),
        t.elapsed().as_secs_f64()
    );

    // One expert declines one application.
    let current: Vec<Pair> = best
        .pairs
        .iter()
        .map(|p| (p.application, p.expert))
        .collect();
    let declined = current[current.len() / 2];
    let t = Instant::now();
    let r = replace(&problem, &current, &[declined]).unwrap_or_else(|e| panic!("{e}"));
    let before = pairs_of(&best);
    let after = pairs_of(&r.assignment);
    let removed = before.difference(&after).count();
    let added = after.difference(&before).count();
    println!(
        "one decline ({} declines {}): {:.3} s, {removed} pair removed, {added} added (proposed: {:?})",
        declined.1,
        declined.0,
        t.elapsed().as_secs_f64(),
        r.proposed
            .iter()
            .map(|p| (p.application.0, p.expert.0, p.score))
            .collect::<Vec<_>>()
    );

    // One expert withdraws from all their applications (missed the deadline).
    let gone = declined.1;
    let theirs: Vec<Pair> = current.iter().copied().filter(|p| p.1 == gone).collect();
    let t = Instant::now();
    let r = replace(&problem, &current, &theirs).unwrap_or_else(|e| panic!("{e}"));
    let after = pairs_of(&r.assignment);
    println!(
        "expert {gone} misses the deadline on {} applications: {:.3} s, {} pairs removed, {} added, other pairs changed: {}",
        theirs.len(),
        t.elapsed().as_secs_f64(),
        before.difference(&after).count(),
        after.difference(&before).count(),
        before.difference(&after).filter(|p| p.1 != gone).count()
    );

    // Aggregation and ranking of the reviews of the assignment (one call,
    // one review per assigned pair, scores 55–98, five categories).
    let mut rng = Rng(7);
    let reviews: Vec<Review> = best
        .pairs
        .iter()
        .map(|p| Review {
            application: p.application,
            expert: p.expert,
            score: Points(5_500 + rng.below(4_300) as i64),
            grade: Some(Grade::ALL[rng.below(4)]),
            opinion: Some(Opinion::ALL[rng.below(3)]),
        })
        .collect();
    let listed: Vec<RankingEntry> = data
        .topics
        .iter()
        .map(|a| RankingEntry {
            application: a.application,
            number: format!("KJ2026-{:05}", a.application.0),
            category: format!("类别{}", a.application.0 % 5),
        })
        .collect();
    let ids: Vec<ApplicationId> = listed.iter().map(|a| a.application).collect();
    let t = Instant::now();
    let options = AggregateOptions {
        normalise: true,
        ..AggregateOptions::default()
    };
    let scores = aggregate(&ids, &reviews, options);
    let ranking = rank(&listed, &scores, RankBy::TrimmedMean);
    println!(
        "aggregate (normalised) and rank {} reviews of {} applications in {} categories: {:.3} s, {} outliers flagged",
        reviews.len(),
        scores.len(),
        ranking.len(),
        t.elapsed().as_secs_f64(),
        scores.iter().filter(|s| s.has_outlier).count()
    );
}
