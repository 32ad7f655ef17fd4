//! Legacy solutions, as partners work on them: merged into a live offer (through a merge
//! request for support), migrated into a new draft offer, or discarded.

use super::dto::{MergeSolution, MigrateSolution};
use super::lifecycle::{SolutionAction, SolutionLifecycle};
use super::model::{MigrationStatus, Solution, SolutionChanges};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode, IssueCode};
use crate::ids::{OfferId, SolutionId, TicketId};
use crate::lifecycle::{self, Precondition};
use crate::offers::loaded::LoadedOffer;
use crate::offers::model::{Offer, OfferStatus, Origin};
use crate::offers::sections::{CoSell, Listing};
use crate::page::PageRequest;
use crate::tickets::dto::MergeRequest;
use crate::tickets::model::{Ticket, TicketCategory};
use crate::tickets::service::{self as tickets, NewTicket};
use crate::workflow::{self, Change};

const MARKETPLACE_HOSTS: [&str; 2] = ["appsource.microsoft.com", "azuremarketplace.microsoft.com"];

/// The solution if the caller may see it; 404 otherwise.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &SolutionId) -> Result<Solution, ApiError> {
    caller.visible(repo::find(conn, id)?, |s| &s.organization_id)
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Solution>, ApiError> {
    repo::list(conn, caller.organization_scope().as_ref(), filter, page)
}

/// The state machine's verdict on a partner's `action` (403, 412, then 409).
fn decide(
    solution: &Solution,
    action: SolutionAction,
    caller: &Caller,
    expected: &Precondition,
) -> Result<MigrationStatus, ApiError> {
    lifecycle::decide::<SolutionLifecycle>(
        solution.migration_status,
        action,
        caller.role,
        expected,
        solution.version,
    )
}

/// Moves the solution to `next` (and sets `changes`), guarded by its version, and records it.
fn transition(
    conn: &mut DbConn,
    caller: &Caller,
    solution: &Solution,
    next: MigrationStatus,
    changes: SolutionChanges,
    action: AuditAction,
) -> Result<(), ApiError> {
    let changes = SolutionChanges {
        migration_status: Some(next),
        ..changes
    };
    let change = Change::new(action, solution.id.as_str(), Some(&solution.organization_id))
        .states(Some(solution.migration_status.as_str()), Some(next.as_str()));
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::update(conn, &solution.id, solution.version, &changes)
    })
}

/// Asks support to merge the solution into a live offer (or a marketplace listing): opens the
/// merge request ticket and returns it.
pub fn merge(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SolutionId,
    expected: &Precondition,
    input: &MergeSolution,
) -> Result<Ticket, ApiError> {
    let solution = visible(conn, caller, id)?;
    let next = decide(&solution, SolutionAction::Merge, caller, expected)?;
    let (merge, target_name) = merge_target(conn, &solution, input)?;
    let ticket_id = TicketId::generate();
    let changes = SolutionChanges {
        ticket_id: Some(Some(ticket_id)),
        offer_id: Some(merge.target_offer_id),
        ..Default::default()
    };
    transition(
        conn,
        caller,
        &solution,
        next,
        changes,
        AuditAction::SolutionMergeRequested,
    )?;
    let subject: String = format!("Merge {} into {}", solution.name, target_name)
        .chars()
        .take(200)
        .collect();
    let new = NewTicket {
        organization_id: solution.organization_id,
        category: TicketCategory::MergeRequest,
        subject,
        description: input
            .details
            .clone()
            .unwrap_or_else(|| "Please merge this legacy co-sell solution.".into()),
        related_solution_id: Some(solution.id),
        related_offer_id: merge.target_offer_id,
        merge: Some(merge),
    };
    tickets::open(conn, ticket_id, new, caller)
}

/// What a merge asks for, and the name of its target: exactly one of a live offer of the
/// organization and a marketplace listing.
fn merge_target(
    conn: &mut DbConn,
    solution: &Solution,
    input: &MergeSolution,
) -> Result<(MergeRequest, String), ApiError> {
    let mut merge = MergeRequest {
        target_offer_id: None,
        listing_url: None,
        offer_type: None,
        offer_name: None,
        ocp_solution_id: solution.ocp_solution_id.clone(),
    };
    match (&input.offer_id, &input.listing_url) {
        (Some(offer_id), None) => {
            let offer = live_offer_of(conn, solution, offer_id)?;
            merge.target_offer_id = Some(offer.id);
            merge.offer_type = Some(offer.offer_type);
            merge.offer_name = Some(offer.name.clone());
            Ok((merge, offer.name))
        }
        (None, Some(url)) => {
            merge.listing_url = Some(check_listing_url(url)?);
            Ok((merge, url.clone()))
        }
        _ => Err(ApiError::invalid_field(
            "#/offer_id",
            IssueCode::ExactlyOne,
            "give exactly one of offer_id and listing_url",
        )),
    }
}

/// The offer a solution merges into: the organization's (422) and live (409).
fn live_offer_of(conn: &mut DbConn, solution: &Solution, offer_id: &OfferId) -> Result<Offer, ApiError> {
    let offer = crate::offers::repo::find(conn, offer_id)?
        .filter(|o| o.organization_id == solution.organization_id)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "#/offer_id",
                IssueCode::UnknownOffer,
                "no offer of your organization has this id",
            )
        })?;
    if offer.status != OfferStatus::Live {
        return Err(ApiError::new(
            ErrorCode::MergeTargetNotLive,
            "Only a live offer can take over a solution.",
        ));
    }
    Ok(offer)
}

/// The listing URL as stored (the parser's serialization), if it is a marketplace listing.
fn check_listing_url(raw: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "#/listing_url",
            IssueCode::InvalidListingUrl,
            "must be an https URL on appsource.microsoft.com or azuremarketplace.microsoft.com",
        )
    };
    crate::validate::https_url(raw).map_err(|_| invalid())?;
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if MARKETPLACE_HOSTS.contains(&host.as_str()) && url.port().is_none() {
        Ok(url.to_string())
    } else {
        Err(invalid())
    }
}

/// The partner withdraws the merge request: it is canceled, and the solution is pending again.
pub fn withdraw_merge(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SolutionId,
    expected: &Precondition,
) -> Result<Solution, ApiError> {
    let solution = visible(conn, caller, id)?;
    decide(&solution, SolutionAction::WithdrawMerge, caller, expected)?;
    let ticket_id = solution
        .ticket_id
        .ok_or_else(|| ApiError::internal("a merge request without its ticket"))?;
    let actor = caller.actor();
    tickets::withdraw_merge_request(conn, &ticket_id, &actor)?;
    crate::solutions::effects::merge_withdrawn(conn, &solution.id, &ticket_id, &actor)?;
    visible(conn, caller, id)
}

/// Migrates the solution into a new draft offer with its name, summary and collateral.
pub fn migrate(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SolutionId,
    expected: &Precondition,
    input: &MigrateSolution,
) -> Result<LoadedOffer, ApiError> {
    let solution = visible(conn, caller, id)?;
    let next = decide(&solution, SolutionAction::Migrate, caller, expected)?;
    crate::publishers::service::for_new_offer(
        conn,
        &solution.organization_id,
        &input.publisher_profile_id,
        "#/publisher_profile_id",
    )?;
    let mut offer = Offer::draft(
        solution.organization_id,
        input.publisher_profile_id,
        input.offer_alias.clone(),
        solution.name.chars().take(200).collect(),
        input.offer_type,
        Origin::Migrated,
    );
    offer.source_solution_id = Some(solution.id);
    let (listing, co_sell, copied) = copied_content(&solution)?;
    offer.listing = Some(serde_json::to_string(&listing)?);
    offer.co_sell = Some(serde_json::to_string(&co_sell)?);
    offer.copied_fields = Some(serde_json::to_string(&copied)?);
    let changes = SolutionChanges {
        offer_id: Some(Some(offer.id)),
        ..Default::default()
    };
    transition(conn, caller, &solution, next, changes, AuditAction::SolutionMigrated)?;
    crate::offers::service::add(conn, &offer, &caller.actor())?;
    LoadedOffer::load(offer)
}

/// The offer content a migration copies from the solution, and the fields it names.
fn copied_content(solution: &Solution) -> Result<(Listing, CoSell, Vec<&'static str>), ApiError> {
    let mut co_sell: CoSell = serde_json::from_str(&solution.collateral)?;
    if co_sell.solution_type.is_none() {
        co_sell.solution_type = Some(solution.solution_type);
    }
    let listing = Listing {
        summary: Some(truncate_at_word(&solution.summary, 100)),
        description: Some(solution.summary.chars().take(3000).collect()),
        ..Default::default()
    };
    Ok((
        listing,
        co_sell,
        vec!["name", "listing.summary", "listing.description", "co_sell"],
    ))
}

/// At most `max` characters, cut at a word boundary when there is one.
fn truncate_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => cut[..i].trim_end().to_owned(),
        _ => cut,
    }
}

/// Discards a pending solution; needs `confirmed`.
pub fn discard(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SolutionId,
    expected: &Precondition,
    confirmed: bool,
) -> Result<Solution, ApiError> {
    let solution = visible(conn, caller, id)?;
    let next = decide(&solution, SolutionAction::Discard, caller, expected)?;
    if !confirmed {
        return Err(ApiError::confirmation_required());
    }
    transition(
        conn,
        caller,
        &solution,
        next,
        SolutionChanges::default(),
        AuditAction::SolutionDiscarded,
    )?;
    visible(conn, caller, id)
}

/// A discarded solution is pending again.
pub fn undo_discard(
    conn: &mut DbConn,
    caller: &Caller,
    id: &SolutionId,
    expected: &Precondition,
) -> Result<Solution, ApiError> {
    let solution = visible(conn, caller, id)?;
    let next = decide(&solution, SolutionAction::UndoDiscard, caller, expected)?;
    transition(
        conn,
        caller,
        &solution,
        next,
        SolutionChanges::default(),
        AuditAction::SolutionDiscardUndone,
    )?;
    visible(conn, caller, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_is_cut_at_a_word_when_there_is_one() {
        assert_eq!(truncate_at_word("short", 100), "short");
        let long = format!("{} tail", "word ".repeat(30));
        let cut = truncate_at_word(&long, 100);
        assert!(cut.chars().count() <= 100 && cut.ends_with("word"), "{cut}");
        let one = "x".repeat(150);
        assert_eq!(truncate_at_word(&one, 100).chars().count(), 100);
    }

    #[test]
    fn only_marketplace_listings_are_merge_targets() {
        assert!(check_listing_url("https://appsource.microsoft.com/product/saas/contoso.x").is_ok());
        assert!(check_listing_url("https://AzureMarketplace.microsoft.com/marketplace/apps/x").is_ok());
        for bad in [
            "http://appsource.microsoft.com/x",
            "https://appsource.microsoft.com:8443/x",
            "https://evil.example/appsource.microsoft.com",
            "https://appsource.microsoft.com.evil.example/",
        ] {
            assert!(check_listing_url(bad).is_err(), "{bad}");
        }
    }
}
