//! Use cases of the three separated administrators (三员): the 系统管理员
//! manages staff accounts and roles, the 安全管理员 sets security
//! parameters, unlocks accounts and ends sessions (在线用户), the 审计管理员
//! reads 操作日志 and 登录日志 and verifies the audit chain; the 系统管理员
//! also keeps the dictionaries the forms offer (字典管理).

pub mod audit;
pub mod dictionary;
pub mod params;
pub mod sessions;
pub mod staff;
pub mod storage;
