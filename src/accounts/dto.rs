use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::organizations::dto::OrganizationView;
use crate::users::dto::UserView;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::name"))]
    #[schema(example = "Contoso Ltd")]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: String,
    /// 6–10 digits, unique.
    #[validate(custom(function = "crate::validate::mpn_id"))]
    #[schema(example = "4012345")]
    #[schema(pattern = "^[0-9]{6,10}$")]
    pub mpn_id: String,
    #[validate(custom(function = "crate::validate::country"))]
    #[schema(value_type = crate::validate::Country)]
    pub country: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOwner {
    #[validate(custom(function = "crate::validate::email_address"), length(max = 254))]
    #[schema(example = "ada@contoso.example")]
    #[schema(max_length = 254, format = Email)]
    pub email: String,
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::name"))]
    #[schema(example = "Ada Lovelace")]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub display_name: String,
    /// 10–128 characters.
    #[validate(length(
        min = 10,
        max = 128,
        code = "invalid_password",
        message = "must be 10 to 128 characters"
    ))]
    #[schema(example = "correct horse battery staple", format = Password)]
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}

/// Enrolment: a partner organization and its first owner.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccount {
    #[validate(nested)]
    pub organization: NewOrganization,
    #[validate(nested)]
    pub owner: NewOwner,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Account {
    pub organization: OrganizationView,
    pub user: UserView,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@contoso.example", "password": "correct horse battery staple"}))]
pub struct TokenRequest {
    #[validate(length(min = 1, max = 254))]
    #[schema(min_length = 1, max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 1024))]
    #[schema(format = Password)]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// An access token, and the refresh token that gets the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    #[schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…")]
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque; good for one `POST /v1/auth/refresh`, which answers the next one. Keep it secret:
    /// presenting one that was already used ends the session.
    #[schema(example = "csrt_Vb8qk1m3t0W2n5P7r9T1v3X5z7B9d1F3h5J7l9N1p3R")]
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[schema(example = 2592000)]
    pub refresh_expires_in: i64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "csrt_Vb8qk1m3t0W2n5P7r9T1v3X5z7B9d1F3h5J7l9N1p3R"}))]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "csrt_Vb8qk1m3t0W2n5P7r9T1v3X5z7B9d1F3h5J7l9N1p3R", "everywhere": false}))]
pub struct LogoutRequest {
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
    /// End every session of the token's user as well: every refresh token, and every access
    /// token issued until now.
    #[serde(default)]
    pub everywhere: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "p0N4Jq0r0Yb6m0hS4u1iKx7cQ2VwLZ8eT3aFgH5jK9s", "password": "a long new password"}))]
pub struct AcceptInvitation {
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    pub token: String,
    #[validate(length(
        min = 10,
        max = 128,
        code = "invalid_password",
        message = "must be 10 to 128 characters"
    ))]
    #[schema(format = Password)]
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
}
