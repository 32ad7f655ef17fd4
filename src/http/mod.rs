//! The HTTP conventions every endpoint shares: request context, bodies, pagination, conditional
//! requests, idempotency, rendered answers kept per version, and the answers for unknown routes.

pub mod body;
pub mod conditional;
pub mod context;
pub mod fallback;
pub mod idempotency;
pub mod metrics;
pub mod pagination;
pub mod render_cache;
pub mod time;
