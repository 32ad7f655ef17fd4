use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::dto::{CreatePublisherProfile, ListPublisherProfilesQuery, PublisherProfileView, UpdatePublisherProfile};
use super::repo::Filter;
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{created, entity};
use crate::http::pagination::respond_page;
use crate::ids::PublisherProfileId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "list_publisher_profiles",
    tag = "publisher-profiles",
    summary = "List publisher profiles",
    description = "The organization's publisher profiles, newest first; deleted ones are not listed. Staff see every organization's.",
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
        organization_id: query.organization_id,
        status: query.status,
    };
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &filter, &fetch)).await?;
    respond_page(
        &page,
        rows,
        |p| p.id.as_str(),
        |p| Ok(PublisherProfileView::from(p)),
        &req,
    )
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
    let input = body.into_inner();
    let profile = db::write(&state.pool, move |conn| service::create(conn, &caller, &input)).await?;
    let location = format!("/v1/publisher-profiles/{}", profile.id);
    let version = profile.version;
    Ok(created(location, &PublisherProfileView::from(profile), version))
}

#[utoipa::path(
    operation_id = "get_publisher_profile",
    tag = "publisher-profiles",
    summary = "Get a publisher profile",
    description = "One publisher profile of the organization; another organization's is 404. Answers 304 to `If-None-Match` with the current `ETag`.",
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
    id: web::Path<PublisherProfileId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let profile = db::read(&state.pool, move |conn| service::visible(conn, &caller, &id)).await?;
    let version = profile.version;
    Ok(entity(StatusCode::OK, &PublisherProfileView::from(profile), version))
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
    id: web::Path<PublisherProfileId>,
    expected: Precondition,
    body: Body<UpdatePublisherProfile>,
) -> Result<HttpResponse, ApiError> {
    let (id, input) = (id.into_inner(), body.into_inner());
    let profile = db::write(&state.pool, move |conn| {
        service::update(conn, &caller, &id, &expected, &input)
    })
    .await?;
    let version = profile.version;
    Ok(entity(StatusCode::OK, &PublisherProfileView::from(profile), version))
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
    id: web::Path<PublisherProfileId>,
    expected: Precondition,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::write(&state.pool, move |conn| service::delete(conn, &caller, &id, &expected)).await?;
    Ok(HttpResponse::NoContent().finish())
}
