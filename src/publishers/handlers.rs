use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::dto::{CreatePublisherProfile, ListPublisherProfilesQuery, PublisherProfileView, UpdatePublisherProfile};
use super::model::{PublisherProfile, PublisherProfileChanges, PublisherStatus};
use super::repo::{self, Filter};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{IfMatch, created, entity, retry_on_stale};
use crate::http::pagination::{Page, PageRequest};
use crate::http::time;
use crate::openapi::responses::*;
use crate::organizations::repo as organizations;

const ENTITY: &str = "publisher_profile";

#[utoipa::path(
    operation_id = "list_publisher_profiles",
    tag = "publisher-profiles",
    summary = "List publisher profiles",
    params(ListPublisherProfilesQuery),
    responses(
        (status = 200, description = "One page of profiles, newest first", body = Page<PublisherProfileView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_publisher_profiles(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListPublisherProfilesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id.map(|o| o.to_string()),
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
        .map(PublisherProfileView::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |p| &p.id, |p| p).respond(&req))
}

#[utoipa::path(
    operation_id = "create_publisher_profile",
    tag = "publisher-profiles",
    summary = "Create a publisher profile",
    description = "Owners and managers. `publisher_id` is unique across all organizations and never reusable; \
`mpn_id` must be the organization's.",
    request_body = CreatePublisherProfile,
    responses(
        (status = 201, description = "The new profile", body = PublisherProfileView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("")]
pub async fn create_publisher_profile(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<CreatePublisherProfile>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ManagePublisherProfiles)?;
    let organization_id = caller.own_organization()?.to_string();
    let input = body.into_inner();
    let profile = db::write(&state.pool, move |conn| {
        let organization = organizations::find(conn, &organization_id)?.ok_or_else(ApiError::not_found)?;
        if organization.mpn_id != input.mpn_id {
            return Err(ApiError::invalid_field(
                "#/mpn_id",
                "mpn_id_mismatch",
                "must be your organization's MPN ID",
            ));
        }
        let now = time::now();
        let profile = PublisherProfile {
            id: Uuid::now_v7().to_string(),
            organization_id,
            publisher_id: input.publisher_id,
            display_name: input.display_name.trim().to_owned(),
            mpn_id: input.mpn_id,
            contact_name: input.contact_name.trim().to_owned(),
            contact_email: input.contact_email.trim().to_owned(),
            website: input.website,
            status: PublisherStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            version: 1,
        };
        repo::insert(conn, &profile)?;
        audit::record(
            conn,
            Some(&Actor::from(&caller)),
            Event::new(
                "publisher_profile.created",
                ENTITY,
                &profile.id,
                Some(&profile.organization_id),
            )
            .transition(None, Some(&profile.status)),
        )?;
        Ok(profile)
    })
    .await?;
    let location = format!("/v1/publisher-profiles/{}", profile.id);
    let version = profile.version;
    Ok(created(location, &PublisherProfileView::try_from(profile)?, version))
}

#[utoipa::path(
    operation_id = "get_publisher_profile",
    tag = "publisher-profiles",
    summary = "Get a publisher profile",
    params(("id" = Uuid, Path, description = "Publisher profile id")),
    responses(
        (status = 200, description = "The profile", body = PublisherProfileView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_publisher_profile(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let profile = db::read(&state.pool, move |conn| visible_profile(conn, &caller, &id)).await?;
    let version = profile.version;
    Ok(entity(
        StatusCode::OK,
        &PublisherProfileView::try_from(profile)?,
        version,
    ))
}

#[utoipa::path(
    operation_id = "update_publisher_profile",
    tag = "publisher-profiles",
    summary = "Update a publisher profile",
    description = "Owners and managers. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Publisher profile id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being changed"),
    ),
    request_body = UpdatePublisherProfile,
    responses(
        (status = 200, description = "The updated profile", body = PublisherProfileView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
pub async fn update_publisher_profile(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<UpdatePublisherProfile>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let profile = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let profile = visible_profile(conn, &caller, &id)?;
            caller.require(Capability::ManagePublisherProfiles)?;
            if_match.check(profile.version)?;
            let changes = PublisherProfileChanges {
                display_name: input.display_name.as_ref().map(|v| v.trim().to_owned()),
                contact_name: input.contact_name.as_ref().map(|v| v.trim().to_owned()),
                contact_email: input.contact_email.as_ref().map(|v| v.trim().to_owned()),
                website: input.website.clone(),
                deleted_at: None,
            };
            if !repo::update(conn, &id, profile.version, &changes)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("publisher_profile.updated", ENTITY, &id, Some(&profile.organization_id)),
            )?;
            repo::find(conn, &id)?.ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    let version = profile.version;
    Ok(entity(
        StatusCode::OK,
        &PublisherProfileView::try_from(profile)?,
        version,
    ))
}

#[utoipa::path(
    operation_id = "delete_publisher_profile",
    tag = "publisher-profiles",
    summary = "Delete a publisher profile",
    description = "Owners and managers. Refused while offers use the profile (409 `publisher_in_use`). \
The `publisher_id` stays reserved forever.",
    params(
        ("id" = Uuid, Path, description = "Publisher profile id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being deleted"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[delete("/{id}")]
pub async fn delete_publisher_profile(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let profile = visible_profile(conn, &caller, &id)?;
            caller.require(Capability::ManagePublisherProfiles)?;
            if_match.check(profile.version)?;
            let changes = PublisherProfileChanges {
                deleted_at: Some(Some(time::now())),
                ..Default::default()
            };
            if !repo::update(conn, &id, profile.version, &changes)? {
                return Err(if_match.stale());
            }
            // Counted after the update took the row lock that offer creation also takes, so an
            // offer created concurrently is either seen here or finds the profile deleted.
            if crate::offers::repo::count_by_publisher(conn, &id)? > 0 {
                return Err(ApiError::conflict(
                    "publisher_in_use",
                    "Offers use this publisher profile; delete them first.",
                ));
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("publisher_profile.deleted", ENTITY, &id, Some(&profile.organization_id))
                    .transition(Some(&profile.status), None),
            )
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn visible_profile(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<PublisherProfile, ApiError> {
    caller.visible(repo::find(conn, id)?, |p| &p.organization_id)
}
