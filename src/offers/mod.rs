//! Offers: their sections, readiness, and the publishing path through certification and preview
//! to live.

pub mod co_sell;
pub mod compare;
pub mod content;
pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod loaded;
pub mod model;
pub mod readiness;
pub mod repo;
pub mod sections;
pub mod service;
