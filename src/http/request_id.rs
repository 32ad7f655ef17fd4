//! Request ids, the per-request log line, and the safety net that turns any plain-text error
//! produced below this layer into problem+json.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use uuid::Uuid;

use super::headers::REQUEST_ID;
use super::problem::{PROBLEM_JSON, problem, problem_for_status};

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
        .filter(|v| is_correlation_id(v))
        .unwrap_or_default()
        .to_owned();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        correlation_id = %correlation_id,
        method = %req.method(),
        path = %req.path(),
    );
    let path = req.path().to_owned();
    crate::context::scope(request_id.clone(), path, async move {
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
                BoxBody::new(serde_json::to_vec(&problem(&error)).unwrap_or_default())
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

/// Whether an incoming `Request-Id` may be logged as the correlation id: at most 128 characters
/// of `[A-Za-z0-9._:-]`, so that it can neither forge log fields nor flood the log.
pub fn is_correlation_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::is_correlation_id;

    #[test]
    fn only_short_plain_ids_are_correlation_ids() {
        assert!(is_correlation_id("req-42:retry.1_a"));
        assert!(is_correlation_id(&"a".repeat(128)));
        assert!(!is_correlation_id(&"a".repeat(129)));
        assert!(!is_correlation_id("a b"));
        assert!(!is_correlation_id("x status=200"));
        assert!(!is_correlation_id("x\"y"));
        assert!(!is_correlation_id(""));
    }
}
