//! Events: every change of an organization, numbered in commit order, kept 30 days, read as a
//! feed and delivered by webhooks.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod object;
pub mod repo;
pub mod service;
pub mod types;
