use diesel::prelude::*;

use super::model::{NewUser, User, UserChanges, UserStatus};
use crate::auth::roles::Role;
use crate::db::schema::users;
use crate::db::{self, DbConn};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{OrganizationId, UserId};
use crate::page::PageRequest;
use crate::time;

pub fn find(conn: &mut DbConn, id: &UserId) -> Result<Option<User>, ApiError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

/// An active user: the only kind that authenticates or can be assigned work.
pub fn find_active(conn: &mut DbConn, id: &UserId) -> Result<Option<User>, ApiError> {
    Ok(users::table
        .find(id)
        .filter(users::status.eq(UserStatus::Active))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// An active user's organization and role: what every authenticated request needs to know.
/// An active user's organization, role, and the time (Unix seconds) before which its tokens
/// are void.
pub type Identity = (Option<OrganizationId>, Role, Option<i64>);

/// The statement of [`find_active_identity`], for each kind of connection.
macro_rules! active_identity_query {
    ($id:expr) => {
        users::table
            .find($id)
            .filter(users::status.eq(UserStatus::Active))
            .select((users::organization_id, users::role, users::tokens_valid_after))
    };
}

pub fn find_active_identity(conn: &mut DbConn, id: &UserId) -> Result<Option<Identity>, ApiError> {
    let query = active_identity_query!(*id);
    Ok(crate::native!(conn, |c| query.first(c).optional())?)
}

/// [`find_active_identity`] on a worker's own PostgreSQL connection ([`crate::db::pg_async`]).
pub async fn find_active_identity_async(
    conn: &diesel_async::AsyncPgConnection,
    id: &UserId,
) -> QueryResult<Option<Identity>> {
    diesel_async::RunQueryDsl::first(active_identity_query!(*id), &mut &*conn)
        .await
        .optional()
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
    db::unique(
        diesel::insert_into(users::table).values(user).execute(conn),
        ErrorCode::AlreadyExists,
        "A user with this e-mail already exists.",
    )
}

/// Applies `changes` if the row is still at `expected_version`: the rows it changed.
pub fn update(conn: &mut DbConn, id: &UserId, expected_version: i64, changes: &UserChanges) -> Result<usize, ApiError> {
    Ok(db::versioned::<users::table, _, _>(id, expected_version, changes).execute(conn)?)
}

/// Voids every token of the user issued before `from` (Unix seconds), without changing the
/// version: the user's view does not show it (a logout everywhere).
pub fn void_tokens_before(conn: &mut DbConn, id: &UserId, from: i64) -> Result<(), ApiError> {
    diesel::update(users::table.find(id))
        .set(users::tokens_valid_after.eq(from))
        .execute(conn)?;
    Ok(())
}

/// Records a login without changing the version: a login is not an edit of the user.
pub fn record_login(conn: &mut DbConn, id: &UserId) -> Result<(), ApiError> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(time::now()))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, id: &UserId, expected_version: i64) -> Result<usize, ApiError> {
    Ok(diesel::delete(users::table.find(id).filter(users::version.eq(expected_version))).execute(conn)?)
}

/// Owners who can log in: active, with a password.
pub fn count_active_owners(conn: &mut DbConn, organization_id: &OrganizationId) -> Result<i64, ApiError> {
    Ok(users::table
        .filter(users::organization_id.eq(organization_id))
        .filter(users::role.eq(Role::Owner))
        .filter(users::status.eq(UserStatus::Active))
        .filter(users::password_hash.is_not_null())
        .count()
        .get_result(conn)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<User>, ApiError> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(users::organization_id.eq(*org));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(users::organization_id.eq(*org));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(status) = filter.status {
        query = query.filter(users::status.eq(status));
    }
    if let Some(before) = &page.cursor {
        query = query.filter(users::id.lt(before.clone()));
    }
    Ok(query.order(users::id.desc()).limit(page.fetch()).load(conn)?)
}
