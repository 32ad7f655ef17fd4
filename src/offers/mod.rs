//! Offers: their sections, readiness, and the publishing path through certification and preview
//! to live.

pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod sections;
pub mod submissions;
