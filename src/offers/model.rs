use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::offers;
use crate::ids::{OfferId, OrganizationId, PublisherProfileId, SolutionId};
use crate::string_enum;

string_enum! {
    pub enum OfferType {
        Saas => "saas",
        AzureApplication => "azure_application",
        AzureContainer => "azure_container",
        AzureVirtualMachine => "azure_virtual_machine",
        IotEdgeModule => "iot_edge_module",
        ManagedService => "managed_service",
        Dynamics365BusinessCentral => "dynamics365_business_central",
        Dynamics365CustomerEngagement => "dynamics365_customer_engagement",
        Dynamics365Operations => "dynamics365_operations",
        PowerBiApp => "power_bi_app",
        ConsultingService => "consulting_service",
    }
}

string_enum! {
    pub enum Storefront {
        AzureMarketplace => "azure_marketplace",
        Appsource => "appsource",
    }
}

impl OfferType {
    pub fn storefronts(self) -> &'static [Storefront] {
        use OfferType::*;
        match self {
            Saas | ConsultingService => &[Storefront::AzureMarketplace, Storefront::Appsource],
            AzureApplication | AzureContainer | AzureVirtualMachine | IotEdgeModule | ManagedService => {
                &[Storefront::AzureMarketplace]
            }
            Dynamics365BusinessCentral | Dynamics365CustomerEngagement | Dynamics365Operations | PowerBiApp => {
                &[Storefront::Appsource]
            }
        }
    }

    pub fn is_csp_eligible(self) -> bool {
        matches!(
            self,
            OfferType::Saas | OfferType::AzureApplication | OfferType::AzureContainer | OfferType::AzureVirtualMachine
        )
    }

    /// Where the live listing is published: Azure Marketplace when the type is listed there.
    pub fn live_url(self, publisher_id: &str, offer_alias: &str) -> String {
        if self.storefronts().contains(&Storefront::AzureMarketplace) {
            format!("https://azuremarketplace.microsoft.com/marketplace/apps/{publisher_id}.{offer_alias}")
        } else {
            format!(
                "https://appsource.microsoft.com/product/{}/{publisher_id}.{offer_alias}",
                self.as_str()
            )
        }
    }
}

string_enum! {
    pub enum OfferStatus {
        Draft => "draft",
        PublishInProgress => "publish_in_progress",
        AttentionNeeded => "attention_needed",
        Preview => "preview",
        Live => "live",
        NotAvailable => "not_available",
    }
}

string_enum! {
    pub enum Origin {
        Created => "created",
        Migrated => "migrated",
    }
}

string_enum! {
    pub enum CoSellStatus {
        NotCoSellReady => "not_co_sell_ready",
        CoSellReady => "co_sell_ready",
        AzureIpCoSellIncentivized => "azure_ip_co_sell_incentivized",
        BizappsCoSellIncentivized => "bizapps_co_sell_incentivized",
    }
}

impl CoSellStatus {
    /// Incentivized beats ready, which beats not ready.
    pub fn rank(self) -> u8 {
        match self {
            CoSellStatus::NotCoSellReady => 0,
            CoSellStatus::CoSellReady => 1,
            CoSellStatus::AzureIpCoSellIncentivized | CoSellStatus::BizappsCoSellIncentivized => 2,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub id: OfferId,
    pub organization_id: OrganizationId,
    pub publisher_profile_id: PublisherProfileId,
    pub offer_alias: String,
    pub name: String,
    pub offer_type: OfferType,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<SolutionId>,
    /// Set only when inherited from a legacy solution; otherwise computed.
    pub co_sell_status: Option<CoSellStatus>,
    pub incentive_eligible: bool,
    /// JSON `ReferralPipeline`.
    pub referral_pipeline: Option<String>,
    /// JSON: the names of the fields a migration copied.
    pub copied_fields: Option<String>,
    pub has_ever_been_live: bool,
    pub live_url: Option<String>,
    /// Incremented by every content edit; compared with `live_content_revision`.
    pub content_revision: i64,
    pub live_content_revision: Option<i64>,
    /// The sections, each the JSON of its type in `sections`.
    pub setup: Option<String>,
    pub properties: Option<String>,
    pub listing: Option<String>,
    pub plans: Option<String>,
    pub resell_csp: Option<String>,
    pub co_sell: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

impl Offer {
    /// A new draft without content.
    pub fn draft(
        organization_id: OrganizationId,
        publisher_profile_id: PublisherProfileId,
        offer_alias: String,
        name: String,
        offer_type: OfferType,
        origin: Origin,
    ) -> Self {
        let now = crate::time::now();
        Self {
            id: OfferId::generate(),
            organization_id,
            publisher_profile_id,
            offer_alias,
            name,
            offer_type,
            status: OfferStatus::Draft,
            origin,
            source_solution_id: None,
            co_sell_status: None,
            incentive_eligible: false,
            referral_pipeline: None,
            copied_fields: None,
            has_ever_been_live: false,
            live_url: None,
            content_revision: 0,
            live_content_revision: None,
            setup: None,
            properties: None,
            listing: None,
            plans: None,
            resell_csp: None,
            co_sell: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    /// Edits made since the live version was published.
    pub fn has_unpublished_changes(&self) -> bool {
        self.live_content_revision.is_some_and(|r| r != self.content_revision)
    }
}

/// An offer without its sections, for lists.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
pub struct OfferSummary {
    pub id: OfferId,
    pub organization_id: OrganizationId,
    pub publisher_profile_id: PublisherProfileId,
    pub offer_alias: String,
    pub name: String,
    pub offer_type: OfferType,
    pub status: OfferStatus,
    pub origin: Origin,
    pub source_solution_id: Option<SolutionId>,
    pub co_sell_status: Option<CoSellStatus>,
    pub has_ever_been_live: bool,
    pub live_url: Option<String>,
    pub content_revision: i64,
    pub live_content_revision: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i64,
}

/// The content columns a PATCH may set (`Some(None)` clears a section).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = offers)]
pub struct OfferContentChanges {
    pub name: Option<String>,
    pub setup: Option<Option<String>>,
    pub properties: Option<Option<String>>,
    pub listing: Option<Option<String>>,
    pub plans: Option<Option<String>>,
    pub resell_csp: Option<Option<String>>,
    pub co_sell: Option<Option<String>>,
}

/// The lifecycle columns a transition may set.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = offers)]
pub struct OfferStateChanges {
    pub status: Option<OfferStatus>,
    pub has_ever_been_live: Option<bool>,
    pub live_url: Option<Option<String>>,
    pub live_content_revision: Option<Option<i64>>,
    pub co_sell_status: Option<Option<CoSellStatus>>,
    pub incentive_eligible: Option<bool>,
    pub referral_pipeline: Option<Option<String>>,
}

impl OfferStateChanges {
    /// A move to `status` and nothing else.
    pub fn status(status: OfferStatus) -> Self {
        Self {
            status: Some(status),
            ..Default::default()
        }
    }
}
