//! Persistence of accounts: units, persons, staff, memberships, sessions,
//! the failed-login counter and captcha answers.

pub mod accounts;
pub mod activation;
pub mod captcha;
pub mod login_guard;
pub mod sessions;
