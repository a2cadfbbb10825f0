//! 统一身份认证: who an account is. Identifier formats (统一社会信用代码,
//! 居民身份证号, 手机号码, 电子邮箱), the password policy and hashing, the
//! GB/T 2260 region table, and the account state machines (unit
//! registration, membership, staff roles).

pub mod account;
pub mod appeal;
pub mod decision;
pub mod delegation;
pub mod doors;
pub mod email;
pub mod id_number;
pub mod password;
pub mod password_hash;
pub mod phone;
pub mod realname;
pub mod region;
pub mod token;
pub mod uscc;
