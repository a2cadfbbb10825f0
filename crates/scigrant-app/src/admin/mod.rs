//! Use cases of the three separated administrators (三员): security
//! parameters, staff accounts, online sessions, locks and the audit log.

pub mod security;
