//! Conditional requests: a strong `ETag` derived from `version`, and `If-Match` on writes.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The `If-Match` header of a write, if any.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// Fails with 412 unless the header is absent, `*`, or lists the current version's ETag.
    pub fn check(&self, current_version: i64) -> Result<(), ApiError> {
        let Some(raw) = &self.0 else { return Ok(()) };
        let current = etag(current_version);
        let matches = raw.split(',').map(str::trim).any(|tag| tag == "*" || tag == current);
        if matches {
            Ok(())
        } else {
            Err(ApiError::precondition_failed())
        }
    }
}

impl IfMatch {
    pub fn is_present(&self) -> bool {
        self.0.is_some()
    }

    /// The error for a version-guarded write that found the row already changed: 412 when the
    /// client named a version, otherwise a signal for [`retry_on_stale`] to decide again.
    pub fn stale(&self) -> ApiError {
        if self.is_present() {
            ApiError::precondition_failed()
        } else {
            ApiError::conflict(STALE, "The object changed concurrently.")
        }
    }
}

const STALE: &str = "stale_version";
const ATTEMPTS: usize = 3;

/// Runs a read-decide-write step again when its version-guarded write lost a race, so the
/// loser gets the answer the new state calls for. The guarded write must come first in `f`.
pub fn retry_on_stale<C, T>(conn: &mut C, mut f: impl FnMut(&mut C) -> Result<T, ApiError>) -> Result<T, ApiError> {
    for _ in 0..ATTEMPTS {
        match f(conn) {
            Err(e) if e.code == STALE => continue,
            other => return other,
        }
    }
    Err(ApiError::unavailable().with_cause("kept losing races for one object"))
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => v
                .to_str()
                .map(|s| IfMatch(Some(s.to_owned())))
                .map_err(|_| ApiError::invalid_parameter("`If-Match` must be visible ASCII text.")),
        };
        ready(value)
    }
}

/// A response carrying one object and its ETag.
pub fn entity<T: Serialize>(status: StatusCode, body: &T, version: i64) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

/// Like [`entity`], with a body already rendered as JSON.
pub fn rendered_entity(status: StatusCode, body: Bytes, version: i64) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .insert_header(header::ContentType::json())
        .body(body)
}

/// 201 with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, body: &T, version: i64) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_accepts_the_current_tag_star_or_nothing() {
        assert!(IfMatch(None).check(3).is_ok());
        assert!(IfMatch(Some("*".into())).check(3).is_ok());
        assert!(IfMatch(Some("\"3\"".into())).check(3).is_ok());
        assert!(IfMatch(Some("\"1\", \"3\"".into())).check(3).is_ok());
    }

    #[test]
    fn stale_weak_or_garbled_tags_fail_the_precondition() {
        // A malformed tag matches nothing, so it fails the precondition like a stale one (RFC 9110 13.1.1).
        for tag in ["\"2\"", "W/\"3\"", "3", "garbage", ""] {
            assert_eq!(
                IfMatch(Some(tag.into())).check(3).unwrap_err().status,
                StatusCode::PRECONDITION_FAILED
            );
        }
    }
}
