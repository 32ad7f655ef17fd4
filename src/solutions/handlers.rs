use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::dto::{
    DiscardSolution, ImportReport, ImportSolutions, ListSolutionsQuery, MergeSolution, MigrateSolution, SolutionView,
};
use super::import;
use super::model::Solution;
use super::repo::Filter;
use super::service;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db;
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody, LargeBody, OptionalBody};
use crate::http::conditional::{created, entity};
use crate::http::pagination::{parse_list, respond_page};
use crate::ids::SolutionId;
use crate::lifecycle::Precondition;
use crate::offers::dto::OfferView;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;
use crate::tickets::dto::TicketView;

fn solution(solution: Solution, caller: &Caller) -> Result<HttpResponse, ApiError> {
    let version = solution.version;
    Ok(entity(
        StatusCode::OK,
        &SolutionView::build(solution, caller.role)?,
        version,
    ))
}

#[utoipa::path(
    operation_id = "import_solutions",
    tag = "solutions",
    summary = "Import legacy solutions",
    description = "Support only. An idempotent upsert keyed by `ocp_solution_id`: the organization is the one enrolled \
with the entry's `mpn_id`. Each entry is validated on its own; rejected entries are listed and the others import. \
Up to 1,000 entries (bodies up to 8 MiB), in one transaction. The migration state of existing solutions is never changed.",
    request_body = ImportSolutions,
    responses(
        (status = 200, description = "What was created, updated, left unchanged and rejected", body = ImportReport),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/import")]
pub async fn import_solutions(
    caller: Caller,
    state: web::Data<AppState>,
    body: LargeBody<ImportSolutions>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Capability::ImportSolutions)?;
    let entries = body.into_inner().solutions;
    import::check_count(&entries)?;
    let actor = caller.actor();
    let report = db::write_long(&state.pool, move |conn| import::import(conn, &entries, Some(&actor))).await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    operation_id = "list_solutions",
    tag = "solutions",
    summary = "List legacy solutions",
    description = "Each with `allowed_actions` for the caller (the \"Action\" column). Partners see their organization's; staff all.",
    params(ListSolutionsQuery),
    responses(
        (status = 200, description = "One page of solutions, newest first", body = Page<SolutionView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_solutions(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListSolutionsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id,
        statuses: parse_list(query.migration_status.as_deref(), "migration_status")?,
        name_contains: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
    };
    let (role, fetch, searching) = (caller.role, page.clone(), filter.name_contains.is_some());
    let rows = db::read_or_scan(&state.pool, searching, move |conn| {
        service::list(conn, &caller, &filter, &fetch)
    })
    .await?;
    respond_page(&page, rows, |s| s.id.as_str(), |s| SolutionView::build(s, role), &req)
}

#[utoipa::path(
    operation_id = "get_solution",
    tag = "solutions",
    summary = "Get a legacy solution",
    description = "A legacy co-sell solution with its co-sell status, incentives, referral pipeline, `migration_status` and the actions open to the caller; `links.ticket` names its merge request while one is open.",
    params(("id" = Uuid, Path, description = "Solution id")),
    responses(
        (status = 200, description = "The solution", body = SolutionView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_solution(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let found = db::read(&state.pool, move |conn| service::visible(conn, &who, &id)).await?;
    solution(found, &caller)
}

#[utoipa::path(
    operation_id = "merge_solution",
    tag = "solutions",
    summary = "Request a merge into a live offer",
    description = "Exactly one of `offer_id` (a live offer of your organization; 409 `merge_target_not_live` otherwise) \
and `listing_url` (https on appsource.microsoft.com or azuremarketplace.microsoft.com). Opens a `merge_request` \
ticket for support and returns it; the solution becomes `merge_requested`. Honours `If-Match` (the solution's ETag).",
    params(("id" = Uuid, Path, description = "Solution id"), ("If-Match" = Option<String>, Header, description = "ETag of the solution")),
    request_body = MergeSolution,
    responses(
        (status = 201, description = "The merge request ticket", body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/merge")]
pub async fn merge_solution(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
    expected: Precondition,
    body: Body<MergeSolution>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, who) = (id.into_inner(), body.into_inner(), caller.clone());
    let ticket = db::write(&state.pool, move |conn| {
        service::merge(conn, &who, &id, &expected, &input)
    })
    .await?;
    let location = format!("/v1/support-tickets/{}", ticket.id);
    let version = ticket.version;
    Ok(created(location, &TicketView::build(ticket, &caller, 0)?, version))
}

#[utoipa::path(
    operation_id = "withdraw_solution_merge",
    tag = "solutions",
    summary = "Withdraw a merge request",
    description = "The solution returns to `pending` and its merge request ticket is canceled. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Solution id"), ("If-Match" = Option<String>, Header, description = "ETag of the solution")),
    responses(
        (status = 200, description = "The solution", body = SolutionView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/withdraw-merge")]
pub async fn withdraw_solution_merge(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let withdrawn = db::write(&state.pool, move |conn| {
        service::withdraw_merge(conn, &who, &id, &expected)
    })
    .await?;
    solution(withdrawn, &caller)
}

#[utoipa::path(
    operation_id = "migrate_solution",
    tag = "solutions",
    summary = "Migrate into a new draft offer",
    description = "Creates a draft offer (`origin: migrated`) with the solution's name, summary and collateral copied \
into `listing` and `co_sell` (listed in `copied_fields`); the solution becomes `migrated`. The profile must be the \
organization's (422) and active (409). When the offer goes live it inherits the solution's co-sell status, \
incentives and referral pipeline. Honours `If-Match` (the solution's ETag).",
    params(("id" = Uuid, Path, description = "Solution id"), ("If-Match" = Option<String>, Header, description = "ETag of the solution")),
    request_body = MigrateSolution,
    responses(
        (status = 201, description = "The new draft offer", body = OfferView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/migrate")]
pub async fn migrate_solution(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
    expected: Precondition,
    body: Body<MigrateSolution>,
) -> Result<HttpResponse, ApiError> {
    let (id, input, role) = (id.into_inner(), body.into_inner(), caller.role);
    let offer = db::write(&state.pool, move |conn| {
        service::migrate(conn, &caller, &id, &expected, &input)
    })
    .await?;
    let location = format!("/v1/offers/{}", offer.row.id);
    let version = offer.row.version;
    Ok(created(location, &offer.view(role)?, version))
}

#[utoipa::path(
    operation_id = "discard_solution",
    tag = "solutions",
    summary = "Discard a solution",
    description = "Needs `{\"confirm\": true}` (else 422 `confirmation_required`). Undo with `undo-discard`. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Solution id"), ("If-Match" = Option<String>, Header, description = "ETag of the solution")),
    request_body = DiscardSolution,
    responses(
        (status = 200, description = "The solution", body = SolutionView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/discard")]
pub async fn discard_solution(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
    expected: Precondition,
    body: OptionalBody<DiscardSolution>,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let confirmed = body.0.is_some_and(|b| b.confirm);
    let discarded = db::write(&state.pool, move |conn| {
        service::discard(conn, &who, &id, &expected, confirmed)
    })
    .await?;
    solution(discarded, &caller)
}

#[utoipa::path(
    operation_id = "undo_solution_discard",
    tag = "solutions",
    summary = "Undo a discard",
    description = "A discarded solution returns to `pending`. Honours `If-Match`.",
    params(("id" = Uuid, Path, description = "Solution id"), ("If-Match" = Option<String>, Header, description = "ETag of the solution")),
    responses(
        (status = 200, description = "The solution", body = SolutionView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/undo-discard")]
pub async fn undo_solution_discard(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<SolutionId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let (id, who) = (id.into_inner(), caller.clone());
    let pending = db::write(&state.pool, move |conn| {
        service::undo_discard(conn, &who, &id, &expected)
    })
    .await?;
    solution(pending, &caller)
}
