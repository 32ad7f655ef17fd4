//! The audit log: append-only events written in the same transaction as the change they record
//! (see `workflow::record`).

pub mod dto;
pub mod handlers;
pub mod model;
pub mod repo;
pub mod service;
