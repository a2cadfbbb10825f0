//! 专家评审: the expert library, conflicts of interest, assignment,
//! scoring and funding decisions. Reserved for the expert-review work;
//! nothing lives here yet.
