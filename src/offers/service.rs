//! Offers: drafts created and edited section by section, published through certification and
//! preview, live, and no longer available. Every move goes through [`OfferLifecycle`].

use actix_web::web::Bytes;
use serde_json::{Map, Value};

use super::compare::{self, Against, ComparedSubmission, Comparison};
use super::content;
use super::dto::{CreateOffer, OfferSummaryView};
use super::lifecycle::{OfferAction, OfferLifecycle};
use super::loaded::LoadedOffer;
use super::model::{Offer, OfferStateChanges, OfferStatus, OfferSummary, Origin};
use super::readiness::{FeedbackItem, Readiness, readiness};
use super::repo::{self, Filter};
use crate::audit::model::{AuditAction, AuditEvent, EntityType};
use crate::auth::roles::{Capability, Role};
use crate::auth::{Actor, Caller};
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode};
use crate::ids::OfferId;
use crate::lifecycle::{self, Precondition};
use crate::page::PageRequest;
use crate::render_cache::{RenderCache, render};
use crate::solutions::effects as solutions;
use crate::submissions::dto::Certification;
use crate::submissions::model::{CertificationResult, Submission, SubmissionState};
use crate::submissions::service as submissions;
use crate::workflow::{self, Change};

/// The offer if the caller may see it; 404 otherwise.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &OfferId) -> Result<LoadedOffer, ApiError> {
    LoadedOffer::load(caller.visible(repo::find(conn, id)?, |o| &o.organization_id)?)
}

/// The offer as the caller sees it, rendered, and its version. The version is read on every
/// request; a rendering kept for exactly that version and role is reused.
pub fn rendered(
    conn: &mut DbConn,
    claimed: &crate::auth::Claimed,
    id: &OfferId,
    views: &RenderCache<(OfferId, Role)>,
) -> Result<(Bytes, i64), ApiError> {
    // The caller's row and the offer's organization and version: one statement.
    let (caller, stamp) =
        crate::auth::identify_with(conn, claimed, |conn, user| repo::identity_and_stamp(conn, user, id))?;
    let caller = &caller;
    let (_, version) = caller.visible(stamp, |(organization, _)| organization)?;
    if let Some(body) = views.get((*id, caller.role), version) {
        return Ok((body, version));
    }
    let offer = visible(conn, caller, id)?;
    let version = offer.row.version;
    let body = render(&offer.view(caller.role)?)?;
    views.put((*id, caller.role), version, body.clone());
    Ok((body, version))
}

/// [`rendered`] on PostgreSQL when a rendering is kept for the offer's version: the caller's
/// row and the offer's stamp are read in the same one statement, on the worker's own connection
/// ([`db::pg_async`]) instead of through the blocking pool. `None` when the rendering must be
/// made (or the worker's connection failed): then [`rendered`].
pub async fn rendered_kept(
    url: &str,
    claimed: &crate::auth::Claimed,
    id: &OfferId,
    views: &RenderCache<(OfferId, Role)>,
) -> Result<Option<(Bytes, i64)>, ApiError> {
    let user = claimed.user()?;
    let read = async |conn: &_| repo::identity_and_stamp_async(conn, &user, id).await;
    let Some(found) = crate::db::pg_async::read(url, read).await else {
        return Ok(None);
    };
    let (caller, stamp) = crate::auth::honour(claimed, user, found)?;
    let (_, version) = caller.visible(stamp, |(organization, _)| organization)?;
    Ok(views.get((*id, caller.role), version).map(|body| (body, version)))
}

/// [`list_rendered`] on PostgreSQL, on the worker's own connection ([`db::pg_async`]): the page's
/// stamps, then the rows of the items not kept. `None` when the worker's connection failed, or
/// when an item's rendering was dropped from the cache between the two reads: then
/// [`list_rendered`].
pub async fn list_rendered_kept(
    url: &str,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
    summaries: &RenderCache<OfferId>,
) -> Result<Option<(Vec<Bytes>, Option<String>)>, ApiError> {
    use crate::db::pg_async;
    let scope = caller.organization_scope();
    let stamps = async |conn: &_| repo::list_stamps_async(conn, scope.as_ref(), filter, page).await;
    let Some(stamps) = pg_async::read(url, stamps).await else {
        return Ok(None);
    };
    let page = page.page(stamps, |(id, _)| id.as_str(), |stamp| stamp);
    let missing = summaries.missing(&page.items);
    let mut fresh = Vec::new();
    if !missing.is_empty() {
        let rows = async |conn: &_| repo::summaries_async(conn, &missing).await;
        let Some(rows) = pg_async::read(url, rows).await else {
            return Ok(None);
        };
        fresh = rows.into_iter().map(summary_body).collect::<Result<_, _>>()?;
    }
    let mut complete = true;
    let items = summaries.bodies(&page.items, |wanted| {
        complete = wanted.iter().all(|key| missing.contains(key));
        Ok::<_, ApiError>(fresh)
    })?;
    Ok(complete.then_some((items, page.next_cursor)))
}

/// A list item's rendering, keyed by its offer and version.
fn summary_body(row: OfferSummary) -> Result<(OfferId, i64, Bytes), ApiError> {
    Ok((row.id, row.version, render(&OfferSummaryView::from(row))?))
}

/// One page of offer summaries, rendered, and the next page's cursor. Ids and versions are
/// read first; only the rows whose rendering is not kept are read whole.
pub fn list_rendered(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
    summaries: &RenderCache<OfferId>,
) -> Result<(Vec<Bytes>, Option<String>), ApiError> {
    let stamps = repo::list_stamps(conn, caller.organization_scope().as_ref(), filter, page)?;
    let page = page.page(stamps, |(id, _)| id.as_str(), |stamp| stamp);
    let items = summaries.bodies(&page.items, |missing| {
        repo::summaries(conn, missing)?
            .into_iter()
            .map(summary_body)
            .collect::<Result<Vec<_>, ApiError>>()
    })?;
    Ok((items, page.next_cursor))
}

/// Adds `offer`, a new draft, and records its creation.
pub fn add(conn: &mut DbConn, offer: &Offer, actor: &Actor) -> Result<(), ApiError> {
    repo::insert(conn, offer)?;
    let change = Change::new(
        AuditAction::OfferCreated,
        offer.id.as_str(),
        Some(&offer.organization_id),
    )
    .states(None, Some(offer.status.as_str()));
    workflow::record(conn, Some(actor), change)
}

/// A new draft of the caller's organization, for one of its active publisher profiles.
pub fn create(conn: &mut DbConn, caller: &Caller, input: &CreateOffer) -> Result<LoadedOffer, ApiError> {
    caller.require(Capability::EditOffers)?;
    let organization_id = caller.own_organization()?;
    crate::publishers::service::for_new_offer(
        conn,
        &organization_id,
        &input.publisher_profile_id,
        "#/publisher_profile_id",
    )?;
    let offer = Offer::draft(
        organization_id,
        input.publisher_profile_id,
        input.offer_alias.clone(),
        input.name.trim().to_owned(),
        input.offer_type,
        Origin::Created,
    );
    add(conn, &offer, &caller.actor())?;
    LoadedOffer::load(offer)
}

/// The state machine's verdict on `action` (403, 412, then 409 with what is allowed);
/// `sections_incomplete` lists every issue that stops publishing.
fn decide(
    offer: &LoadedOffer,
    action: OfferAction,
    caller: &Caller,
    expected: &Precondition,
    status_before_submission: OfferStatus,
) -> Result<OfferStatus, ApiError> {
    let facts = offer.facts(status_before_submission);
    lifecycle::decide::<OfferLifecycle>(facts, action, caller.role, expected, offer.row.version).map_err(|e| {
        match e.code {
            ErrorCode::SectionsIncomplete => {
                e.with_errors(readiness(offer.row.offer_type, &offer.sections).blocking_issues())
            }
            _ => e,
        }
    })
}

/// Moves the offer to `next` (and sets `changes`), guarded by its version, and records it.
fn transition(
    conn: &mut DbConn,
    caller: &Caller,
    offer: &LoadedOffer,
    next: OfferStatus,
    changes: OfferStateChanges,
    action: AuditAction,
) -> Result<(), ApiError> {
    let changes = OfferStateChanges {
        status: Some(next),
        ..changes
    };
    let row = &offer.row;
    let change = Change::new(action, row.id.as_str(), Some(&row.organization_id))
        .states(Some(row.status.as_str()), Some(next.as_str()));
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::update_state(conn, &row.id, row.version, &changes)
    })
}

/// A JSON merge patch of `name` and the sections; a live offer stays live. The audit event (and
/// the event) carry the edit's operations; an edit that brings the content back to what is live
/// leaves the offer without unpublished changes. The answer: the offer as the caller sees it,
/// rendered, and its version.
pub fn edit(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    expected: &Precondition,
    patch: &Map<String, Value>,
) -> Result<(Bytes, i64), ApiError> {
    let offer = visible(conn, caller, id)?;
    decide(&offer, OfferAction::Edit, caller, expected, OfferStatus::Draft)?;
    let (changes, merged) = content::merge(&offer, patch)?;
    // Only the members the patch names can change: the edit's operations compare just those.
    let edited_members = || patch.keys().map(String::as_str);
    let before = offer.snapshot_of(edited_members());
    let (read_version, organization_id) = (offer.row.version, offer.row.organization_id);
    let at = crate::time::now();
    let mut edited = offer.edited(changes.clone(), merged, at);
    let after = edited.snapshot_of(edited_members());
    let live_again = edited.row.has_unpublished_changes() && back_to_live(conn, id, &edited, &after)?;
    if live_again {
        edited.row.live_content_revision = Some(edited.row.content_revision);
    }
    // The offer as written is in hand: the event carries it without reading it back, and one
    // rendering serves the event and the answer.
    let written_version = edited.row.version;
    let (answer, object) = edited.rendered_and_object(caller.role)?;
    let change = Change::new(AuditAction::OfferUpdated, id.as_str(), Some(&organization_id))
        .changes(crate::changes::diff(&before, &after))
        .object(object);
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        let written = repo::update_content(conn, id, read_version, &changes, at)?;
        if written == 1 && live_again {
            repo::mark_live_content(conn, id)?;
        }
        Ok(written)
    })?;
    Ok((answer, written_version))
}

/// Whether the content of `edited` is what went live last. `edited_members` (the members the
/// edit set, as [`LoadedOffer::snapshot_of`] gives them) are compared first, each parsed on its
/// own from the live content: an edit that leaves any of them unlike the live one, as most do,
/// costs no parse of the rest.
fn back_to_live(
    conn: &mut DbConn,
    id: &OfferId,
    edited: &LoadedOffer,
    edited_members: &Value,
) -> Result<bool, ApiError> {
    let Some(live) = submissions::latest_in(conn, id, SubmissionState::Completed)? else {
        return Ok(false);
    };
    let members: std::collections::BTreeMap<String, &serde_json::value::RawValue> =
        serde_json::from_str(&live.snapshot)?;
    for (name, value) in edited_members.as_object().into_iter().flatten() {
        let Some(raw) = members.get(name) else {
            return Ok(false);
        };
        if serde_json::from_str::<Value>(raw.get())? != *value {
            return Ok(false);
        }
    }
    Ok(serde_json::from_str::<Value>(&live.snapshot)? == edited.snapshot())
}

/// The offer's content now against a submitted version (`live` by default).
pub fn changes(conn: &mut DbConn, caller: &Caller, id: &OfferId, against: Against) -> Result<Comparison, ApiError> {
    let offer = visible(conn, caller, id)?;
    let submission = match against {
        Against::Live => submissions::latest_in(conn, id, SubmissionState::Completed)?,
        Against::Preview => submissions::latest_in(conn, id, SubmissionState::InPreview)?,
        Against::Submission(submission_id) => submissions::of(conn, id, &submission_id)?,
    };
    let Some(submission) = submission else {
        let detail = match against {
            Against::Live => "The offer has never gone live: there is no live version to compare with.",
            Against::Preview => "The offer has no submission in preview to compare with.",
            Against::Submission(_) => "The offer has no such submission to compare with.",
        };
        return Err(ApiError::new(ErrorCode::NothingToCompare, detail));
    };
    let snapshot: Value = serde_json::from_str(&submission.snapshot)?;
    let against = ComparedSubmission {
        submission_id: submission.id,
        sequence: submission.sequence,
        state: submission.state,
    };
    Ok(compare::compare(against, &snapshot, &offer.snapshot()))
}

/// Deletes a draft that was never live; a draft migrated from a solution gives it back.
pub fn delete(conn: &mut DbConn, caller: &Caller, id: &OfferId, expected: &Precondition) -> Result<(), ApiError> {
    let offer = visible(conn, caller, id)?;
    decide(&offer, OfferAction::Delete, caller, expected, OfferStatus::Draft)?;
    let actor = caller.actor();
    let change = Change::new(AuditAction::OfferDeleted, id.as_str(), Some(&offer.row.organization_id))
        .states(Some(offer.status().as_str()), None);
    workflow::commit(conn, Some(&actor), change, |conn| {
        repo::delete(conn, id, offer.row.version)
    })?;
    match &offer.row.source_solution_id {
        Some(solution_id) => solutions::migrated_draft_deleted(conn, solution_id, id, &actor),
        None => Ok(()),
    }
}

/// Submits the offer for certification: submission N+1, certified at once with `auto_certify`.
pub fn publish(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    expected: &Precondition,
    notes: Option<String>,
    auto_certify: bool,
) -> Result<Submission, ApiError> {
    let offer = visible(conn, caller, id)?;
    let next = decide(&offer, OfferAction::Publish, caller, expected, OfferStatus::Draft)?;
    transition(
        conn,
        caller,
        &offer,
        next,
        OfferStateChanges::default(),
        AuditAction::OfferPublished,
    )?;
    let submission = submissions::open(conn, &offer, caller, notes)?;
    if auto_certify {
        return submissions::record_certification(conn, &submission, None, CertificationResult::Passed, Vec::new());
    }
    Ok(submission)
}

/// Cancels the submission in certification; the offer returns to where it was before.
pub fn cancel_publish(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    expected: &Precondition,
) -> Result<LoadedOffer, ApiError> {
    let offer = visible(conn, caller, id)?;
    let latest = submissions::latest(conn, id)?;
    let next = decide(
        &offer,
        OfferAction::CancelPublish,
        caller,
        expected,
        submissions::status_before(latest.as_ref()),
    )?;
    transition(
        conn,
        caller,
        &offer,
        next,
        OfferStateChanges::default(),
        AuditAction::OfferPublishCanceled,
    )?;
    let submission = latest.ok_or_else(|| ApiError::internal("an offer in publishing has no submission"))?;
    submissions::cancel(conn, &submission)?;
    visible(conn, caller, id)
}

/// The offer in preview goes live; migrated from a solution, it takes over its co-sell standing.
pub fn go_live(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    expected: &Precondition,
) -> Result<LoadedOffer, ApiError> {
    let offer = visible(conn, caller, id)?;
    let next = decide(&offer, OfferAction::GoLive, caller, expected, OfferStatus::Draft)?;
    let submission =
        submissions::latest(conn, id)?.ok_or_else(|| ApiError::internal("an offer in preview has no submission"))?;
    let profile = crate::publishers::repo::find(conn, &offer.row.publisher_profile_id)?
        .ok_or_else(|| ApiError::internal("publisher profile vanished"))?;
    // A migrated offer takes over its solution's co-sell standing the first time it goes live.
    let source = match &offer.row.source_solution_id {
        Some(solution_id) if !offer.row.has_ever_been_live => solutions::source_of_migrated(conn, solution_id, id)?,
        _ => None,
    };
    let changes = OfferStateChanges {
        has_ever_been_live: Some(true),
        live_url: Some(Some(
            offer
                .row
                .offer_type
                .live_url(&profile.publisher_id, &offer.row.offer_alias),
        )),
        // What goes live is the submission's content; the offer is in step with it unless it
        // was edited since (an edit undone again counts as none).
        live_content_revision: Some(Some(
            if serde_json::from_str::<Value>(&submission.snapshot)? == offer.snapshot() {
                offer.row.content_revision
            } else {
                submission.content_revision
            },
        )),
        ..source.as_ref().map(solutions::inheritance).unwrap_or_default()
    };
    transition(conn, caller, &offer, next, changes, AuditAction::OfferWentLive)?;
    submissions::complete(conn, &submission)?;
    if let Some(solution) = &source {
        solutions::migration_completed(conn, solution, &caller.actor())?;
    }
    visible(conn, caller, id)
}

/// A live offer is no longer available; needs `confirmed`.
pub fn stop_distribution(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    expected: &Precondition,
    confirmed: bool,
) -> Result<LoadedOffer, ApiError> {
    let offer = visible(conn, caller, id)?;
    let next = decide(
        &offer,
        OfferAction::StopDistribution,
        caller,
        expected,
        OfferStatus::Draft,
    )?;
    if !confirmed {
        return Err(ApiError::confirmation_required());
    }
    transition(
        conn,
        caller,
        &offer,
        next,
        OfferStateChanges::default(),
        AuditAction::OfferDistributionStopped,
    )?;
    visible(conn, caller, id)
}

/// The "Review and publish" page.
pub fn readiness_of(conn: &mut DbConn, caller: &Caller, id: &OfferId) -> Result<Readiness, ApiError> {
    let offer = visible(conn, caller, id)?;
    let mut readiness = readiness(offer.row.offer_type, &offer.sections);
    if offer.row.status == OfferStatus::AttentionNeeded
        && let Some(failed) = submissions::latest_in(conn, id, SubmissionState::FailedCertification)?
    {
        let snapshot: Value = serde_json::from_str(&failed.snapshot)?;
        let now = offer.snapshot();
        let certification: Option<Certification> =
            failed.certification.as_deref().map(serde_json::from_str).transpose()?;
        readiness.certification_feedback = certification
            .map(|c| c.feedback)
            .unwrap_or_default()
            .into_iter()
            .map(|item| FeedbackItem {
                addressed: compare::addressed(&item.pointer, &snapshot, &now),
                section: item.section,
                pointer: item.pointer,
                message: item.message,
            })
            .collect();
    }
    Ok(readiness)
}

/// The offer's audit events, newest first: like the audit log, for owners, managers and staff.
pub fn history(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    page: &PageRequest,
) -> Result<Vec<AuditEvent>, ApiError> {
    visible(conn, caller, id)?;
    caller.require(Capability::ReadAuditLog)?;
    let filter = crate::audit::repo::Filter::of(EntityType::Offer, id.as_str());
    crate::audit::repo::list(conn, None, &filter, page)
}

/// The offer's submissions, newest first.
pub fn submissions_of(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OfferId,
    page: &PageRequest,
) -> Result<Vec<Submission>, ApiError> {
    visible(conn, caller, id)?;
    submissions::of_offer(conn, id, page)
}

/// A live offer takes over the co-sell standing of a solution merged into it.
pub fn inherit(
    conn: &mut DbConn,
    id: &OfferId,
    changes: &OfferStateChanges,
    organization_id: &crate::ids::OrganizationId,
    actor: &Actor,
) -> Result<(), ApiError> {
    repo::inherit(conn, id, changes)?;
    workflow::record(
        conn,
        Some(actor),
        Change::new(AuditAction::OfferCoSellInherited, id.as_str(), Some(organization_id)),
    )
}
