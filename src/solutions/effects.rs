//! What happens to a solution when something else moves: its merge request is resolved,
//! withdrawn or canceled, its migrated draft is deleted, or its migrated offer goes live.

use super::lifecycle::{self, SystemEvent};
use super::model::{MigrationStatus, Solution, SolutionChanges};
use super::repo;
use crate::audit::model::AuditAction;
use crate::auth::Actor;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::{OfferId, SolutionId, TicketId};
use crate::offers::model::OfferStateChanges;
use crate::workflow::{self, Change};

/// The co-sell standing an offer takes over from the solution it came from.
pub fn inheritance(solution: &Solution) -> OfferStateChanges {
    OfferStateChanges {
        co_sell_status: Some(Some(solution.co_sell_status)),
        incentive_eligible: Some(solution.incentive_eligible),
        referral_pipeline: Some(Some(solution.referral_pipeline.clone())),
        ..Default::default()
    }
}

/// A system transition of the solution, guarded by its version.
fn move_solution(
    conn: &mut DbConn,
    solution: &Solution,
    event: SystemEvent,
    changes: SolutionChanges,
    action: AuditAction,
    actor: &Actor,
) -> Result<(), ApiError> {
    let from = solution.migration_status;
    let next = lifecycle::on_event(from, event)
        .ok_or_else(|| crate::lifecycle::Refusal::InvalidTransition.into_error(from.as_str(), Vec::new()))?;
    let changes = SolutionChanges {
        migration_status: Some(next),
        ..changes
    };
    let change = Change::new(action, solution.id.as_str(), Some(&solution.organization_id))
        .states(Some(from.as_str()), Some(next.as_str()));
    workflow::commit(conn, Some(actor), change, |conn| {
        repo::update(conn, &solution.id, solution.version, &changes)
    })
}

fn find(conn: &mut DbConn, id: &SolutionId) -> Result<Solution, ApiError> {
    repo::find(conn, id)?.ok_or_else(|| ApiError::internal("a merge request without its solution"))
}

/// Support resolved the merge request as merged: the solution is merged for good.
pub fn merge_completed(conn: &mut DbConn, solution_id: &SolutionId, actor: &Actor) -> Result<Solution, ApiError> {
    let solution = find(conn, solution_id)?;
    let changes = SolutionChanges {
        completed_at: Some(Some(crate::time::now())),
        ..Default::default()
    };
    move_solution(
        conn,
        &solution,
        SystemEvent::MergeCompleted,
        changes,
        AuditAction::SolutionMerged,
        actor,
    )?;
    Ok(solution)
}

/// Support rejected the merge request: the solution is pending again.
pub fn merge_rejected(conn: &mut DbConn, solution_id: &SolutionId, actor: &Actor) -> Result<(), ApiError> {
    let solution = find(conn, solution_id)?;
    back_to_pending(conn, &solution, AuditAction::SolutionMergeRejected, actor)
}

/// The merge request `ticket_id` was withdrawn or canceled: its solution is pending again (if
/// that request is still the solution's).
pub fn merge_withdrawn(
    conn: &mut DbConn,
    solution_id: &SolutionId,
    ticket_id: &TicketId,
    actor: &Actor,
) -> Result<(), ApiError> {
    match repo::find(conn, solution_id)? {
        Some(solution) if solution.ticket_id.as_ref() == Some(ticket_id) => {
            back_to_pending(conn, &solution, AuditAction::SolutionMergeWithdrawn, actor)
        }
        _ => Ok(()),
    }
}

fn back_to_pending(conn: &mut DbConn, solution: &Solution, action: AuditAction, actor: &Actor) -> Result<(), ApiError> {
    let changes = SolutionChanges {
        ticket_id: Some(None),
        offer_id: Some(None),
        ..Default::default()
    };
    move_solution(conn, solution, SystemEvent::MergeRejected, changes, action, actor)
}

/// The draft migrated from `solution_id` was deleted before it was ever live.
pub fn migrated_draft_deleted(
    conn: &mut DbConn,
    solution_id: &SolutionId,
    offer_id: &OfferId,
    actor: &Actor,
) -> Result<(), ApiError> {
    let Some(solution) = source_of_migrated(conn, solution_id, offer_id)? else {
        return Ok(());
    };
    let changes = SolutionChanges {
        offer_id: Some(None),
        ..Default::default()
    };
    move_solution(
        conn,
        &solution,
        SystemEvent::MigratedDraftDeleted,
        changes,
        AuditAction::SolutionMigrationReverted,
        actor,
    )
}

/// The solution behind a migrated offer, while its migration is under way or done.
pub fn source_of_migrated(
    conn: &mut DbConn,
    solution_id: &SolutionId,
    offer_id: &OfferId,
) -> Result<Option<Solution>, ApiError> {
    Ok(repo::find(conn, solution_id)?
        .filter(|s| s.offer_id.as_ref() == Some(offer_id) && s.migration_status == MigrationStatus::Migrated))
}

/// The migrated offer went live: the solution records when its migration completed (once).
pub fn migration_completed(conn: &mut DbConn, solution: &Solution, actor: &Actor) -> Result<(), ApiError> {
    if solution.completed_at.is_some() {
        return Ok(());
    }
    let changes = SolutionChanges {
        completed_at: Some(Some(crate::time::now())),
        ..Default::default()
    };
    let change = Change::new(
        AuditAction::SolutionMigrationCompleted,
        solution.id.as_str(),
        Some(&solution.organization_id),
    );
    workflow::commit(conn, Some(actor), change, |conn| {
        repo::update(conn, &solution.id, solution.version, &changes)
    })
}
