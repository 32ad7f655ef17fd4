use actix_web::{HttpRequest, HttpResponse, get, web};

use super::dto::{AuditEventView, AuditQuery};
use super::repo::{self, Filter};
use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db;
use crate::error::ApiError;
use crate::http::pagination::{Page, PageRequest};
use crate::openapi::responses::*;

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
    caller.require(Capability::ReadAuditLog)?;
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id.map(|o| o.to_string()),
        entity_type: query.entity_type,
        entity_id: query.entity_id,
        action: query.action,
    };
    let scope = caller.organization_scope();
    let fetch_page = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        repo::list(conn, scope.as_deref(), &filter, &fetch_page)
    })
    .await?;
    Ok(page.page(rows, |e| &e.id, AuditEventView::from).respond(&req))
}
