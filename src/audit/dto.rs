use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::model::{AuditAction, AuditEvent, EntityType};
use crate::auth::roles::Role;
use crate::changes::Operation;
use crate::error::ApiError;
use crate::ids::{AuditEventId, OrganizationId, UserId};
use crate::time::Timestamp;

/// One recorded change. Events are append-only and never change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub id: AuditEventId,
    pub organization_id: Option<OrganizationId>,
    pub actor_id: Option<UserId>,
    pub actor_role: Option<Role>,
    pub action: AuditAction,
    pub entity_type: EntityType,
    pub entity_id: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub request_id: String,
    pub occurred_at: Timestamp,
    /// An update's RFC 6902 operations, from the object before to the object after
    /// (passwords and secrets never appear); `null` for other actions.
    pub changes: Option<Vec<Operation>>,
}

impl TryFrom<AuditEvent> for AuditEventView {
    type Error = ApiError;
    fn try_from(e: AuditEvent) -> Result<Self, ApiError> {
        Ok(Self {
            changes: e.changes.as_deref().map(serde_json::from_str).transpose()?,
            id: e.id,
            organization_id: e.organization_id,
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            from_state: e.from_state,
            to_state: e.to_state,
            request_id: e.request_id,
            occurred_at: e.occurred_at.into(),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page size, 1–100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<Uuid>,
    /// e.g. `user`, `publisher_profile`, `organization`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. `user.role_changed`.
    pub action: Option<String>,
    /// Staff only: one organization's events.
    pub organization_id: Option<OrganizationId>,
}
