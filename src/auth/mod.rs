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
    let Some((organization_id, role, valid_after)) = users::find_active_identity(conn, &id)? else {
        return Ok(None);
    };
    // Issued before the user was last disabled: void, even now that it is active again.
    if valid_after.is_some_and(|after| claims.iat < after) {
        return Ok(None);
    }
    // A token minted for another organization (the user was moved) is not honoured.
    if claims.org.as_deref() != organization_id.as_ref().map(|o| o.as_str()) {
        return Ok(None);
    }
    Ok(Some(Caller {
        id,
        organization_id,
        role,
    }))
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let mut values = req.headers().get_all(header::AUTHORIZATION);
        let first = values.next();
        // Two credentials: which one a proxy or a framework would honour is not ours to guess.
        let repeated = values.next().is_some();
        let token = first
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_owned);
        Box::pin(async move {
            if repeated {
                return Err(ApiError::bad_request("Send one `Authorization` header, not several."));
            }
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| ApiError::unauthenticated("Send `Authorization: Bearer <token>`."))?;
            let claims = state.tokens.verify(&token)?;
            let caller = crate::db::read(&state.pool, move |conn| identify(conn, &claims)).await?;
            caller.ok_or_else(invalid_token)
        })
    }
}

fn invalid_token() -> ApiError {
    ApiError::unauthenticated("The access token is missing, expired or invalid.")
}
