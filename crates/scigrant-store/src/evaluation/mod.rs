//! Persistence of expert review: the expert library, review plans,
//! assignments and reviews; funding decisions, 公示 notices and their
//! objections.

pub mod experts;
pub mod funding;
pub mod review;
pub mod similarity;
