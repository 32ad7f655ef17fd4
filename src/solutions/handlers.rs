use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

use super::dto::{
    DiscardSolution, ImportReport, ImportSolutions, ListSolutionsQuery, MergeSolution, MigrateSolution, SolutionView,
};
use super::import::{self, ENTITY};
use super::lifecycle::{self, SolutionAction};
use super::model::{MigrationStatus, Solution, SolutionChanges};
use super::repo::{self, Filter};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::{self, DbConn};
use crate::enums::parse_stored;
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody, LargeBody, OptionalBody};
use crate::http::conditional::{IfMatch, created, entity, retry_on_stale};
use crate::http::pagination::parse_list;
use crate::http::pagination::{Page, PageRequest};
use crate::offers::dto::{LoadedOffer, OfferView};
use crate::offers::handlers::{check_publisher, new_offer};
use crate::offers::model::{OfferStatus, Origin};
use crate::offers::sections::{CoSell, Listing};
use crate::openapi::responses::*;
use crate::tickets::dto::{MergeRequest, TicketView};
use crate::tickets::handlers::{NewTicket, withdraw_merge_of};
use crate::tickets::model::{TicketCategory, TicketStatus};
use crate::tickets::repo as tickets;

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
    let actor = Actor::from(&caller);
    let report = db::write(&state.pool, move |conn| import::import(conn, &entries, Some(&actor))).await?;
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
        organization_id: query.organization_id.map(|o| o.to_string()),
        statuses: parse_list::<MigrationStatus>(query.migration_status.as_deref(), "migration_status")?,
        name_contains: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
    };
    let scope = caller.organization_scope();
    let role = caller.role;
    let fetch = page.clone();
    let searching = filter.name_contains.is_some();
    let rows = db::read_or_scan(&state.pool, searching, move |conn| {
        repo::list(conn, scope.as_deref(), &filter, &fetch)
    })
    .await?;
    let items = rows
        .into_iter()
        .map(|s| SolutionView::build(s, role))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |s| &s.id, |s| s).respond(&req))
}

#[utoipa::path(
    operation_id = "get_solution",
    tag = "solutions",
    summary = "Get a legacy solution",
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
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let solution = db::read(&state.pool, move |conn| visible_solution(conn, &caller, &id)).await?;
    let version = solution.version;
    Ok(entity(StatusCode::OK, &SolutionView::build(solution, role)?, version))
}

fn visible_solution(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Solution, ApiError> {
    caller.visible(repo::find(conn, id)?, |s| &s.organization_id)
}

/// Applies the state machine: 403, then 412 for a stale `If-Match`, then 409 with what is allowed.
fn decide(
    solution: &Solution,
    action: SolutionAction,
    caller: &Caller,
    if_match: &IfMatch,
) -> Result<MigrationStatus, ApiError> {
    let status: MigrationStatus = parse_stored(&solution.migration_status)?;
    let allowed = || {
        lifecycle::allowed_actions(status, caller.role)
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    crate::lifecycle::settle(
        lifecycle::apply(status, action, caller.role),
        if_match,
        solution.version,
        status.as_str(),
        allowed,
    )
}

/// Moves the solution (guarded by its version) and audits the move.
fn transition(
    conn: &mut DbConn,
    solution: &Solution,
    next: MigrationStatus,
    changes: SolutionChanges,
    action: &'static str,
    caller: &Caller,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let changes = SolutionChanges {
        migration_status: Some(next.as_str().to_owned()),
        ..changes
    };
    if !repo::update(conn, &solution.id, solution.version, &changes)? {
        return Err(if_match.stale());
    }
    audit::record(
        conn,
        Some(&Actor::from(caller)),
        Event::new(action, ENTITY, &solution.id, Some(&solution.organization_id))
            .transition(Some(&solution.migration_status), Some(next.as_str())),
    )
}

const MARKETPLACE_HOSTS: [&str; 2] = ["appsource.microsoft.com", "azuremarketplace.microsoft.com"];

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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<MergeSolution>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let result = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let solution = visible_solution(conn, &caller, &id)?;
            let next = decide(&solution, SolutionAction::Merge, &caller, &if_match)?;
            let mut merge = MergeRequest {
                target_offer_id: None,
                listing_url: None,
                offer_type: None,
                offer_name: None,
                ocp_solution_id: solution.ocp_solution_id.clone(),
            };
            let target_name = match (&input.offer_id, &input.listing_url) {
                (Some(offer_id), None) => {
                    let offer = crate::offers::repo::find(conn, &offer_id.to_string())?
                        .filter(|o| o.organization_id == solution.organization_id)
                        .ok_or_else(|| {
                            ApiError::invalid_field(
                                "#/offer_id",
                                "unknown_offer",
                                "no offer of your organization has this id",
                            )
                        })?;
                    if offer.status != OfferStatus::Live.as_str() {
                        return Err(ApiError::conflict(
                            "merge_target_not_live",
                            "Only a live offer can take over a solution.",
                        ));
                    }
                    merge.target_offer_id = Some(offer.id.clone());
                    merge.offer_type = Some(parse_stored(&offer.offer_type)?);
                    merge.offer_name = Some(offer.name.clone());
                    offer.name
                }
                (None, Some(url)) => {
                    check_listing_url(url)?;
                    merge.listing_url = Some(url.clone());
                    url.clone()
                }
                _ => {
                    return Err(ApiError::invalid_field(
                        "#/offer_id",
                        "exactly_one",
                        "give exactly one of offer_id and listing_url",
                    ));
                }
            };
            let ticket_id = Uuid::now_v7().to_string();
            let changes = SolutionChanges {
                ticket_id: Some(Some(ticket_id.clone())),
                offer_id: Some(merge.target_offer_id.clone()),
                ..Default::default()
            };
            transition(
                conn,
                &solution,
                next,
                changes,
                "solution.merge_requested",
                &caller,
                &if_match,
            )?;
            let subject: String = format!("Merge {} into {}", solution.name, target_name)
                .chars()
                .take(200)
                .collect();
            let new = NewTicket {
                organization_id: solution.organization_id.clone(),
                category: TicketCategory::MergeRequest,
                subject,
                description: input
                    .details
                    .clone()
                    .unwrap_or_else(|| "Please merge this legacy co-sell solution.".into()),
                related_solution_id: Some(solution.id.clone()),
                related_offer_id: merge.target_offer_id.clone(),
                merge: Some(merge),
            };
            crate::tickets::handlers::open_with_id(conn, ticket_id, new, &caller)
        })
        .map(|t| (t, caller))
    })
    .await?;
    let (ticket, caller) = result;
    let location = format!("/v1/support-tickets/{}", ticket.id);
    let version = ticket.version;
    Ok(created(location, &TicketView::build(ticket, &caller, 0)?, version))
}

fn check_listing_url(raw: &str) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "#/listing_url",
            "invalid_listing_url",
            "must be an https URL on appsource.microsoft.com or azuremarketplace.microsoft.com",
        )
    };
    crate::validate::https_url(raw).map_err(|_| invalid())?;
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if MARKETPLACE_HOSTS.contains(&host.as_str()) && url.port().is_none() {
        Ok(())
    } else {
        Err(invalid())
    }
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let solution = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let solution = visible_solution(conn, &caller, &id)?;
            decide(&solution, SolutionAction::WithdrawMerge, &caller, &if_match)?;
            // The ticket moves first: support resolving it concurrently takes the same row lock.
            let ticket = solution
                .ticket_id
                .as_deref()
                .map(|t| tickets::find(conn, t))
                .transpose()?
                .flatten();
            let ticket = ticket.ok_or_else(|| ApiError::internal("a merge request without its ticket"))?;
            let cancelable = matches!(
                parse_stored(&ticket.status)?,
                TicketStatus::Open | TicketStatus::InProgress | TicketStatus::AwaitingPartner
            );
            if !cancelable {
                return Err(if_match.stale());
            }
            let changes = crate::tickets::model::TicketChanges {
                status: Some(TicketStatus::Canceled.as_str().to_owned()),
                ..Default::default()
            };
            if !tickets::update(conn, &ticket.id, ticket.version, &changes)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new(
                    "support_ticket.canceled",
                    crate::tickets::handlers::ENTITY,
                    &ticket.id,
                    Some(&ticket.organization_id),
                )
                .transition(Some(&ticket.status), Some(TicketStatus::Canceled.as_str())),
            )?;
            withdraw_merge_of(conn, &ticket, &caller)?;
            visible_solution(conn, &caller, &id)
        })
    })
    .await?;
    let version = solution.version;
    Ok(entity(StatusCode::OK, &SolutionView::build(solution, role)?, version))
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<MigrateSolution>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let solution = visible_solution(conn, &caller, &id)?;
            let next = decide(&solution, SolutionAction::Migrate, &caller, &if_match)?;
            let profile_id = input.publisher_profile_id.to_string();
            check_publisher(conn, &solution.organization_id, &profile_id, "#/publisher_profile_id")?;
            let name: String = solution.name.chars().take(200).collect();
            let mut offer = new_offer(
                solution.organization_id.clone(),
                profile_id,
                input.offer_alias.clone(),
                name,
                input.offer_type,
                Origin::Migrated,
            );
            offer.source_solution_id = Some(solution.id.clone());
            let (listing, co_sell, copied) = copied_content(&solution)?;
            offer.listing = Some(serde_json::to_string(&listing).unwrap_or_default());
            offer.co_sell = Some(serde_json::to_string(&co_sell).unwrap_or_default());
            offer.copied_fields = Some(serde_json::to_string(&copied).unwrap_or_default());
            let changes = SolutionChanges {
                offer_id: Some(Some(offer.id.clone())),
                ..Default::default()
            };
            transition(conn, &solution, next, changes, "solution.migrated", &caller, &if_match)?;
            crate::offers::repo::insert(conn, &offer)?;
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new(
                    "offer.created",
                    crate::offers::handlers::ENTITY,
                    &offer.id,
                    Some(&offer.organization_id),
                )
                .transition(None, Some(&offer.status)),
            )?;
            Ok(offer)
        })
    })
    .await?;
    let location = format!("/v1/offers/{}", offer.id);
    let version = offer.version;
    Ok(created(location, &LoadedOffer::load(offer)?.view(role)?, version))
}

/// The offer content a migration copies from the solution, and the fields it names.
fn copied_content(solution: &Solution) -> Result<(Listing, CoSell, Vec<&'static str>), ApiError> {
    let mut co_sell: CoSell = serde_json::from_str(&solution.collateral)
        .map_err(|e| ApiError::internal(format!("stored collateral: {e}")))?;
    let mut copied = vec!["name", "listing.summary", "listing.description"];
    if co_sell.solution_type.is_none() {
        co_sell.solution_type = Some(parse_stored(&solution.solution_type)?);
    }
    copied.push("co_sell");
    let summary = truncate_at_word(&solution.summary, 100);
    let listing = Listing {
        summary: Some(summary),
        description: Some(solution.summary.chars().take(3000).collect()),
        ..Default::default()
    };
    Ok((listing, co_sell, copied))
}

/// At most `max` characters, cut at a word boundary when there is one.
fn truncate_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => cut[..i].trim_end().to_owned(),
        _ => cut,
    }
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: OptionalBody<DiscardSolution>,
) -> Result<HttpResponse, ApiError> {
    let confirmed = body.0.is_some_and(|b| b.confirm);
    simple_transition(
        caller,
        state,
        id,
        if_match,
        SolutionAction::Discard,
        "solution.discarded",
        Some(confirmed),
    )
    .await
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    simple_transition(
        caller,
        state,
        id,
        if_match,
        SolutionAction::UndoDiscard,
        "solution.discard_undone",
        None,
    )
    .await
}

/// A transition with no effect beyond the solution itself (discard, undo-discard).
async fn simple_transition(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    action: SolutionAction,
    audit_action: &'static str,
    confirmed: Option<bool>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let solution = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let solution = visible_solution(conn, &caller, &id)?;
            let next = decide(&solution, action, &caller, &if_match)?;
            if confirmed == Some(false) {
                return Err(ApiError::confirmation_required());
            }
            transition(
                conn,
                &solution,
                next,
                SolutionChanges::default(),
                audit_action,
                &caller,
                &if_match,
            )?;
            visible_solution(conn, &caller, &id)
        })
    })
    .await?;
    let version = solution.version;
    Ok(entity(StatusCode::OK, &SolutionView::build(solution, role)?, version))
}
