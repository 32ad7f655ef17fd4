use diesel::prelude::*;

use super::model::{Organization, OrganizationChanges};
use crate::db::schema::organizations;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ErrorCode};
use crate::ids::OrganizationId;
use crate::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &OrganizationId) -> Result<Option<Organization>, ApiError> {
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

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub mpn_id: Option<String>,
    pub verified: Option<bool>,
}

/// Organizations newest first, a page at a time.
pub fn list(conn: &mut DbConn, filter: &Filter, page: &PageRequest) -> Result<Vec<Organization>, ApiError> {
    let mut query = organizations::table.select(Organization::as_select()).into_boxed();
    if let Some(mpn_id) = &filter.mpn_id {
        query = query.filter(organizations::mpn_id.eq(mpn_id.clone()));
    }
    match filter.verified {
        Some(true) => query = query.filter(organizations::mpn_verified_at.is_not_null()),
        Some(false) => query = query.filter(organizations::mpn_verified_at.is_null()),
        None => {}
    }
    if let Some(before) = &page.cursor {
        query = query.filter(organizations::id.lt(before.clone()));
    }
    Ok(query.order(organizations::id.desc()).limit(page.fetch()).load(conn)?)
}

pub fn insert(conn: &mut DbConn, organization: &Organization) -> Result<(), ApiError> {
    db::unique(
        diesel::insert_into(organizations::table)
            .values(organization)
            .execute(conn),
        ErrorCode::AlreadyExists,
        "An organization with this MPN ID is already enrolled.",
    )
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(
    conn: &mut DbConn,
    id: &OrganizationId,
    expected_version: i64,
    changes: &OrganizationChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<organizations::table, _, _>(id, expected_version, changes).execute(conn)?)
}

/// Serialises membership changes of one organization: on PostgreSQL the update takes the
/// organization row's lock until the transaction ends (SQLite writers are serial already).
pub fn lock(conn: &mut DbConn, id: &OrganizationId) -> Result<(), ApiError> {
    diesel::update(organizations::table.find(id))
        .set(organizations::version.eq(organizations::version))
        .execute(conn)?;
    Ok(())
}
