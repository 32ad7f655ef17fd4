//! Partner organizations: enrolled with their first owner, their profile kept by owners and
//! managers.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
pub mod service;
