//! Publisher profiles: the identities under which an organization's offers are listed.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
pub mod service;
