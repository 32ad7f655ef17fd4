use diesel::prelude::*;

use super::model::{LegacyData, Solution, SolutionChanges};
use crate::db::DbConn;
use crate::db::schema::solutions;
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::time;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Solution>, ApiError> {
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

pub fn refresh(conn: &mut DbConn, id: &str, expected_version: i64, data: &LegacyData) -> Result<bool, ApiError> {
    let rows = diesel::update(
        solutions::table
            .find(id)
            .filter(solutions::version.eq(expected_version)),
    )
    .set((
        data,
        solutions::updated_at.eq(time::now()),
        solutions::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}

pub fn update(conn: &mut DbConn, id: &str, expected_version: i64, changes: &SolutionChanges) -> Result<bool, ApiError> {
    let rows = diesel::update(
        solutions::table
            .find(id)
            .filter(solutions::version.eq(expected_version)),
    )
    .set((
        changes,
        solutions::updated_at.eq(time::now()),
        solutions::version.eq(expected_version + 1),
    ))
    .execute(conn)?;
    Ok(rows == 1)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub statuses: Vec<String>,
    pub name_contains: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Solution>, ApiError> {
    let mut query = solutions::table.select(Solution::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(solutions::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(solutions::organization_id.eq(org.clone()));
    }
    // One value is an equality, which stays in the statement cache; `IN (…)` is prepared anew.
    match filter.statuses.as_slice() {
        [] => {}
        [status] => query = query.filter(solutions::migration_status.eq(status.clone())),
        several => query = query.filter(solutions::migration_status.eq_any(several.to_vec())),
    }
    if let Some(q) = &filter.name_contains {
        query = query.filter(
            crate::offers::repo::lower(solutions::name)
                .like(crate::offers::repo::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(before) = &page.before_id {
        query = query.filter(solutions::id.lt(before.clone()));
    }
    Ok(query.order(solutions::id.desc()).limit(page.fetch()).load(conn)?)
}
