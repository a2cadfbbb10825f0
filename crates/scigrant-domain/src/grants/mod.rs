//! 科技计划: programs, calls and applications. The declared form engine
//! (sections, limits, tables, computed totals, cross-field rules) and the
//! life cycles of a call and of an application.

pub mod application;
pub mod documents;
pub mod eligibility;
pub mod form;
pub mod limits;
pub mod solicitation;
