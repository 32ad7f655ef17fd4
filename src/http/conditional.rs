//! Conditional requests: a strong `ETag` derived from `version`, and `If-Match` on writes.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::error::ApiError;
use crate::lifecycle::Precondition;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `If-Match`, read as the versions the client expects: `*`, a list of strong tags (`"3"`),
/// or absent. A tag that names no version (weak, garbled) matches none, so it fails the
/// precondition like a stale one (RFC 9110 13.1.1).
pub fn precondition(header: Option<&str>) -> Precondition {
    let Some(raw) = header else { return Precondition::None };
    let tags: Vec<&str> = raw.split(',').map(str::trim).collect();
    if tags.contains(&"*") {
        return Precondition::Any;
    }
    let versions = tags
        .iter()
        .filter_map(|tag| {
            let version: i64 = tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()?;
            (etag(version) == *tag).then_some(version)
        })
        .collect();
    Precondition::OneOf(versions)
}

impl FromRequest for Precondition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = match req.headers().get(header::IF_MATCH) {
            None => Ok(Precondition::None),
            Some(v) => v
                .to_str()
                .map(|s| precondition(Some(s)))
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
        assert!(precondition(None).check(3).is_ok());
        assert!(precondition(Some("*")).check(3).is_ok());
        assert!(precondition(Some("\"3\"")).check(3).is_ok());
        assert!(precondition(Some("\"1\", \"3\"")).check(3).is_ok());
    }

    #[test]
    fn stale_weak_or_garbled_tags_fail_the_precondition() {
        for tag in ["\"2\"", "W/\"3\"", "3", "garbage", "", "\"03\""] {
            assert_eq!(
                precondition(Some(tag)).check(3).unwrap_err().code,
                crate::error::ErrorCode::PreconditionFailed,
                "{tag}"
            );
        }
    }
}
