use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, web};

use super::dto::{OrganizationView, UpdateOrganization};
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::entity;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
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
