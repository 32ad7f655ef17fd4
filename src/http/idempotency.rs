//! `Idempotency-Key` on POST: the first request with a key runs and its answer is stored in the
//! database for 24 hours; a repeat with the same body gets the stored answer with
//! `Idempotent-Replayed: true`, another body gets 422, and a repeat while the first still runs
//! gets 409. Keys are scoped to the authenticated user (or to anonymous callers as a group).

use std::collections::BTreeMap;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::{ApiError, ErrorCode};
use crate::http::body::LARGE_BODY_BYTES;
use crate::http::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use crate::idempotency::{self as keys, Claim};
use crate::state::AppState;

const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// Where a request's key lives: its user's keys, or, for anonymous callers, who cannot be told
/// apart, keys that match only this very request (nobody can block or read another's key).
struct Slot {
    scope: String,
    key: String,
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::POST || !req.headers().contains_key(&IDEMPOTENCY_KEY) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let key = match req.headers().get(&IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()) {
        Some(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_owned(),
        _ => {
            let e = ApiError::invalid_parameter("`Idempotency-Key` must be 1–255 visible ASCII characters.");
            return Ok(req.into_response(e.error_response()));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.into_response(ApiError::internal("application state missing").error_response()));
    };
    let token = bearer(&req).map(str::to_owned);
    let (http_req, mut payload) = req.into_parts();
    let body = match read_body(&mut payload).await {
        Ok(body) => body,
        Err(e) => return refuse(http_req, e),
    };
    let request_hash = hash_request(&http_req, &body);
    let claims = token.and_then(|t| state.tokens.verify(&t).ok());
    let claimed = {
        let (key, request_hash) = (key.clone(), request_hash.clone());
        db::write(&state.pool, move |conn| {
            let user = match &claims {
                None => None,
                // The token's user is gone or disabled: no replay; the handler answers 401.
                Some(claims) => match crate::auth::identify(conn, claims)? {
                    Some(caller) => Some(caller.id),
                    None => return Ok(None),
                },
            };
            let scope = match user {
                Some(id) => format!("user:{id}"),
                None => format!("anonymous:{request_hash}"),
            };
            let claim = keys::claim(conn, &scope, &key, &request_hash)?;
            Ok(Some((
                Slot {
                    scope,
                    key: key.clone(),
                },
                claim,
            )))
        })
        .await
    };
    match claimed {
        Ok(Some((slot, Claim::Proceed))) => proceed(&state, slot, http_req, body, next).await,
        Ok(Some((_, Claim::Replay { status, body, headers }))) => Ok(replay(http_req, status, body, &headers)),
        Ok(Some((_, Claim::Mismatch))) => refuse(
            http_req,
            ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "This Idempotency-Key was used with another request body.",
            ),
        ),
        Ok(Some((_, Claim::InProgress))) => refuse(http_req, in_progress()),
        Err(e) if e.code == ErrorCode::AlreadyExists => refuse(http_req, in_progress()),
        Err(e) => refuse(http_req, e),
        Ok(None) => next
            .call(restore(http_req, body))
            .await
            .map(ServiceResponse::map_into_boxed_body),
    }
}

fn in_progress() -> ApiError {
    ApiError::new(
        ErrorCode::RequestInProgress,
        "A request with this Idempotency-Key is still running; retry shortly.",
    )
}

fn bearer(req: &ServiceRequest) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token)
}

async fn read_body(payload: &mut Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("cannot read the body"))?;
        if body.len() + chunk.len() > LARGE_BODY_BYTES {
            return Err(super::problem::problem_for_status(StatusCode::PAYLOAD_TOO_LARGE));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The request again, with the body that was read from it.
fn restore(req: HttpRequest, body: Vec<u8>) -> ServiceRequest {
    let (_, mut replay) = actix_http::h1::Payload::create(true);
    replay.unread_data(body.into());
    ServiceRequest::from_parts(req, Payload::from(replay))
}

fn replay(req: HttpRequest, status: u16, body: String, headers: &str) -> ServiceResponse<BoxBody> {
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    let stored: BTreeMap<String, String> = serde_json::from_str(headers).unwrap_or_default();
    for (name, value) in stored {
        response.insert_header((name, value));
    }
    response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
    ServiceResponse::new(req, response.body(body))
}

/// Runs the request that holds the key, then keeps its answer for repeats, or gives the key up.
async fn proceed(
    state: &AppState,
    slot: Slot,
    req: HttpRequest,
    body: Vec<u8>,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(restore(req, body)).await?;
    let (req, response) = response.into_parts();
    let status = response.status();
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let outcome = match kept(status, head.headers(), &bytes) {
        Some((text, headers)) => {
            let code = status.as_u16() as i32;
            db::write(&state.pool, move |conn| {
                keys::store(conn, &slot.scope, &slot.key, code, &text, &headers)
            })
            .await
        }
        None => db::write(&state.pool, move |conn| keys::release(conn, &slot.scope, &slot.key)).await,
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "cannot record the idempotent response");
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

/// The body and replayed headers of an answer worth keeping. Answers that carry secrets say
/// `no-store` and are never written down; neither are failures the client should simply retry.
fn kept(status: StatusCode, headers: &header::HeaderMap, body: &[u8]) -> Option<(String, String)> {
    let secret = headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let final_answer = (status.is_success() || status.is_client_error()) && !matches!(status.as_u16(), 401 | 408 | 429);
    if secret || !final_answer {
        return None;
    }
    let text = String::from_utf8(body.to_vec()).ok()?;
    let replayed: BTreeMap<String, String> = REPLAYED_HEADERS
        .iter()
        .filter_map(|h| {
            headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(|v| (h.to_string(), v.to_owned()))
        })
        .collect();
    Some((text, serde_json::to_string(&replayed).unwrap_or_default()))
}

fn refuse(req: HttpRequest, error: ApiError) -> Result<ServiceResponse<BoxBody>, Error> {
    Ok(ServiceResponse::new(req, error.error_response()))
}

fn hash_request(req: &HttpRequest, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update([0]);
    hasher.update(req.path());
    hasher.update([0]);
    hasher.update(req.query_string());
    hasher.update([0]);
    hasher.update(
        req.headers()
            .get(header::IF_MATCH)
            .map(|v| v.as_bytes())
            .unwrap_or_default(),
    );
    hasher.update([0]);
    hasher.update(body);
    hex::encode(hasher.finalize())
}
