//! 专家评审 persistence: the expert library, assignments, reviews and
//! decisions as they land, and the 查重 signatures.

pub mod similarity;
