//! The headers this API defines.

use actix_web::http::header::HeaderName;

/// The id of the request, on every response (and an incoming one, logged as correlation).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
/// Makes a POST safe to retry.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// On an answer replayed for a repeated `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
