//! Persistence of accounts: units, persons, staff, memberships, sessions,
//! the failed-login counter, captcha answers, one-time codes and the
//! 消息中心.

pub mod accounts;
pub mod activation;
pub mod captcha;
pub mod codes;
pub mod login_guard;
pub mod messages;
pub mod sessions;
