use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::model::{User, UserStatus};
use crate::auth::roles::Role;
use crate::http::body::non_null;
use crate::ids::{OrganizationId, UserId};
use crate::time::Timestamp;

/// A user as the API shows it; password hashes and invitation tokens never leave the server.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: UserId,
    /// `null` for staff.
    pub organization_id: Option<OrganizationId>,
    #[schema(example = "ada@contoso.example")]
    pub email: String,
    #[schema(example = "Ada Lovelace")]
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    #[schema(example = 1)]
    pub version: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            role: u.role,
            status: u.status,
            id: u.id,
            organization_id: u.organization_id,
            email: u.email,
            display_name: u.display_name,
            created_at: u.created_at.into(),
            updated_at: u.updated_at.into(),
            last_login_at: u.last_login_at.map(Into::into),
            version: u.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "grace@contoso.example", "display_name": "Grace Hopper", "role": "developer"}))]
pub struct InviteUser {
    #[validate(custom(function = "crate::validate::email_address"), length(max = 254))]
    #[schema(max_length = 254, format = Email)]
    pub email: String,
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::name"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub display_name: String,
    /// Only owners may invite owners.
    #[schema(value_type = PartnerRole)]
    pub role: Role,
}

/// The roles of partner users (staff roles are given by `cosell admin create-staff`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PartnerRole {
    Owner,
    Manager,
    Developer,
}

/// The statuses a change may set: an invited user becomes active by accepting the invitation.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum SettableUserStatus {
    Active,
    Disabled,
}

/// The invited user and the one-time token the invitee needs to set a password. The token is
/// shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Invitation {
    pub user: UserView,
    #[schema(example = "p0N4Jq0r0Yb6m0hS4u1iKx7cQ2VwLZ8eT3aFgH5jK9s")]
    pub invitation_token: String,
    pub invitation_expires_at: Timestamp,
}

/// Merge patch of a user: `role` and `status` need an owner or manager; anyone may rename themselves.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "manager"}))]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::name"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, value_type = PartnerRole)]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, value_type = SettableUserStatus)]
    pub status: Option<UserStatus>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Staff only: one organization's users.
    pub organization_id: Option<OrganizationId>,
}

/// `POST /v1/users/me/password`: the caller's current password and the new one.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "correct horse battery staple", "new_password": "a stapler of eleven horses"}))]
pub struct ChangePassword {
    #[validate(length(min = 1, max = 1024))]
    #[schema(format = Password)]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[validate(length(
        min = 10,
        max = 128,
        code = "invalid_password",
        message = "must be 10 to 128 characters"
    ))]
    #[schema(format = Password)]
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
}
