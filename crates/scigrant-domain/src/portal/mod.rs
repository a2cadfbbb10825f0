//! 门户 content: the sections of the portal, the life cycle of an article
//! (written by a 内容编辑, approved by a separate 内容审核, published at
//! its time, withdrawn at once), the safe HTML of its body, and 征求意见
//! on a draft guide.

pub mod article;
pub mod consultation;
pub mod markup;
