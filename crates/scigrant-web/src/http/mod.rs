//! HTTP plumbing shared by every area: the per-request context (request
//! id, session, CSRF), the one error type that chooses statuses, page
//! rendering, multipart form parsing, notices after redirects, and the
//! per-IP rate limiter.

pub mod context;
pub mod error;
pub mod filters;
pub mod forms;
pub mod notice;
pub mod pages;
pub mod rate;
