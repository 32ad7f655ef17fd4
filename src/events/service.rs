//! The event feed: every change of an organization becomes an event in the transaction that
//! makes it, and with it a delivery for each of the organization's webhook endpoints that asks
//! for it (a transactional outbox: a committed change always has its event and deliveries).

use chrono::Duration;

use super::dto::EventDataToWrite;
use super::model::Event;
use super::repo;
use super::types;
use crate::audit::model::AuditAction;
use crate::auth::Caller;
use crate::auth::roles::Capability;
use crate::changes::Operation;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::{EventId, OrganizationId};
use crate::time;
use serde_json::value::RawValue;

/// How long events are kept.
pub const RETENTION_DAYS: i64 = 30;

/// Records the event of `action` on `entity_id`, an object of `organization_id`, and its
/// deliveries. The event carries `object`, or the entity as it is now when that is `None`.
pub fn emit(
    conn: &mut DbConn,
    action: AuditAction,
    entity_id: &str,
    organization_id: &OrganizationId,
    request_id: &str,
    changes: Option<&[Operation]>,
    object: Option<Box<RawValue>>,
) -> Result<(), ApiError> {
    let object = match object {
        Some(object) => object,
        None => serde_json::value::to_raw_value(&super::object::render(conn, action, entity_id, organization_id)?)?,
    };
    let data = EventDataToWrite {
        object: &object,
        changes,
    };
    let event = Event {
        id: EventId::generate(),
        organization_id: *organization_id,
        sequence: repo::next_sequence(conn, organization_id)?,
        event_type: action,
        occurred_at: time::now(),
        request_id: request_id.to_owned(),
        data: serde_json::to_string(&data)?,
    };
    repo::insert(conn, &event)?;
    crate::db::statistics::wrote(crate::db::statistics::Filled::Events, 1);
    crate::webhooks::outbox::fan_out(conn, &event, entity_id)
}

/// The organization whose events the caller reads: its own, or for staff the one named.
fn organization(caller: &Caller, named: Option<OrganizationId>) -> Result<OrganizationId, ApiError> {
    caller.require(Capability::ReadAuditLog)?;
    match (caller.organization_scope(), named) {
        (Some(own), Some(named)) if own != named => Err(ApiError::not_found()),
        (Some(own), _) => Ok(own),
        (None, Some(named)) => Ok(named),
        (None, None) => Err(ApiError::invalid_parameter(
            "Staff read one organization's events: pass `organization_id`.",
        )),
    }
}

/// Events after `after`, oldest first, of the types `type_list` asks for.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    organization_id: Option<OrganizationId>,
    after: i64,
    type_list: Option<&str>,
    limit: i64,
) -> Result<Vec<Event>, ApiError> {
    let organization_id = organization(caller, organization_id)?;
    let types = types::expand(type_list).map_err(|e| ApiError::invalid_parameter(format!("`type`: {e}.")))?;
    repo::list(conn, &organization_id, after, &types, limit)
}

/// One event the caller may read; 404 otherwise.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &EventId) -> Result<Event, ApiError> {
    let event = caller.visible(repo::find(conn, id)?, |e| &e.organization_id)?;
    caller.require(Capability::ReadAuditLog)?;
    Ok(event)
}

/// Deletes events past their retention, with their deliveries (run at start and every hour).
pub fn purge_expired(conn: &mut DbConn) -> Result<usize, ApiError> {
    repo::purge(conn, time::now() - Duration::days(RETENTION_DAYS))
}
