use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Offer, OfferContentChanges, OfferStateChanges, OfferSummary, Submission, SubmissionChanges};
use crate::db::schema::{offers, submissions};
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::time;
use crate::native;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A `LIKE` pattern (escape `\\`) matching text that contains `q`, case-insensitively with [`lower`].
pub fn contains_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Offer>, ApiError> {
    // `as_select` is typed by its backend: the query is built in each arm.
    Ok(native!(conn, |c| offers::table
        .find(id)
        .select(Offer::as_select())
        .first(c)
        .optional())?)
}

/// The offer's organization and version, without its content.
pub fn find_stamp(conn: &mut DbConn, id: &str) -> Result<Option<(String, i64)>, ApiError> {
    let query = offers::table
        .find(id)
        .select((offers::organization_id, offers::version));
    Ok(native!(conn, |c| query.first(c).optional())?)
}

pub fn insert(conn: &mut DbConn, offer: &Offer) -> Result<(), ApiError> {
    diesel::insert_into(offers::table)
        .values(offer)
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("already_exists", "This publisher already has an offer with this alias.")
            }
            other => other.into(),
        })?;
    Ok(())
}

/// A content edit made at `at`: bumps `version` and `content_revision` if the row is still at
/// `expected_version`.
pub fn update_content(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &OfferContentChanges,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let query = db::update(
        offers::table,
        (
            changes,
            offers::content_revision.eq(offers::content_revision + 1),
            offers::updated_at.eq(at),
            offers::version.eq(expected_version + 1),
        ),
        offers::id.eq(id).and(offers::version.eq(expected_version)),
    );
    let rows = native!(conn, |c| query.execute(c))?;
    Ok(rows == 1)
}

/// A lifecycle change, if the row is still at `expected_version`.
pub fn update_state(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &OfferStateChanges,
) -> Result<bool, ApiError> {
    let query = db::update(
        offers::table,
        (
            changes,
            offers::updated_at.eq(time::now()),
            offers::version.eq(expected_version + 1),
        ),
        offers::id.eq(id).and(offers::version.eq(expected_version)),
    );
    let rows = native!(conn, |c| query.execute(c))?;
    Ok(rows == 1)
}

/// Takes the offer row's lock until the transaction ends (PostgreSQL; SQLite writers are
/// serial already). Everything that moves an offer's submissions takes it first.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<(), ApiError> {
    diesel::update(offers::table.find(id))
        .set(offers::version.eq(offers::version))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str, expected_version: i64) -> Result<bool, ApiError> {
    let rows = diesel::delete(offers::table.find(id).filter(offers::version.eq(expected_version))).execute(conn)?;
    Ok(rows == 1)
}

pub fn count_by_publisher(conn: &mut DbConn, publisher_profile_id: &str) -> Result<i64, ApiError> {
    Ok(offers::table
        .filter(offers::publisher_profile_id.eq(publisher_profile_id))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub statuses: Vec<String>,
    pub offer_type: Option<String>,
    pub publisher_profile_id: Option<String>,
    pub name_contains: Option<String>,
}

/// The ids and versions of one page of offers, newest first (`page.fetch()` rows). Narrow on
/// purpose: the list answer is assembled from renderings kept per version, and only the rows
/// whose rendering is not kept are read whole ([`summaries`]).
pub fn list_stamps(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<(String, i64)>, ApiError> {
    let mut query = offers::table.select((offers::id, offers::version)).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(offers::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(offers::organization_id.eq(org.clone()));
    }
    // One status is an equality: a statement with `IN (…)` over a list is prepared anew each
    // time, one with `=` is kept in the statement cache.
    match filter.statuses.as_slice() {
        [] => {}
        [status] => query = query.filter(offers::status.eq(status.clone())),
        several => query = query.filter(offers::status.eq_any(several.to_vec())),
    }
    if let Some(t) = &filter.offer_type {
        query = query.filter(offers::offer_type.eq(t.clone()));
    }
    if let Some(p) = &filter.publisher_profile_id {
        query = query.filter(offers::publisher_profile_id.eq(p.clone()));
    }
    if let Some(q) = &filter.name_contains {
        let pattern = contains_pattern(q);
        query = query.filter(lower(offers::name).like(pattern).escape('\\'));
    }
    if let Some(before) = &page.before_id {
        query = query.filter(offers::id.lt(before.clone()));
    }
    Ok(query.order(offers::id.desc()).limit(page.fetch()).load(conn)?)
}

/// The list columns of the offers with these ids (those that still exist), in no order.
pub fn summaries(conn: &mut DbConn, ids: &[String]) -> Result<Vec<OfferSummary>, ApiError> {
    Ok(native!(conn, |c| offers::table
        .filter(offers::id.eq_any(ids))
        .select(OfferSummary::as_select())
        .load(c))?)
}

pub fn find_submission(conn: &mut DbConn, id: &str) -> Result<Option<Submission>, ApiError> {
    Ok(submissions::table
        .find(id)
        .select(Submission::as_select())
        .first(conn)
        .optional()?)
}

/// The offer's most recent submission.
pub fn latest_submission(conn: &mut DbConn, offer_id: &str) -> Result<Option<Submission>, ApiError> {
    Ok(submissions::table
        .filter(submissions::offer_id.eq(offer_id))
        .order(submissions::sequence.desc())
        .select(Submission::as_select())
        .first(conn)
        .optional()?)
}

pub fn next_sequence(conn: &mut DbConn, offer_id: &str) -> Result<i64, ApiError> {
    let max: Option<i64> = submissions::table
        .filter(submissions::offer_id.eq(offer_id))
        .select(diesel::dsl::max(submissions::sequence))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_submission(conn: &mut DbConn, submission: &Submission) -> Result<(), ApiError> {
    diesel::insert_into(submissions::table)
        .values(submission)
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict(
                    "submission_in_progress",
                    "A submission of this offer is already in progress.",
                )
            }
            other => other.into(),
        })?;
    Ok(())
}

pub fn update_submission(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &SubmissionChanges,
) -> Result<bool, ApiError> {
    let rows = diesel::update(
        submissions::table
            .find(id)
            .filter(submissions::version.eq(expected_version)),
    )
    .set((
        changes,
        submissions::updated_at.eq(time::now()),
        submissions::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}

#[derive(Debug, Default, Clone)]
pub struct SubmissionFilter {
    pub offer_id: Option<String>,
    pub states: Vec<String>,
    pub organization_id: Option<String>,
}

pub fn list_submissions(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &SubmissionFilter,
    page: &PageRequest,
) -> Result<Vec<Submission>, ApiError> {
    let mut query = submissions::table.select(Submission::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(submissions::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(submissions::organization_id.eq(org.clone()));
    }
    if let Some(offer) = &filter.offer_id {
        query = query.filter(submissions::offer_id.eq(offer.clone()));
    }
    // One value is an equality, which stays in the statement cache; `IN (…)` is prepared anew.
    match filter.states.as_slice() {
        [] => {}
        [state] => query = query.filter(submissions::state.eq(state.clone())),
        several => query = query.filter(submissions::state.eq_any(several.to_vec())),
    }
    if let Some(before) = &page.before_id {
        query = query.filter(submissions::id.lt(before.clone()));
    }
    Ok(query.order(submissions::id.desc()).limit(page.fetch()).load(conn)?)
}

/// Sets system-owned columns (co-sell standing taken over from a legacy solution) without a
/// version guard: partners never edit them, so no concurrent edit can be lost.
pub fn inherit(conn: &mut DbConn, id: &str, changes: &OfferStateChanges) -> Result<(), ApiError> {
    diesel::update(offers::table.find(id))
        .set((
            changes,
            offers::updated_at.eq(time::now()),
            offers::version.eq(offers::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}
