//! The sections (tabs) of an offer: their shapes and the rules every present value must follow.
//! What a complete section needs is `readiness`. These types are also the stored form of the
//! sections (`stored_sections_read_back_as_written` holds them to it).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::string_enum;

string_enum! {
    pub enum SectionName {
        Setup => "setup",
        Properties => "properties",
        Listing => "listing",
        Plans => "plans",
        ResellCsp => "resell_csp",
        CoSell => "co_sell",
    }
}

string_enum! {
    pub enum ListingOption {
        Transact => "transact",
        Free => "free",
        FreeTrial => "free_trial",
        ContactMe => "contact_me",
    }
}

string_enum! {
    pub enum PricingModel {
        Free => "free",
        FlatRate => "flat_rate",
        PerUser => "per_user",
    }
}

string_enum! {
    pub enum CspOption {
        AnyPartner => "any_partner",
        SpecificPartners => "specific_partners",
        NoPartners => "no_partners",
    }
}

string_enum! {
    pub enum SolutionType {
        Device => "device",
        IpApplication => "ip_application",
        Service => "service",
        ManagedService => "managed_service",
    }
}

string_enum! {
    pub enum DocumentType {
        OnePager => "one_pager",
        PitchDeck => "pitch_deck",
        ReferenceArchitecture => "reference_architecture",
        CaseStudy => "case_study",
        Other => "other",
    }
}

string_enum! {
    pub enum ContactRole {
        PartnerSales => "partner_sales",
        PartnerMarketing => "partner_marketing",
        PartnerTechnicalSales => "partner_technical_sales",
        PartnerCustomerSuccess => "partner_customer_success",
    }
}

/// How customers acquire the offer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default)]
    pub listing_option: Option<ListingOption>,
    /// Required for `free_trial`; https.
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/trial")]
    #[schema(format = "https-url")]
    pub trial_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Properties {
    /// 1–3 categories.
    #[serde(default)]
    #[validate(length(max = 3), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["analytics", "security"]))]
    #[schema(max_items = 3)]
    pub categories: Option<Vec<String>>,
    /// 0–2 industries.
    #[serde(default)]
    #[validate(length(max = 2), custom(function = "crate::validate::labels"))]
    #[schema(max_items = 2)]
    pub industries: Option<Vec<String>>,
    /// https; or set `standard_contract`.
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/terms")]
    #[schema(format = "https-url")]
    pub terms_of_use_url: Option<String>,
    #[serde(default)]
    pub standard_contract: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineeringContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::plain_text"))]
    #[schema(example = "Contoso Analytics turns telemetry into decisions.")]
    #[schema(min_length = 1, max_length = 100, format = "text")]
    pub summary: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 3000), custom(function = "crate::validate::plain_text"))]
    #[schema(min_length = 1, max_length = 3000, format = "text")]
    pub description: Option<String>,
    /// At most 3, each at most 50 characters.
    #[serde(default)]
    #[validate(length(max = 3), custom(function = "keywords"))]
    #[schema(max_items = 3)]
    pub search_keywords: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/privacy")]
    #[schema(format = "https-url")]
    pub privacy_policy_url: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub support_contact: Option<SupportContact>,
    #[serde(default)]
    #[validate(nested)]
    pub engineering_contact: Option<EngineeringContact>,
}

fn keywords(values: &[String]) -> Result<(), validator::ValidationError> {
    if values.iter().any(|k| k.chars().count() > 50) {
        return Err(validator::ValidationError::new("too_long")
            .with_message("each keyword must be at most 50 characters".into()));
    }
    crate::validate::labels(values)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    #[serde(default)]
    #[validate(custom(function = "crate::validate::alias"))]
    #[schema(example = "standard")]
    #[schema(pattern = "^[a-z0-9][a-z0-9_-]{0,49}$")]
    pub plan_id: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(example = "Standard")]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: Option<String>,
    #[serde(default)]
    pub pricing_model: Option<PricingModel>,
    #[serde(default)]
    #[validate(range(min = 0.0, max = 1_000_000.0))]
    #[schema(example = 49.0)]
    pub price_usd: Option<f64>,
}

/// 1–20 plans; required when the listing option is `transact`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(transparent)]
pub struct Plans {
    #[validate(length(max = 20), nested, custom(function = "unique_plan_ids"))]
    #[schema(max_items = 20)]
    pub plans: Vec<Plan>,
}

fn unique_plan_ids(plans: &[Plan]) -> Result<(), validator::ValidationError> {
    let mut seen = std::collections::HashSet::new();
    if plans
        .iter()
        .filter_map(|p| p.plan_id.as_deref())
        .all(|id| seen.insert(id))
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("duplicate").with_message("plan ids must be unique".into()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CspPartner {
    #[serde(default)]
    pub tenant_id: Option<Uuid>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: Option<String>,
}

/// Resale through Cloud Solution Provider partners (CSP-eligible offer types only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResellCsp {
    #[serde(default)]
    pub option: Option<CspOption>,
    /// At least one when `specific_partners`.
    #[serde(default)]
    #[validate(length(max = 1000), nested)]
    #[schema(max_items = 1000)]
    pub partners: Option<Vec<CspPartner>>,
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub marketing_materials_url: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub channel_contact_email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionArea {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(example = "Data & AI")]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub area: Option<String>,
    /// 1–5.
    #[serde(default)]
    #[validate(length(max = 5), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["Analytics"]))]
    #[schema(max_items = 5)]
    pub sub_areas: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoSellDocument {
    #[serde(default)]
    pub doc_type: Option<DocumentType>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 200, format = "single-line")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoSellContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(min_length = 1, max_length = 100, format = "single-line")]
    pub job_title: Option<String>,
    #[serde(default)]
    pub role: Option<ContactRole>,
    /// ISO 3166-1 alpha-2 codes, or `["OOO"]` for all countries.
    #[serde(default)]
    #[validate(length(max = 250), custom(function = "crate::validate::contact_countries"))]
    #[schema(example = json!(["US", "CA"]))]
    #[schema(max_items = 250)]
    pub countries: Option<Vec<String>>,
}

/// The co-sell material; needed for co-sell readiness, never for publishing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoSell {
    #[serde(default)]
    pub solution_type: Option<SolutionType>,
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["Azure"]))]
    #[schema(max_items = 20)]
    pub platforms: Option<Vec<String>>,
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["Enterprise"]))]
    #[schema(max_items = 20)]
    pub segments: Option<Vec<String>>,
    /// 1–5.
    #[serde(default)]
    #[validate(length(max = 5), nested)]
    #[schema(max_items = 5)]
    pub solution_areas: Option<Vec<SolutionArea>>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub documents: Option<Vec<CoSellDocument>>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub contacts: Option<Vec<CoSellContact>>,
    #[serde(default, deserialize_with = "crate::validate::optional_url_text")]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(format = "https-url")]
    pub landing_page_url: Option<String>,
}

/// All sections of an offer; `null` is a section not started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sections {
    pub setup: Option<Setup>,
    pub properties: Option<Properties>,
    pub listing: Option<Listing>,
    #[schema(value_type = Option<Vec<Plan>>)]
    pub plans: Option<Plans>,
    pub resell_csp: Option<ResellCsp>,
    pub co_sell: Option<CoSell>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// Reads `stored` as `T` and writes it again: a renamed or retyped member fails here before
    /// it can change how stored rows are read.
    fn round_trip<T: Serialize + serde::de::DeserializeOwned>(stored: Value) {
        let read: T = serde_json::from_value(stored.clone()).expect("a stored value reads");
        assert_eq!(serde_json::to_value(&read).unwrap(), stored);
    }

    #[test]
    fn stored_sections_read_back_as_written() {
        round_trip::<Setup>(json!({"listing_option": "free_trial", "trial_url": "https://contoso.example/trial"}));
        round_trip::<Properties>(json!({
            "categories": ["analytics"], "industries": ["retail"], "terms_of_use_url": null, "standard_contract": true
        }));
        round_trip::<Listing>(json!({
            "summary": "Analytics for every team.", "description": "Turns telemetry into decisions.",
            "search_keywords": ["analytics"], "privacy_policy_url": "https://contoso.example/privacy",
            "support_contact": {"name": "Support", "email": "support@contoso.example", "url": "https://contoso.example/support"},
            "engineering_contact": {"name": "Engineering", "email": "eng@contoso.example"}
        }));
        round_trip::<Plans>(json!([
            {"plan_id": "basic", "name": "Basic", "pricing_model": "per_user", "price_usd": 12.5}
        ]));
        round_trip::<ResellCsp>(json!({
            "option": "specific_partners",
            "partners": [{"tenant_id": "0193a7f0-0000-7000-8000-00000000000a", "name": "Fabrikam"}],
            "marketing_materials_url": "https://contoso.example/csp", "channel_contact_email": "csp@contoso.example"
        }));
        round_trip::<CoSell>(json!({
            "solution_type": "ip_application", "platforms": ["Azure"], "segments": ["Enterprise"],
            "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics"]}],
            "documents": [{"doc_type": "one_pager", "name": "One pager", "url": "https://contoso.example/1.pdf"}],
            "contacts": [{"name": "Sam", "email": "sam@contoso.example", "job_title": "AE", "role": "partner_sales", "countries": ["OOO"]}],
            "landing_page_url": "https://contoso.example/"
        }));
    }
}
