//! Conditional requests: a strong `ETag` derived from `version`, and `If-Match` on writes.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
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
                .ok()
                .filter(|s| is_entity_tag_list(s))
                .map(|s| IfMatch(Some(s.to_owned())))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "`If-Match` must be `*` or entity tags such as \"3\", separated by commas.",
                    )
                }),
        };
        ready(value)
    }
}

/// The pattern `If-Match` follows (RFC 9110: `*` or a comma-separated list of entity tags),
/// stated in the OpenAPI document and checked here.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[^"]*"([ \t]*,[ \t]*(W/)?"[^"]*")*)$"#;

fn is_entity_tag_list(value: &str) -> bool {
    if value == "*" {
        return true;
    }
    let tag = |t: &str| {
        let t = t.trim_matches([' ', '\t']);
        let t = t.strip_prefix("W/").unwrap_or(t);
        t.len() >= 2 && t.starts_with('"') && t.ends_with('"') && !t[1..t.len() - 1].contains('"')
    };
    !value.is_empty() && value.split(',').all(tag)
}

/// A response carrying one object and its ETag.
pub fn entity<T: Serialize>(status: StatusCode, body: &T, version: i64) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(version)))
        .json(body)
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
    fn the_header_grammar_is_checked() {
        for ok in ["*", "\"3\"", "W/\"3\"", "\"1\", \"3\"", "\"1\",\t\"2\""] {
            assert!(is_entity_tag_list(ok), "{ok}");
        }
        for bad in ["", "3", "garbage", "null", "\"3", "\"3\" x", ",", "\"a\"b\""] {
            assert!(!is_entity_tag_list(bad), "{bad}");
        }
        let pattern = regex::Regex::new(IF_MATCH_PATTERN).unwrap();
        for value in ["*", "\"3\"", "W/\"3\"", "\"1\", \"3\"", "", "3", "null", "\"3"] {
            assert_eq!(
                pattern.is_match(value),
                is_entity_tag_list(value),
                "pattern and parser disagree on {value}"
            );
        }
    }

    #[test]
    fn stale_or_weak_tags_fail_the_precondition() {
        for tag in ["\"2\"", "W/\"3\""] {
            assert_eq!(
                IfMatch(Some(tag.into())).check(3).unwrap_err().status,
                StatusCode::PRECONDITION_FAILED
            );
        }
    }
}
