use diesel::prelude::*;

use super::model::{AuditAction, AuditEvent, EntityType};
use crate::auth::caller::Actor;
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::ApiError;
use crate::ids::{AuditEventId, OrganizationId};
use crate::page::PageRequest;
use crate::time;

/// One event to append.
pub struct NewEvent<'a> {
    pub organization_id: Option<&'a OrganizationId>,
    pub actor: Option<&'a Actor>,
    pub action: AuditAction,
    pub entity_id: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    /// JSON `[Operation]` of an update.
    pub changes: Option<&'a str>,
    pub request_id: &'a str,
}

/// Appends one event; it is written inside the transaction of the change it records.
pub fn insert(conn: &mut DbConn, event: NewEvent<'_>) -> Result<(), ApiError> {
    let query = diesel::insert_into(audit_events::table).values((
        audit_events::id.eq(AuditEventId::generate()),
        audit_events::organization_id.eq(event.organization_id),
        audit_events::actor_id.eq(event.actor.map(|a| a.id)),
        audit_events::actor_role.eq(event.actor.map(|a| a.role)),
        audit_events::action.eq(event.action),
        audit_events::entity_type.eq(event.action.entity()),
        audit_events::entity_id.eq(event.entity_id),
        audit_events::from_state.eq(event.from_state),
        audit_events::to_state.eq(event.to_state),
        audit_events::request_id.eq(event.request_id),
        audit_events::occurred_at.eq(time::now()),
        audit_events::changes.eq(event.changes),
    ));
    crate::native!(conn, |c| query.execute(c))?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<OrganizationId>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
}

impl Filter {
    /// The history of one object.
    pub fn of(entity_type: EntityType, entity_id: &str) -> Self {
        Self {
            entity_type: Some(entity_type.as_str().to_owned()),
            entity_id: Some(entity_id.to_owned()),
            ..Default::default()
        }
    }
}

/// Newest first; `organization_scope` confines a partner to their organization.
pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&OrganizationId>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<AuditEvent>, ApiError> {
    let mut query = audit_events::table.select(AuditEvent::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query
            .filter(audit_events::organization_id.eq(*org))
            .filter(audit_events::action.ne_all(AuditAction::STAFF_ONLY));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(audit_events::organization_id.eq(*org));
    }
    if let Some(t) = &filter.entity_type {
        query = query.filter(audit_events::entity_type.eq(t.clone()));
    }
    if let Some(id) = &filter.entity_id {
        query = query.filter(audit_events::entity_id.eq(id.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if let Some(before) = &page.cursor {
        query = query.filter(audit_events::id.lt(before.clone()));
    }
    Ok(query.order(audit_events::id.desc()).limit(page.fetch()).load(conn)?)
}
