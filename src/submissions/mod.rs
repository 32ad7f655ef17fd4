//! Submissions: one publish attempt of an offer each, through automated validation,
//! certification by a reviewer, preview and publish.

pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod repo;
pub mod service;
