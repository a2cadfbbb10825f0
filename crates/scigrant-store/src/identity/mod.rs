//! Persistence of accounts: units, persons, staff, memberships, sessions,
//! the failed-login counter, captcha answers and API tokens.

pub mod accounts;
pub mod activation;
pub mod captcha;
pub mod login_guard;
pub mod sessions;
pub mod tokens;
