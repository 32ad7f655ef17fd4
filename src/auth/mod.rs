//! Who is calling: the bearer token is verified, then the user is re-read from the database on
//! every request, so a removed, disabled or demoted user loses access at once.

pub mod caller;
pub mod crypto;
pub mod limiter;
pub mod passwords;
pub mod roles;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

pub use caller::{Actor, Caller};

use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::state::AppState;
use crate::users::repo as users;

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The caller a verified token's claims name, if that user is active in the organization the
/// token was minted for.
pub fn identify(conn: &mut DbConn, claims: &tokens::Claims) -> Result<Option<Caller>, ApiError> {
    let Ok(id) = claims.sub.parse::<UserId>() else {
        return Ok(None);
    };
    Ok(users::find_active_identity(conn, &id)?.and_then(|identity| honoured(claims, id, identity)))
}

/// The caller of `claims`, with what `read` reads in the same statement as the caller's row
/// (`read` gets the user's id and answers with the active user's identity, if any, beside its
/// own result): one round trip where a handler would otherwise make two. 401 when the token's
/// user is not honoured, before anything `read` found is looked at.
pub fn identify_with<T>(
    conn: &mut DbConn,
    claimed: &Claimed,
    read: impl FnOnce(&mut DbConn, &UserId) -> Result<Option<(users::Identity, T)>, ApiError>,
) -> Result<(Caller, T), ApiError> {
    let id = claimed.user()?;
    let found = read(conn, &id)?;
    honour(claimed, id, found)
}

/// The caller of `claimed`, from what a read of the active user `id` (and beside it, in the
/// same statement, whatever the handler serves) found: [`identify_with`] for a read made
/// elsewhere. 401 when the token's user is not honoured.
pub fn honour<T>(claimed: &Claimed, id: UserId, found: Option<(users::Identity, T)>) -> Result<(Caller, T), ApiError> {
    let (identity, found) = found.ok_or_else(invalid_token)?;
    Ok((honoured(&claimed.0, id, identity).ok_or_else(invalid_token)?, found))
}

/// The caller, if the active user `id` with `identity` honours the token's `claims`.
fn honoured(claims: &tokens::Claims, id: UserId, identity: users::Identity) -> Option<Caller> {
    let (organization_id, role, valid_after) = identity;
    // Issued before the user was last disabled: void, even now that it is active again.
    if valid_after.is_some_and(|after| claims.iat < after) {
        return None;
    }
    // A token minted for another organization (the user was moved) is not honoured.
    if claims.org.as_deref() != organization_id.as_ref().map(|o| o.as_str()) {
        return None;
    }
    Some(Caller {
        id,
        organization_id,
        role,
    })
}

/// A bearer token verified, its user not read yet: for a handler that reads the caller in the
/// same statement as what it serves ([`identify_with`]), which it must do before anything else.
pub struct Claimed(std::sync::Arc<tokens::Claims>);

impl Claimed {
    /// The user the token names (401 for a subject that names none).
    pub fn user(&self) -> Result<UserId, ApiError> {
        self.0.sub.parse::<UserId>().map_err(|_| invalid_token())
    }

    /// The caller, read now on `conn` (401 when the token's user is not honoured): for a write
    /// that reads its caller in its own transaction instead of a read of its own before it.
    pub fn caller(&self, conn: &mut DbConn) -> Result<Caller, ApiError> {
        identify(conn, &self.0)?.ok_or_else(invalid_token)
    }
}

/// The verified claims of the request's one bearer token.
fn verified_claims(req: &HttpRequest) -> Result<(web::Data<AppState>, std::sync::Arc<tokens::Claims>), ApiError> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let first = values.next();
    // Two credentials: which one a proxy or a framework would honour is not ours to guess.
    if values.next().is_some() {
        return Err(ApiError::bad_request("Send one `Authorization` header, not several."));
    }
    let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
    let token = first
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| ApiError::unauthenticated("Send `Authorization: Bearer <token>`."))?;
    let claims = state.tokens.verify(token)?;
    Ok((state, claims))
}

impl FromRequest for Claimed {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(verified_claims(req).map(|(_, claims)| Self(claims)))
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = verified_claims(req);
        Box::pin(async move {
            let (state, claims) = verified?;
            // PostgreSQL: the caller's row on the worker's own connection.
            if let Some(url) = state.pool.postgres_url()
                && let Ok(id) = claims.sub.parse::<UserId>()
                && let Some(identity) =
                    crate::db::pg_async::read(url, async |conn| users::find_active_identity_async(conn, &id).await)
                        .await
            {
                return identity
                    .and_then(|identity| honoured(&claims, id, identity))
                    .ok_or_else(invalid_token);
            }
            let caller = crate::db::read(&state.pool, move |conn| identify(conn, &claims)).await?;
            caller.ok_or_else(invalid_token)
        })
    }
}

fn invalid_token() -> ApiError {
    ApiError::unauthenticated("The access token is missing, expired or invalid.")
}
