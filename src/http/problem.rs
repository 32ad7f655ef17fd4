//! Errors on the wire: every refusal and fault as `application/problem+json` (RFC 9457), with
//! the status its code stands for, the request's id, and the headers the case calls for.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use super::headers::REQUEST_ID;
use crate::error::{ApiError, ErrorCode, FieldIssue};

pub const PROBLEM_JSON: &str = "application/problem+json";

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
    pub code: ErrorCode,
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldIssue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<String>>,
}

fn status_of(error: &ApiError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The problem body of `error`, in the current request.
pub fn problem(error: &ApiError) -> Problem {
    let (current_id, instance) = crate::context::current();
    let extras = error.extras();
    let request_id = extras.and_then(|x| x.request_id.clone()).unwrap_or(current_id);
    let status = status_of(error);
    Problem {
        type_: format!("urn:cosell:problem:{}", error.code),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: error.detail.to_string(),
        instance,
        code: error.code,
        request_id,
        errors: error.errors().to_vec(),
        current_state: extras.and_then(|x| x.current_state.clone()),
        allowed_actions: extras.and_then(|x| x.allowed_actions.clone()),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status_of(self)
    }

    fn error_response(&self) -> HttpResponse {
        let status = status_of(self);
        let extras = self.extras();
        if status.is_server_error() {
            let cause = extras.and_then(|x| x.cause.as_deref()).unwrap_or("");
            tracing::error!(code = %self.code, cause, "request failed");
        }
        let mut builder = HttpResponse::build(status);
        builder.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may still be on its way: the connection is not reused.
            builder.force_close();
        }
        if let Some(x) = extras {
            if let Some(seconds) = x.retry_after {
                builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            if let Some(id) = &x.request_id {
                builder.insert_header((REQUEST_ID, id.clone()));
            }
            if let Some(allow) = &x.allow {
                builder.insert_header((header::ALLOW, allow.clone()));
            }
        }
        builder.body(serde_json::to_vec(&problem(self)).unwrap_or_default())
    }
}

/// The problem for an error answered by the framework itself, keyed by status alone.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let code = ErrorCode::for_status(status.as_u16());
    let detail = match status.as_u16() {
        400 => "The request is malformed.",
        401 => "The access token is missing, expired or invalid.",
        403 => "Your role does not allow this action.",
        404 => "No such object.",
        405 => "This method is not allowed on this resource.",
        408 => "The request did not arrive in time.",
        413 => "The request body is larger than 256 KiB.",
        415 => "Send the body as application/json.",
        429 => "Too many requests; wait and retry.",
        503 => "The service is busy; retry shortly.",
        s if s >= 500 => "An internal error occurred.",
        _ => "The request cannot be processed.",
    };
    ApiError::new(code, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_framework_status_gets_a_documented_code() {
        assert_eq!(
            problem_for_status(StatusCode::PAYLOAD_TOO_LARGE).code,
            ErrorCode::PayloadTooLarge
        );
        assert_eq!(
            problem_for_status(StatusCode::METHOD_NOT_ALLOWED).code,
            ErrorCode::MethodNotAllowed
        );
        assert_eq!(problem_for_status(StatusCode::BAD_GATEWAY).code, ErrorCode::Internal);
        assert_eq!(problem_for_status(StatusCode::URI_TOO_LONG).code, ErrorCode::BadRequest);
    }

    #[test]
    fn a_stale_write_that_escapes_is_a_503_not_a_conflict() {
        assert_eq!(
            ApiError::stale().error_response().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
