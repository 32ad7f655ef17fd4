//! Users of an organization and their roles; staff users, who belong to none.

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
pub mod service;
