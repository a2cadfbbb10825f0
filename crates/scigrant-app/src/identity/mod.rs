//! Use cases of 统一身份认证: registration of units and persons, staff
//! review of units, login and sessions, profiles and membership of a unit
//! (单位从属用户管理), the home screens, captchas, and password hashing off the async workers.

pub mod auth;
pub mod captcha;
pub mod hasher;
pub mod home;
pub mod members;
pub mod names;
pub mod register;
pub mod review;
pub mod tokens;
