//! 专家评审: the pure rules of expert review (no IO): the expert library,
//! conflicts of interest, assignment, scoring and funding decisions.

/// 自动分配: the optimal assignment of experts to a call's applications (min-cost flow), a greedy baseline and replacement.
pub mod assign;
/// 回避: the (application, expert) pairs excluded by a conflict of interest, with reasons.
pub mod conflict;
/// 查重: MinHash signatures of what applicants typed, LSH candidates and overlapping passages.
pub mod dedup;
pub mod discipline;
pub mod expert;
/// 立项: quota, budget, cap and requested-amount rules; 公示 phases and objection outcomes.
pub mod funding;
/// 评审方案 and 评审意见表: plan limits, the scoring form and its tally.
pub mod review;
/// 评审结果汇总: means, trimmed means, grade and opinion counts, outliers, normalisation and ranking.
pub mod score;
