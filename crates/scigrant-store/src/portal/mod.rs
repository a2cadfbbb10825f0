//! Persistence of the portal's content: articles, their versions and
//! attachments, and the search terms of the published ones.

pub mod articles;
pub mod terms;
