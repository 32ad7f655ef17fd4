use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::Duration;
use uuid::Uuid;

use super::dto::{Invitation, InviteUser, ListUsersQuery, UpdateUser, UserView};
use super::model::{NewUser, User, UserChanges, UserStatus};
use super::repo::{self, Filter};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::{Capability, Role};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{IfMatch, created, entity, retry_on_stale};
use crate::http::pagination::{Page, PageRequest};
use crate::http::time;
use crate::openapi::responses::*;

/// How long an invitation can be accepted.
const INVITATION_DAYS: i64 = 7;

#[utoipa::path(
    operation_id = "get_current_user",
    tag = "users",
    summary = "The caller",
    responses(
        (status = 200, description = "The authenticated user", body = UserView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn get_current_user(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let id = caller.id.to_string();
    let user = db::read(&state.pool, move |conn| repo::find(conn, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::try_from(user)?, version))
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
        organization_id: query.organization_id.map(|o| o.to_string()),
        role: query.role.map(|r| r.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
    };
    let scope = caller.organization_scope();
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        repo::list(conn, scope.as_deref(), &filter, &fetch)
    })
    .await?;
    let items = rows
        .into_iter()
        .map(UserView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |u| &u.id, |u| u).respond(&req))
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
    caller.require(Capability::ManageUsers)?;
    let organization_id = caller.own_organization()?.to_string();
    if input.role.is_staff() {
        return Err(ApiError::invalid_field(
            "#/role",
            "invalid_role",
            "must be owner, manager or developer",
        ));
    }
    if caller.role == Role::Manager && input.role == Role::Owner {
        return Err(ApiError::forbidden());
    }
    let token = random_token();
    let token_hash = sha256_hex(&token);
    let email = crate::validate::normalize_email(&input.email);
    let actor = Actor::from(&caller);
    let user = db::write(&state.pool, move |conn| {
        let now = time::now();
        let id = Uuid::now_v7().to_string();
        repo::insert(
            conn,
            &NewUser {
                id: &id,
                organization_id: Some(&organization_id),
                email: &email,
                display_name: input.display_name.trim(),
                role: input.role.as_str(),
                status: UserStatus::Invited.as_str(),
                password_hash: None,
                invitation_token_hash: Some(&token_hash),
                invitation_expires_at: Some(now + Duration::days(INVITATION_DAYS)),
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        audit::record(
            conn,
            Some(&actor),
            Event::new("user.invited", "user", &id, Some(&organization_id))
                .transition(None, Some(UserStatus::Invited.as_str())),
        )?;
        repo::find(conn, &id)?.ok_or_else(|| ApiError::internal("invited user vanished"))
    })
    .await?;
    let expires = user.invitation_expires_at.unwrap_or(user.created_at);
    let version = user.version;
    let view = UserView::try_from(user)?;
    let location = format!("/v1/users/{}", view.id);
    let invitation = Invitation {
        user: view,
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
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_user(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let user = db::read(&state.pool, move |conn| visible_user(conn, &caller, &id)).await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::try_from(user)?, version))
}

#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    summary = "Change a user's name, role or status",
    description = "Owners and managers change roles and statuses (managers cannot touch owners or grant owner). \
An organization always keeps one active owner (409 `last_owner`). Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "User id"),
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    if input.status == Some(UserStatus::Invited) {
        return Err(ApiError::invalid_field(
            "#/status",
            "invalid_status",
            "must be active or disabled",
        ));
    }
    if input.role.is_some_and(Role::is_staff) {
        return Err(ApiError::invalid_field(
            "#/role",
            "invalid_role",
            "must be owner, manager or developer",
        ));
    }
    let user = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let user = visible_user(conn, &caller, &id)?;
            let target_role: Role = crate::enums::parse_stored(&user.role)?;
            let target_status: UserStatus = crate::enums::parse_stored(&user.status)?;
            let new_role = input.role.filter(|r| *r != target_role);
            let new_status = input.status.filter(|s| *s != target_status);
            if input.role.is_some() || input.status.is_some() {
                check_may_manage(&caller, target_role, input.role)?;
            } else if caller.id.to_string() != user.id {
                check_may_manage(&caller, target_role, None)?;
            }
            if_match.check(user.version)?;
            if new_status == Some(UserStatus::Active) && target_status == UserStatus::Invited {
                return Err(ApiError::invalid_field(
                    "#/status",
                    "invitation_pending",
                    "an invited user becomes active by accepting the invitation",
                ));
            }
            let loses_ownership = target_role == Role::Owner
                && target_status == UserStatus::Active
                && (new_role.is_some() || new_status == Some(UserStatus::Disabled));
            let organization_id = user.organization_id.clone().unwrap_or_default();
            if loses_ownership {
                ensure_another_owner(conn, &organization_id)?;
            }
            let changes = UserChanges {
                display_name: input.display_name.as_ref().map(|n| n.trim().to_owned()),
                role: new_role.map(|r| r.as_str().to_owned()),
                status: new_status.map(|s| s.as_str().to_owned()),
                ..Default::default()
            };
            if !repo::update(conn, &user.id, user.version, &changes)? {
                return Err(if_match.stale());
            }
            let actor = Actor::from(&caller);
            let org = Some(organization_id.as_str());
            if let Some(role) = new_role {
                audit::record(
                    conn,
                    Some(&actor),
                    Event::new("user.role_changed", "user", &user.id, org)
                        .transition(Some(target_role.as_str()), Some(role.as_str())),
                )?;
            }
            if let Some(status) = new_status {
                audit::record(
                    conn,
                    Some(&actor),
                    Event::new("user.status_changed", "user", &user.id, org)
                        .transition(Some(target_status.as_str()), Some(status.as_str())),
                )?;
            }
            if changes.display_name.is_some() {
                audit::record(conn, Some(&actor), Event::new("user.updated", "user", &user.id, org))?;
            }
            repo::find(conn, &user.id)?.ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    let version = user.version;
    Ok(entity(StatusCode::OK, &UserView::try_from(user)?, version))
}

#[utoipa::path(
    operation_id = "delete_user",
    tag = "users",
    summary = "Remove a user",
    description = "The user loses access at once. Owners and managers only; managers cannot remove owners; the last active owner cannot be removed.",
    params(
        ("id" = Uuid, Path, description = "User id"),
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let user = visible_user(conn, &caller, &id)?;
            let target_role: Role = crate::enums::parse_stored(&user.role)?;
            check_may_manage(&caller, target_role, None)?;
            if_match.check(user.version)?;
            let organization_id = user.organization_id.clone().unwrap_or_default();
            if target_role == Role::Owner && user.status == UserStatus::Active.as_str() {
                ensure_another_owner(conn, &organization_id)?;
            }
            if !repo::delete(conn, &user.id, user.version)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("user.removed", "user", &user.id, Some(&organization_id))
                    .transition(Some(&user.status), None),
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The user if the caller may see it; 404 otherwise, as for an id that does not exist.
fn visible_user(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<User, ApiError> {
    repo::find(conn, id)?
        .filter(|u| {
            u.organization_id.as_deref().is_some_and(|org| caller.sees(org))
                || (caller.role.is_staff() && u.organization_id.is_none())
        })
        .ok_or_else(ApiError::not_found)
}

/// Owners manage everyone; managers manage managers and developers and cannot grant owner.
fn check_may_manage(caller: &Caller, target_role: Role, new_role: Option<Role>) -> Result<(), ApiError> {
    caller.require(Capability::ManageUsers)?;
    if caller.role == Role::Manager && (target_role == Role::Owner || new_role == Some(Role::Owner)) {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

/// 409 `last_owner` unless the organization keeps another active owner after this change.
fn ensure_another_owner(conn: &mut DbConn, organization_id: &str) -> Result<(), ApiError> {
    repo::lock_organization(conn, organization_id)?;
    if repo::count_active_owners(conn, organization_id)? <= 1 {
        return Err(ApiError::conflict(
            "last_owner",
            "An organization must keep at least one active owner.",
        ));
    }
    Ok(())
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes[..]);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
