//! 评审结果汇总: per application the scores of its reviews, their mean and
//! trimmed mean, the 综合评价 and 资助意见 distribution, a flag where one
//! expert's score lies far from the others, an optional per-expert
//! normalisation, and a ranking per category.
//!
//! Scores are exact: [`Points`] counts hundredths of a point in an integer,
//! so 87.5 is `Points(8750)`. Means are rounded once, half up, to the
//! hundredth, and what staff see is what ranks. The rules:
//!
//! - **Trimmed mean**: with [`TRIM_FROM`] (5) reviews or more, the single
//!   highest and single lowest score are dropped before averaging; with fewer
//!   it is the plain mean (dropping two of three or four scores would leave
//!   too little).
//! - **Outlier**: with 3 reviews or more, a review is flagged when its score
//!   differs from the median of the *other* reviews of that application by
//!   more than [`OUTLIER_POINTS`] (15 points). With 2 reviews neither can be
//!   singled out; [`ApplicationScores::spread`] still shows the gap.
//! - **Normalisation** (optional): an expert's score becomes
//!   `m + (s − mₑ) / sₑ × sd`, where `mₑ`, `sₑ` are the mean and population
//!   standard deviation of that expert's scores in the call and `m`, `sd`
//!   those of every review in the call, clamped to 0–full marks and rounded
//!   to the hundredth. An expert with a single review keeps their score (no
//!   bias can be estimated from one); one who gave every application the same
//!   score gets `m` for each (their scores say nothing about order).
//! - **Ranking**, per category: by the chosen measure (higher first), then
//!   more 优先资助 opinions, then application number; applications without
//!   reviews come last, by number. Ranks are 1, 2, 3 … with no shared ranks.

use crate::ids::{ApplicationId, ExpertId};
use std::collections::HashMap;

/// A score in hundredths of a point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(pub i64);

impl Points {
    /// Whole points (`Points::whole(85)` is 85.00).
    pub fn whole(points: i64) -> Points {
        Points(points * 100)
    }
}

impl std::fmt::Display for Points {
    /// Two decimals: "87.50".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", v / 100, v % 100)
    }
}

/// Reviews from which the trimmed mean drops the highest and lowest score.
pub const TRIM_FROM: usize = 5;

/// How far (15 points) a score may lie from the median of the others before
/// it is flagged.
pub const OUTLIER_POINTS: Points = Points(1_500);

/// 综合评价.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grade {
    /// A 优.
    A,
    /// B 良.
    B,
    /// C 中.
    C,
    /// D 差.
    D,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 4] = [Grade::A, Grade::B, Grade::C, Grade::D];

    /// As the scoring form shows it.
    pub fn label(self) -> &'static str {
        match self {
            Grade::A => "A 优",
            Grade::B => "B 良",
            Grade::C => "C 中",
            Grade::D => "D 差",
        }
    }

    /// The stored letter.
    pub fn code(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    /// The grade stored as `code`.
    pub fn from_code(code: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|g| g.code() == code)
    }
}

/// 资助意见.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Opinion {
    /// 优先资助.
    Priority,
    /// 可资助.
    Fundable,
    /// 不予资助.
    NotFunded,
}

impl Opinion {
    /// Every opinion, most favourable first.
    pub const ALL: [Opinion; 3] = [Opinion::Priority, Opinion::Fundable, Opinion::NotFunded];

    /// As the scoring form shows it.
    pub fn label(self) -> &'static str {
        match self {
            Opinion::Priority => "优先资助",
            Opinion::Fundable => "可资助",
            Opinion::NotFunded => "不予资助",
        }
    }

    /// A stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            Opinion::Priority => "priority",
            Opinion::Fundable => "fundable",
            Opinion::NotFunded => "not_funded",
        }
    }

    /// The opinion stored as `code`.
    pub fn from_code(code: &str) -> Option<Opinion> {
        Opinion::ALL.into_iter().find(|o| o.code() == code)
    }
}

/// A submitted review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    /// The application reviewed.
    pub application: ApplicationId,
    /// The expert.
    pub expert: ExpertId,
    /// The form's total score.
    pub score: Points,
    /// 综合评价, when the form asks for it.
    pub grade: Option<Grade>,
    /// 资助意见, when the form asks for it.
    pub opinion: Option<Opinion>,
}

/// An application entered in the ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankingEntry {
    /// The application.
    pub application: ApplicationId,
    /// Its number (申报编号), the last tie-breaker.
    pub number: String,
    /// Its category (项目类别), the ranking's group.
    pub category: String,
}

/// How to aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AggregateOptions {
    /// Full marks of the scoring form (normalised scores are clamped to it).
    pub full_marks: Points,
    /// Whether to compute per-expert normalised scores.
    pub normalise: bool,
}

impl Default for AggregateOptions {
    fn default() -> Self {
        AggregateOptions {
            full_marks: Points::whole(100),
            normalise: false,
        }
    }
}

/// One review as the results show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewLine {
    /// The expert.
    pub expert: ExpertId,
    /// Their score.
    pub score: Points,
    /// Their score normalised, when asked for.
    pub normalised: Option<Points>,
    /// 综合评价.
    pub grade: Option<Grade>,
    /// 资助意见.
    pub opinion: Option<Opinion>,
    /// Whether the score lies far from the others (see the module rules).
    pub outlier: bool,
}

/// One application's results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationScores {
    /// The application.
    pub application: ApplicationId,
    /// Its reviews, by expert id.
    pub reviews: Vec<ReviewLine>,
    /// Mean score (none without reviews).
    pub mean: Option<Points>,
    /// Trimmed mean (see [`TRIM_FROM`]).
    pub trimmed_mean: Option<Points>,
    /// Mean of the normalised scores, when asked for.
    pub normalised_mean: Option<Points>,
    /// Highest minus lowest score.
    pub spread: Option<Points>,
    /// Count per 综合评价, in [`Grade::ALL`] order.
    pub grades: [u32; 4],
    /// Count per 资助意见, in [`Opinion::ALL`] order.
    pub opinions: [u32; 3],
    /// Whether any review is an outlier.
    pub has_outlier: bool,
}

impl ApplicationScores {
    /// The count of one 综合评价.
    pub fn grade_count(&self, grade: Grade) -> u32 {
        self.grades[grade as usize]
    }

    /// The count of one 资助意见.
    pub fn opinion_count(&self, opinion: Opinion) -> u32 {
        self.opinions[opinion as usize]
    }
}

/// `sum / n` rounded half up (values are non-negative scores; negative ones
/// round half away from zero).
fn div_round(sum: i64, n: i64) -> i64 {
    if n == 0 {
        return 0;
    }
    let (q, r) = (sum / n, sum % n);
    if 2 * r.abs() >= n {
        q + sum.signum()
    } else {
        q
    }
}

fn mean(scores: &[i64]) -> Option<Points> {
    let n = i64::try_from(scores.len()).ok().filter(|n| *n > 0)?;
    Some(Points(div_round(scores.iter().sum(), n)))
}

/// Median in hundredths, rounded half up when it falls between two.
fn median(sorted: &[i64]) -> i64 {
    let n = sorted.len();
    if n == 0 {
        0
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        div_round(sorted[n / 2 - 1] + sorted[n / 2], 2)
    }
}

fn trimmed_mean(scores: &[i64]) -> Option<Points> {
    if scores.len() < TRIM_FROM {
        return mean(scores);
    }
    let mut sorted = scores.to_vec();
    sorted.sort_unstable();
    mean(&sorted[1..sorted.len() - 1])
}

/// Which of `scores` lie more than [`OUTLIER_POINTS`] from the median of the
/// others (none with fewer than 3).
fn outliers(scores: &[i64]) -> Vec<bool> {
    if scores.len() < 3 {
        return vec![false; scores.len()];
    }
    (0..scores.len())
        .map(|i| {
            let mut others: Vec<i64> = scores
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| *s)
                .collect();
            others.sort_unstable();
            (scores[i] - median(&others)).abs() > OUTLIER_POINTS.0
        })
        .collect()
}

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// Every review's normalised score (see the module rules), in hundredths.
fn normalised(reviews: &[Review], full_marks: Points) -> Vec<Points> {
    if reviews.is_empty() {
        return Vec::new();
    }
    let all: Vec<f64> = reviews.iter().map(|r| r.score.0 as f64).collect();
    let (m, sd) = mean_sd(&all);
    let mut by_expert: HashMap<ExpertId, Vec<f64>> = HashMap::new();
    for r in reviews {
        by_expert
            .entry(r.expert)
            .or_default()
            .push(r.score.0 as f64);
    }
    let stats: HashMap<ExpertId, (usize, f64, f64)> = by_expert
        .into_iter()
        .map(|(e, v)| {
            let (me, se) = mean_sd(&v);
            (e, (v.len(), me, se))
        })
        .collect();
    reviews
        .iter()
        .map(|r| {
            let s = r.score.0 as f64;
            let v = match stats.get(&r.expert) {
                Some(&(n, me, se)) if n >= 2 && se > 0.0 => m + (s - me) / se * sd,
                Some(&(n, _, _)) if n >= 2 => m,
                _ => s,
            };
            Points((v.round() as i64).clamp(0, full_marks.0))
        })
        .collect()
}

/// Every application's results, in the order of `applications`; reviews of
/// applications not listed are ignored, except that they still count for
/// their expert's normalisation.
pub fn aggregate(
    applications: &[ApplicationId],
    reviews: &[Review],
    options: AggregateOptions,
) -> Vec<ApplicationScores> {
    let normal = if options.normalise {
        Some(normalised(reviews, options.full_marks))
    } else {
        None
    };
    let mut by_app: HashMap<ApplicationId, Vec<usize>> = HashMap::new();
    for (i, r) in reviews.iter().enumerate() {
        by_app.entry(r.application).or_default().push(i);
    }
    applications
        .iter()
        .map(|&application| {
            let mut idx = by_app.remove(&application).unwrap_or_default();
            idx.sort_by_key(|&i| (reviews[i].expert, i));
            let scores: Vec<i64> = idx.iter().map(|&i| reviews[i].score.0).collect();
            let flags = outliers(&scores);
            let mut grades = [0u32; 4];
            let mut opinions = [0u32; 3];
            let lines: Vec<ReviewLine> = idx
                .iter()
                .zip(&flags)
                .map(|(&i, &outlier)| {
                    let r = &reviews[i];
                    if let Some(g) = r.grade {
                        grades[g as usize] += 1;
                    }
                    if let Some(o) = r.opinion {
                        opinions[o as usize] += 1;
                    }
                    ReviewLine {
                        expert: r.expert,
                        score: r.score,
                        normalised: normal.as_ref().map(|n| n[i]),
                        grade: r.grade,
                        opinion: r.opinion,
                        outlier,
                    }
                })
                .collect();
            let normalised_mean = normal.as_ref().and_then(|n| {
                let v: Vec<i64> = idx.iter().map(|&i| n[i].0).collect();
                mean(&v)
            });
            let spread = match (scores.iter().max(), scores.iter().min()) {
                (Some(hi), Some(lo)) => Some(Points(hi - lo)),
                _ => None,
            };
            ApplicationScores {
                application,
                mean: mean(&scores),
                trimmed_mean: trimmed_mean(&scores),
                normalised_mean,
                spread,
                grades,
                opinions,
                has_outlier: flags.iter().any(|f| *f),
                reviews: lines,
            }
        })
        .collect()
}

/// The measure a ranking orders by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RankBy {
    /// The plain mean.
    Mean,
    /// The trimmed mean.
    #[default]
    TrimmedMean,
    /// The mean of normalised scores (needs [`AggregateOptions::normalise`];
    /// applications without it rank as unreviewed).
    NormalisedMean,
}

impl RankBy {
    /// As the ranking page names it.
    pub fn label(self) -> &'static str {
        match self {
            RankBy::Mean => "平均分",
            RankBy::TrimmedMean => "去掉最高最低分后的平均分",
            RankBy::NormalisedMean => "标准化平均分",
        }
    }

    fn of(self, s: &ApplicationScores) -> Option<Points> {
        match self {
            RankBy::Mean => s.mean,
            RankBy::TrimmedMean => s.trimmed_mean,
            RankBy::NormalisedMean => s.normalised_mean,
        }
    }
}

/// One row of a ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankRow {
    /// 1 for the first.
    pub rank: u32,
    /// The application.
    pub application: ApplicationId,
    /// Its number.
    pub number: String,
    /// The measure ranked by.
    pub value: Option<Points>,
    /// Its 优先资助 count.
    pub priority: u32,
}

/// One category's ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryRanking {
    /// The category.
    pub category: String,
    /// Its applications, first ranked first.
    pub rows: Vec<RankRow>,
}

/// The ranking of every category (categories in name order); `scores` are
/// matched to `applications` by id, and applications without scores rank as
/// unreviewed.
pub fn rank(
    applications: &[RankingEntry],
    scores: &[ApplicationScores],
    by: RankBy,
) -> Vec<CategoryRanking> {
    let by_id: HashMap<ApplicationId, &ApplicationScores> =
        scores.iter().map(|s| (s.application, s)).collect();
    let mut categories: HashMap<&str, Vec<RankRow>> = HashMap::new();
    for a in applications {
        let s = by_id.get(&a.application);
        categories
            .entry(a.category.as_str())
            .or_default()
            .push(RankRow {
                rank: 0,
                application: a.application,
                number: a.number.clone(),
                value: s.and_then(|s| by.of(s)),
                priority: s.map_or(0, |s| s.opinion_count(Opinion::Priority)),
            });
    }
    let mut out: Vec<CategoryRanking> = categories
        .into_iter()
        .map(|(category, mut rows)| {
            rows.sort_by(|x, y| {
                // `None` (unreviewed) sorts below every value.
                y.value
                    .cmp(&x.value)
                    .then(y.priority.cmp(&x.priority))
                    .then(x.number.cmp(&y.number))
                    .then(x.application.cmp(&y.application))
            });
            for (i, row) in rows.iter_mut().enumerate() {
                row.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            CategoryRanking {
                category: category.to_owned(),
                rows,
            }
        })
        .collect();
    out.sort_by(|a, b| a.category.cmp(&b.category));
    out
}

#[cfg(test)]
mod tests;
