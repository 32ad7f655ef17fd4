//! Users of an organization (and staff), their roles and statuses.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
