//! Who is calling: the bearer token is verified, then the user is re-read from the database on
//! every request, so a removed, disabled or demoted user loses access at once.

pub mod limiter;
pub mod passwords;
pub mod roles;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use uuid::Uuid;

use crate::app::AppState;
use crate::db;
use crate::error::ApiError;
use crate::users::repo as users;
use roles::{Capability, Role};

/// An authenticated, active user as the database knows it now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub role: Role,
}

impl Caller {
    /// 403 unless the caller's role has `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if capability.allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether objects of `organization_id` are visible to this caller.
    pub fn sees(&self, organization_id: &str) -> bool {
        self.role.is_staff()
            || self
                .organization_id
                .is_some_and(|own| own.to_string() == organization_id)
    }

    /// `found` if the caller may see it; 404 otherwise, exactly as for an id that does not exist.
    pub fn visible<T>(&self, found: Option<T>, organization_of: impl Fn(&T) -> &str) -> Result<T, ApiError> {
        found
            .filter(|object| self.sees(organization_of(object)))
            .ok_or_else(ApiError::not_found)
    }

    /// The organization a partner is confined to; `None` for staff, who see all.
    pub fn organization_scope(&self) -> Option<String> {
        if self.role.is_staff() {
            None
        } else {
            self.organization_id.map(|o| o.to_string())
        }
    }

    /// The partner's own organization, or 404 for staff (who belong to none).
    pub fn own_organization(&self) -> Result<Uuid, ApiError> {
        self.organization_id.filter(|_| self.role.is_partner()).ok_or_else(|| {
            ApiError::new(
                actix_web::http::StatusCode::NOT_FOUND,
                "not_found",
                "Staff users belong to no organization.",
            )
        })
    }
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| ApiError::unauthenticated("Send `Authorization: Bearer <token>`."))?;
            let claims = state.tokens.verify(&token)?;
            let user_id = Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
            let identity = db::read(&state.pool, move |conn| {
                users::find_active_identity(conn, &user_id.to_string())
            })
            .await?;
            let (organization_id, role) = identity.ok_or_else(invalid_token)?;
            // A token minted for another organization (the user was moved) is not honoured.
            if claims.org != organization_id {
                return Err(invalid_token());
            }
            Ok(Caller {
                id: user_id,
                organization_id: organization_id
                    .as_deref()
                    .map(Uuid::parse_str)
                    .transpose()
                    .map_err(|_| invalid_token())?,
                role: crate::enums::parse_stored(&role)?,
            })
        })
    }
}

fn invalid_token() -> ApiError {
    ApiError::unauthenticated("The access token is missing, expired or invalid.")
}
