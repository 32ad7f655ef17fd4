//! Publisher profiles: created, changed and deleted by owners and managers, used by offers.

use super::dto::{CreatePublisherProfile, PublisherProfileView, UpdatePublisherProfile};
use super::model::{PublisherProfile, PublisherProfileChanges, PublisherStatus};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode, IssueCode};
use crate::ids::{OrganizationId, PublisherProfileId};
use crate::lifecycle::Precondition;
use crate::page::PageRequest;
use crate::workflow::{self, Change};

/// The profile if the caller may see it; 404 otherwise.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &PublisherProfileId) -> Result<PublisherProfile, ApiError> {
    caller.visible(repo::find(conn, id)?, |p| &p.organization_id)
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<PublisherProfile>, ApiError> {
    repo::list(conn, caller.organization_scope().as_ref(), filter, page)
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: &CreatePublisherProfile,
) -> Result<PublisherProfile, ApiError> {
    caller.require(Capability::ManagePublisherProfiles)?;
    let organization_id = caller.own_organization()?;
    let organization = crate::organizations::repo::find(conn, &organization_id)?.ok_or_else(ApiError::not_found)?;
    if organization.mpn_id != input.mpn_id {
        return Err(ApiError::invalid_field(
            "#/mpn_id",
            IssueCode::MpnIdMismatch,
            "must be your organization's MPN ID",
        ));
    }
    let now = crate::time::now();
    let profile = PublisherProfile {
        id: PublisherProfileId::generate(),
        organization_id,
        publisher_id: input.publisher_id.clone(),
        display_name: input.display_name.trim().to_owned(),
        mpn_id: input.mpn_id.clone(),
        contact_name: input.contact_name.trim().to_owned(),
        contact_email: input.contact_email.trim().to_owned(),
        website: input.website.clone(),
        status: PublisherStatus::Active,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        version: 1,
    };
    repo::insert(conn, &profile)?;
    let change = Change::new(
        AuditAction::PublisherProfileCreated,
        profile.id.as_str(),
        Some(&profile.organization_id),
    )
    .states(None, Some(profile.status.as_str()));
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(profile)
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &PublisherProfileId,
    expected: &Precondition,
    input: &UpdatePublisherProfile,
) -> Result<PublisherProfile, ApiError> {
    let profile = visible(conn, caller, id)?;
    caller.require(Capability::ManagePublisherProfiles)?;
    expected.check(profile.version)?;
    let changes = PublisherProfileChanges {
        display_name: input.display_name.as_ref().map(|v| v.trim().to_owned()),
        contact_name: input.contact_name.as_ref().map(|v| v.trim().to_owned()),
        contact_email: input.contact_email.as_ref().map(|v| v.trim().to_owned()),
        website: input.website.clone(),
        deleted_at: None,
    };
    crate::db::guarded(repo::update(conn, id, profile.version, &changes)?)?;
    let updated = repo::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let organization_id = profile.organization_id;
    let operations = crate::changes::between(
        &PublisherProfileView::from(profile),
        &PublisherProfileView::from(updated.clone()),
    )?;
    let change = Change::new(
        AuditAction::PublisherProfileUpdated,
        id.as_str(),
        Some(&organization_id),
    )
    .changes(operations);
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(updated)
}

/// Deletes a profile no offer uses; its `publisher_id` stays reserved.
pub fn delete(
    conn: &mut DbConn,
    caller: &Caller,
    id: &PublisherProfileId,
    expected: &Precondition,
) -> Result<(), ApiError> {
    let profile = visible(conn, caller, id)?;
    caller.require(Capability::ManagePublisherProfiles)?;
    expected.check(profile.version)?;
    let changes = PublisherProfileChanges {
        deleted_at: Some(Some(crate::time::now())),
        ..Default::default()
    };
    let change = Change::new(
        AuditAction::PublisherProfileDeleted,
        id.as_str(),
        Some(&profile.organization_id),
    )
    .states(Some(profile.status.as_str()), None);
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        let rows = repo::update(conn, id, profile.version, &changes)?;
        // Counted after the update took the row lock that offer creation also takes, so an
        // offer created concurrently is either seen here or finds the profile deleted.
        if rows == 1 && crate::offers::repo::count_by_publisher(conn, id)? > 0 {
            return Err(ApiError::new(
                ErrorCode::PublisherInUse,
                "Offers use this publisher profile; delete them first.",
            ));
        }
        Ok(rows)
    })
}

/// The profile an offer of `organization_id` is created with: 422 (at `pointer`) unless it is
/// the organization's, 409 unless it is active. Its row stays locked until the transaction
/// ends, so a concurrent deletion either waits or is seen.
pub fn for_new_offer(
    conn: &mut DbConn,
    organization_id: &OrganizationId,
    profile_id: &PublisherProfileId,
    pointer: &str,
) -> Result<PublisherProfile, ApiError> {
    let own = |conn: &mut DbConn| -> Result<_, ApiError> {
        repo::find(conn, profile_id)?
            .filter(|p| p.organization_id == *organization_id)
            .ok_or_else(|| {
                ApiError::invalid_field(
                    pointer,
                    IssueCode::UnknownPublisherProfile,
                    "no publisher profile of your organization has this id",
                )
            })
    };
    own(conn)?;
    // Locked only once known to be ours, then read again: a deletion that won the lock shows.
    repo::lock(conn, profile_id)?;
    let profile = own(conn)?;
    if profile.status != PublisherStatus::Active {
        return Err(ApiError::new(
            ErrorCode::PublisherNotActive,
            "The publisher profile is suspended.",
        ));
    }
    Ok(profile)
}
