use diesel::prelude::*;

use super::model::{PublisherProfile, PublisherProfileChanges, PublisherStatus};
use crate::db::schema::publisher_profiles as profiles;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{OrganizationId, PublisherProfileId};
use crate::page::PageRequest;

/// A profile that has not been deleted.
pub fn find(conn: &mut DbConn, id: &PublisherProfileId) -> Result<Option<PublisherProfile>, ApiError> {
    Ok(profiles::table
        .find(id)
        .filter(profiles::deleted_at.is_null())
        .select(PublisherProfile::as_select())
        .first(conn)
        .optional()?)
}

/// Deleted profiles keep their row, so a `publisher_id` can never be taken again.
pub fn insert(conn: &mut DbConn, profile: &PublisherProfile) -> Result<(), ApiError> {
    db::unique(
        diesel::insert_into(profiles::table).values(profile).execute(conn),
        ErrorCode::AlreadyExists,
        "This publisher_id is taken (publisher ids are never reused).",
    )
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(
    conn: &mut DbConn,
    id: &PublisherProfileId,
    expected_version: i64,
    changes: &PublisherProfileChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<profiles::table, _, _>(id, expected_version, changes).execute(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub status: Option<PublisherStatus>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<PublisherProfile>, ApiError> {
    let mut query = profiles::table
        .filter(profiles::deleted_at.is_null())
        .select(PublisherProfile::as_select())
        .into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(profiles::organization_id.eq(*org));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(profiles::organization_id.eq(*org));
    }
    if let Some(status) = filter.status {
        query = query.filter(profiles::status.eq(status));
    }
    if let Some(before) = &page.cursor {
        query = query.filter(profiles::id.lt(before.clone()));
    }
    Ok(query.order(profiles::id.desc()).limit(page.fetch()).load(conn)?)
}

/// Takes the profile row's lock until the transaction ends (PostgreSQL; SQLite writers are
/// serial already), so a concurrent deletion either waits or is seen.
pub fn lock(conn: &mut DbConn, id: &PublisherProfileId) -> Result<(), ApiError> {
    diesel::update(profiles::table.find(id))
        .set(profiles::version.eq(profiles::version))
        .execute(conn)?;
    Ok(())
}
