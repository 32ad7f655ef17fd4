//! The idempotency keys table: what a POST with an `Idempotency-Key` claimed, and the answer
//! stored for its repeats.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::idempotency_keys as keys;
use crate::error::ApiError;
use crate::time;

/// How long an answer is kept for repeats.
pub const RETENTION_HOURS: i64 = 24;
/// A key still "running" after this long belongs to a request that died; it may be retried.
const ABANDONED_AFTER_SECONDS: i64 = 120;

/// What a request with a key is to do.
#[derive(Debug)]
pub enum Claim {
    /// Run: the key is now this request's.
    Proceed,
    /// Answer again what the first request answered.
    Replay { status: u16, body: String, headers: String },
    /// The key was used with another request.
    Mismatch,
    /// The first request with the key is still running.
    InProgress,
}

type Row = (
    String,
    Option<i32>,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
);

/// Claims `key` for the request hashed as `request_hash`, within `scope` (a user, or anonymous
/// callers of that very request).
pub fn claim(conn: &mut DbConn, scope: &str, key: &str, request_hash: &str) -> Result<Claim, ApiError> {
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
        // A key another process inserted first fails as `already_exists`: its request runs.
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

/// Keeps the answer of the request that holds `key`.
pub fn store(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    status: i32,
    body: &str,
    headers: &str,
) -> Result<(), ApiError> {
    diesel::update(keys::table.find((scope, key)))
        .set((
            keys::status_code.eq(status),
            keys::response_body.eq(body),
            keys::response_headers.eq(headers),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives `key` up: its answer is not kept, and a repeat runs again.
pub fn release(conn: &mut DbConn, scope: &str, key: &str) -> Result<(), ApiError> {
    diesel::delete(keys::table.find((scope, key))).execute(conn)?;
    Ok(())
}

/// Deletes keys past their retention (run at start and then every hour).
pub fn purge_expired(conn: &mut DbConn) -> Result<usize, ApiError> {
    let cutoff = time::now() - Duration::hours(RETENTION_HOURS);
    Ok(diesel::delete(keys::table.filter(keys::created_at.lt(cutoff))).execute(conn)?)
}
