//! HTTP plumbing shared by every area: the tower-http layers every request
//! passes (request id, tracing, compression, timeouts, security headers),
//! the per-request context (session, CSRF), the one error type that
//! chooses statuses, page rendering, embedded static assets, multipart form
//! parsing, notices after redirects, and the per-IP rate limits.

pub mod assets;
pub mod context;
pub mod csrf;
pub mod error;
pub mod filters;
pub mod forms;
pub mod layers;
pub mod notice;
pub mod pages;
pub mod public;
pub mod rate;
