//! Persistence of the portal's content: articles, their versions and
//! attachments, the search terms of the published ones, and 征求意见 on
//! draft guides.

pub mod articles;
pub mod consultations;
pub mod terms;
