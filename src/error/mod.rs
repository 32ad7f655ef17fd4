//! The one error type: what went wrong, as a stable code of the contract, with the words for
//! people and what a client needs to act on it. It knows nothing of HTTP; `http::problem`
//! renders it as problem+json, once, from the status its code stands for.

mod codes;
mod issues;

use std::borrow::Cow;
use std::fmt;

pub use codes::{ErrorCode, IssueCode};
pub use issues::{FieldIssue, issues_from, pointer_of, pointer_token};

/// The error of every layer. Kept small (the rarely used parts are boxed) because it travels in
/// every `Result` of the request path.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Cow<'static, str>,
    extras: Option<Box<Extras>>,
}

#[derive(Debug, Default)]
pub struct Extras {
    pub errors: Vec<FieldIssue>,
    pub current_state: Option<String>,
    pub allowed_actions: Option<Vec<String>>,
    pub retry_after: Option<u32>,
    pub allow: Option<String>,
    /// The internal cause: logged with the request id, never sent to the client.
    pub cause: Option<String>,
    /// Set when the error is rendered outside the request's context.
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            detail: detail.into(),
            extras: None,
        }
    }

    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Default::default)
    }

    pub fn extras(&self) -> Option<&Extras> {
        self.extras.as_deref()
    }

    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::BadRequest, detail)
    }
    pub fn invalid_parameter(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidParameter, detail)
    }
    pub fn unauthenticated(detail: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::Unauthenticated, detail)
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "Your role does not allow this action.")
    }
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "No such object.")
    }
    pub fn precondition_failed() -> Self {
        Self::new(
            ErrorCode::PreconditionFailed,
            "The object has changed since the version given in If-Match; fetch it again.",
        )
    }
    /// A 422 `validation_error` about one field.
    pub fn invalid_field(pointer: &str, code: IssueCode, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldIssue::new(pointer, code, message)])
    }
    pub fn validation(errors: Vec<FieldIssue>) -> Self {
        Self::new(
            ErrorCode::ValidationError,
            "The request breaks one or more rules; see `errors`.",
        )
        .with_errors(errors)
    }
    /// 422 for a destructive action sent without `{"confirm": true}`.
    pub fn confirmation_required() -> Self {
        Self::new(
            ErrorCode::ConfirmationRequired,
            "Send `{\"confirm\": true}` to confirm.",
        )
        .with_errors(vec![FieldIssue::new(
            "#/confirm",
            IssueCode::ConfirmationRequired,
            "must be true",
        )])
    }
    pub fn rate_limited(retry_after: u32) -> Self {
        Self::new(ErrorCode::RateLimited, "Too many attempts; wait and retry.").with_retry_after(retry_after)
    }
    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "The database is busy or unreachable; retry shortly.",
        )
        .with_retry_after(1)
    }
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, "An internal error occurred.").with_cause(cause)
    }
    /// A version-guarded write found the row already changed.
    pub fn stale() -> Self {
        Self::new(ErrorCode::Stale, "The object changed concurrently; retry.").with_retry_after(1)
    }
    /// A 409 refusing an action in the object's current state, with what it allows instead.
    pub fn refused(
        code: ErrorCode,
        detail: impl Into<Cow<'static, str>>,
        current_state: impl Into<String>,
        allowed_actions: Vec<String>,
    ) -> Self {
        let mut e = Self::new(code, detail);
        e.extras_mut().current_state = Some(current_state.into());
        e.extras_mut().allowed_actions = Some(allowed_actions);
        e
    }

    pub fn with_errors(mut self, errors: Vec<FieldIssue>) -> Self {
        self.extras_mut().errors = errors;
        self
    }
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.extras_mut().retry_after = Some(seconds);
        self
    }
    pub fn with_allow(mut self, allow: impl Into<String>) -> Self {
        self.extras_mut().allow = Some(allow.into());
        self
    }
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.extras_mut().cause = Some(cause.into());
        self
    }
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.extras_mut().request_id = Some(request_id.into());
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
    pub fn errors(&self) -> &[FieldIssue] {
        self.extras.as_ref().map(|x| x.errors.as_slice()).unwrap_or_default()
    }
    pub fn is_stale(&self) -> bool {
        self.code == ErrorCode::Stale
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status(), self.code, self.detail)?;
        if let Some(cause) = self.extras.as_ref().and_then(|x| x.cause.as_ref()) {
            write!(f, " (cause: {cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        match &e {
            Error::NotFound => Self::not_found(),
            Error::DatabaseError(Kind::UniqueViolation, _) => Self::new(
                ErrorCode::AlreadyExists,
                "An object with the same unique value already exists.",
            ),
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

/// A stored value the code cannot read is a data fault, not the client's.
impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(format!("stored JSON: {e}"))
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
