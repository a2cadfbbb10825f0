use super::*;

fn review(app: i64, expert: i64, score: i64) -> Review {
    Review {
        application: ApplicationId(app),
        expert: ExpertId(expert),
        score: Points(score),
        grade: None,
        opinion: None,
    }
}

fn one(scores: &[i64]) -> ApplicationScores {
    let reviews: Vec<Review> = scores
        .iter()
        .enumerate()
        .map(|(i, &s)| review(1, i as i64 + 1, s))
        .collect();
    aggregate(&[ApplicationId(1)], &reviews, AggregateOptions::default()).remove(0)
}

#[test]
fn points_print_with_two_decimals() {
    assert_eq!(Points(8750).to_string(), "87.50");
    assert_eq!(Points(5).to_string(), "0.05");
    assert_eq!(Points::whole(100).to_string(), "100.00");
}

#[test]
fn the_mean_rounds_half_up_to_the_hundredth() {
    // (85 + 86 + 86) / 3 = 85.666… → 85.67
    assert_eq!(one(&[8500, 8600, 8600]).mean, Some(Points(8567)));
    // (80.01 + 80.00) / 2 = 80.005 → 80.01
    assert_eq!(one(&[8001, 8000]).mean, Some(Points(8001)));
    assert_eq!(one(&[]).mean, None);
}

#[test]
fn the_trimmed_mean_drops_highest_and_lowest_from_five_reviews() {
    let four = one(&[6000, 8000, 8200, 9900]);
    assert_eq!(four.trimmed_mean, four.mean);
    let five = one(&[6000, 8000, 8200, 8400, 9900]);
    assert_eq!(five.trimmed_mean, Some(Points(8200)));
    assert_eq!(five.mean, Some(Points(8100)));
}

#[test]
fn a_score_far_from_the_others_is_flagged() {
    let s = one(&[8500, 8600, 6000]);
    let flags: Vec<bool> = s.reviews.iter().map(|r| r.outlier).collect();
    assert_eq!(flags, vec![false, false, true]);
    assert!(s.has_outlier);
    assert_eq!(s.spread, Some(Points(2600)));
    // 15 points exactly is not "more than 15".
    assert!(!one(&[8500, 8500, 7000]).has_outlier);
    assert!(one(&[8500, 8500, 6999]).has_outlier);
    // Two reviews: neither can be singled out.
    assert!(!one(&[9500, 5000]).has_outlier);
}

#[test]
fn grades_and_opinions_are_counted() {
    let mut reviews = vec![review(1, 1, 9000), review(1, 2, 8000), review(1, 3, 7000)];
    reviews[0].grade = Some(Grade::A);
    reviews[0].opinion = Some(Opinion::Priority);
    reviews[1].grade = Some(Grade::A);
    reviews[1].opinion = Some(Opinion::Fundable);
    reviews[2].grade = Some(Grade::C);
    reviews[2].opinion = Some(Opinion::NotFunded);
    let s = aggregate(&[ApplicationId(1)], &reviews, AggregateOptions::default()).remove(0);
    assert_eq!(s.grades, [2, 0, 1, 0]);
    assert_eq!(s.opinions, [1, 1, 1]);
    assert_eq!(s.grade_count(Grade::A), 2);
    assert_eq!(Grade::from_code("B").map(Grade::label), Some("B 良"));
    assert_eq!(
        Opinion::from_code("priority").map(Opinion::label),
        Some("优先资助")
    );
}

#[test]
fn normalisation_removes_an_experts_leniency() {
    // Expert 1 is lenient (+10 on everything), expert 2 strict; both rank
    // application 1 above application 2 by the same margin.
    let reviews = vec![
        review(1, 1, 9500),
        review(2, 1, 8500),
        review(1, 2, 7500),
        review(2, 2, 6500),
        review(3, 3, 7000),
    ];
    let options = AggregateOptions {
        normalise: true,
        ..AggregateOptions::default()
    };
    let ids = [ApplicationId(1), ApplicationId(2), ApplicationId(3)];
    let s = aggregate(&ids, &reviews, options);
    let n = |app: usize, k: usize| s[app].reviews[k].normalised;
    // Call mean 78.00, sd √116 = 10.77: each expert's higher score
    // becomes 78 + 1 × 10.77, the lower 78 − 10.77.
    assert_eq!(n(0, 0), n(0, 1));
    assert_eq!(n(1, 0), n(1, 1));
    assert_eq!(n(0, 0), Some(Points(8877)));
    assert_eq!(n(1, 0), Some(Points(6723)));
    // A single review keeps its score.
    assert_eq!(n(2, 0), Some(Points(7000)));
    assert_eq!(s[0].normalised_mean, Some(Points(8877)));
}

#[test]
fn the_ranking_breaks_ties_by_priority_then_number() {
    let apps: Vec<RankingEntry> = [
        (1, "KJ-003", "重点"),
        (2, "KJ-001", "重点"),
        (3, "KJ-002", "重点"),
        (4, "KJ-004", "重点"),
        (5, "KJ-005", "一般"),
    ]
    .iter()
    .map(|&(id, number, category)| RankingEntry {
        application: ApplicationId(id),
        number: number.to_owned(),
        category: category.to_owned(),
    })
    .collect();
    let mut reviews = vec![
        review(1, 1, 8000),
        review(2, 1, 8000),
        review(3, 1, 8000),
        review(3, 2, 8000),
        review(5, 1, 6000),
    ];
    reviews[2].opinion = Some(Opinion::Priority);
    let ids: Vec<ApplicationId> = apps.iter().map(|a| a.application).collect();
    let scores = aggregate(&ids, &reviews, AggregateOptions::default());
    let ranking = rank(&apps, &scores, RankBy::Mean);
    let order: Vec<(&str, Vec<(u32, &str)>)> = ranking
        .iter()
        .map(|c| {
            (
                c.category.as_str(),
                c.rows.iter().map(|r| (r.rank, r.number.as_str())).collect(),
            )
        })
        .collect();
    assert_eq!(
        order,
        vec![
            ("一般", vec![(1, "KJ-005")]),
            (
                "重点",
                vec![(1, "KJ-002"), (2, "KJ-001"), (3, "KJ-003"), (4, "KJ-004")]
            ),
        ]
    );
}
