use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::lifecycle::{SolutionAction, SolutionLifecycle};
use super::model::{MigrationStatus, Solution};
use crate::auth::roles::Role;
use crate::error::{ApiError, FieldIssue};
use crate::ids::{OfferId, OrganizationId, PublisherProfileId, SolutionId, TicketId};
use crate::lifecycle::Lifecycle;
use crate::offers::dto::ReferralPipeline;
use crate::offers::model::{CoSellStatus, OfferType};
use crate::offers::sections::{CoSell, SolutionType};
use crate::time::Timestamp;

/// Where a solution led.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionLinks {
    /// The merge request ticket.
    #[schema(example = json!(null))]
    pub ticket: Option<String>,
    /// The offer it was migrated into or merged with.
    #[schema(example = "/v1/offers/01937e4a-7b1c-7000-8000-000000000010")]
    pub offer: Option<String>,
}

/// A legacy co-sell solution.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionView {
    pub id: SolutionId,
    pub organization_id: OrganizationId,
    #[schema(example = "OCP-100234")]
    pub ocp_solution_id: String,
    #[schema(example = "Contoso Analytics for Retail")]
    pub name: String,
    pub summary: String,
    pub mpn_id: String,
    pub solution_type: SolutionType,
    pub co_sell_status: CoSellStatus,
    pub incentive_eligible: bool,
    pub referral_pipeline: ReferralPipeline,
    /// The co-sell material, in the shape of an offer's `co_sell` section.
    pub collateral: CoSell,
    pub migration_status: MigrationStatus,
    /// What the caller may do now (the "Action" column).
    pub allowed_actions: Vec<SolutionAction>,
    pub ticket_id: Option<TicketId>,
    pub offer_id: Option<OfferId>,
    pub links: SolutionLinks,
    /// When the migrated offer went live or the merge completed.
    pub completed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl SolutionView {
    pub fn build(s: Solution, role: Role) -> Result<Self, ApiError> {
        Ok(Self {
            allowed_actions: SolutionLifecycle::allowed(s.migration_status, role),
            migration_status: s.migration_status,
            solution_type: s.solution_type,
            co_sell_status: s.co_sell_status,
            referral_pipeline: serde_json::from_str(&s.referral_pipeline)?,
            collateral: serde_json::from_str(&s.collateral)?,
            links: SolutionLinks {
                ticket: s.ticket_id.as_ref().map(|id| format!("/v1/support-tickets/{id}")),
                offer: s.offer_id.as_ref().map(|id| format!("/v1/offers/{id}")),
            },
            id: s.id,
            organization_id: s.organization_id,
            ocp_solution_id: s.ocp_solution_id,
            name: s.name,
            summary: s.summary,
            mpn_id: s.mpn_id,
            incentive_eligible: s.incentive_eligible,
            ticket_id: s.ticket_id,
            offer_id: s.offer_id,
            completed_at: s.completed_at.map(Into::into),
            created_at: s.created_at.into(),
            updated_at: s.updated_at.into(),
            version: s.version,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSolutionsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Comma-separated statuses, e.g. `pending,merge_requested`.
    #[param(example = "pending")]
    pub migration_status: Option<String>,
    /// Text the name contains (case-insensitive).
    pub q: Option<String>,
    /// Staff only: one organization's solutions.
    pub organization_id: Option<OrganizationId>,
}

/// One legacy solution to import, as the retired tool exports it.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportSolution {
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(example = "OCP-100234")]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub ocp_solution_id: String,
    /// The organization is the one enrolled with this MPN ID.
    #[validate(custom(function = "crate::validate::mpn_id"))]
    #[schema(example = "4012345")]
    #[schema(pattern = "^[0-9]{6,10}$")]
    pub mpn_id: String,
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(example = "Contoso Analytics for Retail")]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: String,
    #[validate(length(min = 1, max = 3000), custom(function = "crate::validate::plain_text"))]
    #[schema(min_length = 1, max_length = 3000, format = "text")]
    pub summary: String,
    pub solution_type: SolutionType,
    pub co_sell_status: CoSellStatus,
    pub incentive_eligible: bool,
    #[validate(nested)]
    pub referral_pipeline: ReferralPipeline,
    #[serde(default)]
    #[validate(nested)]
    pub collateral: CoSell,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"solutions": [{
    "ocp_solution_id": "OCP-100234", "mpn_id": "4012345", "name": "Contoso Analytics for Retail",
    "summary": "Store analytics from point-of-sale data.", "solution_type": "ip_application",
    "co_sell_status": "co_sell_ready", "incentive_eligible": true,
    "referral_pipeline": {"active_referrals": 3, "won_referrals": 5, "pipeline_value_usd": 120000.0}
}]}))]
pub struct ImportSolutions {
    /// 1–1,000 solutions; each is validated on its own.
    #[schema(value_type = Vec<ImportSolution>)]
    pub solutions: Vec<serde_json::Value>,
}

impl Validate for ImportSolutions {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// One entry that was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedSolution {
    pub index: usize,
    pub ocp_solution_id: Option<String>,
    pub errors: Vec<FieldIssue>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Entries identical to what is stored.
    pub unchanged: usize,
    pub rejected: Vec<RejectedSolution>,
}

/// Exactly one of `offer_id` (a live offer of yours) and `listing_url` (a listing on AppSource or Azure Marketplace).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"offer_id": "01937e4a-7b1c-7000-8000-000000000010", "details": "Same product, renamed in 2025."}))]
pub struct MergeSolution {
    #[serde(default)]
    pub offer_id: Option<OfferId>,
    #[serde(default)]
    #[validate(length(max = 2048))]
    #[schema(max_length = 2048, format = "marketplace-listing-url")]
    pub listing_url: Option<String>,
    #[serde(default)]
    #[validate(length(max = 5000), custom(function = "crate::validate::plain_text"))]
    #[schema(max_length = 5000, format = "text")]
    pub details: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"offer_type": "saas", "publisher_profile_id": "01937e4a-7b1c-7000-8000-000000000003", "offer_alias": "contoso-retail"}))]
pub struct MigrateSolution {
    pub offer_type: OfferType,
    pub publisher_profile_id: PublisherProfileId,
    #[validate(custom(function = "crate::validate::alias"))]
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,49}$")]
    pub offer_alias: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"confirm": true}))]
pub struct DiscardSolution {
    #[serde(default)]
    #[schema(value_type = crate::validate::Confirmation, required = true)]
    pub confirm: bool,
}
