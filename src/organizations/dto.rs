use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::Organization;
use crate::http::body::non_null;
use crate::ids::OrganizationId;
use crate::time::Timestamp;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: OrganizationId,
    #[schema(example = "Contoso Ltd")]
    pub name: String,
    /// The Microsoft Partner Network id; fixed at enrolment.
    #[schema(example = "4012345")]
    pub mpn_id: String,
    #[schema(example = "US")]
    pub country: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(example = 1)]
    pub version: i64,
}

impl From<Organization> for OrganizationView {
    fn from(o: Organization) -> Self {
        Self {
            id: o.id,
            name: o.name,
            mpn_id: o.mpn_id,
            country: o.country,
            created_at: o.created_at.into(),
            updated_at: o.updated_at.into(),
            version: o.version,
        }
    }
}

/// Merge patch of the organization profile. The MPN ID cannot change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Contoso Holdings"}))]
pub struct UpdateOrganization {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(custom(function = "crate::validate::country"))]
    pub country: Option<String>,
}
