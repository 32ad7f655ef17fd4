//! Webhooks: endpoints that an organization's events are delivered to, signed, at least once,
//! with a log of every attempt.

mod blocking;
mod client;
pub mod dispatcher;
pub mod dto;
pub mod handlers;
pub mod lifecycle;
pub mod model;
pub mod outbox;
pub mod recorder;
pub mod repo;
pub mod service;
pub mod signing;
pub mod url;
