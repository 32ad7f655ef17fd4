//! The partner support desk: tickets, their comments, and the merge requests support completes.

pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod repo;
