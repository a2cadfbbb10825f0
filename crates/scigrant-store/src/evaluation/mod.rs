//! Persistence of the expert-review work: funding decisions, 公示 notices
//! and their objections.

pub mod funding;
