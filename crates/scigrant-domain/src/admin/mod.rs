//! 三员 administration: what the audit log's codes mean to the people who
//! read 操作日志 and 登录日志.

pub mod audit;
