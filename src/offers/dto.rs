use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::lifecycle::OfferAction;
use super::model::{CoSellStatus, OfferStatus, OfferSummary, OfferType, Origin, Storefront};
use super::sections::{CoSell, Listing, Plan, Properties, ResellCsp, Setup};
use crate::http::body::non_null;
use crate::ids::{OfferId, OrganizationId, PublisherProfileId, SolutionId};
use crate::time::Timestamp;

/// The referral pipeline a legacy co-sell solution brings to the offer it becomes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralPipeline {
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(example = 4)]
    pub active_referrals: i64,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(example = 12)]
    pub won_referrals: i64,
    #[validate(range(min = 0.0, max = 1.0e12))]
    #[schema(example = 250000.0)]
    pub pipeline_value_usd: f64,
}

/// An offer with all its sections.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    pub id: OfferId,
    pub organization_id: OrganizationId,
    pub publisher_profile_id: PublisherProfileId,
    #[schema(example = "contoso-analytics")]
    pub offer_alias: String,
    #[schema(example = "Contoso Analytics")]
    pub name: String,
    pub offer_type: OfferType,
    pub storefronts: Vec<Storefront>,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<SolutionId>,
    pub co_sell_status: CoSellStatus,
    /// The co-sell status, incentives and referral pipeline came from a legacy solution.
    pub co_sell_status_inherited: bool,
    pub incentive_eligible: bool,
    pub referral_pipeline: Option<ReferralPipeline>,
    /// For migrated offers: the fields copied from the legacy solution.
    pub copied_fields: Vec<String>,
    pub has_ever_been_live: bool,
    /// Edits made since the live version was published.
    pub has_unpublished_changes: bool,
    #[schema(example = json!(null))]
    pub live_url: Option<String>,
    /// What the caller may do now.
    pub allowed_actions: Vec<OfferAction>,
    pub setup: Option<Setup>,
    pub properties: Option<Properties>,
    pub listing: Option<Listing>,
    pub plans: Option<Vec<Plan>>,
    pub resell_csp: Option<ResellCsp>,
    pub co_sell: Option<CoSell>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(example = 1)]
    pub version: i64,
}

/// An offer in a list (sections are on `GET /v1/offers/{id}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferSummaryView {
    pub id: OfferId,
    pub organization_id: OrganizationId,
    pub publisher_profile_id: PublisherProfileId,
    pub offer_alias: String,
    pub name: String,
    pub offer_type: OfferType,
    pub storefronts: Vec<Storefront>,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<SolutionId>,
    /// `null` in lists unless inherited; the computed status is on the offer itself.
    pub co_sell_status: Option<CoSellStatus>,
    pub has_ever_been_live: bool,
    pub has_unpublished_changes: bool,
    pub live_url: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl From<OfferSummary> for OfferSummaryView {
    fn from(o: OfferSummary) -> Self {
        Self {
            storefronts: o.offer_type.storefronts().to_vec(),
            offer_type: o.offer_type,
            status: o.status,
            origin: o.origin,
            co_sell_status: o.co_sell_status,
            has_unpublished_changes: o.live_content_revision.is_some_and(|r| r != o.content_revision),
            id: o.id,
            organization_id: o.organization_id,
            publisher_profile_id: o.publisher_profile_id,
            offer_alias: o.offer_alias,
            name: o.name,
            source_solution_id: o.source_solution_id,
            has_ever_been_live: o.has_ever_been_live,
            live_url: o.live_url,
            created_at: o.created_at.into(),
            updated_at: o.updated_at.into(),
            version: o.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "publisher_profile_id": "01937e4a-7b1c-7000-8000-000000000003",
    "offer_alias": "contoso-forecasting", "name": "Contoso Forecasting", "offer_type": "saas"
}))]
pub struct CreateOffer {
    /// An active publisher profile of the caller's organization; cannot change later.
    pub publisher_profile_id: PublisherProfileId,
    /// `^[a-z0-9][a-z0-9_-]{0,49}$`, unique per publisher, cannot change later.
    #[validate(custom(function = "crate::validate::alias"))]
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,49}$")]
    pub offer_alias: String,
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: String,
    pub offer_type: OfferType,
}

/// JSON merge patch of an offer: a present section is merged into the stored one (arrays replace),
/// `null` clears a section or a field. Drafts may be incomplete, but every value present must be valid.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"listing": {"summary": "Analytics for every team.", "privacy_policy_url": "https://contoso.example/privacy"}}))]
pub struct UpdateOffer {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default)]
    pub setup: Option<Setup>,
    #[serde(default)]
    pub properties: Option<Properties>,
    #[serde(default)]
    pub listing: Option<Listing>,
    #[serde(default)]
    pub plans: Option<Vec<Plan>>,
    #[serde(default)]
    pub resell_csp: Option<ResellCsp>,
    #[serde(default)]
    pub co_sell: Option<CoSell>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOffersQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Comma-separated statuses, e.g. `draft,live`.
    #[param(example = "draft,live")]
    pub status: Option<String>,
    pub offer_type: Option<OfferType>,
    pub publisher_profile_id: Option<PublisherProfileId>,
    /// Text the offer name contains (case-insensitive), at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Staff only: one organization's offers.
    pub organization_id: Option<OrganizationId>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"notes_for_certification": "Test account: demo@contoso.example"}))]
pub struct PublishOffer {
    #[serde(default)]
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes_for_certification: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"confirm": true}))]
pub struct StopDistribution {
    #[serde(default)]
    #[schema(value_type = crate::validate::Confirmation, required = true)]
    pub confirm: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
}
