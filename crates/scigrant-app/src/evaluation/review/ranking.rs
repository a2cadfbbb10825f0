//! 评审结果 of a call: each application's scores with their mean and
//! trimmed mean, the 综合评价 and 资助意见 distribution, outliers, the
//! ranking per category (`scigrant_domain::evaluation::score`), the
//! progress of the reviews (due, done, late) and the Excel export with
//! every review joined to its application.

use std::collections::HashMap;

use scigrant_domain::calendar;
use scigrant_domain::evaluation::expert::AssignmentState;
use scigrant_domain::evaluation::review::{COMMENT_KEY, ReviewState, criteria};
use scigrant_domain::evaluation::score::{
    self as score, AggregateOptions, Grade, Opinion, Points, RankBy, RankingEntry, Review,
};
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_domain::ids::{ApplicationId, AssignmentId, CallId, ExpertId};
use scigrant_store::evaluation::review as store;

use super::assign::plan_row;
use super::plan::{PlanView, plan_view};
use crate::export::{Columns, xlsx_of};
use crate::grants::applications::latest_data;
use crate::{Actor, App, AppError, audit};

/// The field naming an application's category within the call (项目子类).
const CATEGORY_KEY: &str = "project_subcategory";

/// One expert's review of an application as the results list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewScore {
    pub assignment_id: AssignmentId,
    pub expert_id: ExpertId,
    pub expert_name: String,
    pub expert_unit: String,
    pub assignment: AssignmentState,
    pub state: Option<ReviewState>,
    pub total: Option<Points>,
    pub grade: Option<Grade>,
    pub opinion: Option<Opinion>,
    pub outlier: bool,
    pub submitted_at: Option<i64>,
    /// "创新性 28；科学性与可行性 22 …" as scored.
    pub scores: String,
    pub comment: String,
}

/// One application in the ranking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankedApplication {
    pub rank: u32,
    pub application_id: ApplicationId,
    pub number: String,
    pub title: String,
    pub unit_name: String,
    pub category: String,
    pub reviews: Vec<ReviewScore>,
    pub mean: Option<Points>,
    pub trimmed_mean: Option<Points>,
    pub normalised_mean: Option<Points>,
    /// Counts of A, B, C, D.
    pub grades: [u32; 4],
    /// Counts of 优先资助, 可资助, 不予资助.
    pub opinions: [u32; 3],
    pub has_outlier: bool,
}

/// How far the reviews are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Active assignments (reviews due).
    pub due: usize,
    /// Submitted reviews.
    pub done: usize,
    /// Due, not submitted, past the review deadline.
    pub late: usize,
    /// Proposed, not yet accepted.
    pub unanswered: usize,
}

/// The results page of a call.
#[derive(Clone, Debug)]
pub struct Ranking {
    pub plan: PlanView,
    pub by: RankBy,
    pub normalise: bool,
    /// Categories in name order, each ranked.
    pub categories: Vec<(String, Vec<RankedApplication>)>,
    pub progress: Progress,
}

fn text(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

/// Aggregates the submitted reviews of the call and ranks its accepted
/// applications per category, by the trimmed mean (or the mean of
/// per-expert normalised scores when `normalise`).
pub async fn ranking(app: &App, call: CallId, normalise: bool) -> Result<Ranking, AppError> {
    let mut c = app.db.read().await?;
    let plan = plan_row(&mut c, call).await?;
    let review_deadline = plan.review_deadline;
    let rows = store::reviews_of_plan(&mut c, plan.id).await?;
    let applications: Vec<_> = store::applications_of_call(&mut c, plan.call_id)
        .await?
        .into_iter()
        .filter(|a| {
            a.state == scigrant_domain::grants::application::ApplicationState::Accepted.code()
        })
        .collect();
    let names: HashMap<i64, (String, String)> = store::expert_names(&mut c)
        .await?
        .into_iter()
        .map(|(id, n, u)| (id, (n, u)))
        .collect();
    let plan = plan_view(app, &mut c, plan).await?;
    let crit = criteria(&plan.sheet);
    let now = app.now();
    let mut progress = Progress::default();
    let mut reviews = Vec::new();
    let mut lines: HashMap<i64, Vec<ReviewScore>> = HashMap::new();
    for r in &rows {
        let Some(assignment) = AssignmentState::from_code(&r.assignment_state) else {
            continue;
        };
        let state = r.review_state.as_deref().and_then(ReviewState::from_code);
        if assignment.active() {
            progress.due += 1;
            if state == Some(ReviewState::Submitted) {
                progress.done += 1;
            } else if now > review_deadline {
                progress.late += 1;
            }
            if assignment == AssignmentState::Proposed {
                progress.unanswered += 1;
            }
        } else if state.is_none() {
            continue;
        }
        let data: FormData = r
            .data_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        let total = r.total_tenths.map(|t| Points(t * 10));
        let grade = r.grade.as_deref().and_then(Grade::from_code);
        let opinion = r.opinion.as_deref().and_then(Opinion::from_code);
        if state == Some(ReviewState::Submitted) && assignment.active() {
            reviews.push(Review {
                application: ApplicationId(r.application_id),
                expert: ExpertId(r.expert_id),
                score: total.unwrap_or_default(),
                grade,
                opinion,
            });
        }
        let (name, unit) = names.get(&r.expert_id).cloned().unwrap_or_default();
        lines
            .entry(r.application_id)
            .or_default()
            .push(ReviewScore {
                assignment_id: AssignmentId(r.assignment_id),
                expert_id: ExpertId(r.expert_id),
                expert_name: name,
                expert_unit: unit,
                assignment,
                state,
                total,
                grade,
                opinion,
                outlier: false,
                submitted_at: r.submitted_at,
                scores: crit
                    .iter()
                    .map(|k| format!("{} {}", k.label, text(&data, &k.key)))
                    .collect::<Vec<_>>()
                    .join("；"),
                comment: text(&data, COMMENT_KEY),
            });
    }
    let ids: Vec<ApplicationId> = applications.iter().map(|a| ApplicationId(a.id)).collect();
    let options = AggregateOptions {
        full_marks: Points::whole(i64::from(plan.max_total)),
        normalise,
    };
    let scores = score::aggregate(&ids, &reviews, options);
    let by = if normalise {
        RankBy::NormalisedMean
    } else {
        RankBy::TrimmedMean
    };
    let ranked: Vec<RankingEntry> = applications
        .iter()
        .map(|a| {
            let data: FormData =
                latest_data(&app.pii, a.id, &a.data_json, a.submitted_json.as_deref());
            let category = match text(&data, CATEGORY_KEY) {
                c if c.is_empty() => plan.call.name.clone(),
                c => c,
            };
            RankingEntry {
                application: ApplicationId(a.id),
                number: a.number.clone().unwrap_or_default(),
                category,
            }
        })
        .collect();
    let by_id: HashMap<ApplicationId, &score::ApplicationScores> =
        scores.iter().map(|s| (s.application, s)).collect();
    let info: HashMap<i64, (&str, &str)> = applications
        .iter()
        .map(|a| (a.id, (a.title.as_str(), a.unit_name.as_str())))
        .collect();
    let categories = score::rank(&ranked, &scores, by)
        .into_iter()
        .map(|cat| {
            let list = cat
                .rows
                .iter()
                .map(|row| {
                    let s = by_id.get(&row.application);
                    let mut reviews = lines.remove(&row.application.0).unwrap_or_default();
                    if let Some(s) = s {
                        for line in &mut reviews {
                            line.outlier = line.state == Some(ReviewState::Submitted)
                                && s.reviews
                                    .iter()
                                    .any(|l| l.expert == line.expert_id && l.outlier);
                        }
                    }
                    let (title, unit) = info.get(&row.application.0).copied().unwrap_or_default();
                    RankedApplication {
                        rank: row.rank,
                        application_id: row.application,
                        number: row.number.clone(),
                        title: title.to_string(),
                        unit_name: unit.to_string(),
                        category: cat.category.clone(),
                        reviews,
                        mean: s.and_then(|s| s.mean),
                        trimmed_mean: s.and_then(|s| s.trimmed_mean),
                        normalised_mean: s.and_then(|s| s.normalised_mean),
                        grades: s.map(|s| s.grades).unwrap_or_default(),
                        opinions: s.map(|s| s.opinions).unwrap_or_default(),
                        has_outlier: s.is_some_and(|s| s.has_outlier),
                    }
                })
                .collect();
            (cat.category, list)
        })
        .collect();
    Ok(Ranking {
        plan,
        by,
        normalise,
        categories,
        progress,
    })
}

/// Columns of the review export, in their stable order.
pub const RANKING_COLUMNS: Columns = &[
    ("category", "项目类别"),
    ("rank", "排名"),
    ("number", "申报编号"),
    ("title", "项目名称"),
    ("unit", "申报单位"),
    ("mean", "平均分"),
    ("trimmed", "去掉最高最低分后平均分"),
    ("expert", "评审专家"),
    ("expert_unit", "专家单位"),
    ("state", "评审状态"),
    ("total", "总分"),
    ("scores", "分项得分"),
    ("grade", "综合评价"),
    ("opinion", "资助意见"),
    ("outlier", "偏离"),
    ("comment", "评审意见"),
    ("submitted", "提交时间"),
];

/// The reviews of the call as .xlsx, one row per review joined to its
/// application, in ranking order, with the columns the user picked.
/// Side effect: audit `review.export`.
pub async fn export_reviews(
    app: &App,
    actor: &Actor,
    call: CallId,
    picked: &[String],
) -> Result<Vec<u8>, AppError> {
    let r = ranking(app, call, false).await?;
    let mut items: Vec<(&RankedApplication, &ReviewScore)> = Vec::new();
    for (_, list) in &r.categories {
        for a in list {
            for line in &a.reviews {
                items.push((a, line));
            }
        }
    }
    let points = |p: Option<Points>| p.map(|p| p.to_string()).unwrap_or_default();
    let bytes = xlsx_of(
        "评审意见",
        RANKING_COLUMNS,
        picked,
        &items,
        |(a, l), k| match k {
            "category" => a.category.clone(),
            "rank" => a.rank.to_string(),
            "number" => a.number.clone(),
            "title" => a.title.clone(),
            "unit" => a.unit_name.clone(),
            "mean" => points(a.mean),
            "trimmed" => points(a.trimmed_mean),
            "expert" => l.expert_name.clone(),
            "expert_unit" => l.expert_unit.clone(),
            "state" => l
                .state
                .map(ReviewState::label)
                .unwrap_or(l.assignment.label())
                .to_string(),
            "total" => points(l.total),
            "scores" => l.scores.clone(),
            "grade" => l.grade.map(Grade::label).unwrap_or("").to_string(),
            "opinion" => l.opinion.map(Opinion::label).unwrap_or("").to_string(),
            "outlier" => if l.outlier { "是" } else { "" }.to_string(),
            "comment" => l.comment.clone(),
            "submitted" => l
                .submitted_at
                .map(calendar::format_datetime)
                .unwrap_or_default(),
            _ => String::new(),
        },
    )?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "review.export",
        ("call", Some(call.0)),
        "success",
        &format!("导出评审意见{}条", items.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}
