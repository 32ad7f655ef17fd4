//! The HTTP conventions every endpoint shares: the request id and log line, problem bodies,
//! JSON bodies, pages on the wire, ETag/If-Match, idempotency, and the answers for unknown
//! routes. It knows no resource.

pub mod body;
pub mod client;
pub mod conditional;
pub mod fallback;
pub mod headers;
pub mod idempotency;
pub mod metrics;
pub mod pagination;
pub mod problem;
pub mod request_id;
