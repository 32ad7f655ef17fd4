//! `cosell admin seed-bench`: fills a database quickly with realistic data for the benchmark:
//! organizations with users of every role, a publisher profile, offers in every state with full
//! sections (and their submissions), legacy solutions and support tickets. Rows go straight in
//! through the repositories in one transaction per organization; no audit events are written,
//! as for any bulk load.

use chrono::Duration;
use serde_json::json;

use crate::auth::passwords;
use crate::auth::roles::Role;
use crate::db::{self, DbConn};
use crate::error::ApiError;
use crate::ids::{OrganizationId, PublisherProfileId, SolutionId, SubmissionId, TicketId, UserId};
use crate::offers::model::{CoSellStatus, Offer, OfferStatus, OfferType, Origin};
use crate::offers::repo as offers;
use crate::offers::sections::SolutionType;
use crate::organizations::model::Organization;
use crate::publishers::model::{PublisherProfile, PublisherStatus};
use crate::solutions::model::{MigrationStatus, Solution};
use crate::submissions::model::{Submission, SubmissionState};
use crate::submissions::repo as submissions;
use crate::tickets::model::{Ticket, TicketCategory, TicketStatus};
use crate::time;
use crate::users::model::NewUser;

/// Every seeded user's password.
pub const BENCH_PASSWORD: &str = "bench password 1";
const MPN_BASE: u64 = 8_000_000_000;

#[derive(Debug, serde::Serialize)]
pub struct BenchSeedReport {
    pub organizations: usize,
    pub users: usize,
    pub offers: usize,
    pub solutions: usize,
    pub tickets: usize,
    /// `owner{N}@bench.example` etc., N from 0; all with [`BENCH_PASSWORD`].
    pub email_pattern: &'static str,
    pub password: &'static str,
}

const STATES: [OfferStatus; 6] = [
    OfferStatus::Draft,
    OfferStatus::PublishInProgress,
    OfferStatus::AttentionNeeded,
    OfferStatus::Preview,
    OfferStatus::Live,
    OfferStatus::NotAvailable,
];

/// Seeds `organizations` organizations of `offers_per_org` offers each, numbered after any
/// organizations an earlier run seeded.
pub fn seed(conn: &mut DbConn, organizations: usize, offers_per_org: usize) -> Result<BenchSeedReport, String> {
    let hash = passwords::hash(BENCH_PASSWORD).map_err(|e| e.to_string())?;
    let first = (0..)
        .find(|n| {
            crate::organizations::repo::find_by_mpn_id(conn, &mpn(*n))
                .map(|o| o.is_none())
                .unwrap_or(true)
        })
        .unwrap_or(0);
    let sections = sections();
    let mut report = BenchSeedReport {
        organizations,
        users: 0,
        offers: 0,
        solutions: 0,
        tickets: 0,
        email_pattern: "{owner|manager|developer}{N}@bench.example",
        password: BENCH_PASSWORD,
    };
    for n in first..first + organizations {
        db::write_tx(conn, |conn| {
            seed_organization(conn, n, offers_per_org, &hash, &sections, &mut report)
        })
        .map_err(|e| e.to_string())?;
    }
    // A bulk load leaves PostgreSQL work to do in the background: stale planner statistics and
    // unvacuumed pages for autovacuum, and the load's dirty buffers for the next checkpoint.
    // The benchmark reads right after seeding, so the loader does that work itself, and a
    // measurement sees the steady state rather than the aftermath of the load.
    if let DbConn::Pg(pg) = conn {
        use diesel::connection::SimpleConnection;
        // Separate statements: VACUUM cannot run in the transaction a multi-statement string makes.
        pg.batch_execute("VACUUM ANALYZE")
            .map_err(|e| format!("cannot vacuum the seeded tables: {e}"))?;
        // CHECKPOINT needs a superuser or the pg_checkpoint role; without it the load's buffers
        // are written at the next scheduled checkpoint instead.
        if let Err(e) = pg.batch_execute("CHECKPOINT") {
            tracing::warn!(error = %e, "cannot checkpoint after seeding");
        }
    }
    Ok(report)
}

fn mpn(n: usize) -> String {
    (MPN_BASE + n as u64).to_string()
}

fn sections() -> [String; 4] {
    [
        json!({"listing_option": "contact_me", "trial_url": null}).to_string(),
        json!({"categories": ["analytics", "security"], "industries": ["retail"], "terms_of_use_url": null, "standard_contract": true})
            .to_string(),
        json!({
            "summary": "Analytics for every team.",
            "description": "Contoso Analytics turns telemetry into decisions for stores, warehouses and field teams. ".repeat(8),
            "search_keywords": ["analytics", "retail", "forecast"],
            "privacy_policy_url": "https://contoso.example/privacy",
            "support_contact": {"name": "Support", "email": "support@contoso.example", "url": "https://contoso.example/support"},
            "engineering_contact": {"name": "Engineering", "email": "eng@contoso.example"}
        })
        .to_string(),
        json!({
            "solution_type": "ip_application", "platforms": ["Azure"], "segments": ["Enterprise", "SMB"],
            "solution_areas": [{"area": "Data & AI", "sub_areas": ["Analytics", "AI apps"]}],
            "documents": [
                {"doc_type": "one_pager", "name": "One pager", "url": "https://contoso.example/one-pager.pdf"},
                {"doc_type": "pitch_deck", "name": "Pitch deck", "url": "https://contoso.example/deck.pdf"}
            ],
            "contacts": [{"name": "Sam Seller", "email": "sales@contoso.example", "job_title": "AE", "role": "partner_sales", "countries": ["OOO"]}],
            "landing_page_url": "https://contoso.example"
        })
        .to_string(),
    ]
}

fn seed_organization(
    conn: &mut DbConn,
    n: usize,
    offers_per_org: usize,
    hash: &str,
    sections: &[String; 4],
    report: &mut BenchSeedReport,
) -> Result<(), ApiError> {
    let now = time::now();
    let organization = Organization {
        id: OrganizationId::generate(),
        name: format!("Bench Partner {n}"),
        mpn_id: mpn(n),
        country: "US".into(),
        created_at: now,
        updated_at: now,
        version: 1,
        mpn_verified_at: Some(now),
    };
    crate::organizations::repo::insert(conn, &organization)?;
    let org = organization.id;
    let mut developer: Option<UserId> = None;
    for role in [Role::Owner, Role::Manager, Role::Developer] {
        let email = format!("{role}{n}@bench.example");
        let name = format!("Bench {role} {n}");
        let user = NewUser::active(Some(org), &email, &name, role, hash);
        crate::users::repo::insert(conn, &user)?;
        developer = Some(user.id);
        report.users += 1;
    }
    let developer = developer.expect("a developer was seeded");
    let profile = seed_profile(conn, n, &organization)?;
    seed_offers(conn, n, &profile, developer, offers_per_org, sections, report)?;
    seed_solutions(conn, n, &organization, offers_per_org, &sections[3], report)?;
    seed_tickets(conn, org, developer, offers_per_org, report)?;
    Ok(())
}

fn seed_profile(conn: &mut DbConn, n: usize, organization: &Organization) -> Result<PublisherProfile, ApiError> {
    let now = time::now();
    let profile = PublisherProfile {
        id: PublisherProfileId::generate(),
        organization_id: organization.id,
        publisher_id: format!("bench-{n}"),
        display_name: format!("Bench {n}"),
        mpn_id: organization.mpn_id.clone(),
        contact_name: "Bench Contact".into(),
        contact_email: "contact@bench.example".into(),
        website: "https://bench.example".into(),
        status: PublisherStatus::Active,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        version: 1,
    };
    crate::publishers::repo::insert(conn, &profile)?;
    Ok(profile)
}

/// Offers in every state with full sections, and a submission for each that was published.
fn seed_offers(
    conn: &mut DbConn,
    n: usize,
    profile: &PublisherProfile,
    developer: UserId,
    offers_per_org: usize,
    sections: &[String; 4],
    report: &mut BenchSeedReport,
) -> Result<(), ApiError> {
    let (now, org) = (time::now(), profile.organization_id);
    let types = [
        OfferType::Saas,
        OfferType::AzureApplication,
        OfferType::PowerBiApp,
        OfferType::ConsultingService,
    ];
    for i in 0..offers_per_org {
        let status = STATES[i % STATES.len()];
        let offer_type = types[i % types.len()];
        let live = matches!(status, OfferStatus::Live | OfferStatus::NotAvailable);
        let offer = Offer {
            status,
            has_ever_been_live: live,
            live_url: live.then(|| offer_type.live_url(&profile.publisher_id, &format!("offer-{i}"))),
            live_content_revision: live.then_some(1),
            content_revision: 1,
            setup: Some(sections[0].clone()),
            properties: Some(sections[1].clone()),
            listing: Some(sections[2].clone()),
            co_sell: Some(sections[3].clone()),
            ..Offer::draft(
                org,
                profile.id,
                format!("offer-{i}"),
                format!("Bench Offer {n}-{i}"),
                offer_type,
                Origin::Created,
            )
        };
        offers::insert(conn, &offer)?;
        if status != OfferStatus::Draft {
            let state = match status {
                OfferStatus::PublishInProgress => SubmissionState::InCertification,
                OfferStatus::AttentionNeeded => SubmissionState::FailedCertification,
                OfferStatus::Preview => SubmissionState::InPreview,
                _ => SubmissionState::Completed,
            };
            submissions::insert(
                conn,
                &Submission {
                    id: SubmissionId::generate(),
                    offer_id: offer.id,
                    organization_id: org,
                    sequence: 1,
                    state,
                    offer_status_before: OfferStatus::Draft,
                    content_revision: 1,
                    steps: "[]".into(),
                    certification: None,
                    preview_url: None,
                    snapshot: "{}".into(),
                    notes_for_certification: None,
                    submitted_by: developer,
                    submitted_at: now,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                },
            )?;
        }
        report.offers += 1;
    }
    Ok(())
}

fn seed_solutions(
    conn: &mut DbConn,
    n: usize,
    organization: &Organization,
    offers_per_org: usize,
    collateral: &str,
    report: &mut BenchSeedReport,
) -> Result<(), ApiError> {
    let (now, org) = (time::now(), organization.id);
    for i in 0..offers_per_org.div_ceil(2) {
        let statuses = [MigrationStatus::Pending, MigrationStatus::Discarded];
        crate::solutions::repo::insert(
            conn,
            &Solution {
                id: SolutionId::generate(),
                organization_id: org,
                ocp_solution_id: format!("BENCH-{n}-{i}"),
                name: format!("Bench Solution {n}-{i}"),
                summary: "A legacy co-sell solution.".into(),
                mpn_id: organization.mpn_id.clone(),
                solution_type: SolutionType::IpApplication,
                co_sell_status: CoSellStatus::CoSellReady,
                incentive_eligible: false,
                referral_pipeline: json!({"active_referrals": 1, "won_referrals": 2, "pipeline_value_usd": 1000.0})
                    .to_string(),
                collateral: collateral.to_owned(),
                migration_status: statuses[i % 2],
                ticket_id: None,
                offer_id: None,
                completed_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        report.solutions += 1;
    }
    Ok(())
}

fn seed_tickets(
    conn: &mut DbConn,
    org: OrganizationId,
    developer: UserId,
    offers_per_org: usize,
    report: &mut BenchSeedReport,
) -> Result<(), ApiError> {
    let now = time::now();
    for i in 0..offers_per_org.div_ceil(10) {
        crate::tickets::repo::insert(
            conn,
            &Ticket {
                id: TicketId::generate(),
                organization_id: org,
                category: TicketCategory::Publishing,
                subject: format!("Bench question {i}"),
                description: "How do I add a plan?".into(),
                related_solution_id: None,
                related_offer_id: None,
                merge_request: None,
                status: TicketStatus::Open,
                assignee_id: None,
                first_response_due_at: now + Duration::days(2),
                first_responded_at: None,
                resolution: None,
                resolution_note: None,
                created_by: developer,
                created_at: now,
                updated_at: now,
                version: 1,
            },
        )?;
        report.tickets += 1;
    }
    Ok(())
}
