use diesel::prelude::*;
use uuid::Uuid;

use super::{Actor, Event};
use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::error::ApiError;
use crate::http::pagination::PageRequest;
use crate::http::{context, time};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub organization_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub request_id: String,
    pub occurred_at: chrono::NaiveDateTime,
}

/// Appends one event; call it inside the transaction of the change.
pub fn record(conn: &mut DbConn, actor: Option<&Actor>, event: Event<'_>) -> Result<(), ApiError> {
    let query = diesel::insert_into(audit_events::table).values((
        audit_events::id.eq(Uuid::now_v7().to_string()),
        audit_events::organization_id.eq(event.organization_id),
        audit_events::actor_id.eq(actor.map(|a| a.id.as_str())),
        audit_events::actor_role.eq(actor.map(|a| a.role.as_str())),
        audit_events::action.eq(event.action),
        audit_events::entity_type.eq(event.entity_type),
        audit_events::entity_id.eq(event.entity_id),
        audit_events::from_state.eq(event.from_state),
        audit_events::to_state.eq(event.to_state),
        audit_events::request_id.eq(context::request_id()),
        audit_events::occurred_at.eq(time::now()),
    ));
    crate::native!(conn, |c| query.execute(c))?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
}

/// Newest first; `organization_scope` confines a partner to their organization.
pub fn list(
    conn: &mut DbConn,
    organization_scope: Option<&str>,
    filter: &Filter,
    page: &PageRequest,
) -> Result<Vec<AuditEvent>, ApiError> {
    let mut query = audit_events::table.select(AuditEvent::as_select()).into_boxed();
    if let Some(org) = organization_scope {
        query = query.filter(audit_events::organization_id.eq(org.to_owned()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(audit_events::organization_id.eq(org.clone()));
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
    if let Some(before) = &page.before_id {
        query = query.filter(audit_events::id.lt(before.clone()));
    }
    Ok(query.order(audit_events::id.desc()).limit(page.fetch()).load(conn)?)
}
