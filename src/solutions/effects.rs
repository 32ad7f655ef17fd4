//! What happens to a solution when something else moves: its merge request is resolved, its
//! migrated draft is deleted, or its migrated offer goes live.

use chrono::NaiveDateTime;

use super::import::ENTITY;
use super::lifecycle::{self, SystemEvent};
use super::model::{MigrationStatus, Solution, SolutionChanges};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::db::DbConn;
use crate::enums::parse_stored;
use crate::error::ApiError;
use crate::http::time;
use crate::offers::model::OfferStateChanges;

/// The co-sell standing an offer takes over from the solution it came from.
pub fn inheritance(solution: &Solution) -> OfferStateChanges {
    OfferStateChanges {
        co_sell_status: Some(Some(solution.co_sell_status.clone())),
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
    action: &'static str,
    actor: Option<&Actor>,
) -> Result<MigrationStatus, ApiError> {
    let status: MigrationStatus = parse_stored(&solution.migration_status)?;
    let next =
        lifecycle::on_event(status, event).ok_or_else(|| ApiError::invalid_transition(status.as_str(), Vec::new()))?;
    let changes = SolutionChanges {
        migration_status: Some(next.as_str().to_owned()),
        ..changes
    };
    if !repo::update(conn, &solution.id, solution.version, &changes)? {
        return Err(ApiError::unavailable().with_cause("the solution changed concurrently"));
    }
    audit::record(
        conn,
        actor,
        Event::new(action, ENTITY, &solution.id, Some(&solution.organization_id))
            .transition(Some(status.as_str()), Some(next.as_str())),
    )?;
    Ok(next)
}

/// Support resolved the merge request as merged: the solution is merged for good.
pub fn merge_completed(conn: &mut DbConn, solution: &Solution, actor: Option<&Actor>) -> Result<(), ApiError> {
    let changes = SolutionChanges {
        completed_at: Some(Some(time::now())),
        ..Default::default()
    };
    move_solution(
        conn,
        solution,
        SystemEvent::MergeCompleted,
        changes,
        "solution.merged",
        actor,
    )
    .map(|_| ())
}

/// Support rejected the merge request, or it was withdrawn or canceled: back to pending.
pub fn merge_rejected(
    conn: &mut DbConn,
    solution: &Solution,
    actor: Option<&Actor>,
    action: &'static str,
) -> Result<(), ApiError> {
    let changes = SolutionChanges {
        ticket_id: Some(None),
        offer_id: Some(None),
        ..Default::default()
    };
    move_solution(conn, solution, SystemEvent::MergeRejected, changes, action, actor).map(|_| ())
}

/// The draft migrated from `solution_id` was deleted before it was ever live.
pub fn migrated_draft_deleted(
    conn: &mut DbConn,
    solution_id: &str,
    offer_id: &str,
    actor: Option<&Actor>,
) -> Result<(), ApiError> {
    let Some(solution) = repo::find(conn, solution_id)? else {
        return Ok(());
    };
    if solution.offer_id.as_deref() != Some(offer_id) || solution.migration_status != MigrationStatus::Migrated.as_str()
    {
        return Ok(());
    }
    let changes = SolutionChanges {
        offer_id: Some(None),
        ..Default::default()
    };
    move_solution(
        conn,
        &solution,
        SystemEvent::MigratedDraftDeleted,
        changes,
        "solution.migration_reverted",
        actor,
    )
    .map(|_| ())
}

/// The solution behind a migrated offer, while its migration is under way or done.
pub fn source_of_migrated(conn: &mut DbConn, solution_id: &str, offer_id: &str) -> Result<Option<Solution>, ApiError> {
    Ok(repo::find(conn, solution_id)?.filter(|s| {
        s.offer_id.as_deref() == Some(offer_id) && s.migration_status == MigrationStatus::Migrated.as_str()
    }))
}

/// The migrated offer went live: the solution records when its migration completed (once).
pub fn migration_completed(
    conn: &mut DbConn,
    solution: &Solution,
    at: NaiveDateTime,
    actor: Option<&Actor>,
) -> Result<(), ApiError> {
    if solution.completed_at.is_some() {
        return Ok(());
    }
    let changes = SolutionChanges {
        completed_at: Some(Some(at)),
        ..Default::default()
    };
    if !repo::update(conn, &solution.id, solution.version, &changes)? {
        return Err(ApiError::unavailable().with_cause("the solution changed concurrently"));
    }
    audit::record(
        conn,
        actor,
        Event::new(
            "solution.migration_completed",
            ENTITY,
            &solution.id,
            Some(&solution.organization_id),
        ),
    )
}
