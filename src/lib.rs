//! cosell: the co-sell publishing workflow API of a cloud marketplace partner portal.
//!
//! A request flows one way: `<resource>/handlers` (HTTP: extract, call, render) → one function
//! of `<resource>/service` inside one database transaction → `<resource>/repo` → `db`. What
//! every change goes through (state machine, guarded write, audit) is `workflow`.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod background;
pub mod changes;
pub mod config;
pub mod context;
pub mod db;
pub mod enums;
pub mod error;
pub mod events;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod lifecycle;
pub mod offers;
pub mod openapi;
pub mod organizations;
pub mod page;
pub mod publishers;
pub mod render_cache;
pub mod service_endpoints;
pub mod solutions;
pub mod state;
pub mod submissions;
pub mod telemetry;
pub mod tickets;
pub mod time;
pub mod users;
pub mod validate;
pub mod webhooks;
pub mod workflow;
