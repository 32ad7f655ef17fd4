use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::roles::Role;
use crate::db::schema::users;
use crate::ids::{OrganizationId, UserId};
use crate::string_enum;

string_enum! {
    pub enum UserStatus {
        Invited => "invited",
        Active => "active",
        Disabled => "disabled",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub organization_id: Option<OrganizationId>,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub invitation_token_hash: Option<String>,
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    pub version: i64,
    /// Unix seconds: tokens issued before are no longer honoured (set when the user is
    /// disabled, so that enabling it again does not revive them).
    pub tokens_valid_after: Option<i64>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: UserId,
    pub organization_id: Option<OrganizationId>,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: Option<&'a str>,
    pub invitation_token_hash: Option<&'a str>,
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl<'a> NewUser<'a> {
    /// A user who can log in with `password_hash` (an enrolled owner, a staff member).
    pub fn active(
        organization_id: Option<OrganizationId>,
        email: &'a str,
        display_name: &'a str,
        role: Role,
        password_hash: &'a str,
    ) -> Self {
        let now = crate::time::now();
        Self {
            id: UserId::generate(),
            organization_id,
            email,
            display_name,
            role,
            status: UserStatus::Active,
            password_hash: Some(password_hash),
            invitation_token_hash: None,
            invitation_expires_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// A user invited to `organization_id`, who becomes active by accepting before `expires_at`.
    pub fn invited(
        organization_id: OrganizationId,
        email: &'a str,
        display_name: &'a str,
        role: Role,
        token_hash: &'a str,
        expires_at: NaiveDateTime,
    ) -> Self {
        let now = crate::time::now();
        Self {
            id: UserId::generate(),
            organization_id: Some(organization_id),
            email,
            display_name,
            role,
            status: UserStatus::Invited,
            password_hash: None,
            invitation_token_hash: Some(token_hash),
            invitation_expires_at: Some(expires_at),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// Columns a change may set; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    pub password_hash: Option<Option<String>>,
    pub invitation_token_hash: Option<Option<String>>,
    pub invitation_expires_at: Option<Option<NaiveDateTime>>,
    pub tokens_valid_after: Option<Option<i64>>,
}
