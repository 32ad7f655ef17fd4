use actix_web::http::StatusCode;
use actix_web::{HttpResponse, post, web};

use super::dto::{AcceptInvitation, Account, CreateAccount, TokenRequest, TokenResponse};
use super::service;
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
use crate::users::model::UserStatus;
use crate::users::{repo as users, service as user_service};

#[utoipa::path(
    operation_id = "create_account",
    tag = "accounts",
    summary = "Enrol a partner organization",
    description = "Creates the organization and its first owner, who can then get a token. No authentication. \
An e-mail that already has an account, partner or staff, is 409. Each client address may enrol (or accept \
invitations) 20 times per hour by default (`COSELL_LIMIT_ENROLMENTS_PER_HOUR`), refused attempts included; then 429.",
    request_body(content = CreateAccount, example = json!({
        "organization": {"name": "Contoso Ltd", "mpn_id": "4012345", "country": "US"},
        "owner": {"email": "ada@contoso.example", "display_name": "Ada Lovelace", "password": "correct horse battery staple"}
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
    let access_token = state
        .tokens
        .issue(user.id, user.organization_id, user.role, user.tokens_valid_after)?;
    let id = user.id;
    db::write(&state.pool, move |conn| {
        limiter::clear(conn, &failures[0])?;
        users::record_login(conn, &id)
    })
    .await?;
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
