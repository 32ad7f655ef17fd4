use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
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
    pub id: String,
    pub organization_id: Option<String>,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub invitation_token_hash: Option<String>,
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
    pub version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub organization_id: Option<&'a str>,
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub status: &'a str,
    pub password_hash: Option<&'a str>,
    pub invitation_token_hash: Option<&'a str>,
    pub invitation_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// Columns a change may set; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub password_hash: Option<Option<String>>,
    pub invitation_token_hash: Option<Option<String>>,
    pub invitation_expires_at: Option<Option<NaiveDateTime>>,
}
