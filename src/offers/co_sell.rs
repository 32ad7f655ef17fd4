//! Co-sell readiness: the checklist of DOMAIN.md, which never blocks publishing.

use serde::Serialize;
use utoipa::ToSchema;

use super::sections::{CoSell, CoSellContact, ContactRole, DocumentType};

/// One requirement of co-sell readiness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistItem {
    #[schema(example = "one_pager")]
    pub requirement: &'static str,
    #[schema(example = "A one-pager document")]
    pub description: &'static str,
    pub met: bool,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offers::sections::{CoSellDocument, SolutionArea, SolutionType};

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
