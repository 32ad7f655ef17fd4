use diesel::prelude::*;

use super::model::{PublisherProfile, PublisherProfileChanges};
use crate::db::DbConn;
use crate::db::schema::publisher_profiles as profiles;
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::time;

/// A profile that has not been deleted.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<PublisherProfile>, ApiError> {
    Ok(profiles::table
        .find(id)
        .filter(profiles::deleted_at.is_null())
        .select(PublisherProfile::as_select())
        .first(conn)
        .optional()?)
}

/// Deleted profiles keep their row, so a `publisher_id` can never be taken again.
pub fn insert(conn: &mut DbConn, profile: &PublisherProfile) -> Result<(), ApiError> {
    diesel::insert_into(profiles::table)
        .values(profile)
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict(
                    "already_exists",
                    "This publisher_id is taken (publisher ids are never reused).",
                )
            }
            other => other.into(),
        })?;
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &PublisherProfileChanges,
) -> Result<bool, ApiError> {
    let rows = diesel::update(profiles::table.find(id).filter(profiles::version.eq(expected_version)))
        .set((
            changes,
            profiles::updated_at.eq(time::now()),
            profiles::version.eq(expected_version + 1),
        ))
        .execute(conn)?;
    Ok(rows == 1)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub status: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<PublisherProfile>, ApiError> {
    let mut query = profiles::table
        .filter(profiles::deleted_at.is_null())
        .select(PublisherProfile::as_select())
        .into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(profiles::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(profiles::organization_id.eq(org.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(profiles::status.eq(status.clone()));
    }
    if let Some(before) = &page.before_id {
        query = query.filter(profiles::id.lt(before.clone()));
    }
    Ok(query.order(profiles::id.desc()).limit(page.fetch()).load(conn)?)
}

/// Takes the profile row's lock until the transaction ends (PostgreSQL; SQLite writers are
/// serial already), so a concurrent deletion either waits or is seen.
pub fn lock(conn: &mut DbConn, id: &str) -> Result<(), ApiError> {
    diesel::update(profiles::table.find(id))
        .set(profiles::version.eq(profiles::version))
        .execute(conn)?;
    Ok(())
}
