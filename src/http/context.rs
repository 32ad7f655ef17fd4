//! Request ids, the per-request log line, and the safety net that turns any plain-text error
//! produced below this layer into problem+json.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

use crate::error::{ApiError, PROBLEM_JSON};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

#[derive(Clone, Debug)]
struct RequestContext {
    request_id: String,
    path: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// The current request's id and path, or empty strings outside a request.
pub fn current() -> (String, String) {
    CONTEXT
        .try_with(|c| (c.request_id.clone(), c.path.clone()))
        .unwrap_or_default()
}

thread_local! {
    /// The request id while a request's blocking database work runs on another thread.
    static BLOCKING_REQUEST_ID: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The current request's id (for audit events); empty outside a request.
pub fn request_id() -> String {
    CONTEXT
        .try_with(|c| c.request_id.clone())
        .ok()
        .or_else(|| BLOCKING_REQUEST_ID.with(|id| id.borrow().clone()))
        .unwrap_or_default()
}

/// Runs `f` on this (blocking) thread with `request_id` as the current request's id.
pub fn in_blocking_scope<T>(request_id: String, f: impl FnOnce() -> T) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            BLOCKING_REQUEST_ID.with(|id| id.borrow_mut().take());
        }
    }
    BLOCKING_REQUEST_ID.with(|id| *id.borrow_mut() = Some(request_id));
    let _reset = Reset;
    f()
}

/// Runs `f` as if inside a request with this id (command-line actions, tests).
pub async fn with_request_id<F: std::future::Future>(request_id: String, f: F) -> F::Output {
    CONTEXT
        .scope(
            RequestContext {
                request_id,
                path: String::new(),
            },
            f,
        )
        .await
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = Uuid::now_v7().to_string();
    let correlation_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(128).collect::<String>())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        correlation_id = %correlation_id,
        method = %req.method(),
        path = %req.path(),
    );
    let context = RequestContext {
        request_id: request_id.clone(),
        path: req.path().to_owned(),
    };

    CONTEXT
        .scope(context, async move {
            let mut response = match next.call(req).await {
                Ok(response) => response.map_into_boxed_body(),
                Err(e) => {
                    // The request is gone with the error; answer with our problem shape and id.
                    let status = e.as_response_error().status_code();
                    tracing::info!(status = status.as_u16(), error = %e, "request refused by middleware");
                    return Err(problem_for_status(status).with_request_id(request_id.clone()).into());
                }
            };
            if is_plain_error(&response) {
                response = response.map_body(|head, _| {
                    let error = problem_for_status(head.status);
                    head.headers
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
                    BoxBody::new(serde_json::to_vec(&error.to_problem()).unwrap_or_default())
                });
            }
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            let status = response.status().as_u16();
            let elapsed = started.elapsed().as_secs_f64();
            super::metrics::METRICS.record(status, elapsed);
            let latency_ms = elapsed * 1000.0;
            if status >= 500 {
                tracing::error!(status, latency_ms, "request finished");
            } else {
                tracing::info!(status, latency_ms, "request finished");
            }
            Ok(response)
        })
        .instrument(span)
        .await
}

fn is_plain_error(response: &ServiceResponse<BoxBody>) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    content_type != Some(PROBLEM_JSON)
}

/// The problem for an error answered by the framework itself, keyed by status alone.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    let (code, detail) = match status.as_u16() {
        400 => ("bad_request", "The request is malformed."),
        401 => ("unauthenticated", "The access token is missing, expired or invalid."),
        403 => ("forbidden", "Your role does not allow this action."),
        404 => ("not_found", "No such object."),
        405 => ("method_not_allowed", "This method is not allowed on this resource."),
        413 => ("payload_too_large", "The request body is larger than 256 KiB."),
        415 => ("unsupported_media_type", "Send the body as application/json."),
        429 => ("rate_limited", "Too many requests; wait and retry."),
        503 => ("unavailable", "The service is busy; retry shortly."),
        s if s >= 500 => ("internal", "An internal error occurred."),
        _ => ("bad_request", "The request cannot be processed."),
    };
    ApiError::new(status, code, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_framework_status_gets_a_documented_code() {
        assert_eq!(
            problem_for_status(StatusCode::PAYLOAD_TOO_LARGE).code,
            "payload_too_large"
        );
        assert_eq!(
            problem_for_status(StatusCode::METHOD_NOT_ALLOWED).code,
            "method_not_allowed"
        );
        assert_eq!(problem_for_status(StatusCode::BAD_GATEWAY).code, "internal");
        assert_eq!(problem_for_status(StatusCode::URI_TOO_LONG).code, "bad_request");
    }
}
