//! 专家评审: the expert library, conflicts of interest, assignment,
//! scoring and funding decisions, and 查重 (near-duplicate applications).

pub mod dedup;
