use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};

use super::dto::{ListOrganizationsQuery, OrganizationView, UpdateOrganization};
use super::repo::Filter;
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::entity;
use crate::http::pagination::respond_page;
use crate::ids::OrganizationId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "get_organization",
    tag = "organization",
    summary = "The caller's organization",
    description = "Staff belong to no organization and get 404.",
    responses(
        (status = 200, description = "The organization", body = OrganizationView, headers(("ETag" = String))),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/organization")]
pub async fn get_organization(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let organization = db::read(&state.pool, move |conn| service::own(conn, &caller)).await?;
    let version = organization.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(organization), version))
}

#[utoipa::path(
    operation_id = "update_organization",
    tag = "organization",
    summary = "Update the organization profile",
    description = "Owners and managers. Honours `If-Match`.",
    params(("If-Match" = Option<String>, Header, description = "ETag of the version being changed")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The updated organization", body = OrganizationView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
#[patch("/organization")]
pub async fn update_organization(
    caller: Caller,
    state: web::Data<AppState>,
    expected: Precondition,
    body: Body<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let organization = db::write(&state.pool, move |conn| {
        service::update(conn, &caller, &expected, &input)
    })
    .await?;
    let version = organization.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(organization), version))
}

#[utoipa::path(
    operation_id = "list_organizations",
    tag = "organization",
    summary = "List organizations (staff)",
    description = "Every enrolled organization, newest first; `mpn_id` finds the one enrolled with that MPN ID, \
`verified=false` those whose MPN ID support has still to verify. Staff only.",
    params(ListOrganizationsQuery),
    responses(
        (status = 200, description = "One page of organizations", body = Page<OrganizationView>),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_organizations(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListOrganizationsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        mpn_id: query.mpn_id,
        verified: query.verified,
    };
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &filter, &fetch)).await?;
    respond_page(&page, rows, |o| o.id.as_str(), |o| Ok(OrganizationView::from(o)), &req)
}

#[utoipa::path(
    operation_id = "get_organization_by_id",
    tag = "organization",
    summary = "Read an organization (staff)",
    description = "Any organization, for staff. Partners read their own with `GET /v1/organization`.",
    params(("id" = Uuid, Path, description = "Organization id")),
    responses(
        (status = 200, description = "The organization", body = OrganizationView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_organization_by_id(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OrganizationId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organization = db::read(&state.pool, move |conn| service::get(conn, &caller, &id)).await?;
    let version = organization.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(organization), version))
}

#[utoipa::path(
    operation_id = "verify_organization_mpn",
    tag = "organization",
    summary = "Verify the organization's MPN ID (support)",
    description = "Support confirms that the MPN ID really is this partner's. Until then, legacy solutions of \
that MPN ID are not imported into the organization (`organization_not_verified`), so enrolling first with \
another partner's MPN ID gains nothing. Once only (409 `invalid_state_transition` again). Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Organization id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being changed"),
    ),
    responses(
        (status = 200, description = "The verified organization", body = OrganizationView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/verify-mpn")]
pub async fn verify_organization_mpn(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OrganizationId>,
    expected: Precondition,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let organization = db::write(&state.pool, move |conn| {
        service::verify_mpn(conn, &caller, &id, &expected)
    })
    .await?;
    let version = organization.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(organization), version))
}
