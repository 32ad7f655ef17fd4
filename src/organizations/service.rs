//! The caller's organization: reading it, and changing its profile.

use super::dto::{OrganizationView, UpdateOrganization};
use super::model::{Organization, OrganizationChanges};
use super::repo;
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::lifecycle::Precondition;
use crate::workflow::{self, Change};

/// The caller's own organization (404 for staff, who belong to none).
pub fn own(conn: &mut DbConn, caller: &Caller) -> Result<Organization, ApiError> {
    let id = caller.own_organization()?;
    repo::find(conn, &id)?.ok_or_else(ApiError::not_found)
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
