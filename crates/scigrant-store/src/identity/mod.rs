//! Persistence of accounts: units, persons, staff, memberships, sessions,
//! the failed-login counter, captcha answers and per-address budgets.

pub mod accounts;
pub mod activation;
pub mod captcha;
pub mod login_guard;
pub mod rate_limits;
pub mod sessions;
