//! Persistence of accounts: units, persons, staff, memberships, sessions,
//! the failed-login counter, captcha answers, one-time codes, the 消息中心,
//! per-address budgets and API tokens.

pub mod accounts;
pub mod activation;
pub mod appeals;
pub mod captcha;
pub mod codes;
pub mod delegations;
pub mod legacy;
pub mod login_guard;
pub mod messages;
pub mod rate_limits;
pub mod realname;
pub mod sessions;
pub mod subaccounts;
pub mod tokens;
