use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::dto::{
    CreateOffer, ListOffersQuery, LoadedOffer, OfferSummaryView, OfferView, PageQuery, PublishOffer, StopDistribution,
    SubmissionView, UpdateOffer,
};
use super::lifecycle::{self, OfferAction};
use super::model::{Offer, OfferContentChanges, OfferStateChanges, OfferStatus, OfferType, Origin};
use super::repo::{self, Filter};
use super::sections::{self, CspOption, Readiness, ResellCsp, Sections};
use super::submissions;
use crate::app::AppState;
use crate::audit::dto::AuditEventView;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::{self, DbConn};
use crate::enums::parse_stored;
use crate::error::{ApiError, FieldIssue};
use crate::http::body::{Body, EmptyBody, OptionalBody, parse_json};
use crate::http::conditional::{IfMatch, created, entity, rendered_entity, retry_on_stale};
use crate::http::pagination::{Page, PageRequest, parse_list, respond_rendered};
use crate::http::render_cache::render;
use crate::http::time;
use crate::openapi::responses::*;
use crate::publishers::model::PublisherStatus;
use crate::publishers::repo as publishers;
use crate::solutions::effects as solution_effects;

pub const ENTITY: &str = "offer";

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
    caller.require(Capability::EditOffers)?;
    let organization_id = caller.own_organization()?.to_string();
    let input = body.into_inner();
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        let profile_id = input.publisher_profile_id.to_string();
        check_publisher(conn, &organization_id, &profile_id, "#/publisher_profile_id")?;
        let offer = new_offer(
            organization_id,
            profile_id,
            input.offer_alias,
            input.name.trim().to_owned(),
            input.offer_type,
            Origin::Created,
        );
        repo::insert(conn, &offer)?;
        audit::record(
            conn,
            Some(&Actor::from(&caller)),
            Event::new("offer.created", ENTITY, &offer.id, Some(&offer.organization_id))
                .transition(None, Some(&offer.status)),
        )?;
        Ok(offer)
    })
    .await?;
    let location = format!("/v1/offers/{}", offer.id);
    let version = offer.version;
    Ok(created(location, &LoadedOffer::load(offer)?.view(role)?, version))
}

/// 422 unless the profile is the organization's; 409 unless it is active.
pub fn check_publisher(
    conn: &mut DbConn,
    organization_id: &str,
    profile_id: &str,
    pointer: &str,
) -> Result<(), ApiError> {
    let own = |conn: &mut DbConn| -> Result<_, ApiError> {
        publishers::find(conn, profile_id)?
            .filter(|p| p.organization_id == organization_id)
            .ok_or_else(|| {
                ApiError::invalid_field(
                    pointer,
                    "unknown_publisher_profile",
                    "no publisher profile of your organization has this id",
                )
            })
    };
    own(conn)?;
    // Locked only once known to be ours, then read again: a deletion that won the lock shows.
    publishers::lock(conn, profile_id)?;
    let profile = own(conn)?;
    if profile.status != PublisherStatus::Active.as_str() {
        return Err(ApiError::conflict(
            "publisher_not_active",
            "The publisher profile is suspended.",
        ));
    }
    Ok(())
}

/// A new draft offer row (content empty).
pub fn new_offer(
    organization_id: String,
    publisher_profile_id: String,
    offer_alias: String,
    name: String,
    offer_type: OfferType,
    origin: Origin,
) -> Offer {
    let now = time::now();
    Offer {
        id: Uuid::now_v7().to_string(),
        organization_id,
        publisher_profile_id,
        offer_alias,
        name,
        offer_type: offer_type.as_str().to_owned(),
        status: OfferStatus::Draft.as_str().to_owned(),
        origin: origin.as_str().to_owned(),
        source_solution_id: None,
        co_sell_status: None,
        incentive_eligible: false,
        referral_pipeline: None,
        copied_fields: None,
        has_ever_been_live: false,
        live_url: None,
        content_revision: 0,
        live_content_revision: None,
        setup: None,
        properties: None,
        listing: None,
        plans: None,
        resell_csp: None,
        co_sell: None,
        created_at: now,
        updated_at: now,
        version: 1,
    }
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
        organization_id: query.organization_id.map(|o| o.to_string()),
        statuses: parse_list::<OfferStatus>(query.status.as_deref(), "status")?,
        offer_type: query.offer_type.map(|t| t.as_str().to_owned()),
        publisher_profile_id: query.publisher_profile_id.map(|p| p.to_string()),
        name_contains: query.q.filter(|q| !q.trim().is_empty()).map(|q| q.trim().to_owned()),
    };
    if filter.name_contains.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid_parameter("`q` must be at most 200 characters."));
    }
    let scope = caller.organization_scope();
    let cache = state.clone();
    let searching = filter.name_contains.is_some();
    let assemble = move |conn: &mut DbConn| {
        let stamps = repo::list_stamps(conn, scope.as_deref(), &filter, &page)?;
        let page = page.page(stamps, |(id, _)| id.as_str(), |stamp| stamp);
        let items = cache.offer_summaries.bodies(&page.items, |missing| {
            repo::summaries(conn, missing)?
                .into_iter()
                .map(|row| Ok((row.id.clone(), row.version, render(&OfferSummaryView::try_from(row)?)?)))
                .collect::<Result<Vec<_>, ApiError>>()
        })?;
        Ok((items, page.next_cursor))
    };
    let (items, next_cursor) = db::read_or_scan(&state.pool, searching, assemble).await?;
    Ok(respond_rendered(&items, next_cursor.as_deref(), &req))
}

#[utoipa::path(
    operation_id = "get_offer",
    tag = "offers",
    summary = "Get an offer",
    params(("id" = Uuid, Path, description = "Offer id")),
    responses(
        (status = 200, description = "The offer with its sections and the caller's allowed actions", body = OfferView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let views = state.clone();
    let (body, version) = db::read(&state.pool, move |conn| {
        let key = id.to_string();
        // The version is read on every request; a kept rendering of exactly it is reused.
        let (_, version) = caller.visible(repo::find_stamp(conn, &key)?, |(organization, _)| organization)?;
        if let Some(body) = views.offer_views.get((id, caller.role), version) {
            return Ok((body, version));
        }
        let offer = visible_offer(conn, &caller, &key)?;
        let version = offer.row.version;
        let body = render(&offer.view(caller.role)?)?;
        views.offer_views.put((id, caller.role), version, body.clone());
        Ok((body, version))
    })
    .await?;
    Ok(rendered_entity(StatusCode::OK, body, version))
}

/// The offer if the caller may see it; 404 otherwise.
pub fn visible_offer(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<LoadedOffer, ApiError> {
    LoadedOffer::load(caller.visible(repo::find(conn, id)?, |o| &o.organization_id)?)
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
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<RawObject>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let raw = body.into_inner().0;
    // The typed form checks members and types (400 with a pointer); the raw form carries nulls for the merge.
    parse_json::<UpdateOffer>(&serde_json::to_vec(&raw).unwrap_or_default())?;
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            decide(&offer, OfferAction::Edit, &caller, &if_match, OfferStatus::Draft)?;
            let (changes, merged) = merge_content(&offer, &raw)?;
            let at = time::now();
            if !repo::update_content(conn, &id, offer.row.version, &changes, at)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("offer.updated", ENTITY, &id, Some(&offer.row.organization_id)),
            )?;
            Ok(offer.edited(changes, merged, at))
        })
    })
    .await?;
    let version = offer.row.version;
    Ok(entity(StatusCode::OK, &offer.view(role)?, version))
}

/// A request body kept as a raw JSON object.
#[derive(Debug, serde::Deserialize)]
pub struct RawObject(pub Map<String, Value>);

impl validator::Validate for RawObject {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// RFC 7396: objects merge member by member, `null` removes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let target = target.as_object_mut().expect("made an object above");
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// Merges the patch into the offer's sections and validates every resulting value: the columns
/// to write and the sections they hold.
fn merge_content(offer: &LoadedOffer, raw: &Map<String, Value>) -> Result<(OfferContentChanges, Sections), ApiError> {
    let mut changes = OfferContentChanges::default();
    let mut issues: Vec<FieldIssue> = Vec::new();
    let mut merged = offer.sections.clone();
    if let Some(name) = raw.get("name").and_then(Value::as_str) {
        let trimmed = name.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 200 || crate::validate::single_line(trimmed).is_err() {
            issues.push(FieldIssue::new("#/name", "length", "1 to 200 characters on one line"));
        }
        changes.name = Some(trimmed.to_owned());
    }
    macro_rules! section {
        ($field:ident, $ty:ty) => {
            if let Some(patch) = raw.get(stringify!($field)) {
                let pointer = concat!("#/", stringify!($field));
                if patch.is_null() {
                    merged.$field = None;
                    changes.$field = Some(None);
                } else {
                    let mut value = serde_json::to_value(&offer.sections.$field).unwrap_or(Value::Null);
                    merge_patch(&mut value, patch);
                    match serde_json::from_value::<$ty>(value) {
                        Ok(section) => {
                            if let Err(errors) = validator::Validate::validate(&section) {
                                issues.extend(section_issues(&errors, pointer));
                            }
                            changes.$field = Some(Some(serde_json::to_string(&section).unwrap_or_default()));
                            merged.$field = Some(section);
                        }
                        Err(e) => return Err(ApiError::bad_request(format!("`{}`: {e}", stringify!($field)))),
                    }
                }
            }
        };
    }
    section!(setup, sections::Setup);
    section!(properties, sections::Properties);
    section!(listing, sections::Listing);
    section!(plans, sections::Plans);
    section!(resell_csp, sections::ResellCsp);
    section!(co_sell, sections::CoSell);

    if merged.resell_csp.is_some() && !offer.offer_type.is_csp_eligible() {
        issues.push(FieldIssue::new(
            "#/resell_csp",
            "not_csp_eligible",
            "this offer type cannot be resold through CSP partners",
        ));
    }
    if !issues.is_empty() {
        return Err(ApiError::validation(issues));
    }
    if offer.row.has_ever_been_live
        && csp_change_needs_support(offer.sections.resell_csp.as_ref(), merged.resell_csp.as_ref())
    {
        return Err(ApiError::conflict(
            "csp_change_requires_support",
            "This offer has been live: narrowing who may resell it needs a support ticket (category csp_change).",
        ));
    }
    Ok((changes, merged))
}

/// Validator issues of a section, below its pointer (the plans array is its own section).
fn section_issues(errors: &validator::ValidationErrors, pointer: &str) -> Vec<FieldIssue> {
    let mut issues = crate::error::issues_from(errors, pointer);
    if pointer == "#/plans" {
        for issue in &mut issues {
            if let Some(rest) = issue.pointer.strip_prefix("#/plans/plans") {
                issue.pointer = format!("#/plans{rest}");
            }
        }
    }
    issues
}

/// Leaving `any_partner`, or going from `specific_partners` to `no_partners`, after going live.
fn csp_change_needs_support(before: Option<&ResellCsp>, after: Option<&ResellCsp>) -> bool {
    let option = |r: Option<&ResellCsp>| r.and_then(|r| r.option);
    match (option(before), option(after)) {
        (Some(CspOption::AnyPartner), after) => after != Some(CspOption::AnyPartner),
        (Some(CspOption::SpecificPartners), None | Some(CspOption::NoPartners)) => true,
        _ => false,
    }
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            decide(&offer, OfferAction::Delete, &caller, &if_match, OfferStatus::Draft)?;
            if !repo::delete(conn, &id, offer.row.version)? {
                return Err(if_match.stale());
            }
            let actor = Actor::from(&caller);
            audit::record(
                conn,
                Some(&actor),
                Event::new("offer.deleted", ENTITY, &id, Some(&offer.row.organization_id))
                    .transition(Some(offer.status.as_str()), None),
            )?;
            match &offer.row.source_solution_id {
                Some(solution_id) => solution_effects::migrated_draft_deleted(conn, solution_id, &id, Some(&actor)),
                None => Ok(()),
            }
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Applies the state machine: 403, then 412 for a stale `If-Match`, then 409 with what is allowed.
pub fn decide(
    offer: &LoadedOffer,
    action: OfferAction,
    caller: &Caller,
    if_match: &IfMatch,
    before: OfferStatus,
) -> Result<OfferStatus, ApiError> {
    let outcome = lifecycle::apply(offer.facts(before), action, caller.role);
    crate::lifecycle::settle(outcome, if_match, offer.row.version, offer.status.as_str(), || {
        allowed(offer, caller)
    })
    .map_err(|error| match error.code {
        "sections_incomplete" => {
            error.with_errors(sections::readiness(offer.offer_type, &offer.sections).blocking_issues())
        }
        _ => error,
    })
}

fn allowed(offer: &LoadedOffer, caller: &Caller) -> Vec<String> {
    lifecycle::allowed_actions(offer.facts(OfferStatus::Draft), caller.role)
        .iter()
        .map(|a| a.to_string())
        .collect()
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
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let offer = db::read(&state.pool, move |conn| visible_offer(conn, &caller, &id)).await?;
    Ok(HttpResponse::Ok().json(sections::readiness(offer.offer_type, &offer.sections)))
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
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        visible_offer(conn, &caller, &id)?;
        caller.require(Capability::ReadAuditLog)?;
        let filter = audit::repo::Filter {
            entity_type: Some(ENTITY.into()),
            entity_id: Some(id),
            ..Default::default()
        };
        audit::repo::list(conn, None, &filter, &fetch)
    })
    .await?;
    Ok(page.page(rows, |e| &e.id, AuditEventView::from).respond(&req))
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: OptionalBody<PublishOffer>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let notes = body.0.and_then(|b| b.notes_for_certification);
    let auto_certify = state.auto_certify;
    let role = caller.role;
    let submission = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            let next = decide(&offer, OfferAction::Publish, &caller, &if_match, OfferStatus::Draft)?;
            let changes = OfferStateChanges {
                status: Some(next.as_str().to_owned()),
                ..Default::default()
            };
            if !repo::update_state(conn, &id, offer.row.version, &changes)? {
                return Err(if_match.stale());
            }
            let submission = submissions::open(conn, &offer, &caller, notes.clone())?;
            let org = Some(offer.row.organization_id.as_str());
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("offer.published", ENTITY, &id, org)
                    .transition(Some(offer.status.as_str()), Some(next.as_str())),
            )?;
            if auto_certify {
                submissions::decide_certification(
                    conn,
                    &submission,
                    None,
                    super::dto::CertificationResult::Passed,
                    Vec::new(),
                )?;
            }
            repo::find_submission(conn, &submission.id)?.ok_or_else(|| ApiError::internal("submission vanished"))
        })
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            let latest = repo::latest_submission(conn, &id)?;
            let before = latest
                .as_ref()
                .map(|s| parse_stored(&s.offer_status_before))
                .transpose()?
                .unwrap_or(OfferStatus::Draft);
            let next = decide(&offer, OfferAction::CancelPublish, &caller, &if_match, before)?;
            let changes = OfferStateChanges {
                status: Some(next.as_str().to_owned()),
                ..Default::default()
            };
            if !repo::update_state(conn, &id, offer.row.version, &changes)? {
                return Err(if_match.stale());
            }
            let submission = latest.ok_or_else(|| ApiError::internal("an offer in publishing has no submission"))?;
            submissions::cancel(conn, &submission)?;
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("offer.publish_canceled", ENTITY, &id, Some(&offer.row.organization_id))
                    .transition(Some(offer.status.as_str()), Some(next.as_str())),
            )?;
            visible_offer(conn, &caller, &id)
        })
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    _body: EmptyBody,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            let next = decide(&offer, OfferAction::GoLive, &caller, &if_match, OfferStatus::Draft)?;
            let submission = repo::latest_submission(conn, &id)?
                .ok_or_else(|| ApiError::internal("an offer in preview has no submission"))?;
            let profile = publishers::find(conn, &offer.row.publisher_profile_id)?
                .ok_or_else(|| ApiError::internal("publisher profile vanished"))?;
            // A migrated offer takes over its solution's co-sell standing the first time it goes live.
            let source = match &offer.row.source_solution_id {
                Some(solution_id) if !offer.row.has_ever_been_live => {
                    solution_effects::source_of_migrated(conn, solution_id, &id)?
                }
                _ => None,
            };
            let mut changes = source.as_ref().map(solution_effects::inheritance).unwrap_or_default();
            changes.status = Some(next.as_str().to_owned());
            changes.has_ever_been_live = Some(true);
            changes.live_url = Some(Some(
                offer.offer_type.live_url(&profile.publisher_id, &offer.row.offer_alias),
            ));
            changes.live_content_revision = Some(Some(submission.content_revision));
            if !repo::update_state(conn, &id, offer.row.version, &changes)? {
                return Err(if_match.stale());
            }
            submissions::complete(conn, &submission)?;
            if let Some(solution) = &source {
                solution_effects::migration_completed(conn, solution, time::now(), Some(&Actor::from(&caller)))?;
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new("offer.went_live", ENTITY, &id, Some(&offer.row.organization_id))
                    .transition(Some(offer.status.as_str()), Some(next.as_str())),
            )?;
            visible_offer(conn, &caller, &id)
        })
    })
    .await?;
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
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: OptionalBody<StopDistribution>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let confirmed = body.0.is_some_and(|b| b.confirm);
    let role = caller.role;
    let offer = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let offer = visible_offer(conn, &caller, &id)?;
            let next = decide(
                &offer,
                OfferAction::StopDistribution,
                &caller,
                &if_match,
                OfferStatus::Draft,
            )?;
            if !confirmed {
                return Err(ApiError::confirmation_required());
            }
            let changes = OfferStateChanges {
                status: Some(next.as_str().to_owned()),
                ..Default::default()
            };
            if !repo::update_state(conn, &id, offer.row.version, &changes)? {
                return Err(if_match.stale());
            }
            audit::record(
                conn,
                Some(&Actor::from(&caller)),
                Event::new(
                    "offer.distribution_stopped",
                    ENTITY,
                    &id,
                    Some(&offer.row.organization_id),
                )
                .transition(Some(offer.status.as_str()), Some(next.as_str())),
            )?;
            visible_offer(conn, &caller, &id)
        })
    })
    .await?;
    let version = offer.row.version;
    Ok(entity(StatusCode::OK, &offer.view(role)?, version))
}

/// The content a submission freezes.
pub fn snapshot(offer: &LoadedOffer) -> Value {
    let Sections {
        setup,
        properties,
        listing,
        plans,
        resell_csp,
        co_sell,
    } = &offer.sections;
    serde_json::json!({
        "name": offer.row.name,
        "offer_alias": offer.row.offer_alias,
        "offer_type": offer.offer_type,
        "publisher_profile_id": offer.row.publisher_profile_id,
        "setup": setup,
        "properties": properties,
        "listing": listing,
        "plans": plans,
        "resell_csp": resell_csp,
        "co_sell": co_sell,
    })
}
