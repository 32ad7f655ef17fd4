//! Legacy co-sell solutions: imported by support, then merged into a live offer, migrated into a
//! new draft offer, or discarded by the partner.

pub mod dto;
pub mod effects;
pub mod handlers;
pub mod import;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod service;
