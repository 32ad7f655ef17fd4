//! Who is acting: the authenticated user as the database knows it now, and what it may see.

use super::roles::{Capability, Role};
use crate::error::{ApiError, ErrorCode};
use crate::ids::{OrganizationId, UserId};

/// An authenticated, active user.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: UserId,
    pub organization_id: Option<OrganizationId>,
    pub role: Role,
}

/// Who made a change, as its audit event names them.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub id: UserId,
    pub role: Role,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.id,
            role: self.role,
        }
    }

    /// 403 unless the caller's role has `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), ApiError> {
        if capability.allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether objects of `organization_id` are visible to this caller.
    pub fn sees(&self, organization_id: &OrganizationId) -> bool {
        self.role.is_staff() || self.organization_id.as_ref() == Some(organization_id)
    }

    /// `found` if the caller may see it; 404 otherwise, exactly as for an id that does not exist.
    pub fn visible<T>(&self, found: Option<T>, organization_of: impl Fn(&T) -> &OrganizationId) -> Result<T, ApiError> {
        found
            .filter(|object| self.sees(organization_of(object)))
            .ok_or_else(ApiError::not_found)
    }

    /// The organization a partner is confined to; `None` for staff, who see all.
    pub fn organization_scope(&self) -> Option<OrganizationId> {
        if self.role.is_staff() {
            None
        } else {
            self.organization_id
        }
    }

    /// The partner's own organization, or 404 for staff (who belong to none).
    pub fn own_organization(&self) -> Result<OrganizationId, ApiError> {
        self.organization_id
            .filter(|_| self.role.is_partner())
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "Staff users belong to no organization."))
    }
}
