use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, web};

use super::dto::{OrganizationView, UpdateOrganization};
use super::model::OrganizationChanges;
use super::repo;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db;
use crate::error::ApiError;
use crate::http::body::Body;
use crate::http::conditional::{IfMatch, entity, retry_on_stale};
use crate::openapi::responses::*;

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
    let id = caller.own_organization()?.to_string();
    let org = db::read(&state.pool, move |conn| repo::find(conn, &id))
        .await?
        .ok_or_else(ApiError::not_found)?;
    let version = org.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(org), version))
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
    if_match: IfMatch,
    body: Body<UpdateOrganization>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::UpdateOrganization)?;
    let id = caller.own_organization()?.to_string();
    let input = body.into_inner();
    let org = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let org = repo::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            if_match.check(org.version)?;
            let changes = OrganizationChanges {
                name: input.name.as_ref().map(|n| n.trim().to_owned()),
                country: input.country.clone(),
            };
            if !repo::update(conn, &id, org.version, &changes)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("organization.updated", "organization", &id, Some(&id)),
            )?;
            repo::find(conn, &id)?.ok_or_else(ApiError::not_found)
        })
    })
    .await?;
    let version = org.version;
    Ok(entity(StatusCode::OK, &OrganizationView::from(org), version))
}
