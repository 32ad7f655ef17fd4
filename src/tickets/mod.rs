//! The partner support desk: tickets, comments and internal notes, and merge requests that
//! drive their solutions.

pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod service;
