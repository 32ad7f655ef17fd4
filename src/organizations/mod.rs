//! Partner organizations: enrolment creates one; its owners and managers keep its profile.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
