//! Enrolment: a partner organization and its first owner, in one transaction.

use super::dto::CreateAccount;
use crate::audit::model::AuditAction;
use crate::auth::Actor;
use crate::auth::roles::Role;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::OrganizationId;
use crate::organizations::model::Organization;
use crate::organizations::repo as organizations;
use crate::users::model::{NewUser, User};
use crate::users::{repo as users, service as user_service};
use crate::workflow::{self, Change};

/// Enrols the organization and its owner, whose password is stored as `password_hash`.
pub fn enrol(conn: &mut DbConn, input: &CreateAccount, password_hash: &str) -> Result<(Organization, User), ApiError> {
    let now = crate::time::now();
    let organization = Organization {
        id: OrganizationId::generate(),
        name: input.organization.name.trim().to_owned(),
        mpn_id: input.organization.mpn_id.clone(),
        country: input.organization.country.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
        mpn_verified_at: None,
    };
    organizations::insert(conn, &organization)?;
    let email = crate::validate::normalize_email(&input.owner.email);
    let owner = NewUser::active(
        Some(organization.id),
        &email,
        input.owner.display_name.trim(),
        Role::Owner,
        password_hash,
    );
    let actor = Actor {
        id: owner.id,
        role: Role::Owner,
    };
    let org = Some(&organization.id);
    workflow::record(
        conn,
        Some(&actor),
        Change::new(AuditAction::OrganizationCreated, organization.id.as_str(), org),
    )?;
    user_service::create(conn, &owner, Some(&actor))?;
    let user = users::find(conn, &owner.id)?.ok_or_else(|| ApiError::internal("enrolled user vanished"))?;
    Ok((organization, user))
}
