//! Organizations: a partner reads and changes its own; staff list and read all, and support
//! verifies MPN IDs.

use super::dto::{OrganizationView, UpdateOrganization};
use super::model::{Organization, OrganizationChanges};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::OrganizationId;
use crate::lifecycle::{Precondition, Refusal};
use crate::page::PageRequest;
use crate::workflow::{self, Change};

/// The caller's own organization (404 for staff, who belong to none).
pub fn own(conn: &mut DbConn, caller: &Caller) -> Result<Organization, ApiError> {
    let id = caller.own_organization()?;
    repo::find(conn, &id)?.ok_or_else(ApiError::not_found)
}

/// Every organization, for staff.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<Organization>, ApiError> {
    caller.require(Capability::ReadAllOrganizations)?;
    repo::list(conn, filter, page)
}

/// One organization: for staff; a partner sees its own (403) and no other (404).
pub fn get(conn: &mut DbConn, caller: &Caller, id: &OrganizationId) -> Result<Organization, ApiError> {
    let organization = caller.visible(repo::find(conn, id)?, |o| &o.id)?;
    caller.require(Capability::ReadAllOrganizations)?;
    Ok(organization)
}

/// Support confirms that the MPN ID is really this partner's: from now on legacy solutions
/// of that MPN ID are imported into it. Once only.
pub fn verify_mpn(
    conn: &mut DbConn,
    caller: &Caller,
    id: &OrganizationId,
    expected: &Precondition,
) -> Result<Organization, ApiError> {
    let organization = caller.visible(repo::find(conn, id)?, |o| &o.id)?;
    caller.require(Capability::VerifyMpnIds)?;
    expected.check(organization.version)?;
    if organization.mpn_verified_at.is_some() {
        return Err(Refusal::InvalidTransition.into_error("verified", Vec::new()));
    }
    let changes = OrganizationChanges {
        mpn_verified_at: Some(Some(crate::time::now())),
        ..Default::default()
    };
    let change = Change::new(AuditAction::OrganizationMpnVerified, id.as_str(), Some(id))
        .states(Some("unverified"), Some("verified"));
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::update(conn, id, organization.version, &changes)
    })?;
    repo::find(conn, id)?.ok_or_else(ApiError::not_found)
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    expected: &Precondition,
    input: &UpdateOrganization,
) -> Result<Organization, ApiError> {
    caller.require(Capability::UpdateOrganization)?;
    let organization = own(conn, caller)?;
    expected.check(organization.version)?;
    let changes = OrganizationChanges {
        name: input.name.as_ref().map(|n| n.trim().to_owned()),
        country: input.country.clone(),
        ..Default::default()
    };
    let id = organization.id;
    crate::db::guarded(repo::update(conn, &id, organization.version, &changes)?)?;
    let updated = repo::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
    let operations = crate::changes::between(
        &OrganizationView::from(organization),
        &OrganizationView::from(updated.clone()),
    )?;
    let change = Change::new(AuditAction::OrganizationUpdated, id.as_str(), Some(&id)).changes(operations);
    workflow::record(conn, Some(&caller.actor()), change)?;
    Ok(updated)
}
