//! Persistence of expert review: the expert library, review plans,
//! assignments and reviews.

pub mod experts;
pub mod review;
