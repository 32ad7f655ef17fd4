use diesel::prelude::*;

use super::model::{LegacyData, MigrationStatus, Solution, SolutionChanges};
use crate::db::schema::solutions;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::ids::{OrganizationId, SolutionId};
use crate::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &SolutionId) -> Result<Option<Solution>, ApiError> {
    Ok(solutions::table
        .find(id)
        .select(Solution::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_ocp_id(conn: &mut DbConn, ocp_solution_id: &str) -> Result<Option<Solution>, ApiError> {
    Ok(solutions::table
        .filter(solutions::ocp_solution_id.eq(ocp_solution_id))
        .select(Solution::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, solution: &Solution) -> Result<(), ApiError> {
    diesel::insert_into(solutions::table).values(solution).execute(conn)?;
    Ok(())
}

/// Applies the legacy data of an import if the row is still at `expected_version`: the rows it
/// changed.
pub fn refresh(
    conn: &mut DbConn,
    id: &SolutionId,
    expected_version: i64,
    data: &LegacyData,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<solutions::table, _, _>(id, expected_version, data).execute(conn)?)
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(
    conn: &mut DbConn,
    id: &SolutionId,
    expected_version: i64,
    changes: &SolutionChanges,
) -> Result<usize, ApiError> {
    Ok(db::versioned::<solutions::table, _, _>(id, expected_version, changes).execute(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub statuses: Vec<MigrationStatus>,
    pub name_contains: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Solution>, ApiError> {
    let mut query = solutions::table.select(Solution::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(solutions::organization_id.eq(*org));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(solutions::organization_id.eq(*org));
    }
    query = db::one_of(query, solutions::migration_status, &filter.statuses);
    if let Some(q) = &filter.name_contains {
        query = query.filter(db::lower(solutions::name).like(db::contains_pattern(q)).escape('\\'));
    }
    if let Some(before) = &page.cursor {
        query = query.filter(solutions::id.lt(before.clone()));
    }
    Ok(query.order(solutions::id.desc()).limit(page.fetch()).load(conn)?)
}
