use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use super::dto::{AcceptInvitation, Account, CreateAccount, TokenRequest, TokenResponse};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::passwords;
use crate::auth::roles::Role;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{created, entity};
use crate::http::time;
use crate::openapi::responses::*;
use crate::organizations::dto::OrganizationView;
use crate::organizations::model::Organization;
use crate::organizations::repo as organizations;
use crate::users::dto::UserView;
use crate::users::handlers::sha256_hex;
use crate::users::model::{NewUser, UserChanges, UserStatus};
use crate::users::repo as users;

#[utoipa::path(
    operation_id = "create_account",
    tag = "accounts",
    summary = "Enrol a partner organization",
    description = "Creates the organization and its first owner, who can then get a token. No authentication.",
    request_body(content = CreateAccount, example = json!({
        "organization": {"name": "Contoso Ltd", "mpn_id": "4012345", "country": "US"},
        "owner": {"email": "ada@contoso.example", "display_name": "Ada Lovelace", "password": "correct horse battery staple"}
    })),
    responses(
        (status = 201, description = "The organization and its owner", body = Account, headers(("Location" = String))),
        (status = 409, response = Conflict),
    ),
    security(())
)]
#[post("/accounts")]
pub async fn create_account(state: web::Data<AppState>, body: Body<CreateAccount>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let password_hash = passwords::hash_blocking(input.owner.password.clone()).await?;
    let (organization, user) = db::write(&state.pool, move |conn| {
        let now = time::now();
        let organization = Organization {
            id: Uuid::now_v7().to_string(),
            name: input.organization.name.trim().to_owned(),
            mpn_id: input.organization.mpn_id,
            country: input.organization.country,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        organizations::insert(conn, &organization)?;
        let user_id = Uuid::now_v7().to_string();
        let email = crate::validate::normalize_email(&input.owner.email);
        users::insert(
            conn,
            &NewUser {
                id: &user_id,
                organization_id: Some(&organization.id),
                email: &email,
                display_name: input.owner.display_name.trim(),
                role: Role::Owner.as_str(),
                status: UserStatus::Active.as_str(),
                password_hash: Some(&password_hash),
                invitation_token_hash: None,
                invitation_expires_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        let actor = Actor {
            id: user_id.clone(),
            role: Role::Owner,
        };
        let org = Some(organization.id.as_str());
        audit::record(
            conn,
            Some(&actor),
            Event::new("organization.created", "organization", &organization.id, org),
        )?;
        audit::record(
            conn,
            Some(&actor),
            Event::new("user.created", "user", &user_id, org).transition(None, Some(UserStatus::Active.as_str())),
        )?;
        let user = users::find(conn, &user_id)?.ok_or_else(|| ApiError::internal("enrolled user vanished"))?;
        Ok((organization, user))
    })
    .await?;
    let account = Account {
        organization: OrganizationView::from(organization),
        user: UserView::try_from(user)?,
    };
    let version = account.organization.version;
    Ok(created("/v1/organization".to_owned(), &account, version))
}

#[utoipa::path(
    operation_id = "create_token",
    tag = "accounts",
    summary = "Get an access token",
    description = "Exchanges an e-mail and password for a bearer token. Wrong credentials get 401 without saying \
which part was wrong; after 5 failures for one e-mail within 15 minutes, attempts get 429 with `Retry-After`.",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, response = Unauthenticated),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn create_token(state: web::Data<AppState>, body: Body<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let email = crate::validate::normalize_email(&input.email);
    state.login_limiter.check(&email).map_err(ApiError::rate_limited)?;
    let lookup = email.clone();
    let user = db::read(&state.pool, move |conn| users::find_by_email(conn, &lookup)).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = passwords::verify_blocking(input.password, stored_hash).await?;
    let user = match user {
        Some(u) if verified && u.status == UserStatus::Active.as_str() => u,
        _ => {
            state.login_limiter.failed(&email);
            return Err(ApiError::unauthenticated("Wrong e-mail or password."));
        }
    };
    state.login_limiter.succeeded(&email);
    let role: Role = crate::enums::parse_stored(&user.role)?;
    let user_id = Uuid::parse_str(&user.id).map_err(|e| ApiError::internal(e.to_string()))?;
    let organization_id = user
        .organization_id
        .as_deref()
        .map(Uuid::parse_str)
        .transpose()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let access_token = state.tokens.issue(user_id, organization_id, role)?;
    let id = user.id.clone();
    db::write(&state.pool, move |conn| users::record_login(conn, &id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl_seconds,
        }))
}

#[utoipa::path(
    operation_id = "accept_invitation",
    tag = "accounts",
    summary = "Accept an invitation",
    description = "Sets the invited user's password with the one-time token from `POST /v1/users`; the user becomes active.",
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "The now active user", body = UserView, headers(("ETag" = String))),
    ),
    security(())
)]
#[post("/auth/accept-invitation")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    body: Body<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let token_hash = sha256_hex(&input.token);
    let password_hash = passwords::hash_blocking(input.password).await?;
    let user = db::write(&state.pool, move |conn| {
        let invalid = || {
            ApiError::invalid_field(
                "#/token",
                "invalid_invitation",
                "the invitation is unknown, used or expired",
            )
        };
        let user = users::find_by_invitation(conn, &token_hash)?.ok_or_else(invalid)?;
        let expired = user.invitation_expires_at.is_none_or(|at| at < time::now());
        if expired || user.status != UserStatus::Invited.as_str() {
            return Err(invalid());
        }
        let changes = UserChanges {
            status: Some(UserStatus::Active.as_str().to_owned()),
            password_hash: Some(Some(password_hash)),
            invitation_token_hash: Some(None),
            invitation_expires_at: Some(None),
            ..Default::default()
        };
        if !users::update(conn, &user.id, user.version, &changes)? {
            return Err(invalid());
        }
        let role: Role = crate::enums::parse_stored(&user.role)?;
        audit::record(
            conn,
            Some(&Actor {
                id: user.id.clone(),
                role,
            }),
            Event::new("user.activated", "user", &user.id, user.organization_id.as_deref())
                .transition(Some(UserStatus::Invited.as_str()), Some(UserStatus::Active.as_str())),
        )?;
        users::find(conn, &user.id)?.ok_or_else(ApiError::not_found)
    })
    .await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::try_from(user)?, version))
}
