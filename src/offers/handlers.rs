use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use super::compare::{Against, ChangesQuery, Comparison};
use super::dto::{
    CreateOffer, ListOffersQuery, OfferSummaryView, OfferView, PageQuery, PublishOffer, StopDistribution, UpdateOffer,
};
use super::readiness::Readiness;
use super::repo::Filter;
use super::service;
use crate::audit::dto::AuditEventView;
use crate::auth::{Caller, Claimed};
use crate::db;
use crate::error::ApiError;
use crate::http::body::{Body, EmptyBody, OptionalBody, RawObject, parse_value};
use crate::http::conditional::{created, entity, rendered_entity};
use crate::http::pagination::{parse_list, respond_page, respond_rendered};
use crate::ids::OfferId;
use crate::lifecycle::Precondition;
use crate::openapi::responses::*;
use crate::page::{Page, PageRequest};
use crate::state::AppState;
use crate::submissions::dto::SubmissionView;

#[utoipa::path(
    operation_id = "create_offer",
    tag = "offers",
    summary = "Create a draft offer",
    description = "Partners. The publisher profile must be the organization's and active; the alias is unique per publisher.",
    request_body = CreateOffer,
    responses(
        (status = 201, description = "The new draft", body = OfferView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("")]
pub async fn create_offer(
    caller: Caller,
    state: web::Data<AppState>,
    body: Body<CreateOffer>,
) -> Result<HttpResponse, ApiError> {
    let (input, role) = (body.into_inner(), caller.role);
    let offer = db::write(&state.pool, move |conn| service::create(conn, &caller, &input)).await?;
    let location = format!("/v1/offers/{}", offer.row.id);
    let version = offer.row.version;
    Ok(created(location, &offer.view(role)?, version))
}

#[utoipa::path(
    operation_id = "list_offers",
    tag = "offers",
    summary = "List offers",
    description = "Offer summaries, newest first; `GET /v1/offers/{id}` has the sections. Partners see their organization's offers, staff all.",
    params(ListOffersQuery),
    responses(
        (status = 200, description = "One page of offers", body = Page<OfferSummaryView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_offers(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListOffersQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = Filter {
        organization_id: query.organization_id,
        statuses: parse_list(query.status.as_deref(), "status")?,
        offer_type: query.offer_type,
        publisher_profile_id: query.publisher_profile_id,
        name_contains: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
    };
    if filter.name_contains.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid_parameter("`q` must be at most 200 characters."));
    }
    // PostgreSQL: the page's reads on the worker's own connection.
    if let Some(url) = state.pool.postgres_url()
        && let Some((items, next_cursor)) =
            service::list_rendered_kept(url, &caller, &filter, &page, &state.offer_summaries).await?
    {
        return Ok(respond_rendered(&items, next_cursor.as_deref(), &req));
    }
    let cache = state.clone();
    let searching = filter.name_contains.is_some();
    let (items, next_cursor) = db::read_or_scan(&state.pool, searching, move |conn| {
        service::list_rendered(conn, &caller, &filter, &page, &cache.offer_summaries)
    })
    .await?;
    Ok(respond_rendered(&items, next_cursor.as_deref(), &req))
}

#[utoipa::path(
    operation_id = "get_offer",
    tag = "offers",
    summary = "Get an offer",
    description = "The offer with its six sections, `allowed_actions` for the caller's role, and the co-sell standing it inherited. Another organization's offer is 404. Answers 304 to `If-None-Match` with the current `ETag`.",
    params(("id" = Uuid, Path, description = "Offer id")),
    responses(
        (status = 200, description = "The offer with its sections and the caller's allowed actions", body = OfferView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_offer(
    claimed: Claimed,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    // PostgreSQL: the caller and the offer's version on the worker's own connection.
    if let Some(url) = state.pool.postgres_url()
        && let Some((body, version)) = service::rendered_kept(url, &claimed, &id, &state.offer_views).await?
    {
        return Ok(rendered_entity(StatusCode::OK, body, version));
    }
    let cache = state.clone();
    let (body, version) = db::read(&state.pool, move |conn| {
        service::rendered(conn, &claimed, &id, &cache.offer_views)
    })
    .await?;
    Ok(rendered_entity(StatusCode::OK, body, version))
}

#[utoipa::path(
    operation_id = "update_offer",
    tag = "offers",
    summary = "Edit an offer",
    description = "JSON merge patch of `name` and the sections. A present section is merged into the stored one \
(arrays replace); `null` clears a section or field. Values present must be valid (422 with a pointer). A live \
offer stays live with `has_unpublished_changes`. Once an offer has been live, leaving `any_partner` or going \
from `specific_partners` to `no_partners` needs support (409 `csp_change_requires_support`). Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version being changed"),
    ),
    request_body = UpdateOffer,
    responses(
        (status = 200, description = "The updated offer", body = OfferView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[patch("/{id}")]
pub async fn update_offer(
    claimed: Claimed,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
    body: Body<RawObject>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = serde_json::Value::Object(body.into_inner().0);
    // The typed form checks members and types (400 with a pointer); the raw form carries the
    // nulls of the merge.
    parse_value::<UpdateOffer>(&patch)?;
    let serde_json::Value::Object(patch) = patch else {
        unreachable!("built as an object")
    };
    let (body, version) = db::write(&state.pool, move |conn| {
        // The caller's row is read in the edit's transaction: no read transaction of its own.
        let caller = claimed.caller(conn)?;
        service::edit(conn, &caller, &id, &expected, &patch)
    })
    .await?;
    Ok(rendered_entity(StatusCode::OK, body, version))
}

#[utoipa::path(
    operation_id = "delete_offer",
    tag = "offers",
    summary = "Delete a draft offer",
    description = "Only while the offer was never live and has no submission in progress (else 409 `offer_not_deletable`). \
Deleting a draft migrated from a legacy solution returns the solution to `pending`. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
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
pub async fn delete_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    db::write(&state.pool, move |conn| service::delete(conn, &caller, &id, &expected)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    operation_id = "get_offer_readiness",
    tag = "offers",
    summary = "Review and publish",
    description = "Each section's status and issues, whether the offer can be published (exactly what publishing checks), and the co-sell checklist.",
    params(("id" = Uuid, Path, description = "Offer id")),
    responses(
        (status = 200, description = "The readiness report", body = Readiness),
    ),
    security(("bearer" = []))
)]
#[get("/{id}/readiness")]
pub async fn get_offer_readiness(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let readiness = db::read(&state.pool, move |conn| service::readiness_of(conn, &caller, &id)).await?;
    Ok(HttpResponse::Ok().json(readiness))
}

#[utoipa::path(
    operation_id = "get_offer_changes",
    tag = "offers",
    summary = "Compare with live, preview or a submission",
    description = "What publishing would change: RFC 6902 operations that turn the `snapshot` of the submission \
compared with into the offer's content now, and every section (co-sell and CSP included) as `added`, `removed`, \
`edited` or `unchanged` with its operations. `against` is `live` (the default: the submission that went live \
last), `preview`, or a submission id of the offer. Arrays are compared as whole values: a changed list (plans, \
keywords) is one `replace` of the list. Everyone who can read the offer.",
    params(("id" = Uuid, Path, description = "Offer id"), ChangesQuery),
    responses(
        (status = 200, description = "The comparison", body = Comparison),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[get("/{id}/changes")]
pub async fn get_offer_changes(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let against = match query.into_inner().against {
        None => Against::Live,
        Some(text) => text.parse().map_err(ApiError::invalid_parameter)?,
    };
    let comparison = db::read(&state.pool, move |conn| service::changes(conn, &caller, &id, against)).await?;
    Ok(HttpResponse::Ok().json(comparison))
}

#[utoipa::path(
    operation_id = "list_offer_history",
    tag = "offers",
    summary = "The offer's history",
    description = "The offer's audit events (creation, edits, every publishing step), newest first. Like the audit log: owners, managers and staff.",
    params(("id" = Uuid, Path, description = "Offer id"), PageQuery),
    responses(
        (status = 200, description = "One page of events", body = Page<AuditEventView>),
        (status = 403, response = Forbidden),
    ),
    security(("bearer" = []))
)]
#[get("/{id}/history")]
pub async fn list_offer_history(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, page) = (id.into_inner(), PageRequest::parse(query.limit, query.cursor)?);
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| service::history(conn, &caller, &id, &fetch)).await?;
    respond_page(&page, rows, |e| e.id.as_str(), AuditEventView::try_from, &req)
}

#[utoipa::path(
    operation_id = "list_offer_submissions",
    tag = "submissions",
    summary = "List an offer's submissions",
    description = "Every publish attempt of the offer, newest first, with its certification result and feedback; a page as every list.",
    params(("id" = Uuid, Path, description = "Offer id"), PageQuery),
    responses(
        (status = 200, description = "One page of submissions, newest first", body = Page<SubmissionView>),
    ),
    security(("bearer" = []))
)]
#[get("/{id}/submissions")]
pub async fn list_offer_submissions(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, page, role) = (
        id.into_inner(),
        PageRequest::parse(query.limit, query.cursor)?,
        caller.role,
    );
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        service::submissions_of(conn, &caller, &id, &fetch)
    })
    .await?;
    respond_page(&page, rows, |s| s.id.as_str(), |s| SubmissionView::build(s, role), &req)
}

#[utoipa::path(
    operation_id = "publish_offer",
    tag = "offers",
    summary = "Publish: submit for certification",
    description = "Creates submission N+1 with a snapshot of the offer; automated validation passes and certification \
starts. Incomplete required sections → 409 `sections_incomplete` with every issue in `errors` (no submission is \
created); a submission already in progress → 409 `submission_in_progress`. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the offer version being published"),
    ),
    request_body(content = Option<PublishOffer>, description = "Optional"),
    responses(
        (status = 201, description = "The new submission", body = SubmissionView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/publish")]
pub async fn publish_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
    body: OptionalBody<PublishOffer>,
) -> Result<HttpResponse, ApiError> {
    let (id, role, auto_certify) = (id.into_inner(), caller.role, state.auto_certify);
    let notes = body.0.and_then(|b| b.notes_for_certification);
    let submission = db::write(&state.pool, move |conn| {
        service::publish(conn, &caller, &id, &expected, notes.clone(), auto_certify)
    })
    .await?;
    let location = format!("/v1/submissions/{}", submission.id);
    let version = submission.version;
    Ok(created(location, &SubmissionView::build(submission, role)?, version))
}

#[utoipa::path(
    operation_id = "cancel_offer_publish",
    tag = "offers",
    summary = "Cancel publishing",
    description = "Only while the submission is in certification; the offer returns to `draft` (or `live` / `not_available` when it was before). Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the offer"),
    ),
    responses(
        (status = 200, description = "The offer", body = OfferView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/cancel-publish")]
pub async fn cancel_offer_publish(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = (id.into_inner(), caller.role);
    let offer = db::write(&state.pool, move |conn| {
        service::cancel_publish(conn, &caller, &id, &expected)
    })
    .await?;
    let version = offer.row.version;
    Ok(entity(StatusCode::OK, &offer.view(role)?, version))
}

#[utoipa::path(
    operation_id = "go_live_offer",
    tag = "offers",
    summary = "Go live",
    description = "Only from preview (else 409 `go_live_not_allowed`): the submission completes and the offer is live with its `live_url`. \
An offer migrated from a legacy solution inherits the solution's co-sell status, incentives and referral pipeline. Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the offer"),
    ),
    responses(
        (status = 200, description = "The live offer", body = OfferView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/go-live")]
pub async fn go_live_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = (id.into_inner(), caller.role);
    let offer = db::write(&state.pool, move |conn| service::go_live(conn, &caller, &id, &expected)).await?;
    let version = offer.row.version;
    Ok(entity(StatusCode::OK, &offer.view(role)?, version))
}

#[utoipa::path(
    operation_id = "stop_offer_distribution",
    tag = "offers",
    summary = "Stop distribution",
    description = "Owners and managers, live offers only: the offer becomes `not_available`. Needs `{\"confirm\": true}` (else 422 `confirmation_required`). Honours `If-Match`.",
    params(
        ("id" = Uuid, Path, description = "Offer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the offer"),
    ),
    request_body = StopDistribution,
    responses(
        (status = 200, description = "The offer, no longer available", body = OfferView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/stop-distribution")]
pub async fn stop_offer_distribution(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<OfferId>,
    expected: Precondition,
    body: OptionalBody<StopDistribution>,
) -> Result<HttpResponse, ApiError> {
    let (id, role) = (id.into_inner(), caller.role);
    let confirmed = body.0.is_some_and(|b| b.confirm);
    let offer = db::write(&state.pool, move |conn| {
        service::stop_distribution(conn, &caller, &id, &expected, confirmed)
    })
    .await?;
    let version = offer.row.version;
    Ok(entity(StatusCode::OK, &offer.view(role)?, version))
}
