//! 专家评审 use cases: the expert library, review plans and assignment,
//! the expert's scoring, ranking, funding decisions and 公示.

pub mod experts;
