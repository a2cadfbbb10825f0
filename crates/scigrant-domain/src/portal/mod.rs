//! 门户 content: the sections of the portal, the life cycle of an article
//! (written by a 内容编辑, approved by a separate 内容审核, published at
//! its time, withdrawn at once), and the safe HTML of its body.

pub mod article;
pub mod markup;
