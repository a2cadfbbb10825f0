//! 专家评审 use cases: the expert library, review plans, conflicts,
//! assignment, scoring and decisions as they land, and 查重.

pub mod similarity;
