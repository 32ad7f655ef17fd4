//! What a complete offer needs. One function, [`readiness`], decides both what the "Review and
//! publish" page reports and whether publishing is allowed.

use serde::Serialize;
use utoipa::ToSchema;

use super::co_sell::{ChecklistItem, co_sell_checklist};
use super::model::OfferType;
use super::sections::*;
use crate::error::{FieldIssue, IssueCode};
use crate::string_enum;

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

/// The "Review and publish" page of an offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Readiness {
    pub sections: Vec<SectionReadiness>,
    /// True when every section that publishing needs is complete.
    pub can_publish: bool,
    /// Co-sell readiness never blocks publishing.
    pub co_sell_checklist: Vec<ChecklistItem>,
    pub co_sell_requirements_met: bool,
    /// When the offer is `attention_needed`: the items of the failed certification, each
    /// `addressed` once the content at its pointer differs from what was submitted. Empty
    /// otherwise.
    pub certification_feedback: Vec<FeedbackItem>,
}

/// One remark of a failed certification, and whether the content has changed where it points.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedbackItem {
    pub section: SectionName,
    #[schema(example = "#/listing/summary")]
    pub pointer: String,
    pub message: String,
    pub addressed: bool,
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
        self.list.push(FieldIssue::new(
            format!("{}{path}", self.prefix),
            IssueCode::Required,
            message,
        ));
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
                    IssueCode::Required,
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
        certification_feedback: Vec::new(),
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
}
