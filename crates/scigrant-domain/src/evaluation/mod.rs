//! 专家评审: the expert library, conflicts of interest, assignment,
//! scoring and funding decisions.

pub mod discipline;
pub mod expert;
