//! 专家评审: the pure rules of expert review (no IO).

/// 回避: the (application, expert) pairs excluded by a conflict of interest, with reasons.
pub mod conflict;
