//! Use cases of 统一身份认证: registration of units and persons, staff
//! review of units, login and sessions, profiles and membership of a unit
//! (单位从属用户管理), the home screens, captchas, one-time codes, password
//! recovery (登录名重置密码), 实名认证 (我的信息, the provider, manual review),
//! legacy accounts (火炬中心用户转移: import and 账号检索), per-address request budgets shared by every
//! node, and password hashing off the async workers.

pub mod appeal;
pub mod auth;
pub mod budget;
pub mod captcha;
pub mod codes;
pub mod delegation;
pub mod form_token;
pub mod hasher;
pub mod home;
pub mod legacy;
pub mod members;
pub mod names;
pub mod realname;
pub mod recovery;
pub mod register;
pub mod review;
pub mod subaccounts;
pub mod supplier;
pub mod tokens;
