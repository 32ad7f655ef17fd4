//! Users of an organization: invitations, their acceptance, roles and statuses, removal, and the
//! rule that an organization always keeps an active owner.

use chrono::Duration;

use super::dto::{InviteUser, UpdateUser, UserView};
use super::model::{NewUser, User, UserChanges, UserStatus};
use super::repo::{self, Filter};
use crate::audit::model::AuditAction;
use crate::auth::crypto::{random_token, sha256_hex};
use crate::auth::roles::{Capability, Role};
use crate::auth::{Actor, Caller};
use crate::changes::Operation;
use crate::db::DbConn;
use crate::error::{ApiError, ErrorCode, IssueCode};
use crate::ids::{OrganizationId, UserId};
use crate::lifecycle::Precondition;
use crate::page::PageRequest;
use crate::workflow::{self, Change};

/// How long an invitation can be accepted.
const INVITATION_DAYS: i64 = 7;

/// The caller as a user.
pub fn current(conn: &mut DbConn, caller: &Caller) -> Result<User, ApiError> {
    repo::find(conn, &caller.id)?.ok_or_else(ApiError::not_found)
}

/// The caller's new password (already checked and hashed): every session of the caller ends,
/// this one included, because tokens issued until now are void.
pub fn change_password(
    conn: &mut DbConn,
    caller: &Caller,
    expected_version: i64,
    password_hash: &str,
) -> Result<(), ApiError> {
    let user = current(conn, caller)?;
    if user.version != expected_version {
        // Changed since the current password was checked (another change of password, say).
        return Err(ApiError::new(
            ErrorCode::RequestInProgress,
            "The user changed while the password was checked; retry.",
        ));
    }
    let changes = UserChanges {
        password_hash: Some(Some(password_hash.to_owned())),
        tokens_valid_after: Some(Some(chrono::Utc::now().timestamp() + 1)),
        ..Default::default()
    };
    let change = Change::new(
        AuditAction::UserPasswordChanged,
        user.id.as_str(),
        user.organization_id.as_ref(),
    );
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::update(conn, &user.id, user.version, &changes)
    })
}

/// The user if the caller may see it; 404 otherwise, as for an id that does not exist.
pub fn visible(conn: &mut DbConn, caller: &Caller, id: &UserId) -> Result<User, ApiError> {
    repo::find(conn, id)?
        .filter(|u| match &u.organization_id {
            Some(org) => caller.sees(org),
            None => caller.role.is_staff(),
        })
        .ok_or_else(ApiError::not_found)
}

pub fn list(conn: &mut DbConn, caller: &Caller, filter: &Filter, page: &PageRequest) -> Result<Vec<User>, ApiError> {
    repo::list(conn, caller.organization_scope().as_ref(), filter, page)
}

/// Adds a user and records it (an enrolled owner, a staff member).
pub fn create(conn: &mut DbConn, user: &NewUser<'_>, actor: Option<&Actor>) -> Result<(), ApiError> {
    repo::insert(conn, user)?;
    let change = Change::new(
        AuditAction::UserCreated,
        user.id.as_str(),
        user.organization_id.as_ref(),
    )
    .states(None, Some(user.status.as_str()));
    workflow::record(conn, actor, change)
}

/// Invites a user to the caller's organization: the user, and the one-time token that accepts.
pub fn invite(conn: &mut DbConn, caller: &Caller, input: &InviteUser) -> Result<(User, String), ApiError> {
    caller.require(Capability::ManageUsers)?;
    let organization_id = caller.own_organization()?;
    if input.role.is_staff() {
        return Err(not_a_partner_role());
    }
    if caller.role == Role::Manager && input.role == Role::Owner {
        return Err(ApiError::forbidden());
    }
    let token = random_token();
    let token_hash = sha256_hex(&token);
    let email = crate::validate::normalize_email(&input.email);
    let expires_at = crate::time::now() + Duration::days(INVITATION_DAYS);
    let user = NewUser::invited(
        organization_id,
        &email,
        input.display_name.trim(),
        input.role,
        &token_hash,
        expires_at,
    );
    repo::insert(conn, &user)?;
    let change = Change::new(AuditAction::UserInvited, user.id.as_str(), Some(&organization_id))
        .states(None, Some(UserStatus::Invited.as_str()));
    workflow::record(conn, Some(&caller.actor()), change)?;
    let user = repo::find(conn, &user.id)?.ok_or_else(|| ApiError::internal("invited user vanished"))?;
    Ok((user, token))
}

/// The user the invitation with the one-time token's hash `token_hash` is for, while it is
/// valid.
pub fn invitee(conn: &mut DbConn, token_hash: &str) -> Result<User, ApiError> {
    let invalid = || {
        ApiError::invalid_field(
            "#/token",
            IssueCode::InvalidInvitation,
            "the invitation is unknown, used or expired",
        )
    };
    let user = repo::find_by_invitation(conn, token_hash)?.ok_or_else(invalid)?;
    let expired = user.invitation_expires_at.is_none_or(|at| at < crate::time::now());
    if expired || user.status != UserStatus::Invited {
        return Err(invalid());
    }
    Ok(user)
}

/// Sets the invited user's password with the one-time token's hash; the user becomes active.
pub fn accept_invitation(conn: &mut DbConn, token_hash: &str, password_hash: &str) -> Result<User, ApiError> {
    let user = invitee(conn, token_hash)?;
    let changes = UserChanges {
        status: Some(UserStatus::Active),
        password_hash: Some(Some(password_hash.to_owned())),
        invitation_token_hash: Some(None),
        invitation_expires_at: Some(None),
        ..Default::default()
    };
    let actor = Actor {
        id: user.id,
        role: user.role,
    };
    let change = Change::new(
        AuditAction::UserActivated,
        user.id.as_str(),
        user.organization_id.as_ref(),
    )
    .states(Some(UserStatus::Invited.as_str()), Some(UserStatus::Active.as_str()));
    workflow::commit(conn, Some(&actor), change, |conn| {
        repo::update(conn, &user.id, user.version, &changes)
    })?;
    repo::find(conn, &user.id)?.ok_or_else(ApiError::not_found)
}

/// A change of a user's name, role or status. Everyone may rename themself; owners and
/// managers change roles and statuses (managers neither touch owners nor grant owner).
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &UserId,
    expected: &Precondition,
    input: &UpdateUser,
) -> Result<User, ApiError> {
    if input.status == Some(UserStatus::Invited) {
        return Err(ApiError::invalid_field(
            "#/status",
            IssueCode::InvalidStatus,
            "must be active or disabled",
        ));
    }
    if input.role.is_some_and(Role::is_staff) {
        return Err(not_a_partner_role());
    }
    let user = visible(conn, caller, id)?;
    let new_role = input.role.filter(|r| *r != user.role);
    // Only accepting the invitation makes a user active: enabling a disabled user who never
    // set a password gives it back its invitation, not an account nobody can log in to.
    let enabled_as = |status: UserStatus| match (status, &user.password_hash) {
        (UserStatus::Active, None) if user.status == UserStatus::Disabled => UserStatus::Invited,
        _ => status,
    };
    let new_status = input.status.map(enabled_as).filter(|s| *s != user.status);
    if input.role.is_some() || input.status.is_some() {
        check_may_manage(caller, user.role, input.role)?;
    } else if caller.id != user.id {
        check_may_manage(caller, user.role, None)?;
    }
    expected.check(user.version)?;
    if new_status == Some(UserStatus::Active) && user.status == UserStatus::Invited {
        return Err(ApiError::invalid_field(
            "#/status",
            IssueCode::InvitationPending,
            "an invited user becomes active by accepting the invitation",
        ));
    }
    let loses_ownership = user.role == Role::Owner
        && user.status == UserStatus::Active
        && (new_role.is_some() || new_status == Some(UserStatus::Disabled));
    if let Some(organization_id) = &user.organization_id
        && loses_ownership
    {
        ensure_another_owner(conn, organization_id)?;
    }
    let changes = UserChanges {
        display_name: input.display_name.as_ref().map(|n| n.trim().to_owned()),
        role: new_role,
        status: new_status,
        // Disabling ends every session: tokens issued until now stay void after enabling.
        tokens_valid_after: (new_status == Some(UserStatus::Disabled))
            .then(|| Some(chrono::Utc::now().timestamp() + 1)),
        ..Default::default()
    };
    crate::db::guarded(repo::update(conn, &user.id, user.version, &changes)?)?;
    let updated = repo::find(conn, &user.id)?.ok_or_else(ApiError::not_found)?;
    let operations = crate::changes::between(&UserView::from(user.clone()), &UserView::from(updated.clone()))?;
    // Each event carries the operations of its own member; `user.updated` the rest.
    let of = |member: &str| -> Vec<Operation> {
        operations
            .iter()
            .filter(|o| crate::changes::touches(o, member))
            .cloned()
            .collect()
    };
    let actor = caller.actor();
    let org = user.organization_id.as_ref();
    if let Some(role) = new_role {
        let change = Change::new(AuditAction::UserRoleChanged, user.id.as_str(), org)
            .states(Some(user.role.as_str()), Some(role.as_str()))
            .changes(of("/role"));
        workflow::record(conn, Some(&actor), change)?;
    }
    if let Some(status) = new_status {
        let change = Change::new(AuditAction::UserStatusChanged, user.id.as_str(), org)
            .states(Some(user.status.as_str()), Some(status.as_str()))
            .changes(of("/status"));
        workflow::record(conn, Some(&actor), change)?;
    }
    if changes.display_name.is_some() {
        let rest = operations
            .iter()
            .filter(|o| !crate::changes::touches(o, "/role") && !crate::changes::touches(o, "/status"))
            .cloned()
            .collect();
        let change = Change::new(AuditAction::UserUpdated, user.id.as_str(), org).changes(rest);
        workflow::record(conn, Some(&actor), change)?;
    }
    Ok(updated)
}

/// Removes a user, who loses access at once; never the last active owner.
pub fn remove(conn: &mut DbConn, caller: &Caller, id: &UserId, expected: &Precondition) -> Result<(), ApiError> {
    let user = visible(conn, caller, id)?;
    check_may_manage(caller, user.role, None)?;
    expected.check(user.version)?;
    if let Some(organization_id) = &user.organization_id
        && user.role == Role::Owner
        && user.status == UserStatus::Active
    {
        ensure_another_owner(conn, organization_id)?;
    }
    let change = Change::new(
        AuditAction::UserRemoved,
        user.id.as_str(),
        user.organization_id.as_ref(),
    )
    .states(Some(user.status.as_str()), None);
    workflow::commit(conn, Some(&caller.actor()), change, |conn| {
        repo::delete(conn, &user.id, user.version)
    })
}

/// The user behind an e-mail and password login, if any.
pub fn find_for_login(conn: &mut DbConn, email: &str) -> Result<Option<User>, ApiError> {
    repo::find_by_email(conn, email)
}

fn not_a_partner_role() -> ApiError {
    ApiError::invalid_field("#/role", IssueCode::InvalidRole, "must be owner, manager or developer")
}

/// Owners manage everyone; managers manage managers and developers and cannot grant owner.
fn check_may_manage(caller: &Caller, target_role: Role, new_role: Option<Role>) -> Result<(), ApiError> {
    caller.require(Capability::ManageUsers)?;
    if caller.role == Role::Manager && (target_role == Role::Owner || new_role == Some(Role::Owner)) {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

/// 409 `last_owner` unless the organization keeps another active owner after this change.
fn ensure_another_owner(conn: &mut DbConn, organization_id: &OrganizationId) -> Result<(), ApiError> {
    crate::organizations::repo::lock(conn, organization_id)?;
    if repo::count_active_owners(conn, organization_id)? <= 1 {
        return Err(ApiError::new(
            ErrorCode::LastOwner,
            "An organization must keep at least one active owner.",
        ));
    }
    Ok(())
}
