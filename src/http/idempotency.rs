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
use actix_web::{Error, HttpResponse, ResponseError, web};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::db::schema::idempotency_keys as keys;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::body::LARGE_BODY_BYTES;
use crate::http::time;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const RETENTION_HOURS: i64 = 24;
/// A key still "running" after this long belongs to a request that died; it may be retried.
const ABANDONED_AFTER_SECONDS: i64 = 120;
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

#[derive(Debug)]
enum Claim {
    Proceed,
    /// The token's user is gone or disabled: no replay; the handler answers 401.
    Bypass,
    Replay {
        status: u16,
        body: String,
        headers: String,
    },
    Mismatch,
    InProgress,
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
    let user = token_subject(&req, &state);

    let (http_req, mut payload) = req.into_parts();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return refuse(http_req, ApiError::bad_request("cannot read the body"));
        };
        if body.len() + chunk.len() > LARGE_BODY_BYTES {
            return refuse(
                http_req,
                crate::http::context::problem_for_status(StatusCode::PAYLOAD_TOO_LARGE),
            );
        }
        body.extend_from_slice(&chunk);
    }
    let request_hash = hash_request(&http_req, &body);
    // Anonymous callers cannot be told apart, so their keys only match identical requests:
    // nobody can block or read another client's key.
    let scope = match &user {
        Some(id) => format!("user:{id}"),
        None => format!("anonymous:{request_hash}"),
    };

    let claim = {
        let (scope, key, request_hash) = (scope.clone(), key.clone(), request_hash.clone());
        db::write(&state.pool, move |conn| {
            if let Some(id) = &user
                && crate::users::repo::find_active(conn, id)?.is_none()
            {
                return Ok(Claim::Bypass);
            }
            claim(conn, &scope, &key, &request_hash)
        })
        .await
    };
    let claim = match claim {
        Ok(c) => c,
        Err(e) if e.code == "already_exists" => Claim::InProgress,
        Err(e) => return refuse(http_req, e),
    };
    match claim {
        Claim::Mismatch => refuse(
            http_req,
            ApiError::unprocessable(
                "idempotency_key_reused",
                "This Idempotency-Key was used with another request body.",
            ),
        ),
        Claim::InProgress => refuse(
            http_req,
            ApiError::conflict(
                "request_in_progress",
                "A request with this Idempotency-Key is still running; retry shortly.",
            ),
        ),
        Claim::Replay { status, body, headers } => {
            let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
            let stored: BTreeMap<String, String> = serde_json::from_str(&headers).unwrap_or_default();
            for (name, value) in stored {
                response.insert_header((name, value));
            }
            response.insert_header((IDEMPOTENT_REPLAYED, HeaderValue::from_static("true")));
            Ok(ServiceResponse::new(http_req, response.body(body)))
        }
        Claim::Bypass => {
            let (_, mut replay) = actix_http::h1::Payload::create(true);
            replay.unread_data(body.into());
            let req = ServiceRequest::from_parts(http_req, Payload::from(replay));
            next.call(req).await.map(ServiceResponse::map_into_boxed_body)
        }
        Claim::Proceed => {
            let (_, mut replay) = actix_http::h1::Payload::create(true);
            replay.unread_data(body.into());
            let req = ServiceRequest::from_parts(http_req, Payload::from(replay));
            let response = next.call(req).await?;
            let (http_req, response) = response.into_parts();
            let status = response.status();
            let (head, body) = response.into_parts();
            let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
            // Answers that carry secrets say `no-store` and are never written down; neither are
            // failures the client should simply retry.
            let secret = head
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("no-store"));
            let keep = (status.is_success() || status.is_client_error())
                && !matches!(status.as_u16(), 401 | 408 | 429)
                && !secret;
            let text = String::from_utf8(bytes.to_vec()).ok();
            let outcome = match (keep, text) {
                (true, Some(text)) => {
                    let headers: BTreeMap<String, String> = REPLAYED_HEADERS
                        .iter()
                        .filter_map(|h| {
                            head.headers()
                                .get(h)
                                .and_then(|v| v.to_str().ok())
                                .map(|v| (h.to_string(), v.to_owned()))
                        })
                        .collect();
                    let headers = serde_json::to_string(&headers).unwrap_or_default();
                    let code = status.as_u16() as i32;
                    db::write(&state.pool, move |conn| {
                        store(conn, &scope, &key, code, &text, &headers)
                    })
                    .await
                }
                _ => db::write(&state.pool, move |conn| release(conn, &scope, &key)).await,
            };
            if let Err(e) = outcome {
                tracing::warn!(error = %e, "cannot record the idempotent response");
            }
            Ok(ServiceResponse::new(http_req, head.set_body(BoxBody::new(bytes))))
        }
    }
}

fn refuse(req: actix_web::HttpRequest, error: ApiError) -> Result<ServiceResponse<BoxBody>, Error> {
    Ok(ServiceResponse::new(req, error.error_response()))
}

/// The user a valid bearer token names, if any.
fn token_subject(req: &ServiceRequest, state: &AppState) -> Option<String> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer_token)?;
    state.tokens.verify(token).ok().map(|claims| claims.sub.clone())
}

fn hash_request(req: &actix_web::HttpRequest, body: &[u8]) -> String {
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

type Row = (String, Option<i32>, Option<String>, Option<String>, NaiveDateTime);

fn claim(conn: &mut DbConn, scope: &str, key: &str, request_hash: &str) -> Result<Claim, ApiError> {
    let now = time::now();
    let existing: Option<Row> = keys::table
        .find((scope, key))
        .select((
            keys::request_hash,
            keys::status_code,
            keys::response_body,
            keys::response_headers,
            keys::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((stored_hash, status, body, headers, created_at)) = existing else {
        diesel::insert_into(keys::table)
            .values((
                keys::scope.eq(scope),
                keys::idempotency_key.eq(key),
                keys::request_hash.eq(request_hash),
                keys::created_at.eq(now),
            ))
            .execute(conn)?;
        return Ok(Claim::Proceed);
    };
    let expired = created_at < now - Duration::hours(RETENTION_HOURS);
    let abandoned = status.is_none() && created_at < now - Duration::seconds(ABANDONED_AFTER_SECONDS);
    if expired || (abandoned && stored_hash == request_hash) {
        diesel::update(keys::table.find((scope, key)))
            .set((
                keys::request_hash.eq(request_hash),
                keys::status_code.eq(None::<i32>),
                keys::response_body.eq(None::<String>),
                keys::response_headers.eq(None::<String>),
                keys::created_at.eq(now),
            ))
            .execute(conn)?;
        return Ok(Claim::Proceed);
    }
    if stored_hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    Ok(match (status, body) {
        (Some(status), Some(body)) => Claim::Replay {
            status: status as u16,
            body,
            headers: headers.unwrap_or_default(),
        },
        _ => Claim::InProgress,
    })
}

fn store(conn: &mut DbConn, scope: &str, key: &str, status: i32, body: &str, headers: &str) -> Result<(), ApiError> {
    diesel::update(keys::table.find((scope, key)))
        .set((
            keys::status_code.eq(status),
            keys::response_body.eq(body),
            keys::response_headers.eq(headers),
        ))
        .execute(conn)?;
    Ok(())
}

fn release(conn: &mut DbConn, scope: &str, key: &str) -> Result<(), ApiError> {
    diesel::delete(keys::table.find((scope, key))).execute(conn)?;
    Ok(())
}

/// Deletes keys past their retention; run at start and then periodically.
pub fn purge_expired(conn: &mut DbConn) -> Result<usize, ApiError> {
    let cutoff = time::now() - Duration::hours(RETENTION_HOURS);
    Ok(diesel::delete(keys::table.filter(keys::created_at.lt(cutoff))).execute(conn)?)
}
