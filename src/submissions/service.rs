//! Submissions: one publish attempt each, moving through automated validation, certification,
//! preview and publish. A submission only moves with its offer, whose row is written (and so
//! locked) first: concurrent moves of one offer queue on that lock instead of deadlocking.

use super::dto::{Certification, CertificationFeedback, CertifySubmission, Step, StepName, StepState};
use super::lifecycle;
use super::model::{CertificationResult, Submission, SubmissionChanges, SubmissionState};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::roles::Role;
use crate::auth::{Actor, Caller};
use crate::db::DbConn;
use crate::error::{ApiError, IssueCode};
use crate::ids::{OfferId, SubmissionId};
use crate::lifecycle::{Precondition, settle};
use crate::offers::loaded::LoadedOffer;
use crate::offers::model::{OfferStateChanges, OfferStatus};
use crate::offers::repo as offers;
use crate::page::PageRequest;
use crate::time::{self, Timestamp};
use crate::workflow::{self, Change};

/// The submission if the caller may see it; 404 otherwise.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &SubmissionId) -> Result<Submission, ApiError> {
    caller.visible(repo::find(conn, id)?, |s| &s.organization_id)
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Submission>, ApiError> {
    repo::list(conn, caller.organization_scope().as_ref(), filter, page)
}

/// The submissions of an offer the caller may see.
pub fn of_offer(conn: &mut DbConn, offer_id: &OfferId, page: &PageRequest) -> Result<Vec<Submission>, ApiError> {
    let filter = Filter {
        offer_id: Some(*offer_id),
        ..Default::default()
    };
    repo::list(conn, None, &filter, page)
}

/// The offer's most recent submission.
pub fn latest(conn: &mut DbConn, offer_id: &OfferId) -> Result<Option<Submission>, ApiError> {
    repo::latest(conn, offer_id)
}

/// The offer's most recent submission in `state`: `completed` is what is live (the one that
/// went live last), `in_preview` what is in preview, `failed_certification` the last refusal.
pub fn latest_in(
    conn: &mut DbConn,
    offer_id: &OfferId,
    state: SubmissionState,
) -> Result<Option<Submission>, ApiError> {
    repo::latest_in(conn, offer_id, state)
}

/// The submission `id`, when it is one of the offer's.
pub fn of(conn: &mut DbConn, offer_id: &OfferId, id: &SubmissionId) -> Result<Option<Submission>, ApiError> {
    Ok(repo::find(conn, id)?.filter(|s| s.offer_id == *offer_id))
}

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
        id: SubmissionId::generate(),
        offer_id: offer.row.id,
        organization_id: offer.row.organization_id,
        sequence: repo::next_sequence(conn, &offer.row.id)?,
        state: SubmissionState::InCertification,
        offer_status_before: offer.status(),
        content_revision: offer.row.content_revision,
        steps: serde_json::to_string(&steps)?,
        certification: None,
        preview_url: None,
        snapshot: offer.snapshot().to_string(),
        notes_for_certification: notes,
        submitted_by: caller.id,
        submitted_at: now,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    repo::insert(conn, &submission)?;
    Ok(submission)
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

/// A reviewer's verdict: 403 for anyone else, then 412, then 409 unless the submission is in
/// certification; a failure needs at least one feedback item.
pub fn certify(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SubmissionId,
    expected: &Precondition,
    input: &CertifySubmission,
) -> Result<Submission, ApiError> {
    let submission = visible(conn, caller, id)?;
    caller.require(crate::auth::roles::Capability::CertifySubmissions)?;
    // Submissions move only with their offer, whose row is locked first; read again under it.
    offers::lock(conn, &submission.offer_id)?;
    let submission = visible(conn, caller, id)?;
    settle(
        lifecycle::certify(submission.state, input.result, caller.role),
        expected,
        submission.version,
        &submission.state,
        || {
            lifecycle::allowed_actions(submission.state, caller.role)
                .iter()
                .map(|a| a.to_string())
                .collect()
        },
    )?;
    if input.result == CertificationResult::Failed && input.feedback.is_empty() {
        return Err(ApiError::invalid_field(
            "#/feedback",
            IssueCode::Required,
            "a failed certification needs at least one feedback item",
        ));
    }
    record_certification(
        conn,
        &submission,
        Some(caller.actor()),
        input.result,
        input.feedback.clone(),
    )
}

/// Records a certification verdict on the submission and its offer (`reviewer` `None`:
/// certified automatically, with a reviewer's authority).
pub fn record_certification(
    conn: &mut DbConn,
    submission: &Submission,
    reviewer: Option<Actor>,
    result: CertificationResult,
    feedback: Vec<CertificationFeedback>,
) -> Result<Submission, ApiError> {
    let (next_state, next_offer_status) = lifecycle::certify(submission.state, result, Role::Reviewer)
        .map_err(|refusal| refusal.into_error(submission.state.as_str(), Vec::new()))?;
    let mut steps: Vec<Step> = serde_json::from_str(&submission.steps)?;
    let preview_url = match result {
        CertificationResult::Passed => {
            advance(&mut steps, StepName::Certification, StepState::Complete, false);
            advance(&mut steps, StepName::Preview, StepState::InProgress, false);
            Some(format!(
                "https://preview.cosell.example/offers/{}?submission={}",
                submission.offer_id, submission.sequence
            ))
        }
        CertificationResult::Failed => {
            advance(&mut steps, StepName::Certification, StepState::Failed, true);
            None
        }
    };
    let certification = Certification {
        result,
        feedback,
        reviewer_id: reviewer.map(|r| r.id),
        decided_at: now_text(),
    };
    let changes = SubmissionChanges {
        state: Some(next_state),
        steps: Some(serde_json::to_string(&steps)?),
        certification: Some(Some(serde_json::to_string(&certification)?)),
        preview_url: Some(preview_url),
    };
    let offer = offers::find(conn, &submission.offer_id)?
        .ok_or_else(|| ApiError::internal("offer of a submission vanished"))?;
    let action = match result {
        CertificationResult::Passed => AuditAction::OfferCertificationPassed,
        CertificationResult::Failed => AuditAction::OfferCertificationFailed,
    };
    let change = Change::new(action, offer.id.as_str(), Some(&offer.organization_id))
        .states(Some(offer.status.as_str()), Some(next_offer_status.as_str()));
    workflow::commit(conn, reviewer.as_ref(), change, |conn| {
        offers::update_state(
            conn,
            &offer.id,
            offer.version,
            &OfferStateChanges::status(next_offer_status),
        )
    })?;
    update_after_offer(conn, submission, &changes)?;
    repo::find(conn, &submission.id)?.ok_or_else(|| ApiError::internal("submission vanished"))
}

/// Writes a submission after its offer row was written (and locked) in the same transaction;
/// a version clash here means the lock order was broken, not a race to retry.
fn update_after_offer(conn: &mut DbConn, submission: &Submission, changes: &SubmissionChanges) -> Result<(), ApiError> {
    if repo::update(conn, &submission.id, submission.version, changes)? == 1 {
        Ok(())
    } else {
        Err(ApiError::unavailable().with_cause("a submission changed although its offer was locked"))
    }
}

/// The submission in certification is canceled with its offer's publish.
pub fn cancel(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    let mut steps: Vec<Step> = serde_json::from_str(&submission.steps)?;
    advance(&mut steps, StepName::Certification, StepState::Canceled, true);
    let changes = SubmissionChanges {
        state: Some(SubmissionState::Canceled),
        steps: Some(serde_json::to_string(&steps)?),
        ..Default::default()
    };
    update_after_offer(conn, submission, &changes)
}

/// The submission in preview completes as its offer goes live.
pub fn complete(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    let mut steps: Vec<Step> = serde_json::from_str(&submission.steps)?;
    advance(&mut steps, StepName::Preview, StepState::Complete, false);
    advance(&mut steps, StepName::Publish, StepState::Complete, false);
    let changes = SubmissionChanges {
        state: Some(SubmissionState::Completed),
        steps: Some(serde_json::to_string(&steps)?),
        ..Default::default()
    };
    update_after_offer(conn, submission, &changes)
}

/// Where a canceled submission returns its offer: the status it had before publishing.
pub fn status_before(submission: Option<&Submission>) -> OfferStatus {
    submission.map(|s| s.offer_status_before).unwrap_or(OfferStatus::Draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_certification_skips_the_steps_that_had_not_started() {
        let mut steps = vec![
            step(StepName::Certification, StepState::InProgress, Some("t".into()), None),
            step(StepName::Preview, StepState::NotStarted, None, None),
            step(StepName::Publish, StepState::NotStarted, None, None),
        ];
        advance(&mut steps, StepName::Certification, StepState::Failed, true);
        let states: Vec<StepState> = steps.iter().map(|s| s.state).collect();
        assert_eq!(states, [StepState::Failed, StepState::Skipped, StepState::Skipped]);
        assert!(steps[0].completed_at.is_some() && steps[0].started_at.as_deref() == Some("t"));
    }

    #[test]
    fn a_step_in_progress_has_no_completion_time() {
        let mut steps = vec![step(StepName::Preview, StepState::NotStarted, None, None)];
        advance(&mut steps, StepName::Preview, StepState::InProgress, false);
        assert!(steps[0].started_at.is_some() && steps[0].completed_at.is_none());
    }
}
