//! `Body<T>`: the JSON request body extractor. It enforces the size limit and the content type,
//! rejects unknown members with a pointer to them, and runs the type's validation rules, so a
//! handler only ever sees a well-formed, valid value.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use validator::Validate;

use crate::error::{ApiError, ErrorCode, FieldIssue, IssueCode, pointer_of, pointer_token};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest body of the few endpoints that take bulk data (imports).
pub const LARGE_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How long a body may take to arrive when the configuration does not say
/// (`COSELL_BODY_TIMEOUT_SECONDS`).
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);

pub struct Body<T, const LIMIT: usize = MAX_BODY_BYTES>(pub T);

/// A body of up to [`LARGE_BODY_BYTES`].
pub type LargeBody<T> = Body<T, LARGE_BODY_BYTES>;

impl<T, const LIMIT: usize> Body<T, LIMIT> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static, const LIMIT: usize> FromRequest for Body<T, LIMIT> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json(req);
        let encoded = is_encoded(req);
        let deadline = req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .map_or(BODY_DEADLINE, |state| state.body_deadline);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_length.is_some_and(|n| n > LIMIT) {
                return Err(too_large(LIMIT));
            }
            if !content_type_ok {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "Send the body as application/json.",
                ));
            }
            if encoded {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "Send the body without a `Content-Encoding` (or with `identity`).",
                ));
            }
            let read = async {
                let mut bytes = Vec::with_capacity(declared_length.unwrap_or(1024).min(LIMIT));
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
                    if bytes.len() + chunk.len() > LIMIT {
                        return Err(too_large(LIMIT));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(bytes)
            };
            let bytes = actix_web::rt::time::timeout(deadline, read).await.map_err(|_| {
                ApiError::new(
                    ErrorCode::RequestTimeout,
                    format!("The request body did not arrive within {} s.", deadline.as_secs()),
                )
            })??;
            let value: T = parse_json(&bytes)?;
            value.validate()?;
            Ok(Body(value))
        })
    }
}

/// A JSON body that may be left out entirely (no length, or length 0); when present it is held
/// to the same rules as [`Body`].
pub struct OptionalBody<T>(pub Option<T>);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for OptionalBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let length = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
        // An empty body counts as none, whatever content type was declared for it.
        let absent = match length {
            Some(length) => length.trim() == "0",
            None => !headers.contains_key(header::TRANSFER_ENCODING),
        };
        if absent {
            return Box::pin(async { Ok(OptionalBody(None)) });
        }
        // A body that is sent is an object, as the document says; `null` is refused like `[]`.
        let body = Body::<T>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalBody(Some(body.await?.0))) })
    }
}

/// A request body kept as a JSON object, as sent (a merge patch, whose `null`s matter).
#[derive(Debug, serde::Deserialize)]
pub struct RawObject(pub serde_json::Map<String, serde_json::Value>);

impl Validate for RawObject {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// The body of actions that take no parameters: absent, or an empty object (`{}`); any member
/// is refused as unknown.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

impl Validate for NoBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// [`OptionalBody`] of [`NoBody`], for actions without parameters.
pub type EmptyBody = OptionalBody<NoBody>;

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than {} KiB.", limit / 1024),
    )
}

/// Whether the body declares an encoding other than `identity`: it would be read as JSON
/// without being decoded.
fn is_encoded(req: &HttpRequest) -> bool {
    req.headers().get_all(header::CONTENT_ENCODING).any(|value| {
        value.to_str().map_or(true, |v| {
            v.split(',')
                .map(str::trim)
                .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        })
    })
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses JSON, naming the member at fault in the problem's `errors`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("The request body is empty; send a JSON object."));
    }
    // Every body is an object: serde would read a struct from an array as well (`[]` as an empty
    // patch), and an optional one from `null`.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::bad_request("The request body must be a JSON object."));
    }
    if has_escaped_nul(bytes) {
        return Err(ApiError::bad_request("Text must not contain NUL characters (\\u0000)."));
    }
    refuse_duplicate_members(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(shape_error)?;
    deserializer
        .end()
        .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))?;
    Ok(value)
}

/// Reads `T` from JSON already parsed (a body kept whole as well), with the answers of
/// [`parse_json`] for what does not fit.
pub fn parse_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::bad_request("The request body must be a JSON object."));
    }
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

/// The answer for a body that is not JSON, or not of the expected shape, naming the member at
/// fault.
fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let pointer = pointer_of(e.path());
    let inner = e.into_inner();
    let message = inner.to_string();
    // The path already ends at the unknown member.
    if let Some(field) = unknown_field_name(&message) {
        return ApiError::new(
            ErrorCode::UnknownField,
            format!("`{field}` is not a member this request accepts."),
        )
        .with_errors(vec![FieldIssue::new(
            pointer,
            IssueCode::UnknownField,
            strip_position(&message),
        )]);
    }
    // A required member that is absent: the form can show which.
    if let Some(field) = missing_field_name(&message) {
        return ApiError::validation(vec![FieldIssue::new(
            format!("{pointer}/{field}"),
            IssueCode::Required,
            "is required",
        )]);
    }
    let detail = if inner.is_syntax() || inner.is_eof() {
        format!("The body is not valid JSON: {message}")
    } else {
        format!(
            "The body does not have the expected shape: {}",
            strip_position(&message)
        )
    };
    ApiError::bad_request(detail).with_errors(vec![FieldIssue::new(
        pointer,
        IssueCode::InvalidJson,
        strip_position(&message),
    )])
}

/// A member named twice in one object is refused (400, pointing at the second): readers differ
/// on which one counts, so neither may. Text that is not JSON is left to the parse that follows.
fn refuse_duplicate_members(bytes: &[u8]) -> Result<(), ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Unique>(&mut deserializer) {
        Err(e) if e.inner().is_data() => {
            let object = pointer_of(e.path());
            let message = strip_position(&e.into_inner().to_string());
            // The path ends at the object; the pointer goes on to the member named twice.
            let member = message
                .strip_prefix('`')
                .and_then(|rest| rest.rsplit_once(DUPLICATE))
                .map_or(Default::default(), |(name, _)| pointer_token(name));
            let pointer = format!("{}/{member}", object.trim_end_matches('/'));
            Err(
                ApiError::bad_request(format!("The body names a member twice: {message}."))
                    .with_errors(vec![FieldIssue::new(pointer, IssueCode::InvalidJson, message)]),
            )
        }
        _ => Ok(()),
    }
}

const DUPLICATE: &str = "` appears more than once";

/// Any JSON value, read only to find a member named twice in one object.
struct Unique;

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(serde::de::Error::custom(format!("`{key}{DUPLICATE}")));
            }
            map.next_value::<Unique>()?;
            seen.insert(key);
        }
        Ok(Unique)
    }
}

/// Whether the JSON text escapes a NUL character (`\u0000`); raw control characters are
/// already invalid JSON. Neither database stores NUL in text the same way, so it is refused.
fn has_escaped_nul(bytes: &[u8]) -> bool {
    const ESCAPE: &[u8] = b"u0000";
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && bytes[i..].starts_with(ESCAPE) {
            return true;
        }
        backslashes = 0;
    }
    false
}

fn unknown_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next().map(|f| pointer_token(f).into_owned())
}

fn missing_field_name(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(|f| pointer_token(f).into_owned())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// For `Option<T>` members of a merge patch whose column cannot be empty: absent means
/// unchanged, and `null` is refused instead of being read as "unchanged".
pub fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// For `Option<Option<T>>` members of a merge patch whose column may be empty: absent means
/// unchanged (with `#[serde(default)]`), `null` clears it.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[test]
    fn an_unknown_member_is_named_by_its_pointer() {
        let e = parse_json::<Outer>(br#"{"inner": {"name": "x", "status": "live"}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        assert_eq!(e.errors()[0].pointer, "#/inner/status");
    }

    #[test]
    fn a_wrong_type_is_a_bad_request_at_its_pointer() {
        let e = parse_json::<Outer>(br#"{"inner": {"name": 5}}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::BadRequest);
        assert_eq!(e.errors()[0].pointer, "#/inner/name");
    }

    #[test]
    fn malformed_empty_and_trailing_input_are_bad_requests() {
        for input in [&b"{"[..], b"", b"  ", br#"{"inner": {"name": "x"}} []"#] {
            assert_eq!(parse_json::<Outer>(input).unwrap_err().code, ErrorCode::BadRequest);
        }
    }

    #[test]
    fn escaped_nul_characters_are_refused_but_escaped_backslashes_are_not() {
        assert_eq!(
            parse_json::<serde_json::Value>(br#"{"a": "x\u0000y"}"#)
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
        assert_eq!(
            parse_json::<serde_json::Value>(br#"{"a": "\\\u0000"}"#)
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
        let literal: serde_json::Value = parse_json(br#"{"a": "\\u0000"}"#).unwrap();
        assert_eq!(literal["a"], "\\u0000");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(
            parse_json::<serde_json::Value>(deep.as_bytes()).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }
}
