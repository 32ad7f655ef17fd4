//! Conditional requests: a strong `ETag` derived from `version`, `If-Match` on writes and
//! `If-None-Match` on reads.

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::ApiError;
use crate::lifecycle::Precondition;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The entity tags of an `If-Match` or `If-None-Match` header (RFC 9110 8.8.3): `*`, or a list
/// of quoted tags, each perhaps weak (`W/"3"`).
#[derive(Debug, PartialEq, Eq)]
enum Tags<'a> {
    Any,
    /// (weak, the text between the quotes)
    List(Vec<(bool, &'a str)>),
}

fn entity_tags(raw: &str) -> Option<Tags<'_>> {
    let raw = raw.trim_matches([' ', '\t']);
    if raw == "*" {
        return Some(Tags::Any);
    }
    let mut tags = Vec::new();
    let mut rest = raw;
    loop {
        // Empty list elements and the whitespace around them are allowed (RFC 9110 5.6.1).
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let weak = rest.starts_with("W/");
        rest = rest.strip_prefix("W/").unwrap_or(rest).strip_prefix('"')?;
        let end = rest.find('"')?;
        let opaque = &rest[..end];
        // etagc: visible characters but the quote, and obs-text.
        if opaque.bytes().any(|b| b < 0x21 || b == 0x7f) {
            return None;
        }
        tags.push((weak, opaque));
        rest = rest[end + 1..].trim_start_matches([' ', '\t']);
        if !(rest.is_empty() || rest.starts_with(',')) {
            return None;
        }
    }
    (!tags.is_empty()).then_some(Tags::List(tags))
}

fn malformed(name: &str) -> ApiError {
    ApiError::invalid_parameter(format!(
        "`{name}` must be `*` or a comma-separated list of quoted entity tags, as the `ETag` header \
sends them: `\"3\"`, not `3`."
    ))
}

/// `If-Match`, read as the versions the client expects: `*`, a list of strong tags (`"3"`),
/// or absent. A weak tag, or one that names no version, matches none (strong comparison, RFC
/// 9110 13.1.1), so it fails the precondition like a stale one; a header that is no list of
/// entity tags at all (`3`) is 400.
pub fn precondition(header: Option<&str>) -> Result<Precondition, ApiError> {
    let Some(raw) = header else {
        return Ok(Precondition::None);
    };
    match entity_tags(raw).ok_or_else(|| malformed("If-Match"))? {
        Tags::Any => Ok(Precondition::Any),
        Tags::List(tags) => Ok(Precondition::OneOf(
            tags.iter()
                .filter(|(weak, _)| !weak)
                .filter_map(|(_, opaque)| {
                    let version: i64 = opaque.parse().ok()?;
                    (version.to_string() == *opaque).then_some(version)
                })
                .collect(),
        )),
    }
}

/// Whether `If-None-Match` names the current `etag` (weak comparison, RFC 9110 13.1.2): the
/// client's copy is current. Malformed is 400.
fn none_match(header: &str, etag: &str) -> Result<bool, ApiError> {
    let current = etag.trim_start_matches("W/").trim_matches('"');
    match entity_tags(header).ok_or_else(|| malformed("If-None-Match"))? {
        Tags::Any => Ok(true),
        Tags::List(tags) => Ok(tags.iter().any(|(_, opaque)| *opaque == current)),
    }
}

impl FromRequest for Precondition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = match req.headers().get(header::IF_MATCH) {
            None => Ok(Precondition::None),
            Some(v) => v
                .to_str()
                .map_err(|_| malformed("If-Match"))
                .and_then(|s| precondition(Some(s))),
        };
        ready(value)
    }
}

/// `If-None-Match` on reads: refused when malformed (before the handler runs), and a `200` whose
/// `ETag` it names becomes `304 Not Modified` with that `ETag` and no body.
pub async fn not_modified(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let reads = matches!(*req.method(), Method::GET | Method::HEAD);
    let Some(raw) = req.headers().get(header::IF_NONE_MATCH).filter(|_| reads) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(raw) = raw
        .to_str()
        .ok()
        .filter(|r| entity_tags(r).is_some())
        .map(str::to_owned)
    else {
        return Ok(req.into_response(malformed("If-None-Match").error_response()));
    };
    let res = next.call(req).await?;
    let current = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|_| res.status() == StatusCode::OK)
        .map(str::to_owned);
    match current {
        Some(etag) if none_match(&raw, &etag).unwrap_or(false) => {
            let (req, res) = res.into_parts();
            let mut answer = HttpResponse::NotModified();
            for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
                if let Some(value) = res.headers().get(&name) {
                    answer.insert_header((name, value.clone()));
                }
            }
            Ok(ServiceResponse::new(req, answer.finish()))
        }
        _ => Ok(res.map_into_boxed_body()),
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

    fn check(header: &str, version: i64) -> Result<(), ApiError> {
        precondition(Some(header))?.check(version)
    }

    #[test]
    fn if_match_accepts_the_current_tag_star_or_nothing() {
        assert!(precondition(None).unwrap().check(3).is_ok());
        for header in ["*", "\"3\"", "\"1\", \"3\"", " \"3\" "] {
            assert!(check(header, 3).is_ok(), "{header}");
        }
    }

    #[test]
    fn stale_or_weak_tags_fail_the_precondition() {
        for header in ["\"2\"", "W/\"3\"", "\"03\"", "\"garbage\""] {
            assert_eq!(
                check(header, 3).unwrap_err().code,
                crate::error::ErrorCode::PreconditionFailed,
                "{header}"
            );
        }
    }

    #[test]
    fn what_is_no_list_of_entity_tags_is_a_bad_request() {
        for header in [
            "3", "garbage", "", "\"3", "3\"", "\"3\", 4", "\"a\"b\"", "*, \"3\"", "W/3",
        ] {
            assert_eq!(
                precondition(Some(header)).unwrap_err().code,
                crate::error::ErrorCode::InvalidParameter,
                "{header}"
            );
        }
    }

    #[test]
    fn a_comma_inside_a_tag_is_part_of_it() {
        let parsed = entity_tags("\"a,b\" ,\t W/\"c\",, \"\"");
        assert_eq!(parsed, Some(Tags::List(vec![(false, "a,b"), (true, "c"), (false, "")])));
    }

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(none_match("\"3\"", "\"3\"").unwrap());
        assert!(none_match("W/\"3\"", "\"3\"").unwrap());
        assert!(none_match("\"1\", \"3\"", "\"3\"").unwrap());
        assert!(none_match("*", "\"3\"").unwrap());
        assert!(!none_match("\"2\"", "\"3\"").unwrap());
        assert!(none_match("2", "\"3\"").is_err());
    }
}
