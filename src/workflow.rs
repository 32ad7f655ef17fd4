//! What every change of every resource goes through, after its state machine's verdict
//! (`lifecycle`), in one place:
//! - the version-guarded write ([`commit`]): an object that changed since it was read is
//!   [`ApiError::stale`], and `db::write` decides again on what is there now;
//! - what a change leaves behind ([`record`]), in the same transaction: its audit event, and
//!   for a change of an organization that partners may see, its event of the feed with a
//!   delivery for every webhook endpoint that asks for it.

use crate::audit::model::AuditAction;
use crate::audit::repo::{self as audit, NewEvent};
use crate::auth::caller::Actor;
use crate::changes::Operation;
use crate::db::DbConn;
use crate::error::ApiError;
use crate::ids::OrganizationId;

/// One change of one object, as it is recorded.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: AuditAction,
    pub entity_id: &'a str,
    pub organization_id: Option<&'a OrganizationId>,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    /// What an edit changed (RFC 6902, from the object before to the object after).
    pub changes: Option<Vec<Operation>>,
    /// The object after the change as its event carries it (JSON), when the change has it in
    /// hand already; otherwise the event reads it back.
    pub object: Option<Box<serde_json::value::RawValue>>,
}

impl<'a> Change<'a> {
    pub fn new(action: AuditAction, entity_id: &'a str, organization_id: Option<&'a OrganizationId>) -> Self {
        Self {
            action,
            entity_id,
            organization_id,
            from_state: None,
            to_state: None,
            changes: None,
            object: None,
        }
    }

    /// The operations of an edit.
    pub fn changes(mut self, operations: Vec<Operation>) -> Self {
        self.changes = Some(operations);
        self
    }

    /// The object after the change, as the owner's `GET` shows it (without `allowed_actions`).
    pub fn object(mut self, object: Box<serde_json::value::RawValue>) -> Self {
        self.object = Some(object);
        self
    }

    /// The object moved from one state to another (`None`: it did not exist, or no longer does).
    pub fn states(mut self, from: Option<&'a str>, to: Option<&'a str>) -> Self {
        self.from_state = from;
        self.to_state = to;
        self
    }
}

/// Writes `change`: first `write`, the version-guarded update (its rows affected; anything but
/// one means the object moved on since it was read), then [`record`].
pub fn commit(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    change: Change<'_>,
    write: impl FnOnce(&mut DbConn) -> Result<usize, ApiError>,
) -> Result<(), ApiError> {
    crate::db::guarded(write(conn)?)?;
    record(conn, actor, change)
}

/// What a change leaves behind, in its transaction: its audit event, and the event (with its
/// deliveries) of a change of an organization that partners may see.
pub fn record(conn: &mut DbConn, actor: Option<&Actor>, change: Change<'_>) -> Result<(), ApiError> {
    let request_id = crate::context::request_id();
    let changes = change.changes.as_deref();
    // A change partners must not learn of (an internal note) is audited, never an event.
    if let (Some(organization_id), false) = (change.organization_id, change.action.is_staff_only()) {
        crate::events::service::emit(
            conn,
            change.action,
            change.entity_id,
            organization_id,
            &request_id,
            changes,
            change.object,
        )?;
    }
    let changes = changes.map(serde_json::to_string).transpose()?;
    audit::insert(
        conn,
        NewEvent {
            organization_id: change.organization_id,
            actor,
            action: change.action,
            entity_id: change.entity_id,
            from_state: change.from_state,
            to_state: change.to_state,
            changes: changes.as_deref(),
            request_id: &request_id,
        },
    )
}
