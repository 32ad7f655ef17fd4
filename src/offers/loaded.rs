//! An offer as the code works with it: its row with the sections parsed, what its state machine
//! needs to know, what it shows, and what a submission freezes of it.

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use serde_json::Value;
use serde_json::value::RawValue;

use super::co_sell::co_sell_checklist;
use super::dto::OfferView;
use super::lifecycle::{OfferFacts, OfferLifecycle};
use super::model::{CoSellStatus, Offer, OfferContentChanges, OfferStatus};
use super::readiness::readiness;
use super::sections::Sections;
use crate::auth::roles::Role;
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;

/// An offer read from its row, with its sections parsed.
#[derive(Clone)]
pub struct LoadedOffer {
    pub row: Offer,
    pub sections: Sections,
}

fn parse<T: serde::de::DeserializeOwned>(column: &Option<String>) -> Result<Option<T>, ApiError> {
    Ok(column.as_deref().map(serde_json::from_str).transpose()?)
}

impl LoadedOffer {
    pub fn load(row: Offer) -> Result<Self, ApiError> {
        let sections = Sections {
            setup: parse(&row.setup)?,
            properties: parse(&row.properties)?,
            listing: parse(&row.listing)?,
            plans: parse(&row.plans)?,
            resell_csp: parse(&row.resell_csp)?,
            co_sell: parse(&row.co_sell)?,
        };
        Ok(Self { sections, row })
    }

    pub fn status(&self) -> OfferStatus {
        self.row.status
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

    /// What the state machine needs; `status_before_submission` is where a canceled
    /// submission returns the offer.
    pub fn facts(&self, status_before_submission: OfferStatus) -> OfferFacts {
        OfferFacts {
            status: self.row.status,
            has_ever_been_live: self.row.has_ever_been_live,
            can_publish: readiness(self.row.offer_type, &self.sections).can_publish,
            status_before_submission,
        }
    }

    /// The co-sell status and whether it is the inherited one: an offer keeps what it took over
    /// from a legacy solution unless its own checklist earns more.
    pub fn co_sell_status(&self) -> (CoSellStatus, bool) {
        let ready = self.row.status == OfferStatus::Live
            && co_sell_checklist(self.sections.co_sell.as_ref())
                .iter()
                .all(|item| item.met);
        let computed = if ready {
            CoSellStatus::CoSellReady
        } else {
            CoSellStatus::NotCoSellReady
        };
        match self.row.co_sell_status {
            Some(inherited) if inherited.rank() >= computed.rank() => (inherited, true),
            _ => (computed, false),
        }
    }

    /// The offer as `role` sees it, with what `role` may do now: the role decides
    /// `allowed_actions` and nothing else.
    pub fn view(self, role: Role) -> Result<OfferView, ApiError> {
        let (co_sell_status, co_sell_status_inherited) = self.co_sell_status();
        let allowed_actions = OfferLifecycle::allowed(self.facts(OfferStatus::Draft), role);
        let has_unpublished_changes = self.row.has_unpublished_changes();
        let row = self.row;
        Ok(OfferView {
            storefronts: row.offer_type.storefronts().to_vec(),
            offer_type: row.offer_type,
            status: row.status,
            origin: row.origin,
            co_sell_status,
            co_sell_status_inherited,
            incentive_eligible: row.incentive_eligible,
            referral_pipeline: parse(&row.referral_pipeline)?,
            copied_fields: parse(&row.copied_fields).ok().flatten().unwrap_or_default(),
            has_unpublished_changes,
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

    /// The offer as `role` sees it, rendered, and the object its events carry (the owner's view
    /// without `allowed_actions`): one rendering for both, as they differ only by what the caller
    /// may do.
    pub fn rendered_and_object(self, role: Role) -> Result<(Bytes, Box<RawValue>), ApiError> {
        crate::events::object::rendered_and_object(&self.view(role)?)
    }

    /// The content a submission freezes.
    pub fn snapshot(&self) -> Value {
        self.snapshot_of(CONTENT_MEMBERS)
    }

    /// The members `names` of [`Self::snapshot`] (names that are not among them are left out):
    /// what an edit of only those members compares.
    pub fn snapshot_of<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Value {
        let mut members = serde_json::Map::new();
        for name in names {
            if let Some(value) = self.content_member(name) {
                members.insert(name.to_owned(), value);
            }
        }
        Value::Object(members)
    }

    /// One member of the content a submission freezes.
    fn content_member(&self, name: &str) -> Option<Value> {
        let row = &self.row;
        let sections = &self.sections;
        Some(match name {
            "name" => json(&row.name),
            "offer_alias" => json(&row.offer_alias),
            "offer_type" => json(&row.offer_type),
            "publisher_profile_id" => json(&row.publisher_profile_id),
            "setup" => json(&sections.setup),
            "properties" => json(&sections.properties),
            "listing" => json(&sections.listing),
            "plans" => json(&sections.plans),
            "resell_csp" => json(&sections.resell_csp),
            "co_sell" => json(&sections.co_sell),
            _ => return None,
        })
    }
}

/// The members of the content a submission freezes ([`LoadedOffer::snapshot`]).
pub const CONTENT_MEMBERS: [&str; 10] = [
    "name",
    "offer_alias",
    "offer_type",
    "publisher_profile_id",
    "setup",
    "properties",
    "listing",
    "plans",
    "resell_csp",
    "co_sell",
];

/// A member of the content as JSON, as `json!` converts it (a failure there is a panic too).
fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("an offer's content is plain JSON")
}
