use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{AuditEventView, AuditQuery};
use super::repo::Filter;
use super::service;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::http::pagination::respond_page;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;

#[utoipa::path(
    operation_id = "list_audit_events",
    tag = "audit",
    summary = "List audit events",
    description = "Newest first. Owners and managers see their organization's events; staff see all and may filter by `organization_id`.",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of events", body = Page<AuditEventView>),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id,
        entity_type: query.entity_type,
        entity_id: query.entity_id,
        action: query.action,
    };
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::list(conn, &caller, &filter, &fetch)).await?;
    respond_page(&page, rows, |e| e.id.as_str(), AuditEventView::try_from, &req)
}
