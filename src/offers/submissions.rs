//! Submissions: one publish attempt each, moving through automated validation, certification,
//! preview and publish.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use uuid::Uuid;

use super::dto::{
    Certification, CertificationFeedback, CertificationResult, CertifySubmission, ListSubmissionsQuery, LoadedOffer,
    PageQuery, Step, StepName, StepState, SubmissionView,
};
use super::handlers::{ENTITY, snapshot, visible_offer};
use super::lifecycle::{self, Verdict};
use super::model::{OfferStateChanges, Submission, SubmissionChanges, SubmissionState};
use super::repo::{self, SubmissionFilter};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::{self, DbConn};
use crate::enums::parse_stored;
use crate::error::{ApiError, FieldIssue};
use crate::http::body::Body;
use crate::http::conditional::{IfMatch, entity, retry_on_stale};
use crate::http::pagination::parse_list;
use crate::http::pagination::{Page, PageRequest};
use crate::http::time::{self, Timestamp};
use crate::openapi::responses::*;

fn now_text() -> String {
    Timestamp(time::now()).to_rfc3339()
}

fn step(name: StepName, state: StepState, started: Option<String>, completed: Option<String>) -> Step {
    Step {
        name,
        state,
        started_at: started,
        completed_at: completed,
    }
}

/// Opens submission N+1 of `offer`: validation passed, certification started, content frozen.
pub fn open(
    conn: &mut DbConn,
    offer: &LoadedOffer,
    caller: &Caller,
    notes: Option<String>,
) -> Result<Submission, ApiError> {
    let now = time::now();
    let at = now_text();
    let steps = vec![
        step(
            StepName::AutomatedValidation,
            StepState::Complete,
            Some(at.clone()),
            Some(at.clone()),
        ),
        step(StepName::Certification, StepState::InProgress, Some(at), None),
        step(StepName::Preview, StepState::NotStarted, None, None),
        step(StepName::Publish, StepState::NotStarted, None, None),
    ];
    let submission = Submission {
        id: Uuid::now_v7().to_string(),
        offer_id: offer.row.id.clone(),
        organization_id: offer.row.organization_id.clone(),
        sequence: repo::next_sequence(conn, &offer.row.id)?,
        state: SubmissionState::InCertification.as_str().to_owned(),
        offer_status_before: offer.status.as_str().to_owned(),
        content_revision: offer.row.content_revision,
        steps: to_json(&steps),
        certification: None,
        preview_url: None,
        snapshot: snapshot(offer).to_string(),
        notes_for_certification: notes,
        submitted_by: caller.id.to_string(),
        submitted_at: now,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert_submission(conn, &submission)?;
    Ok(submission)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn steps_of(submission: &Submission) -> Result<Vec<Step>, ApiError> {
    serde_json::from_str(&submission.steps).map_err(|e| ApiError::internal(format!("stored steps: {e}")))
}

/// Sets the named step and marks every step that had not started as skipped when `skip_rest`.
fn advance(steps: &mut [Step], name: StepName, state: StepState, skip_rest: bool) {
    let at = now_text();
    for s in steps.iter_mut() {
        if s.name == name {
            if s.started_at.is_none() {
                s.started_at = Some(at.clone());
            }
            s.state = state;
            if state != StepState::InProgress {
                s.completed_at = Some(at.clone());
            }
        } else if skip_rest && s.state == StepState::NotStarted {
            s.state = StepState::Skipped;
        }
    }
}

/// Records a certification verdict on the submission and the offer (reviewer `None`: automatic).
pub fn decide_certification(
    conn: &mut DbConn,
    submission: &Submission,
    reviewer_id: Option<String>,
    result: CertificationResult,
    feedback: Vec<CertificationFeedback>,
) -> Result<Submission, ApiError> {
    let verdict = if result == CertificationResult::Passed {
        Verdict::Passed
    } else {
        Verdict::Failed
    };
    let state: SubmissionState = parse_stored(&submission.state)?;
    // Automatic certification acts with a reviewer's authority.
    let (next_state, next_offer_status) = lifecycle::certify(state, verdict, crate::auth::roles::Role::Reviewer)
        .map_err(|_| ApiError::invalid_transition(state.as_str(), Vec::new()))?;
    let mut steps = steps_of(submission)?;
    let preview_url = match verdict {
        Verdict::Passed => {
            advance(&mut steps, StepName::Certification, StepState::Complete, false);
            advance(&mut steps, StepName::Preview, StepState::InProgress, false);
            Some(format!(
                "https://preview.cosell.example/offers/{}?submission={}",
                submission.offer_id, submission.sequence
            ))
        }
        Verdict::Failed => {
            advance(&mut steps, StepName::Certification, StepState::Failed, true);
            None
        }
    };
    let certification = Certification {
        result,
        feedback,
        reviewer_id: reviewer_id.clone(),
        decided_at: now_text(),
    };
    let changes = SubmissionChanges {
        state: Some(next_state.as_str().to_owned()),
        steps: Some(to_json(&steps)),
        certification: Some(Some(to_json(&certification))),
        preview_url: Some(preview_url),
    };
    // The offer row is written first, as every path that moves a submission does, so concurrent
    // moves of one offer queue on its lock instead of deadlocking; a lost race writes nothing.
    let offer =
        repo::find(conn, &submission.offer_id)?.ok_or_else(|| ApiError::internal("offer of a submission vanished"))?;
    let offer_changes = OfferStateChanges {
        status: Some(next_offer_status.as_str().to_owned()),
        ..Default::default()
    };
    if !repo::update_state(conn, &offer.id, offer.version, &offer_changes)? {
        return Err(IfMatch::default().stale());
    }
    update_after_offer(conn, submission, &changes)?;
    let action = if verdict == Verdict::Passed {
        "offer.certification_passed"
    } else {
        "offer.certification_failed"
    };
    let actor = reviewer_id.map(|id| Actor {
        id,
        role: crate::auth::roles::Role::Reviewer,
    });
    audit::record(
        conn,
        actor.as_ref(),
        Event::new(action, ENTITY, &offer.id, Some(&offer.organization_id))
            .transition(Some(&offer.status), Some(next_offer_status.as_str())),
    )?;
    repo::find_submission(conn, &submission.id)?.ok_or_else(|| ApiError::internal("submission vanished"))
}

/// Writes a submission after its offer row was written (and locked) in the same transaction;
/// a version clash here means the lock order was broken, not a race to retry.
fn update_after_offer(conn: &mut DbConn, submission: &Submission, changes: &SubmissionChanges) -> Result<(), ApiError> {
    if repo::update_submission(conn, &submission.id, submission.version, changes)? {
        Ok(())
    } else {
        Err(ApiError::unavailable().with_cause("a submission changed although its offer was locked"))
    }
}

/// The submission in certification is canceled with its offer's publish.
pub fn cancel(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    let mut steps = steps_of(submission)?;
    advance(&mut steps, StepName::Certification, StepState::Canceled, true);
    let changes = SubmissionChanges {
        state: Some(SubmissionState::Canceled.as_str().to_owned()),
        steps: Some(to_json(&steps)),
        ..Default::default()
    };
    update_after_offer(conn, submission, &changes)
}

/// The submission in preview completes as its offer goes live.
pub fn complete(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    let mut steps = steps_of(submission)?;
    advance(&mut steps, StepName::Preview, StepState::Complete, false);
    advance(&mut steps, StepName::Publish, StepState::Complete, false);
    let changes = SubmissionChanges {
        state: Some(SubmissionState::Completed.as_str().to_owned()),
        steps: Some(to_json(&steps)),
        ..Default::default()
    };
    update_after_offer(conn, submission, &changes)
}

#[utoipa::path(
    operation_id = "list_offer_submissions",
    tag = "submissions",
    summary = "List an offer's submissions",
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
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let fetch = page.clone();
    let role = caller.role;
    let rows = db::read(&state.pool, move |conn| {
        visible_offer(conn, &caller, &id)?;
        repo::list_submissions(
            conn,
            None,
            &SubmissionFilter {
                offer_id: Some(id),
                ..Default::default()
            },
            &fetch,
        )
    })
    .await?;
    let items = rows
        .into_iter()
        .map(|s| SubmissionView::build(s, role))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |s| &s.id, |s| s).respond(&req))
}

#[utoipa::path(
    operation_id = "list_submissions",
    tag = "submissions",
    summary = "List submissions",
    description = "Reviewers see every organization's submissions: `state=in_certification` is the certification queue. Partners see their own.",
    params(ListSubmissionsQuery),
    responses(
        (status = 200, description = "One page of submissions, newest first", body = Page<SubmissionView>),
    ),
    security(("bearer" = []))
)]
#[get("")]
pub async fn list_submissions(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ListSubmissionsQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let page = PageRequest::parse(query.limit, query.cursor)?;
    let filter = SubmissionFilter {
        offer_id: query.offer_id.map(|o| o.to_string()),
        states: parse_list::<SubmissionState>(query.state.as_deref(), "state")?,
        organization_id: query.organization_id.map(|o| o.to_string()),
    };
    let scope = caller.organization_scope();
    let role = caller.role;
    let fetch = page.clone();
    let rows = db::read(&state.pool, move |conn| {
        repo::list_submissions(conn, scope.as_deref(), &filter, &fetch)
    })
    .await?;
    let items = rows
        .into_iter()
        .map(|s| SubmissionView::build(s, role))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page.page(items, |s| &s.id, |s| s).respond(&req))
}

#[utoipa::path(
    operation_id = "get_submission",
    tag = "submissions",
    summary = "Get a submission",
    params(("id" = Uuid, Path, description = "Submission id")),
    responses(
        (status = 200, description = "The submission with its steps, certification and snapshot", body = SubmissionView, headers(("ETag" = String))),
    ),
    security(("bearer" = []))
)]
#[get("/{id}")]
pub async fn get_submission(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let role = caller.role;
    let submission = db::read(&state.pool, move |conn| visible_submission(conn, &caller, &id)).await?;
    let version = submission.version;
    Ok(entity(
        StatusCode::OK,
        &SubmissionView::build(submission, role)?,
        version,
    ))
}

fn visible_submission(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Submission, ApiError> {
    caller.visible(repo::find_submission(conn, id)?, |s| &s.organization_id)
}

#[utoipa::path(
    operation_id = "certify_submission",
    tag = "submissions",
    summary = "Certify a submission",
    description = "Reviewers only, while the submission is in certification. `passed`: the submission goes to preview with a \
`preview_url` and the offer to `preview`. `failed` (needs at least one feedback item): the offer needs attention and \
the partner sees the feedback; publishing again starts a new submission. Honours `If-Match` (the submission's ETag).",
    params(
        ("id" = Uuid, Path, description = "Submission id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the submission"),
    ),
    request_body = CertifySubmission,
    responses(
        (status = 200, description = "The decided submission", body = SubmissionView, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/{id}/certify")]
pub async fn certify_submission(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Body<CertifySubmission>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().to_string();
    let input = body.into_inner();
    let role = caller.role;
    let submission = db::write(&state.pool, move |conn| {
        retry_on_stale(conn, |conn| {
            let submission = visible_submission(conn, &caller, &id)?;
            if !Capability::CertifySubmissions.allowed(caller.role) {
                return Err(ApiError::forbidden());
            }
            // Submissions move only with their offer, whose row is locked first; read again under it.
            repo::lock(conn, &submission.offer_id)?;
            let submission = visible_submission(conn, &caller, &id)?;
            let state: SubmissionState = parse_stored(&submission.state)?;
            let verdict = if input.result == CertificationResult::Passed {
                Verdict::Passed
            } else {
                Verdict::Failed
            };
            let allowed = || {
                lifecycle::submission_actions(state, caller.role)
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            };
            crate::lifecycle::settle(
                lifecycle::certify(state, verdict, caller.role),
                &if_match,
                submission.version,
                state.as_str(),
                allowed,
            )?;
            if verdict == Verdict::Failed && input.feedback.is_empty() {
                return Err(ApiError::validation(vec![FieldIssue::new(
                    "#/feedback",
                    "required",
                    "a failed certification needs at least one feedback item",
                )]));
            }
            decide_certification(
                conn,
                &submission,
                Some(caller.id.to_string()),
                input.result,
                input.feedback.clone(),
            )
        })
    })
    .await?;
    let version = submission.version;
    Ok(entity(
        StatusCode::OK,
        &SubmissionView::build(submission, role)?,
        version,
    ))
}
