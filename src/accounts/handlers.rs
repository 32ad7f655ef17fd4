use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};

use super::dto::{
    AcceptInvitation, Account, CreateAccount, LogoutRequest, RefreshRequest, TokenRequest, TokenResponse,
};
use super::service;
use super::sessions::{self, Refreshed};
use crate::auth::crypto::sha256_hex;
use crate::auth::limiter::{self, Client};
use crate::auth::passwords;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{created, entity};
use crate::openapi::responses::*;
use crate::organizations::dto::OrganizationView;
use crate::state::AppState;
use crate::users::dto::UserView;
use crate::users::model::{User, UserStatus};
use crate::users::{repo as users, service as user_service};

#[utoipa::path(
    operation_id = "create_account",
    tag = "accounts",
    summary = "Enrol a partner organization",
    description = "Creates the organization and its first owner, who can then get a token. No authentication. \
An e-mail that already has an account, partner or staff, is 409. Each client address may enrol (or accept \
invitations) 20 times per hour by default (`COSELL_LIMIT_ENROLMENTS_PER_HOUR`), refused attempts included; then 429.",
    request_body(content = CreateAccount, example = json!({
        "organization": {"name": "Fabrikam Inc", "mpn_id": "4054321", "country": "US"},
        "owner": {"email": "ben@fabrikam.example", "display_name": "Ben Miller", "password": "a stapler of eleven horses"}
    })),
    responses(
        (status = 201, description = "The organization and its owner", body = Account, headers(("Location" = String))),
        (status = 409, response = Conflict),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
#[post("/accounts")]
pub async fn create_account(
    state: web::Data<AppState>,
    client: Client,
    body: Body<CreateAccount>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    // Spent before anything is checked: a refusal (an e-mail already known) costs as much.
    let budget = state.limits.enrolments(&client);
    db::write(&state.pool, move |conn| limiter::spend(conn, &budget)).await?;
    let owner = &input.owner;
    passwords::require_strong(
        &owner.password,
        "#/owner/password",
        &[&owner.email, &owner.display_name],
    )?;
    let password_hash = passwords::hash_blocking(owner.password.clone()).await?;
    let (organization, user) = db::write(&state.pool, move |conn| service::enrol(conn, &input, &password_hash)).await?;
    let account = Account {
        organization: OrganizationView::from(organization),
        user: UserView::from(user),
    };
    let version = account.organization.version;
    Ok(created("/v1/organization".to_owned(), &account, version))
}

#[utoipa::path(
    operation_id = "create_token",
    tag = "accounts",
    summary = "Get an access token",
    description = "Exchanges an e-mail and password for a bearer token. Wrong credentials get 401 without saying \
which part was wrong. After 5 failures for one e-mail from one client address within 15 minutes, that address's \
attempts for the e-mail get 429 with `Retry-After` (the right password from elsewhere still works); after 50 from \
all addresses, every attempt for the e-mail does. Each client address has 60 attempts per minute by default \
(`COSELL_LIMIT_LOGINS_PER_MINUTE`).",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, response = Unauthenticated),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    client: Client,
    body: Body<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let email = crate::validate::normalize_email(&input.email);
    let failures = limiter::failures(&email, &client);
    let (attempts, blocked) = (state.limits.logins(&client), failures.clone());
    db::write(&state.pool, move |conn| {
        limiter::spend(conn, &attempts)?;
        limiter::check(conn, &blocked)
    })
    .await?;
    let lookup = email.clone();
    let user = db::read(&state.pool, move |conn| user_service::find_for_login(conn, &lookup)).await?;
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = passwords::verify_blocking(input.password, stored_hash).await?;
    let user = match user {
        Some(u) if verified && u.status == UserStatus::Active => u,
        _ => {
            db::write(&state.pool, move |conn| limiter::record(conn, &failures)).await?;
            return Err(ApiError::unauthenticated("Wrong e-mail or password."));
        }
    };
    let session_user = user.clone();
    let refresh_token = db::write(&state.pool, move |conn| {
        limiter::clear(conn, &failures[0])?;
        users::record_login(conn, &session_user.id)?;
        sessions::start(conn, &session_user)
    })
    .await?;
    tokens(&state, &user, refresh_token)
}

/// The answer of a login or refresh: an access token for `user` and the refresh token.
fn tokens(state: &AppState, user: &User, refresh_token: String) -> Result<HttpResponse, ApiError> {
    let access_token = state
        .tokens
        .issue(user.id, user.organization_id, user.role, user.tokens_valid_after)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl_seconds,
            refresh_token,
            refresh_expires_in: sessions::REFRESH_TTL_SECONDS,
        }))
}

#[utoipa::path(
    operation_id = "refresh_token",
    tag = "accounts",
    summary = "Get a new access token",
    description = "Exchanges a refresh token for a new access token and the next refresh token; the one sent \
is used up. A refresh token that is unknown, expired or revoked, or whose user was disabled or changed password \
since, is 401. One that was already used is 401 as well and ends its session: every refresh token descended from \
the same login is revoked, because one of its copies is in other hands. Counted on the client address's login \
budget.",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = TokenResponse),
        (status = 401, response = Unauthenticated),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    client: Client,
    body: Body<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let attempts = state.limits.logins(&client);
    let refreshed = db::write(&state.pool, move |conn| {
        limiter::spend(conn, &attempts)?;
        sessions::rotate(conn, &input.refresh_token)
    })
    .await?;
    match refreshed {
        Refreshed::Rotated { user, refresh_token } => tokens(&state, &user, refresh_token),
        Refreshed::Refused => Err(ApiError::unauthenticated(
            "The refresh token is unknown, expired or revoked; log in again.",
        )),
        Refreshed::Reused => {
            tracing::warn!("a used refresh token was presented again: its session is revoked");
            Err(ApiError::unauthenticated(
                "The refresh token was already used; its session is revoked. Log in again.",
            ))
        }
    }
}

#[utoipa::path(
    operation_id = "logout",
    tag = "accounts",
    summary = "End a session",
    description = "Revokes the refresh token and every token of its session; with `everywhere`, every session \
of its user, and the access tokens issued until now stop working too. Access tokens of the session otherwise \
expire on their own (`expires_in`). A token that is unknown or already void is no error: 204 all the same.",
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "The session is over"),
    ),
    security(())
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: Body<LogoutRequest>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    db::write(&state.pool, move |conn| {
        sessions::logout(conn, &input.refresh_token, input.everywhere)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "accept_invitation",
    tag = "accounts",
    summary = "Accept an invitation",
    description = "Sets the invited user's password with the one-time token from `POST /v1/users`; the user becomes active. \
Counted on the client address's enrolment budget (429 when spent).",
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "The now active user", body = UserView, headers(("ETag" = String))),
        (status = 429, response = TooManyRequests),
    ),
    security(())
)]
#[post("/auth/accept-invitation")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    client: Client,
    body: Body<AcceptInvitation>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let budget = state.limits.enrolments(&client);
    db::write(&state.pool, move |conn| limiter::spend(conn, &budget)).await?;
    let token_hash = sha256_hex(&input.token);
    // The invitee's own e-mail and name do not make a password.
    let lookup = token_hash.clone();
    let invitee = db::read(&state.pool, move |conn| user_service::invitee(conn, &lookup)).await?;
    passwords::require_strong(&input.password, "#/password", &[&invitee.email, &invitee.display_name])?;
    let password_hash = passwords::hash_blocking(input.password).await?;
    let user = db::write(&state.pool, move |conn| {
        user_service::accept_invitation(conn, &token_hash, &password_hash)
    })
    .await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::from(user), version))
}
