//! Use cases of 科技计划: programs and calls, and applications from draft
//! to submission, the unit's recommendation and the staff's acceptance.

pub mod applications;
pub mod calls;
pub mod limits;
pub(crate) mod sealed_form;
pub mod solicitation;
