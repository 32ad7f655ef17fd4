//! Sessions: the refresh tokens of each login. A login starts a family; a refresh uses its token
//! up and adds the next one to the family; a used token presented again means that it was
//! copied, so the whole family is revoked. A token older than its user's `tokens_valid_after`
//! (a password change, a disabling, a logout everywhere) is void. Tokens are stored only as
//! hashes.

use diesel::prelude::*;

use crate::auth::crypto::{random_token, sha256_hex};
use crate::db::DbConn;
use crate::db::schema::refresh_tokens as tokens;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::users::model::User;
use crate::users::repo as user_repo;

/// How long a refresh token may be used, from its issue.
pub const REFRESH_TTL_SECONDS: i64 = 30 * 24 * 60 * 60;
/// Refresh tokens start with it, so that they are told from access tokens at a glance (and by
/// secret scanners).
const PREFIX: &str = "csrt_";

fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

#[derive(Queryable)]
struct Stored {
    id: String,
    user_id: String,
    family_id: String,
    issued_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// The first refresh token of a new login of `user`.
pub fn start(conn: &mut DbConn, user: &User) -> Result<String, ApiError> {
    issue(
        conn,
        &user.id,
        &uuid::Uuid::now_v7().to_string(),
        user.tokens_valid_after,
    )
}

/// A new login of `user` whose first refresh token is `token`, a token made public on purpose:
/// the demo data set's, so that the document's refresh example works on it.
pub fn start_with_known_token(conn: &mut DbConn, user: &User, token: &str) -> Result<(), ApiError> {
    let family = uuid::Uuid::now_v7().to_string();
    store(conn, &user.id, &family, user.tokens_valid_after, token.to_owned()).map(drop)
}

/// A token of `family` for `user_id`, issued no earlier than `valid_after` (as access tokens
/// are, so that one minted in the second of a password change counts as after it).
fn issue(conn: &mut DbConn, user_id: &UserId, family: &str, valid_after: Option<i64>) -> Result<String, ApiError> {
    store(
        conn,
        user_id,
        family,
        valid_after,
        format!("{PREFIX}{}", random_token()),
    )
}

fn store(
    conn: &mut DbConn,
    user_id: &UserId,
    family: &str,
    valid_after: Option<i64>,
    token: String,
) -> Result<String, ApiError> {
    let issued_at = now_seconds().max(valid_after.unwrap_or(i64::MIN));
    diesel::insert_into(tokens::table)
        .values((
            tokens::id.eq(uuid::Uuid::now_v7().to_string()),
            tokens::token_hash.eq(sha256_hex(&token)),
            tokens::user_id.eq(user_id.as_str()),
            tokens::family_id.eq(family),
            tokens::issued_at.eq(issued_at),
            tokens::expires_at.eq(issued_at + REFRESH_TTL_SECONDS),
        ))
        .execute(conn)?;
    Ok(token)
}

fn find(conn: &mut DbConn, token: &str) -> Result<Option<Stored>, ApiError> {
    Ok(tokens::table
        .filter(tokens::token_hash.eq(sha256_hex(token)))
        .select((
            tokens::id,
            tokens::user_id,
            tokens::family_id,
            tokens::issued_at,
            tokens::expires_at,
            tokens::used_at,
            tokens::revoked_at,
        ))
        .first(conn)
        .optional()?)
}

/// What presenting a refresh token came to.
pub enum Refreshed {
    /// Used up; here is the next one, for the user as it is now.
    Rotated { user: Box<User>, refresh_token: String },
    /// Unknown, expired, revoked, or its user can no longer log in.
    Refused,
    /// It had been used before: its family is revoked now.
    Reused,
}

/// Uses `token` up and issues the next of its family. Commit the answer whatever it is: a
/// [`Refreshed::Reused`] has revoked the family.
pub fn rotate(conn: &mut DbConn, token: &str) -> Result<Refreshed, ApiError> {
    let now = now_seconds();
    let Some(stored) = find(conn, token)? else {
        return Ok(Refreshed::Refused);
    };
    if stored.revoked_at.is_some() || stored.expires_at <= now {
        return Ok(Refreshed::Refused);
    }
    if stored.used_at.is_some() {
        revoke_family(conn, &stored.family_id, now)?;
        return Ok(Refreshed::Reused);
    }
    let Ok(user_id) = stored.user_id.parse::<UserId>() else {
        return Ok(Refreshed::Refused);
    };
    let user = user_repo::find_active(conn, &user_id)?
        .filter(|u| u.tokens_valid_after.is_none_or(|after| stored.issued_at >= after));
    let Some(user) = user else {
        return Ok(Refreshed::Refused);
    };
    // Of two refreshes with one token, the second finds it used (after the first commits, on
    // PostgreSQL): that is reuse too.
    let used = diesel::update(tokens::table.find(&stored.id).filter(tokens::used_at.is_null()))
        .set(tokens::used_at.eq(now))
        .execute(conn)?;
    if used == 0 {
        revoke_family(conn, &stored.family_id, now)?;
        return Ok(Refreshed::Reused);
    }
    let refresh_token = issue(conn, &user.id, &stored.family_id, user.tokens_valid_after)?;
    Ok(Refreshed::Rotated {
        user: Box::new(user),
        refresh_token,
    })
}

fn revoke_family(conn: &mut DbConn, family: &str, now: i64) -> Result<(), ApiError> {
    diesel::update(
        tokens::table
            .filter(tokens::family_id.eq(family))
            .filter(tokens::revoked_at.is_null()),
    )
    .set(tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Ends the session of `token` (its family); with `everywhere`, every session of its user, the
/// access tokens issued until now included. An unknown or void token changes nothing (and is no
/// error: the session it names is over either way).
pub fn logout(conn: &mut DbConn, token: &str, everywhere: bool) -> Result<(), ApiError> {
    let now = now_seconds();
    let Some(stored) = find(conn, token)? else {
        return Ok(());
    };
    if stored.revoked_at.is_some() || stored.expires_at <= now {
        return Ok(());
    }
    revoke_family(conn, &stored.family_id, now)?;
    if everywhere
        && stored.used_at.is_none()
        && let Ok(user_id) = stored.user_id.parse::<UserId>()
    {
        // As a password change does: void from the next second on, so that a login right after
        // this counts.
        user_repo::void_tokens_before(conn, &user_id, now + 1)?;
        diesel::update(
            tokens::table
                .filter(tokens::user_id.eq(&stored.user_id))
                .filter(tokens::revoked_at.is_null()),
        )
        .set(tokens::revoked_at.eq(now))
        .execute(conn)?;
    }
    Ok(())
}

/// Deletes the refresh tokens that have expired; how many.
pub fn purge_expired(conn: &mut DbConn) -> Result<usize, ApiError> {
    Ok(diesel::delete(tokens::table.filter(tokens::expires_at.le(now_seconds()))).execute(conn)?)
}
