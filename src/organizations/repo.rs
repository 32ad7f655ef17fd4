use diesel::prelude::*;

use super::model::{Organization, OrganizationChanges};
use crate::db::DbConn;
use crate::db::schema::organizations;
use crate::error::ApiError;
use crate::http::time;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Organization>, ApiError> {
    Ok(organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_mpn_id(conn: &mut DbConn, mpn_id: &str) -> Result<Option<Organization>, ApiError> {
    Ok(organizations::table
        .filter(organizations::mpn_id.eq(mpn_id))
        .select(Organization::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, organization: &Organization) -> Result<(), ApiError> {
    diesel::insert_into(organizations::table)
        .values(organization)
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict(
                    "already_exists",
                    "An organization with this MPN ID is already enrolled.",
                )
            }
            other => other.into(),
        })?;
    Ok(())
}

/// Applies `changes` if the row is still at `expected_version`; false when it moved on.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &OrganizationChanges,
) -> Result<bool, ApiError> {
    let rows = diesel::update(
        organizations::table
            .find(id)
            .filter(organizations::version.eq(expected_version)),
    )
    .set((
        changes,
        organizations::updated_at.eq(time::now()),
        organizations::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}
