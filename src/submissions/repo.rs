use diesel::prelude::*;

use super::model::{Submission, SubmissionChanges, SubmissionState};
use crate::db::schema::submissions;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{OfferId, OrganizationId, SubmissionId};
use crate::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &SubmissionId) -> Result<Option<Submission>, ApiError> {
    Ok(submissions::table
        .find(id)
        .select(Submission::as_select())
        .first(conn)
        .optional()?)
}

/// The offer's most recent submission.
pub fn latest(conn: &mut DbConn, offer_id: &OfferId) -> Result<Option<Submission>, ApiError> {
    Ok(submissions::table
        .filter(submissions::offer_id.eq(offer_id))
        .order(submissions::sequence.desc())
        .select(Submission::as_select())
        .first(conn)
        .optional()?)
}

/// The offer's most recent submission in `state`.
pub fn latest_in(
    conn: &mut DbConn,
    offer_id: &OfferId,
    state: SubmissionState,
) -> Result<Option<Submission>, ApiError> {
    Ok(submissions::table
        .filter(submissions::offer_id.eq(offer_id))
        .filter(submissions::state.eq(state))
        .order(submissions::sequence.desc())
        .select(Submission::as_select())
        .first(conn)
        .optional()?)
}

pub fn next_sequence(conn: &mut DbConn, offer_id: &OfferId) -> Result<i64, ApiError> {
    let max: Option<i64> = submissions::table
        .filter(submissions::offer_id.eq(offer_id))
        .select(diesel::dsl::max(submissions::sequence))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    db::unique(
        diesel::insert_into(submissions::table).values(submission).execute(conn),
        ErrorCode::SubmissionInProgress,
        "A submission of this offer is already in progress.",
    )
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(
    conn: &mut DbConn,
    id: &SubmissionId,
    expected_version: i64,
    changes: &SubmissionChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<submissions::table, _, _>(id, expected_version, changes).execute(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub offer_id: Option<OfferId>,
    pub states: Vec<SubmissionState>,
    pub organization_id: Option<OrganizationId>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Submission>, ApiError> {
    let mut query = submissions::table.select(Submission::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(submissions::organization_id.eq(*org));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(submissions::organization_id.eq(*org));
    }
    if let Some(offer) = &filter.offer_id {
        query = query.filter(submissions::offer_id.eq(*offer));
    }
    query = db::one_of(query, submissions::state, &filter.states);
    if let Some(before) = &page.cursor {
        query = query.filter(submissions::id.lt(before.clone()));
    }
    Ok(query.order(submissions::id.desc()).limit(page.fetch()).load(conn)?)
}
