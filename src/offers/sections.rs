//! The sections (tabs) of an offer: their shapes, the rules every present value must follow, and
//! what a complete section needs. One function, [`readiness`], decides both what the
//! "Review and publish" page reports and whether publishing is allowed.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::model::OfferType;
use crate::error::FieldIssue;
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
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/trial")]
    pub trial_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Properties {
    /// 1–3 categories.
    #[serde(default)]
    #[validate(length(max = 3), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["analytics", "security"]))]
    pub categories: Option<Vec<String>>,
    /// 0–2 industries.
    #[serde(default)]
    #[validate(length(max = 2), custom(function = "crate::validate::labels"))]
    pub industries: Option<Vec<String>>,
    /// https; or set `standard_contract`.
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/terms")]
    pub terms_of_use_url: Option<String>,
    #[serde(default)]
    pub standard_contract: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EngineeringContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::plain_text"))]
    #[schema(example = "Contoso Analytics turns telemetry into decisions.")]
    pub summary: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 3000), custom(function = "crate::validate::plain_text"))]
    pub description: Option<String>,
    /// At most 3, each at most 50 characters.
    #[serde(default)]
    #[validate(length(max = 3), custom(function = "keywords"))]
    pub search_keywords: Option<Vec<String>>,
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    #[schema(example = "https://contoso.example/privacy")]
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
    pub plan_id: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    #[schema(example = "Standard")]
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
    pub partners: Option<Vec<CspPartner>>,
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    pub marketing_materials_url: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    pub channel_contact_email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionArea {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    #[schema(example = "Data & AI")]
    pub area: Option<String>,
    /// 1–5.
    #[serde(default)]
    #[validate(length(max = 5), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["Analytics"]))]
    pub sub_areas: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoSellDocument {
    #[serde(default)]
    pub doc_type: Option<DocumentType>,
    #[serde(default)]
    #[validate(length(min = 1, max = 200), custom(function = "crate::validate::single_line"))]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoSellContact {
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    pub name: Option<String>,
    #[serde(default)]
    #[validate(
        email(code = "invalid_email", message = "must be an e-mail address"),
        length(max = 254)
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[validate(length(min = 1, max = 100), custom(function = "crate::validate::single_line"))]
    pub job_title: Option<String>,
    #[serde(default)]
    pub role: Option<ContactRole>,
    /// ISO 3166-1 alpha-2 codes, or `["OOO"]` for all countries.
    #[serde(default)]
    #[validate(length(max = 250), custom(function = "crate::validate::contact_countries"))]
    #[schema(example = json!(["US", "CA"]))]
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
    pub platforms: Option<Vec<String>>,
    #[serde(default)]
    #[validate(length(max = 20), custom(function = "crate::validate::labels"))]
    #[schema(example = json!(["Enterprise"]))]
    pub segments: Option<Vec<String>>,
    /// 1–5.
    #[serde(default)]
    #[validate(length(max = 5), nested)]
    pub solution_areas: Option<Vec<SolutionArea>>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    pub documents: Option<Vec<CoSellDocument>>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    pub contacts: Option<Vec<CoSellContact>>,
    #[serde(default)]
    #[validate(custom(function = "crate::validate::https_url"))]
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

string_enum! {
    pub enum SectionStatus {
        NotStarted => "not_started",
        Incomplete => "incomplete",
        Complete => "complete",
    }
}

/// One section on the "Review and publish" page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionReadiness {
    pub section: SectionName,
    pub required: bool,
    pub status: SectionStatus,
    /// What is missing or invalid, by JSON pointer into the offer.
    pub issues: Vec<FieldIssue>,
}

/// One requirement of co-sell readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItem {
    #[schema(example = "one_pager")]
    pub requirement: &'static str,
    #[schema(example = "A one-pager document")]
    pub description: &'static str,
    pub met: bool,
}

/// The "Review and publish" page of an offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    pub sections: Vec<SectionReadiness>,
    /// True when every section that publishing needs is complete.
    pub can_publish: bool,
    /// Co-sell readiness never blocks publishing.
    pub co_sell_checklist: Vec<ChecklistItem>,
    pub co_sell_requirements_met: bool,
}

impl Readiness {
    /// The issues that stop publishing, in section order.
    pub fn blocking_issues(&self) -> Vec<FieldIssue> {
        self.sections
            .iter()
            .filter(|s| s.section != SectionName::CoSell && (s.required || s.status == SectionStatus::Incomplete))
            .flat_map(|s| s.issues.iter().cloned())
            .collect()
    }
}

struct Issues {
    prefix: &'static str,
    list: Vec<FieldIssue>,
}

impl Issues {
    fn new(section: SectionName) -> Self {
        let prefix = match section {
            SectionName::Setup => "#/setup",
            SectionName::Properties => "#/properties",
            SectionName::Listing => "#/listing",
            SectionName::Plans => "#/plans",
            SectionName::ResellCsp => "#/resell_csp",
            SectionName::CoSell => "#/co_sell",
        };
        Self {
            prefix,
            list: Vec::new(),
        }
    }

    fn missing(&mut self, path: &str, message: &str) {
        self.list
            .push(FieldIssue::new(format!("{}{path}", self.prefix), "required", message));
    }

    fn require<T>(&mut self, value: &Option<T>, path: &str, message: &str) {
        if value.is_none() {
            self.missing(path, message);
        }
    }

    fn require_list<T>(&mut self, value: &Option<Vec<T>>, path: &str, message: &str) {
        if value.as_ref().is_none_or(Vec::is_empty) {
            self.missing(path, message);
        }
    }
}

fn setup_issues(s: &Setup) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::Setup);
    i.require(
        &s.listing_option,
        "/listing_option",
        "choose how customers acquire the offer",
    );
    if s.listing_option == Some(ListingOption::FreeTrial) {
        i.require(&s.trial_url, "/trial_url", "a free trial needs its https trial URL");
    }
    i.list
}

fn properties_issues(p: &Properties) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::Properties);
    i.require_list(&p.categories, "/categories", "choose 1 to 3 categories");
    if p.terms_of_use_url.is_none() && p.standard_contract != Some(true) {
        i.missing(
            "/terms_of_use_url",
            "give the terms of use URL or use the standard contract",
        );
    }
    i.list
}

fn listing_issues(l: &Listing) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::Listing);
    i.require(&l.summary, "/summary", "a summary of at most 100 characters");
    i.require(
        &l.description,
        "/description",
        "a description of at most 3,000 characters",
    );
    i.require(
        &l.privacy_policy_url,
        "/privacy_policy_url",
        "the https privacy policy URL",
    );
    match &l.support_contact {
        None => i.missing("/support_contact", "a support contact with name, e-mail and URL"),
        Some(c) => {
            i.require(&c.name, "/support_contact/name", "the support contact's name");
            i.require(&c.email, "/support_contact/email", "the support contact's e-mail");
            i.require(&c.url, "/support_contact/url", "the support website");
        }
    }
    match &l.engineering_contact {
        None => i.missing("/engineering_contact", "an engineering contact with name and e-mail"),
        Some(c) => {
            i.require(&c.name, "/engineering_contact/name", "the engineering contact's name");
            i.require(
                &c.email,
                "/engineering_contact/email",
                "the engineering contact's e-mail",
            );
        }
    }
    i.list
}

fn plans_issues(p: &Plans) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::Plans);
    if p.plans.is_empty() {
        i.missing("", "add 1 to 20 plans");
    }
    for (index, plan) in p.plans.iter().enumerate() {
        i.require(&plan.plan_id, &format!("/{index}/plan_id"), "the plan id");
        i.require(&plan.name, &format!("/{index}/name"), "the plan name");
        i.require(
            &plan.pricing_model,
            &format!("/{index}/pricing_model"),
            "the pricing model",
        );
        i.require(
            &plan.price_usd,
            &format!("/{index}/price_usd"),
            "the price in USD (0 for free)",
        );
    }
    i.list
}

fn resell_csp_issues(r: &ResellCsp) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::ResellCsp);
    i.require(&r.option, "/option", "choose which CSP partners may resell");
    if r.option == Some(CspOption::SpecificPartners) {
        i.require_list(&r.partners, "/partners", "name at least one partner");
        for (index, partner) in r.partners.iter().flatten().enumerate() {
            i.require(
                &partner.tenant_id,
                &format!("/partners/{index}/tenant_id"),
                "the partner's tenant id",
            );
            i.require(&partner.name, &format!("/partners/{index}/name"), "the partner's name");
        }
    }
    if matches!(r.option, Some(CspOption::AnyPartner | CspOption::SpecificPartners)) {
        i.require(
            &r.marketing_materials_url,
            "/marketing_materials_url",
            "the https URL of marketing materials for partners",
        );
        i.require(
            &r.channel_contact_email,
            "/channel_contact_email",
            "the channel contact's e-mail",
        );
    }
    i.list
}

fn co_sell_issues(c: &CoSell) -> Vec<FieldIssue> {
    let mut i = Issues::new(SectionName::CoSell);
    i.require(&c.solution_type, "/solution_type", "the solution type");
    i.require_list(&c.platforms, "/platforms", "at least one platform");
    i.require_list(&c.segments, "/segments", "at least one segment");
    i.require_list(&c.solution_areas, "/solution_areas", "1 to 5 solution areas");
    for (index, area) in c.solution_areas.iter().flatten().enumerate() {
        i.require(
            &area.area,
            &format!("/solution_areas/{index}/area"),
            "the solution area",
        );
        i.require_list(
            &area.sub_areas,
            &format!("/solution_areas/{index}/sub_areas"),
            "1 to 5 sub-areas",
        );
    }
    for (index, doc) in c.documents.iter().flatten().enumerate() {
        i.require(
            &doc.doc_type,
            &format!("/documents/{index}/doc_type"),
            "the document type",
        );
        i.require(&doc.name, &format!("/documents/{index}/name"), "the document name");
        i.require(&doc.url, &format!("/documents/{index}/url"), "the document's https URL");
    }
    for (index, contact) in c.contacts.iter().flatten().enumerate() {
        i.require(&contact.name, &format!("/contacts/{index}/name"), "the contact's name");
        i.require(
            &contact.email,
            &format!("/contacts/{index}/email"),
            "the contact's e-mail",
        );
        i.require(&contact.role, &format!("/contacts/{index}/role"), "the contact's role");
        i.require_list(
            &contact.countries,
            &format!("/contacts/{index}/countries"),
            "the countries the contact covers",
        );
    }
    i.list
}

fn section_readiness(section: SectionName, required: bool, issues: Option<Vec<FieldIssue>>) -> SectionReadiness {
    match issues {
        None => SectionReadiness {
            section,
            required,
            status: SectionStatus::NotStarted,
            issues: if required {
                vec![FieldIssue::new(
                    format!("#/{}", section.as_str()),
                    "required",
                    "this section is required to publish",
                )]
            } else {
                Vec::new()
            },
        },
        Some(issues) => SectionReadiness {
            section,
            required,
            status: if issues.is_empty() {
                SectionStatus::Complete
            } else {
                SectionStatus::Incomplete
            },
            issues,
        },
    }
}

/// The co-sell checklist of DOMAIN.md: documents, platforms, segments, a solution area, and a
/// `partner_sales` contact for every country a contact lists (or one for all, `OOO`).
pub fn co_sell_checklist(co_sell: Option<&CoSell>) -> Vec<ChecklistItem> {
    let empty = CoSell::default();
    let c = co_sell.unwrap_or(&empty);
    let has_doc = |t: DocumentType| {
        c.documents
            .iter()
            .flatten()
            .any(|d| d.doc_type == Some(t) && d.url.is_some())
    };
    let non_empty = |v: &Option<Vec<String>>| v.as_ref().is_some_and(|v| !v.is_empty());
    let sales: Vec<&CoSellContact> = c
        .contacts
        .iter()
        .flatten()
        .filter(|x| x.role == Some(ContactRole::PartnerSales) && x.email.is_some())
        .collect();
    let sales_everywhere = sales.iter().any(|x| x.countries.iter().flatten().any(|c| c == "OOO"));
    let listed: std::collections::BTreeSet<&str> = c
        .contacts
        .iter()
        .flatten()
        .flat_map(|x| x.countries.iter().flatten())
        .map(String::as_str)
        .filter(|c| *c != "OOO")
        .collect();
    let covered = |country: &str| sales.iter().any(|x| x.countries.iter().flatten().any(|c| c == country));
    let sales_covered = !sales.is_empty() && (sales_everywhere || listed.iter().all(|c| covered(c)));
    vec![
        ChecklistItem {
            requirement: "one_pager",
            description: "A one-pager document",
            met: has_doc(DocumentType::OnePager),
        },
        ChecklistItem {
            requirement: "pitch_deck",
            description: "A pitch deck document",
            met: has_doc(DocumentType::PitchDeck),
        },
        ChecklistItem {
            requirement: "platforms",
            description: "At least one platform",
            met: non_empty(&c.platforms),
        },
        ChecklistItem {
            requirement: "segments",
            description: "At least one segment",
            met: non_empty(&c.segments),
        },
        ChecklistItem {
            requirement: "solution_area",
            description: "At least one solution area",
            met: c.solution_areas.iter().flatten().any(|a| a.area.is_some()),
        },
        ChecklistItem {
            requirement: "partner_sales_contacts",
            description: "A partner_sales contact for every country listed (or one for all, OOO)",
            met: sales_covered,
        },
    ]
}

/// What the "Review and publish" page shows; publishing checks exactly this.
pub fn readiness(offer_type: OfferType, sections: &Sections) -> Readiness {
    let transact = sections.setup.as_ref().and_then(|s| s.listing_option) == Some(ListingOption::Transact);
    let mut list = vec![
        section_readiness(SectionName::Setup, true, sections.setup.as_ref().map(setup_issues)),
        section_readiness(
            SectionName::Properties,
            true,
            sections.properties.as_ref().map(properties_issues),
        ),
        section_readiness(
            SectionName::Listing,
            true,
            sections.listing.as_ref().map(listing_issues),
        ),
        section_readiness(SectionName::Plans, transact, sections.plans.as_ref().map(plans_issues)),
    ];
    if offer_type.is_csp_eligible() {
        list.push(section_readiness(
            SectionName::ResellCsp,
            false,
            sections.resell_csp.as_ref().map(resell_csp_issues),
        ));
    }
    list.push(section_readiness(
        SectionName::CoSell,
        false,
        sections.co_sell.as_ref().map(co_sell_issues),
    ));
    let co_sell_checklist = co_sell_checklist(sections.co_sell.as_ref());
    let mut readiness = Readiness {
        co_sell_requirements_met: co_sell_checklist.iter().all(|i| i.met),
        sections: list,
        can_publish: false,
        co_sell_checklist,
    };
    readiness.can_publish = readiness.blocking_issues().is_empty();
    readiness
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn complete_sections() -> Sections {
        Sections {
            setup: Some(Setup {
                listing_option: Some(ListingOption::ContactMe),
                trial_url: None,
            }),
            properties: Some(Properties {
                categories: Some(vec!["analytics".into()]),
                industries: None,
                terms_of_use_url: None,
                standard_contract: Some(true),
            }),
            listing: Some(Listing {
                summary: Some("Summary".into()),
                description: Some("Description".into()),
                search_keywords: None,
                privacy_policy_url: Some("https://contoso.example/privacy".into()),
                support_contact: Some(SupportContact {
                    name: Some("Support".into()),
                    email: Some("support@contoso.example".into()),
                    url: Some("https://contoso.example/support".into()),
                }),
                engineering_contact: Some(EngineeringContact {
                    name: Some("Eng".into()),
                    email: Some("eng@contoso.example".into()),
                }),
            }),
            plans: None,
            resell_csp: None,
            co_sell: None,
        }
    }

    #[test]
    fn a_new_offer_cannot_publish_and_says_why() {
        let r = readiness(OfferType::Saas, &Sections::default());
        assert!(!r.can_publish);
        let pointers: Vec<String> = r.blocking_issues().into_iter().map(|i| i.pointer).collect();
        assert_eq!(pointers, ["#/setup", "#/properties", "#/listing"]);
        assert!(r.sections.iter().all(|s| s.status == SectionStatus::NotStarted));
    }

    #[test]
    fn complete_required_sections_allow_publishing() {
        let r = readiness(OfferType::Saas, &complete_sections());
        assert!(r.can_publish, "{:?}", r.blocking_issues());
        assert!(!r.co_sell_requirements_met, "co-sell is not needed to publish");
    }

    #[test]
    fn transact_offers_need_plans_and_free_trials_a_url() {
        let mut s = complete_sections();
        s.setup = Some(Setup {
            listing_option: Some(ListingOption::Transact),
            trial_url: None,
        });
        let r = readiness(OfferType::Saas, &s);
        assert_eq!(r.blocking_issues()[0].pointer, "#/plans");
        s.plans = Some(Plans {
            plans: vec![Plan {
                plan_id: Some("basic".into()),
                name: Some("Basic".into()),
                pricing_model: None,
                price_usd: Some(0.0),
            }],
        });
        assert_eq!(
            readiness(OfferType::Saas, &s).blocking_issues()[0].pointer,
            "#/plans/0/pricing_model"
        );
        s.setup = Some(Setup {
            listing_option: Some(ListingOption::FreeTrial),
            trial_url: None,
        });
        assert_eq!(
            readiness(OfferType::Saas, &s).blocking_issues()[0].pointer,
            "#/setup/trial_url"
        );
    }

    #[test]
    fn an_incomplete_optional_section_blocks_except_co_sell() {
        let mut s = complete_sections();
        s.resell_csp = Some(ResellCsp {
            option: Some(CspOption::SpecificPartners),
            ..Default::default()
        });
        assert!(!readiness(OfferType::Saas, &s).can_publish);
        s.resell_csp = None;
        s.co_sell = Some(CoSell {
            platforms: Some(vec!["Azure".into()]),
            ..Default::default()
        });
        assert!(readiness(OfferType::Saas, &s).can_publish);
    }

    #[test]
    fn the_co_sell_checklist_needs_sales_contacts_for_every_country() {
        let contact = |role: ContactRole, countries: &[&str]| CoSellContact {
            name: Some("N".into()),
            email: Some("n@contoso.example".into()),
            job_title: None,
            role: Some(role),
            countries: Some(countries.iter().map(|c| c.to_string()).collect()),
        };
        let doc = |t: DocumentType| CoSellDocument {
            doc_type: Some(t),
            name: Some("D".into()),
            url: Some("https://contoso.example/d".into()),
        };
        let mut c = CoSell {
            solution_type: Some(SolutionType::IpApplication),
            platforms: Some(vec!["Azure".into()]),
            segments: Some(vec!["Enterprise".into()]),
            solution_areas: Some(vec![SolutionArea {
                area: Some("Data & AI".into()),
                sub_areas: Some(vec!["Analytics".into()]),
            }]),
            documents: Some(vec![doc(DocumentType::OnePager), doc(DocumentType::PitchDeck)]),
            contacts: Some(vec![
                contact(ContactRole::PartnerSales, &["US"]),
                contact(ContactRole::PartnerMarketing, &["US", "DE"]),
            ]),
            landing_page_url: None,
        };
        let met = |c: &CoSell| co_sell_checklist(Some(c)).iter().all(|i| i.met);
        assert!(!met(&c), "DE has no sales contact");
        c.contacts
            .as_mut()
            .unwrap()
            .push(contact(ContactRole::PartnerSales, &["DE"]));
        assert!(met(&c));
        c.contacts = Some(vec![
            contact(ContactRole::PartnerSales, &["OOO"]),
            contact(ContactRole::PartnerMarketing, &["FR"]),
        ]);
        assert!(met(&c), "OOO covers every country");
        c.documents = Some(vec![doc(DocumentType::OnePager)]);
        assert!(!met(&c));
        assert!(!co_sell_checklist(None).iter().any(|i| i.met));
    }
}
