//! The one error type of the API and its problem+json (RFC 9457) rendering.

use std::borrow::Cow;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::context;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem with one field of a request, located by a JSON pointer.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldIssue {
    /// JSON Pointer (as a URI fragment) to the field, e.g. `#/listing/summary`.
    #[schema(example = "#/owner/email")]
    pub pointer: String,
    #[schema(example = "invalid_email")]
    pub code: String,
    #[schema(example = "must be an e-mail address")]
    pub message: String,
}

impl FieldIssue {
    pub fn new(pointer: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The body of every 4xx and 5xx answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:cosell:problem:not_found",
    "title": "Not found",
    "status": 404,
    "detail": "No such object.",
    "instance": "/v1/publisher-profiles/01937e4a-7b1c-7000-8000-000000000000",
    "code": "not_found",
    "request_id": "01937e4a-7b1c-7000-8000-00000000abcd"
}))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub instance: String,
    /// Stable, machine-readable error code (see the list in the API description).
    pub code: String,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldIssue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

/// The error every handler returns. Kept small (the rarely used parts are boxed) because it
/// travels in every `Result` of the request path.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Cow<'static, str>,
    extras: Option<Box<Extras>>,
}

#[derive(Debug, Default)]
struct Extras {
    errors: Vec<FieldIssue>,
    current_state: Option<String>,
    allowed_actions: Option<Vec<String>>,
    retry_after: Option<u32>,
    allow: Option<String>,
    /// The internal cause: logged with the request id, never sent to the client.
    cause: Option<String>,
    /// Set when the error is rendered outside the request's context.
    request_id: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            extras: None,
        }
    }

    fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Default::default)
    }

    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }
    pub fn invalid_parameter(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_parameter", detail)
    }
    pub fn unauthenticated(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role does not allow this action.",
        )
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such object.")
    }
    pub fn conflict(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "The object has changed since the version given in If-Match; fetch it again.",
        )
    }
    pub fn unprocessable(code: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }
    /// A 422 `validation_error` about one field.
    pub fn invalid_field(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldIssue::new(pointer, code, message)])
    }
    pub fn validation(errors: Vec<FieldIssue>) -> Self {
        Self::unprocessable(
            "validation_error",
            "The request breaks one or more rules; see `errors`.",
        )
        .with_errors(errors)
    }
    /// 422 for a destructive action sent without `{"confirm": true}`.
    pub fn confirmation_required() -> Self {
        Self::unprocessable("confirmation_required", "Send `{\"confirm\": true}` to confirm.").with_errors(vec![
            FieldIssue::new("#/confirm", "confirmation_required", "must be true"),
        ])
    }
    pub fn rate_limited(retry_after: u32) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many attempts; wait and retry.",
        )
        .with_retry_after(retry_after)
    }
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The database is busy or unreachable; retry shortly.",
        )
        .with_retry_after(1)
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "An internal error occurred.",
        )
        .with_cause(cause)
    }
    /// A 409 `invalid_state_transition` carrying what the object allows now.
    pub fn invalid_transition(current_state: impl Into<String>, allowed_actions: Vec<String>) -> Self {
        let current_state = current_state.into();
        let mut e = Self::conflict(
            "invalid_state_transition",
            format!("This action is not allowed while the object is `{current_state}`."),
        );
        e.extras().current_state = Some(current_state);
        e.extras().allowed_actions = Some(allowed_actions);
        e
    }

    pub fn with_errors(mut self, errors: Vec<FieldIssue>) -> Self {
        self.extras().errors = errors;
        self
    }
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.extras().retry_after = Some(seconds);
        self
    }
    pub fn with_allow(mut self, allow: impl Into<String>) -> Self {
        self.extras().allow = Some(allow.into());
        self
    }
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.extras().cause = Some(cause.into());
        self
    }
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.extras().request_id = Some(request_id.into());
        self
    }

    pub fn errors(&self) -> &[FieldIssue] {
        self.extras.as_ref().map(|x| x.errors.as_slice()).unwrap_or_default()
    }
    pub fn allowed_actions(&self) -> Option<&[String]> {
        self.extras.as_ref().and_then(|x| x.allowed_actions.as_deref())
    }

    pub fn title(&self) -> &'static str {
        self.status.canonical_reason().unwrap_or("Error")
    }

    pub fn to_problem(&self) -> Problem {
        let (current_id, instance) = context::current();
        let extras = self.extras.as_deref();
        let request_id = extras.and_then(|x| x.request_id.clone()).unwrap_or(current_id);
        Problem {
            type_: format!("urn:cosell:problem:{}", self.code),
            title: self.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.to_string(),
            instance,
            code: self.code.to_owned(),
            request_id,
            errors: extras.map(|x| x.errors.clone()).unwrap_or_default(),
            current_state: extras.and_then(|x| x.current_state.clone()),
            allowed_actions: extras.and_then(|x| x.allowed_actions.clone()),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)?;
        if let Some(cause) = self.extras.as_ref().and_then(|x| x.cause.as_ref()) {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let extras = self.extras.as_deref();
        if self.status.is_server_error() {
            let cause = extras.and_then(|x| x.cause.as_deref()).unwrap_or("");
            tracing::error!(code = self.code, cause, "request failed");
        }
        let mut builder = HttpResponse::build(self.status);
        builder.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Some(x) = extras {
            if let Some(seconds) = x.retry_after {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            if let Some(id) = &x.request_id {
                builder.insert_header((context::REQUEST_ID, id.clone()));
            }
            if let Some(allow) = &x.allow {
                builder.insert_header((header::ALLOW, allow.clone()));
            }
        }
        let body = serde_json::to_vec(&self.to_problem()).unwrap_or_default();
        builder.body(body)
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &e {
            Error::NotFound => Self::not_found(),
            Error::DatabaseError(Kind::UniqueViolation, _) => {
                Self::conflict("already_exists", "An object with the same unique value already exists.")
            }
            Error::DatabaseError(Kind::SerializationFailure | Kind::ClosedConnection, _) => {
                Self::unavailable().with_cause(e.to_string())
            }
            Error::DatabaseError(_, info) if is_busy(info.message()) => Self::unavailable().with_cause(e.to_string()),
            // PostgreSQL refuses NUL in text (SQLSTATE 22021); the input was at fault, not the server.
            Error::DatabaseError(_, info) if info.message().contains("invalid byte sequence") => {
                Self::bad_request("Text must not contain NUL characters.").with_cause(e.to_string())
            }
            _ => Self::internal(format!("database: {e}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::unavailable().with_cause(e.to_string())
    }
}

/// SQLite reports lock contention only through its message; PostgreSQL through SQLSTATEs that
/// diesel folds into `Unknown` (deadlock, lock timeout).
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database is busy")
        || message.contains("deadlock detected")
        || message.contains("lock timeout")
}

/// Turns validator's nested errors into field issues with JSON pointers.
impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut issues = Vec::new();
        collect_issues(&errors, "#", &mut issues);
        issues.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        Self::validation(issues)
    }
}

/// Field issues of `errors` with pointers below `prefix` (e.g. `#/listing`).
pub fn issues_from(errors: &validator::ValidationErrors, prefix: &str) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    collect_issues(errors, prefix, &mut issues);
    issues.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    issues
}

fn collect_issues(errors: &validator::ValidationErrors, prefix: &str, out: &mut Vec<FieldIssue>) {
    use validator::ValidationErrorsKind as Kind;
    for (field, kind) in errors.errors() {
        let pointer = if field == "__all__" {
            prefix.to_owned()
        } else {
            format!("{prefix}/{field}")
        };
        match kind {
            Kind::Field(list) => out.extend(list.iter().map(|e| {
                let message = e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| describe(e));
                FieldIssue::new(pointer.clone(), e.code.to_string(), message)
            })),
            Kind::Struct(inner) => collect_issues(inner, &pointer, out),
            Kind::List(items) => {
                for (index, inner) in items {
                    collect_issues(inner, &format!("{pointer}/{index}"), out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).map(|v| v.to_string());
    match e.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".to_owned(),
        },
        "email" => "must be an e-mail address".to_owned(),
        "range" => "out of range".to_owned(),
        other => format!("invalid value ({other})"),
    }
}
