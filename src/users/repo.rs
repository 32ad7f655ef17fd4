use diesel::prelude::*;

use super::model::{NewUser, User, UserChanges, UserStatus};
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::db::schema::{organizations, users};
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::time;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

/// The user behind a token: only active users authenticate.
pub fn find_active(conn: &mut DbConn, id: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .find(id)
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// An active user's organization and role: what every authenticated request needs to know.
pub fn find_active_identity(conn: &mut DbConn, id: &str) -> Result<Option<(Option<String>, String)>, ApiError> {
    let query = users::table
        .find(id)
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select((users::organization_id, users::role));
    Ok(crate::native!(conn, |c| query.first(c).optional())?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_invitation(conn: &mut DbConn, token_hash: &str) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .filter(users::invitation_token_hash.eq(token_hash))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, user: &NewUser<'_>) -> Result<(), ApiError> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::conflict("already_exists", "A user with this e-mail already exists.")
            }
            other => other.into(),
        })?;
    Ok(())
}

/// Applies `changes` if the row is still at `expected_version`; false when it moved on.
pub fn update(conn: &mut DbConn, id: &str, expected_version: i64, changes: &UserChanges) -> Result<bool, ApiError> {
    let rows = diesel::update(users::table.find(id).filter(users::version.eq(expected_version)))
        .set((
            changes,
            users::updated_at.eq(time::now()),
            users::version.eq(expected_version + 1),
        ))
        .execute(conn)?;
    Ok(rows == 1)
}

/// Records a login without changing the version: a login is not an edit of the user.
pub fn record_login(conn: &mut DbConn, id: &str) -> Result<(), ApiError> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(time::now()))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &str, expected_version: i64) -> Result<bool, ApiError> {
    let rows = diesel::delete(users::table.find(id).filter(users::version.eq(expected_version))).execute(conn)?;
    Ok(rows == 1)
}

/// Serialises membership changes of one organization: on PostgreSQL the update takes the
/// organization row's lock until the transaction ends (SQLite writers are serial already).
pub fn lock_organization(conn: &mut DbConn, organization_id: &str) -> Result<(), ApiError> {
    diesel::update(organizations::table.find(organization_id))
        .set(organizations::version.eq(organizations::version))
        .execute(conn)?;
    Ok(())
}

pub fn count_active_owners(conn: &mut DbConn, organization_id: &str) -> Result<i64, ApiError> {
    Ok(users::table
        .filter(users::organization_id.eq(organization_id))
        .filter(users::role.eq(Role::Owner.as_str()))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<User>, ApiError> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(users::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(users::organization_id.eq(org.clone()));
    }
    if let Some(role) = &filter.role {
        query = query.filter(users::role.eq(role.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(users::status.eq(status.clone()));
    }
    if let Some(before) = &page.before_id {
        query = query.filter(users::id.lt(before.clone()));
    }
    Ok(query.order(users::id.desc()).limit(page.fetch()).load(conn)?)
}
