use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::dto::{ChangePassword, Invitation, InviteUser, ListUsersQuery, UpdateUser, UserView};
use super::repo::Filter;
use super::service;
use crate::auth::limiter::{self, Client};
use crate::auth::{Caller, passwords};
use crate::db;
use crate::error::{ApiError, IssueCode};
use crate::http::body::Body;
use crate::http::conditional::{created, entity};
use crate::http::pagination::respond_page;
use crate::ids::UserId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "get_current_user",
    tag = "users",
    summary = "The caller",
    description = "The user the bearer token names, as re-read from the database on this request (role and status are current, not the token's). Answers 304 to `If-None-Match` with the current `ETag`.",
    responses(
        (status = 200, description = "The authenticated user", body = UserView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn get_current_user(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let user = db::read(&state.pool, move |conn| service::current(conn, &caller)).await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::from(user), version))
}

#[utoipa::path(
    operation_id = "change_password",
    tag = "users",
    summary = "Change one's own password",
    description = "Checks `current_password` (wrong: 422 pointing at it; after 5 failures within 15 minutes, 429), \
refuses a weak `new_password` (422 `weak_password`), and ends every session of the caller: every token issued \
before, this request's included, stops working; log in again with the new password.",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; log in again"),
        (status = 429, response = TooManyRequests),
    ),
    security(("bearer" = []))
)]
#[post("/me/password")]
pub async fn change_password(
    caller: Caller,
    client: Client,
    state: web::Data<AppState>,
    body: Body<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let me = caller.clone();
    let user = db::read(&state.pool, move |conn| service::current(conn, &me)).await?;
    let failures = limiter::failures(&user.email, &client);
    let blocked = failures.clone();
    db::read(&state.pool, move |conn| limiter::check(conn, &blocked)).await?;
    let verified = passwords::verify_blocking(input.current_password, user.password_hash.clone()).await?;
    if !verified {
        db::write(&state.pool, move |conn| limiter::record(conn, &failures)).await?;
        return Err(ApiError::invalid_field(
            "#/current_password",
            IssueCode::InvalidPassword,
            "is not the current password",
        ));
    }
    passwords::require_strong(
        &input.new_password,
        "#/new_password",
        &[&user.email, &user.display_name],
    )?;
    let password_hash = passwords::hash_blocking(input.new_password).await?;
    let version = user.version;
    db::write(&state.pool, move |conn| {
        service::change_password(conn, &caller, version, &password_hash)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    summary = "List users",
    description = "Partners see their organization's users; staff see every user and may filter by `organization_id`.",
    params(ListUsersQuery),
    responses(
        (status = 200, description = "One page of users, newest first", body = Page<UserView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_users(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListUsersQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id,
        role: query.role,
        status: query.status,
    };
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &filter, &fetch)).await?;
    respond_page(&page, rows, |u| u.id.as_str(), |u| Ok(UserView::from(u)), &req)
}

#[utoipa::path(
    operation_id = "invite_user",
    tag = "users",
    summary = "Invite a user",
    description = "Owners and managers invite users to their organization. Managers cannot invite owners. \
The answer carries a one-time `invitation_token` for `POST /v1/auth/accept-invitation`.",
    request_body = InviteUser,
    responses(
        (status = 201, description = "The invited user and the invitation token", body = Invitation,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("")]
pub async fn invite_user(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<InviteUser>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let (user, token) = db::write(&state.pool, move |conn| service::invite(conn, &caller, &input)).await?;
    let expires = user.invitation_expires_at.unwrap_or(user.created_at);
    let version = user.version;
    let location = format!("/v1/users/{}", user.id);
    let invitation = Invitation {
        user: UserView::from(user),
        invitation_token: token,
        invitation_expires_at: expires.into(),
    };
    let mut response = created(location, &invitation, version);
    // The one-time token is shown once: no cache, and no idempotent replay, keeps it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    summary = "Get a user",
    description = "One user of the caller's organization; another organization's is 404. Never shows a password or an invitation token.",
    params(("id" = uuid::Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = db::read(&state.pool, move |conn| service::visible(conn, &caller, &id)).await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::from(user), version))
}

#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    summary = "Change a user's name, role or status",
    description = "Owners and managers change roles and statuses (managers cannot touch owners or grant owner). \
An organization always keeps one active owner (409 `last_owner`). Honours `If-Match`.",
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being changed"),
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The updated user", body = UserView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
pub async fn update_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    expected: Precondition,
    body: Body<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let user = db::write(&state.pool, move |conn| {
        service::update(conn, &caller, &id, &expected, &input)
    })
    .await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::from(user), version))
}

#[utoipa::path(
    operation_id = "delete_user",
    tag = "users",
    summary = "Remove a user",
    description = "The user loses access at once. Owners and managers only; managers cannot remove owners; the last active owner cannot be removed.",
    params(
        ("id" = uuid::Uuid, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being removed"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}")]
pub async fn delete_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<UserId>,
    expected: Precondition,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::write(&state.pool, move |conn| service::remove(conn, &caller, &id, &expected)).await?;
    Ok(HttpResponse::NoContent().finish())
}
