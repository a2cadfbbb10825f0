//! Pure business rules of SciGrant: identifier formats (统一社会信用代码, 居民身份证号,
//! 手机号码, 电子邮箱), the password policy and password hashing, and display masking.
//! Nothing in this crate performs IO or is async, so every rule can be unit- and
//! property-tested in isolation and reused by the store, the application layer and
//! the web front end alike. User-facing error messages are Simplified Chinese.

pub mod admin;
pub mod calendar;
pub mod dictionary;
pub mod evaluation;
pub mod grants;
pub mod identity;
pub mod ids;
pub mod mask;
pub mod permission;
pub mod portal;
pub mod upload;
