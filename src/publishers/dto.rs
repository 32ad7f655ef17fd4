use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::model::{PublisherProfile, PublisherStatus};
use crate::http::body::non_null;
use crate::ids::{OrganizationId, PublisherProfileId};
use crate::time::Timestamp;

#[derive(Debug, Serialize, ToSchema)]
pub struct PublisherProfileView {
    pub id: PublisherProfileId,
    pub organization_id: OrganizationId,
    /// Globally unique, immutable, never reused.
    #[schema(example = "contoso")]
    pub publisher_id: String,
    #[schema(example = "Contoso")]
    pub display_name: String,
    #[schema(example = "4012345")]
    pub mpn_id: String,
    #[schema(example = "Ada Lovelace")]
    pub contact_name: String,
    #[schema(example = "partners@contoso.example")]
    pub contact_email: String,
    #[schema(example = "https://contoso.example")]
    pub website: String,
    pub status: PublisherStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(example = 1)]
    pub version: i64,
}

impl From<PublisherProfile> for PublisherProfileView {
    fn from(p: PublisherProfile) -> Self {
        Self {
            status: p.status,
            id: p.id,
            organization_id: p.organization_id,
            publisher_id: p.publisher_id,
            display_name: p.display_name,
            mpn_id: p.mpn_id,
            contact_name: p.contact_name,
            contact_email: p.contact_email,
            website: p.website,
            created_at: p.created_at.into(),
            updated_at: p.updated_at.into(),
            version: p.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "publisher_id": "contoso", "display_name": "Contoso", "mpn_id": "4012345",
    "contact_name": "Ada Lovelace", "contact_email": "partners@contoso.example", "website": "https://contoso.example"
}))]
pub struct CreatePublisherProfile {
    /// `^[a-z0-9][a-z0-9_-]{2,49}$`
    #[validate(custom(function = "crate::validate::publisher_id"))]
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{2,49}$")]
    pub publisher_id: String,
    #[validate(length(min = 1, max = 50), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 50, format = "single-line")]
    pub display_name: String,
    /// Must be the organization's MPN ID.
    #[validate(custom(function = "crate::validate::mpn_id"))]
    #[schema(pattern = "^[0-9]{6,10}$")]
    pub mpn_id: String,
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub contact_name: String,
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub contact_email: String,
    /// An https URL.
    #[serde(deserialize_with = "crate::validate::url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub website: String,
}

/// Merge patch of a profile. `publisher_id` and `mpn_id` cannot change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Contoso Cloud"}))]
pub struct UpdatePublisherProfile {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 50), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 50, format = "single-line")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub contact_name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub contact_email: Option<String>,
    #[serde(default, deserialize_with = "crate::validate::patched_url_text")]
    #[schema(nullable = false)]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub website: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListPublisherProfilesQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    pub status: Option<PublisherStatus>,
    /// Staff only: one organization's profiles.
    pub organization_id: Option<OrganizationId>,
}
