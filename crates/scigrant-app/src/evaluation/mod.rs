//! 专家评审 and 立项: the use cases that close the funding cycle — the
//! expert library, review plans and assignment, the expert's scoring,
//! ranking, funding decisions, 公示 and objections.
//!
//! `funding` holds the per-call budget and the 立项 / 不予立项 decisions
//! (the whole selection checked by the domain's rule each time);
//! `notices` publishes 立项公示 and shows it (portal, applicant, unit);
//! `objections` takes 异议 during the period and lets staff handle them.
//!
//! Finality is computed from the clock, never stored: a notice whose
//! period has ended, with every objection handled and none upheld, reads
//! as final ([`scigrant_domain::evaluation::funding::NoticePhase::Final`]).
//! Nothing has to run at midnight for a decision to become final, and a
//! clock moved in tests moves finality with it. An upheld objection is a
//! stored transition (the notice is withdrawn and the decision reopened),
//! audited like every other change.

pub mod experts;
pub mod experts_import;
pub mod funding;
pub mod notices;
pub mod objections;
pub mod review;
pub mod similarity;
