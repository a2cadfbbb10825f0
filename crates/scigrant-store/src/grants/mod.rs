//! Persistence of programs, calls, stored form specifications and
//! applications with their events, extensions and paper copies.

pub mod applications;
pub mod calls;
pub mod limits;
pub mod solicitations;
