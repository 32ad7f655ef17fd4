use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
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
    /// When support verified that the MPN ID is really this partner's; `null` until then, and
    /// until then no legacy solution is imported into the organization.
    pub mpn_verified_at: Option<Timestamp>,
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
            mpn_verified_at: o.mpn_verified_at.map(Into::into),
            created_at: o.created_at.into(),
            updated_at: o.updated_at.into(),
            version: o.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrganizationsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// The organization enrolled with this MPN ID.
    #[param(pattern = "^[0-9]{6,10}$", example = "4012345")]
    pub mpn_id: Option<String>,
    /// `false`: the organizations support has still to verify.
    pub verified: Option<bool>,
}

/// Merge patch of the organization profile. The MPN ID cannot change.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Contoso Holdings"}))]
pub struct UpdateOrganization {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::name"))]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, value_type = crate::validate::Country)]
    #[validate(custom(function = "crate::validate::country"))]
    pub country: Option<String>,
}
