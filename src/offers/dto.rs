use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::lifecycle::{self, OfferAction, OfferFacts};
use super::model::{
    CoSellStatus, Offer, OfferContentChanges, OfferStatus, OfferSummary, OfferType, Origin, Storefront, Submission,
    SubmissionState,
};
use super::sections::{self, CoSell, Listing, Plan, Properties, ResellCsp, Sections, Setup};
use crate::auth::roles::Role;
use crate::enums::parse_stored;
use crate::error::ApiError;
use crate::http::body::non_null;
use crate::http::time::Timestamp;

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
    #[schema(example = "01937e4a-7b1c-7000-8000-000000000010")]
    pub id: String,
    pub organization_id: String,
    pub publisher_profile_id: String,
    #[schema(example = "contoso-analytics")]
    pub offer_alias: String,
    #[schema(example = "Contoso Analytics")]
    pub name: String,
    pub offer_type: OfferType,
    pub storefronts: Vec<Storefront>,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<String>,
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
    pub id: String,
    pub organization_id: String,
    pub publisher_profile_id: String,
    pub offer_alias: String,
    pub name: String,
    pub offer_type: OfferType,
    pub storefronts: Vec<Storefront>,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<String>,
    /// `null` in lists unless inherited; the computed status is on the offer itself.
    pub co_sell_status: Option<CoSellStatus>,
    pub has_ever_been_live: bool,
    pub has_unpublished_changes: bool,
    pub live_url: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// An offer read from its row, with its sections parsed.
pub struct LoadedOffer {
    pub row: Offer,
    pub offer_type: OfferType,
    pub status: OfferStatus,
    pub sections: Sections,
}

impl LoadedOffer {
    pub fn load(row: Offer) -> Result<Self, ApiError> {
        fn parse<T: serde::de::DeserializeOwned>(column: &Option<String>) -> Result<Option<T>, ApiError> {
            column
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| ApiError::internal(format!("stored section: {e}")))
        }
        let sections = Sections {
            setup: parse(&row.setup)?,
            properties: parse(&row.properties)?,
            listing: parse(&row.listing)?,
            plans: parse(&row.plans)?,
            resell_csp: parse(&row.resell_csp)?,
            co_sell: parse(&row.co_sell)?,
        };
        Ok(Self {
            offer_type: parse_stored(&row.offer_type)?,
            status: parse_stored(&row.status)?,
            sections,
            row,
        })
    }

    /// The offer after a content edit made at `at` was written: `changes` are the columns the
    /// edit set, `sections` what they hold, parsed. Mirrors [`super::repo::update_content`].
    pub fn edited(mut self, changes: OfferContentChanges, sections: Sections, at: NaiveDateTime) -> Self {
        let OfferContentChanges {
            name,
            setup,
            properties,
            listing,
            plans,
            resell_csp,
            co_sell,
        } = changes;
        let row = &mut self.row;
        if let Some(name) = name {
            row.name = name;
        }
        for (column, value) in [
            (&mut row.setup, setup),
            (&mut row.properties, properties),
            (&mut row.listing, listing),
            (&mut row.plans, plans),
            (&mut row.resell_csp, resell_csp),
            (&mut row.co_sell, co_sell),
        ] {
            if let Some(value) = value {
                *column = value;
            }
        }
        row.content_revision += 1;
        row.updated_at = at;
        row.version += 1;
        self.sections = sections;
        self
    }

    pub fn facts(&self, status_before_submission: OfferStatus) -> OfferFacts {
        OfferFacts {
            status: self.status,
            has_ever_been_live: self.row.has_ever_been_live,
            can_publish: sections::readiness(self.offer_type, &self.sections).can_publish,
            status_before_submission,
        }
    }

    /// The co-sell status and whether it is the inherited one: an offer keeps what it took over
    /// from a legacy solution unless its own checklist earns more.
    pub fn co_sell_status(&self) -> Result<(CoSellStatus, bool), ApiError> {
        let ready = self.status == OfferStatus::Live
            && sections::co_sell_checklist(self.sections.co_sell.as_ref())
                .iter()
                .all(|item| item.met);
        let computed = if ready {
            CoSellStatus::CoSellReady
        } else {
            CoSellStatus::NotCoSellReady
        };
        let inherited: Option<CoSellStatus> = self.row.co_sell_status.as_deref().map(parse_stored).transpose()?;
        Ok(match inherited {
            Some(inherited) if inherited.rank() >= computed.rank() => (inherited, true),
            _ => (computed, false),
        })
    }

    pub fn view(self, role: Role) -> Result<OfferView, ApiError> {
        let (co_sell_status, co_sell_status_inherited) = self.co_sell_status()?;
        let allowed_actions = lifecycle::allowed_actions(self.facts(OfferStatus::Draft), role);
        let row = self.row;
        Ok(OfferView {
            storefronts: self.offer_type.storefronts().to_vec(),
            offer_type: self.offer_type,
            status: self.status,
            origin: parse_stored(&row.origin)?,
            co_sell_status,
            co_sell_status_inherited,
            incentive_eligible: row.incentive_eligible,
            referral_pipeline: row
                .referral_pipeline
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| ApiError::internal(format!("stored referral pipeline: {e}")))?,
            copied_fields: row
                .copied_fields
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .unwrap_or_default()
                .unwrap_or_default(),
            has_unpublished_changes: row.live_content_revision.is_some_and(|r| r != row.content_revision),
            allowed_actions,
            setup: self.sections.setup,
            properties: self.sections.properties,
            listing: self.sections.listing,
            plans: self.sections.plans.map(|p| p.plans),
            resell_csp: self.sections.resell_csp,
            co_sell: self.sections.co_sell,
            id: row.id,
            organization_id: row.organization_id,
            publisher_profile_id: row.publisher_profile_id,
            offer_alias: row.offer_alias,
            name: row.name,
            source_solution_id: row.source_solution_id,
            has_ever_been_live: row.has_ever_been_live,
            live_url: row.live_url,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            version: row.version,
        })
    }
}

impl TryFrom<OfferSummary> for OfferSummaryView {
    type Error = ApiError;
    fn try_from(o: OfferSummary) -> Result<Self, ApiError> {
        let offer_type: OfferType = parse_stored(&o.offer_type)?;
        Ok(Self {
            storefronts: offer_type.storefronts().to_vec(),
            offer_type,
            status: parse_stored(&o.status)?,
            origin: parse_stored(&o.origin)?,
            co_sell_status: o.co_sell_status.as_deref().map(parse_stored).transpose()?,
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
        })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "publisher_profile_id": "01937e4a-7b1c-7000-8000-000000000003",
    "offer_alias": "contoso-analytics", "name": "Contoso Analytics", "offer_type": "saas"
}))]
pub struct CreateOffer {
    /// An active publisher profile of the caller's organization; cannot change later.
    pub publisher_profile_id: Uuid,
    /// `^[a-z0-9][a-z0-9_-]{0,49}$`, unique per publisher, cannot change later.
    #[validate(custom(function = "crate::validate::alias"))]
    pub offer_alias: String,
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
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
    pub publisher_profile_id: Option<Uuid>,
    /// Text the offer name contains (case-insensitive).
    pub q: Option<String>,
    /// Staff only: one organization's offers.
    pub organization_id: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"notes_for_certification": "Test account: demo@contoso.example"}))]
pub struct PublishOffer {
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub notes_for_certification: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"confirm": true}))]
pub struct StopDistribution {
    /// Must be `true`.
    #[serde(default)]
    pub confirm: bool,
}

crate::string_enum! {
    pub enum CertificationResult {
        Passed => "passed",
        Failed => "failed",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationFeedback {
    #[schema(example = "listing")]
    pub section: sections::SectionName,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "#/listing/description")]
    pub pointer: String,
    #[validate(length(min = 1, max = 2000), custom(function = "crate::validate::plain_text"))]
    #[schema(example = "The description must say what the product does.")]
    pub message: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"result": "failed", "feedback": [{"section": "listing", "pointer": "#/listing/description", "message": "Describe what the product does."}]}))]
pub struct CertifySubmission {
    pub result: CertificationResult,
    /// At least one item when the result is `failed`.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    pub feedback: Vec<CertificationFeedback>,
}

crate::string_enum! {
    pub enum StepName {
        AutomatedValidation => "automated_validation",
        Certification => "certification",
        Preview => "preview",
        Publish => "publish",
    }
}

crate::string_enum! {
    pub enum StepState {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Complete => "complete",
        Failed => "failed",
        Canceled => "canceled",
        Skipped => "skipped",
    }
}

/// Stored form of a step (timestamps as RFC 3339 text).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Step {
    pub name: StepName,
    pub state: StepState,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub completed_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Certification {
    pub result: CertificationResult,
    pub feedback: Vec<CertificationFeedback>,
    /// `null` when certified automatically.
    pub reviewer_id: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: String,
}

/// One publish attempt of an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub offer_id: String,
    pub organization_id: String,
    #[schema(example = 1)]
    pub sequence: i64,
    pub state: SubmissionState,
    pub steps: Vec<Step>,
    pub certification: Option<Certification>,
    pub preview_url: Option<String>,
    /// The offer content as submitted.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
    pub notes_for_certification: Option<String>,
    pub submitted_by: String,
    pub submitted_at: Timestamp,
    /// What the caller may do now (`certify`).
    pub allowed_actions: Vec<&'static str>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

impl SubmissionView {
    pub fn build(s: Submission, role: Role) -> Result<Self, ApiError> {
        let state: SubmissionState = parse_stored(&s.state)?;
        let stored = |e: serde_json::Error| ApiError::internal(format!("stored submission: {e}"));
        Ok(Self {
            allowed_actions: lifecycle::submission_actions(state, role),
            state,
            steps: serde_json::from_str(&s.steps).map_err(stored)?,
            certification: s
                .certification
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(stored)?,
            snapshot: serde_json::from_str(&s.snapshot).map_err(stored)?,
            id: s.id,
            offer_id: s.offer_id,
            organization_id: s.organization_id,
            sequence: s.sequence,
            preview_url: s.preview_url,
            notes_for_certification: s.notes_for_certification,
            submitted_by: s.submitted_by,
            submitted_at: s.submitted_at.into(),
            created_at: s.created_at.into(),
            updated_at: s.updated_at.into(),
            version: s.version,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSubmissionsQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// Comma-separated states, e.g. `in_certification`.
    #[param(example = "in_certification")]
    pub state: Option<String>,
    pub offer_id: Option<Uuid>,
    /// Staff only: one organization's submissions.
    pub organization_id: Option<Uuid>,
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
